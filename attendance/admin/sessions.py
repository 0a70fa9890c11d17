"""Sessions in the admin: the listing, scheduling one session or a weekly series, editing,
the session page and cancelling.

Every view looks a session up through `sessions_visible_to(user)`: out of scope answers 404,
as for a session that does not exist. A user without the model permission gets a plain 403
page. The rules are attendance.scheduling's and attendance.services'; these views only ask.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, ProtectedError, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.models import CopyViewMixin
from wagtail.admin.widgets.button import Button, HeaderButton
from wagtail.log_actions import log

from lms.exports.listing import ExportColumn, choice_labels
from lms.ledger.models import Track
from lms.people.admin_scope import (
    ScopedDeleteView,
    ScopedEditView,
    ScopedIndexView,
    ScopedInspectView,
)
from lms.people.selectors import village_names

from .. import scheduling
from ..exceptions import AttendanceError, BookingConflict
from ..models import (
    AttendanceChange,
    AttendanceRecord,
    Registration,
    SessionKind,
    TrainingSession,
)
from ..selectors import session_counts, session_evaluation_summary, session_rate
from ..services import session_cancel
from .chooser import person_chooser_viewset
from .common import (
    CALENDAR,
    PermissionMixin,
    SessionPageMixin,
    local,
    session_policy,
    session_url,
    user_label,
)
from .forms import (
    SessionSeriesForm,
)
from .imports import plan_import_header_button, sheet_import_button

# --- Listing ----------------------------------------------------------------------------------


def _count_subquery(queryset):
    return Coalesce(
        Subquery(
            queryset.filter(session=OuterRef("pk"))
            .order_by()
            .values("session")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def sessions_with_counts(queryset):
    """人次 came and people invited per session, as two subqueries (no row multiplication)."""
    return queryset.annotate(
        came_count=_count_subquery(
            AttendanceRecord.objects.filter(status__in=AttendanceRecord.CAME)
        ),
        invited_count=_count_subquery(
            Registration.objects.filter(status=Registration.Status.REGISTERED)
        ),
    )


class SessionIndexView(ScopedIndexView):
    def _get_title_column(self, field_name, *args, **kwargs):
        # A click on the topic opens the session's page (roster, records, sheet), not the
        # form; "Edit" stays in the row's menu.
        column = super()._get_title_column(field_name, *args, **kwargs)
        column._get_url_func = self.get_inspect_url
        return column

    def get_base_queryset(self):
        return sessions_with_counts(
            super().get_base_queryset().select_related("village", "kind", "trainer_person")
        )

    def export_columns(self):
        """Values as the annual-plan import reads them, times in local time."""
        kinds = dict(SessionKind.objects.values_list("pk", "name"))
        return {
            "code": ExportColumn("code"),
            "topic": ExportColumn("topic"),
            "track": ExportColumn("track", choice_labels(Track).get),
            "kind": ExportColumn("kind_id", kinds.get),
            "village": ExportColumn("village_id", village_names().get),
            "venue": ExportColumn("venue"),
            "starts_at": ExportColumn.moment_of("starts_at"),
            "ends_at": ExportColumn.moment_of("ends_at"),
            "study_hours": ExportColumn("study_hours"),
            "trainer": ExportColumn(
                ("trainer_name", "trainer_person__name"), lambda name, person: name or person or ""
            ),
            "audience": ExportColumn("audience", choice_labels(TrainingSession.Audience).get),
            "capacity": ExportColumn("capacity"),
            "status": ExportColumn("status", choice_labels(TrainingSession.Status).get),
            "invited_count": ExportColumn("invited_count"),
            "came_count": ExportColumn("came_count"),
        }

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if session_policy().user_has_permission(self.request.user, "add"):
            buttons.append(
                HeaderButton(
                    _("New weekly series"), url=session_url("add_series"), icon_name="rotate"
                )
            )
        buttons.append(
            HeaderButton(_("Calendar"), url=reverse(f"{CALENDAR}:index"), icon_name="date")
        )

        if import_button := plan_import_header_button(self.request.user):
            buttons.append(import_button)
        return buttons


# --- Creating and changing --------------------------------------------------------------------


class _SessionFormMixin:
    """Save through the scheduling services; a clash found at save time is a form error."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except BookingConflict as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            form.add_error(None, error)
        self.produced_error_message = self.get_error_message()
        return self.form_invalid(form)

    def get_success_url(self):
        return session_url("inspect", self.object.pk)


class SessionCreateView(_SessionFormMixin, generic.CreateView):
    def save_instance(self):
        session = scheduling.session_create(by=self.request.user, **self.form.session_data())
        log(instance=session, action="wagtail.create", user=self.request.user)
        return session


class SessionCopyView(CopyViewMixin, SessionCreateView):
    """A new session from an existing one (the same training in another village or week)."""

    scope = None

    def get_object(self, queryset=None):
        # Scope first: the policy's own check would answer an out-of-scope session with a
        # redirect, which tells the user it exists.
        pk = self.kwargs[self.pk_url_kwarg]
        if not self.scope(self.request.user).filter(pk=pk).exists():
            raise Http404
        return super().get_object(queryset)

    def get_initial_form_instance(self):
        session = self.get_object()
        session.pk = None
        session._state.adding = True
        session.code = ""
        session.series = None
        session.status = TrainingSession.Status.PLANNED
        return session


class SessionEditView(_SessionFormMixin, ScopedEditView):
    def save_instance(self):
        session = scheduling.session_update(
            session=self.object, data=self.form.session_data(), by=self.request.user
        )
        log(
            instance=session,
            action="wagtail.edit",
            user=self.request.user,
            content_changed=self.form.has_changed(),
        )
        return session

    @cached_property
    def header_more_buttons(self):
        return [*super().header_more_buttons, *session_page_buttons(self.request, self.object)]


class SessionDeleteView(ScopedDeleteView):
    """Only a session nobody attended can be deleted; otherwise it is cancelled."""

    def form_valid(self, form):
        try:
            with transaction.atomic():
                return super().form_valid(form)
        except ProtectedError:
            messages.error(
                self.request,
                _("Attendance has been recorded for this session, so it cannot be deleted."),
            )
            return redirect(session_url("inspect", self.object.pk))


SESSION_BUTTONS_HOOK = "attendance_session_buttons"


def session_hooked_buttons(request, session: TrainingSession) -> list:
    """Actions other apps add to a session page (certificates: 颁发培训证书), through the
    `attendance_session_buttons` hook: fn(request, session) -> [Button]. Attendance knows
    nothing of them."""
    buttons = []
    for add_buttons in hooks.get_hooks(SESSION_BUTTONS_HOOK):
        buttons += add_buttons(request, session)
    return buttons


def session_page_buttons(request, session: TrainingSession, *, print_button=True) -> list:
    """The actions on a session, for those who may take them."""
    policy = session_policy()
    can_change = policy.user_has_permission_for_instance(request.user, "change", session)
    buttons = []
    if print_button:
        buttons.append(
            Button(
                _("Print sign-in sheet"),
                url=session_url("sheet_pdf", session.pk),
                icon_name="doc-full",
                priority=5,
                attrs={"target": "_blank", "rel": "noopener"},
            )
        )
    buttons += [
        Button(
            _("Roster and invitations"),
            url=session_url("roster", session.pk),
            icon_name="group",
            priority=6,
        ),
    ]

    if import_button := sheet_import_button(request.user, session):
        buttons.append(import_button)
    buttons += session_hooked_buttons(request, session)
    if can_change:
        buttons.append(
            Button(
                _("Attach photos of the sheet"),
                url=session_url("photos", session.pk),
                icon_name="image",
                priority=7,
            )
        )
        if session.status != TrainingSession.Status.CANCELLED:
            buttons.append(
                Button(
                    _("Cancel session"),
                    url=session_url("cancel", session.pk),
                    icon_name="cross",
                    priority=50,
                )
            )
    return buttons


# --- The session page -------------------------------------------------------------------------


class SessionInspectView(ScopedInspectView):
    """The session: its details, arrivals against the roster, every record and its history,
    and the photos of the paper sheet."""

    template_name = "attendance/admin/session_inspect.html"

    def get_object(self, queryset=None):
        session = (
            TrainingSession.objects.select_related("village", "kind", "trainer_person")
            .filter(pk=self.pk)
            .first()
        )
        if session is None or not self.scope(self.request.user).filter(pk=session.pk).exists():
            raise Http404
        return session

    @cached_property
    def header_buttons(self):
        return [
            HeaderButton(
                _("Print sign-in sheet"),
                url=session_url("sheet_pdf", self.object.pk),
                icon_name="doc-full",
                attrs={"target": "_blank", "rel": "noopener"},
            )
        ]

    @cached_property
    def header_more_buttons(self):
        return [
            *super().header_more_buttons,
            *session_page_buttons(self.request, self.object, print_button=False),
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        session = self.object
        records = sorted(
            session.attendance.select_related("person__village", "recorded_by__person"),
            # Those who came in the order they arrived, then the others by name.
            key=lambda record: (
                (0, record.signed_in_at or record.updated_at, record.person.name)
                if record.came
                else (1, record.person.name)
            ),
        )
        changes = list(
            AttendanceChange.objects.filter(record__session=session)
            .select_related("record__person", "changed_by__person")
            .order_by("-changed_at", "-pk")
        )
        status_labels = dict(AttendanceRecord.Status.choices)
        counts = session_counts(session)
        context.update(
            {
                "hooked_buttons": session_hooked_buttons(self.request, session),
                "counts": counts,
                "evaluation": session_evaluation_summary(session),
                "rate": session_rate(counts),
                "status_counts": [
                    (label, counts[value]) for value, label in AttendanceRecord.Status.choices
                ],
                "records": [
                    {
                        "record": record,
                        "recorded_by": user_label(record.recorded_by),
                        "signed_in_at": local(record.signed_in_at),
                        "signed_out_at": local(record.signed_out_at, "%H:%M"),
                        "updated_at": local(record.updated_at),
                    }
                    for record in records
                ],
                "changes": [
                    {
                        "change": change,
                        "person": change.record.person,
                        "from": status_labels.get(change.from_status, change.from_status),
                        "to": status_labels.get(change.to_status, change.to_status),
                        "method": change.get_method_display(),
                        "by": user_label(change.changed_by),
                        "at": local(change.changed_at, "%Y-%m-%d %H:%M:%S"),
                    }
                    for change in changes
                ],
                "photos": [
                    {
                        "photo": photo,
                        "url": session_url("photo", session.pk, photo.pk),
                        "by": user_label(photo.uploaded_by),
                        "at": local(photo.uploaded_at),
                    }
                    for photo in session.sheet_photos.select_related("uploaded_by__person")
                ],
                "when": scheduling.session_when(session),
                "roster_url": session_url("roster", session.pk),
                "photos_url": session_url("photos", session.pk),
                "sheet_url": session_url("sheet_pdf", session.pk),
            }
        )
        return context

    def get_trainer_person_display_value(self):
        person = self.object.trainer_person
        return f"{person.name}（{person.village.name}）" if person else "—"

    def get_starts_at_display_value(self):
        return local(self.object.starts_at)

    def get_ends_at_display_value(self):
        return local(self.object.ends_at)

    def get_capacity_display_value(self):
        return self.object.capacity if self.object.capacity is not None else _("no limit")


# --- Cancelling -------------------------------------------------------------------------------


class SessionCancelView(SessionPageMixin, TemplateView):
    """Cancel a session nobody came to (services.session_cancel says when it cannot be)."""

    permission_action = "change"
    page_title = gettext_lazy("Cancel session")
    header_icon = "cross"
    template_name = "attendance/admin/session_cancel.html"

    def post(self, request, *args, **kwargs):
        try:
            session_cancel(session=self.session, by=request.user)
        except AttendanceError as error:
            messages.error(request, str(error))
            return redirect(session_url("inspect", self.session.pk))
        log(instance=self.session, action="attendance.cancel", user=request.user)
        messages.success(request, _("“%(topic)s” was cancelled.") % {"topic": self.session.topic})
        return redirect(session_url("inspect", self.session.pk))


# --- A weekly series --------------------------------------------------------------------------


class SessionSeriesCreateView(PermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    """Every Tuesday 9:00–11:00 for 10 weeks, in one step; all or nothing."""

    permission_action = "add"
    page_title = gettext_lazy("New weekly series")
    header_icon = "rotate"
    template_name = "attendance/admin/session_series.html"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {
                "url": session_url("index"),
                "label": capfirst(TrainingSession._meta.verbose_name_plural),
            },
            {"url": "", "label": self.get_page_title()},
        ]

    def make_form(self, data=None):
        return SessionSeriesForm(
            data,
            for_user=self.request.user,
            trainer_widget=person_chooser_viewset.widget_class(),
        )

    def get_context_data(self, form=None, **kwargs):
        form = form or self.make_form()
        return super().get_context_data(form=form, media=form.media, **kwargs)

    def post(self, request, *args, **kwargs):
        form = self.make_form(request.POST)
        if form.is_valid():
            try:
                sessions = scheduling.session_create_recurring(
                    **form.series_arguments(), by=request.user
                )
            except BookingConflict as error:
                form.add_error(None, str(error))
            except ValidationError as error:
                form.add_error(None, error)
            else:
                for session in sessions:
                    log(instance=session, action="wagtail.create", user=request.user)
                messages.success(
                    request,
                    ngettext(
                        "%(count)d session created, on %(first)s.",
                        "%(count)d sessions created, from %(first)s to %(last)s.",
                        len(sessions),
                    )
                    % {
                        "count": len(sessions),
                        "first": sessions[0].local_date,
                        "last": sessions[-1].local_date,
                    },
                )
                return redirect(session_url("index"))
        return self.render_to_response(self.get_context_data(form=form))
