"""Admin views for sessions: the listing and the session page, scheduling (one session or a
weekly series), cancelling, the roster and invitations, the printed sign-in sheet, photos of
the paper sheet, and the calendar.

Every view looks a session up through `sessions_visible_to(user)`: out of scope answers 404,
as for a session that does not exist. A user without the model permission gets a plain 403
page. The rules are attendance.scheduling's and attendance.services'; these views only ask.
"""

import calendar
import datetime
from collections import defaultdict

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, ProtectedError, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import TemplateView, View
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.models import CopyViewMixin
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.widgets.button import Button, HeaderButton
from wagtail.log_actions import log
from wagtail.permissions import policy_registry

from lms.people.admin_scope import (
    ScopedDeleteView,
    ScopedEditView,
    ScopedIndexView,
    ScopedInspectView,
)
from lms.people.models import Person
from lms.people.selectors import (
    people_matching,
    people_visible_to,
    user_sees_identifiers,
    villages_visible_to,
)

from . import scheduling
from .admin_forms import (
    BranchInviteForm,
    PeopleInviteForm,
    RosterSearchForm,
    SessionSeriesForm,
    SheetPhotoForm,
    VillageInviteForm,
)
from .exceptions import AttendanceError, BookingConflict
from .models import (
    AttendanceChange,
    AttendanceRecord,
    Registration,
    SheetPhoto,
    TrainingSession,
)
from .selectors import session_counts, session_evaluation_summary, sessions_visible_to
from .services import session_cancel
from .sheet_pdf import sign_in_sheet_filename, sign_in_sheet_pdf

SESSIONS = "training_sessions"  # the sessions viewset's URL namespace
CALENDAR = "attendance_calendar"
PERSON_CHOOSER = "attendance_person_chooser"
ROSTER_SEARCH_LIMIT = 100


def session_url(name: str, *args) -> str:
    return reverse(f"{SESSIONS}:{name}", args=args)


def session_policy():
    return policy_registry.get_by_type(TrainingSession)


def user_label(user) -> str:
    """Who did something, by name. Never a villager's user name: it is their phone number."""
    if user is None:
        return ""
    person = getattr(user, "person", None)  # RelatedObjectDoesNotExist is an AttributeError
    if person is not None:
        return person.name
    return user.get_full_name() or user.get_username()


def local(value: datetime.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return timezone.localtime(value).strftime(fmt) if value else ""


# --- A person chooser limited to the editor's villages ----------------------------------------


class PersonSearchForm(BaseFilterForm):
    q = forms.CharField(
        label=gettext_lazy("Search term"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("Name or phone number")}),
    )


class _ScopedPeopleMixin:
    """The people the editor may see, searched as the people listing searches them."""

    filter_form_class = PersonSearchForm
    ordering = ["village__name", "name", "pk"]

    def get_object_list(self):
        return people_visible_to(self.request.user).select_related("village")

    def filter_object_list(self, objects):
        objects = super().filter_object_list(objects)
        query = (self.filter_form.cleaned_data.get("q") or "").strip()
        if query:
            objects = people_matching(objects, query=query, user=self.request.user)
            self.filter_form.is_searching = True
            self.filter_form.search_query = query
        return objects

    @property
    def columns(self):
        # Two 王伟 in one township are told apart by their village.
        return [
            *super().columns,
            Column("village", label=gettext_lazy("Village"), accessor="village.name"),
        ]


class PersonChooseView(_ScopedPeopleMixin, chooser_views.ChooseView):
    pass


class PersonChooseResultsView(_ScopedPeopleMixin, chooser_views.ChooseResultsView):
    pass


class PersonChosenView(chooser_views.ChosenView):
    def get_object(self, pk):
        return people_visible_to(self.request.user).select_related("village").get(pk=pk)

    def get_display_title(self, instance):
        return f"{instance.name}（{instance.village.name}）"


class PersonChosenMultipleView(chooser_views.ChosenMultipleView):
    def get_objects(self, pks):
        return people_visible_to(self.request.user).filter(pk__in=pks)


class PersonChooserViewSet(ChooserViewSet):
    """Choose a trainer from the roster, searching by name (or a whole phone number)."""

    model = Person
    icon = "user"
    choose_one_text = gettext_lazy("Choose a person")
    choose_another_text = gettext_lazy("Choose another person")
    edit_item_text = gettext_lazy("Edit this person")
    register_widget = False  # other apps' Person fields keep their own widget
    per_page = 20
    choose_view_class = PersonChooseView
    choose_results_view_class = PersonChooseResultsView
    chosen_view_class = PersonChosenView
    chosen_multiple_view_class = PersonChosenMultipleView

    def get_urlpatterns(self):
        # No "create" tab: people are added in the people admin.
        return [p for p in super().get_urlpatterns() if p.name != "create"]


person_chooser_viewset = PersonChooserViewSet(PERSON_CHOOSER, url_prefix="attendance/choose-person")


# --- 403 and scope ----------------------------------------------------------------------------


class _PermissionMixin:
    """Answer 403 to users without the model permission before anything is looked up."""

    permission_action = "view"

    def user_is_allowed(self, user) -> bool:
        policy = session_policy()
        if self.permission_action == "view":
            return policy.user_has_any_permission(user, ["view", "add", "change", "delete"])
        return policy.user_has_permission(user, self.permission_action)

    def dispatch(self, request, *args, **kwargs):
        if not self.user_is_allowed(request.user):
            title = _("Permission denied")
            return TemplateResponse(
                request,
                "people/admin/forbidden.html",
                {"page_title": title, "header_title": title, "header_icon": "warning"},
                status=403,
            )
        return super().dispatch(request, *args, **kwargs)


class _SessionPageMixin(_PermissionMixin, WagtailAdminTemplateMixin):
    """A page about one session in scope: breadcrumbs Home › Training sessions › session."""

    header_icon = "date"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.session_pk = kwargs["pk"]

    @cached_property
    def session(self) -> TrainingSession:
        session = (
            sessions_visible_to(self.request.user)
            .select_related("village", "kind", "trainer_person")
            .filter(pk=self.session_pk)
            .first()
        )
        if session is None:
            raise Http404
        return session

    def get_page_subtitle(self):
        return str(self.session)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {
                "url": session_url("index"),
                "label": capfirst(TrainingSession._meta.verbose_name_plural),
            },
            {"url": session_url("inspect", self.session.pk), "label": str(self.session)},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(session=self.session, **kwargs)


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

    def to_row_dict(self, item):
        """Values as the annual-plan import reads them, times in local time."""
        values = {
            "code": item.code,
            "topic": item.topic,
            "track": item.get_track_display(),
            "kind": item.kind.name,
            "village": item.village.name,
            "venue": item.venue,
            "starts_at": local(item.starts_at),
            "ends_at": local(item.ends_at),
            "study_hours": item.study_hours,
            "trainer": item.trainer_label,
            "audience": item.get_audience_display(),
            "capacity": item.capacity if item.capacity is not None else "",
            "status": item.get_status_display(),
            "invited_count": item.invited_count,
            "came_count": item.came_count,
        }
        return {field: values[field] for field in self.list_export}

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
        from .admin_imports import plan_import_header_button  # it builds on this module

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
    from .admin_imports import sheet_import_button  # it builds on this module

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
                "rate": round(100 * counts["came"] / counts["invited"])
                if counts["invited"]
                else None,
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

    def get_requires_sign_out_display_value(self):
        return _("yes") if self.object.requires_sign_out else _("no")


# --- Cancelling -------------------------------------------------------------------------------


class SessionCancelView(_SessionPageMixin, TemplateView):
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


# --- Roster and invitations -------------------------------------------------------------------


class SessionRosterView(_SessionPageMixin, TemplateView):
    """Who is invited and who waits; invite a village, a party branch or chosen people."""

    page_title = gettext_lazy("Roster and invitations")
    header_icon = "group"
    template_name = "attendance/admin/session_roster.html"
    forms = {"village": VillageInviteForm, "branch": BranchInviteForm, "people": PeopleInviteForm}

    @cached_property
    def can_change(self) -> bool:
        return session_policy().user_has_permission_for_instance(
            self.request.user, "change", self.session
        )

    @cached_property
    def masked(self) -> bool:
        return not user_sees_identifiers(self.request.user)

    def candidates(self, query: str) -> list[Person]:
        if not query:
            return []
        already = self.session.registrations.exclude(status=Registration.Status.CANCELLED).values(
            "person_id"
        )
        user = self.request.user
        people = (
            people_matching(people_visible_to(user), query=query, user=user)
            .exclude(pk__in=already)
            .select_related("village")
            .order_by("village__name", "name", "pk")
        )
        return list(people[:ROSTER_SEARCH_LIMIT])

    def make_forms(self, data=None, mode=None):
        search = RosterSearchForm(self.request.GET or None)
        query = search.cleaned_data["q"].strip() if search.is_valid() else ""
        user = self.request.user
        forms = {
            "village": VillageInviteForm(data if mode == "village" else None, user=user),
            "branch": BranchInviteForm(data if mode == "branch" else None, user=user),
            "people": PeopleInviteForm(
                data if mode == "people" else None,
                user=user,
                candidates=self.candidates(query),
                masked=self.masked,
            ),
        }
        return search, query, forms

    def get_context_data(self, forms=None, **kwargs):
        search, query, fresh = self.make_forms()
        forms = {**fresh, **(forms or {})}
        registrations = list(
            self.session.registrations.select_related(
                "person__village", "invited_by__person"
            ).order_by("status", "created_at", "pk")
        )
        rows = []
        for registration in registrations:
            person = registration.person
            rows.append(
                {
                    "registration": registration,
                    "person": person,
                    "phone": person.masked_phone if self.masked else person.phone,
                    "invited_by": user_label(registration.invited_by),
                    "created_at": local(registration.created_at),
                    "cancel_url": session_url(
                        "registration_cancel", self.session.pk, registration.pk
                    ),
                }
            )
        by_status = defaultdict(list)
        for row in rows:
            by_status[row["registration"].status].append(row)
        return super().get_context_data(
            counts=session_counts(self.session),
            registered=by_status[Registration.Status.REGISTERED],
            waitlisted=by_status[Registration.Status.WAITLISTED],
            cancelled=by_status[Registration.Status.CANCELLED],
            can_change=self.can_change and self.session.status != TrainingSession.Status.CANCELLED,
            search_form=search,
            query=query,
            village_form=forms["village"],
            branch_form=forms["branch"],
            people_form=forms["people"],
            sheet_url=session_url("sheet_pdf", self.session.pk),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if not self.can_change:
            raise Http404
        mode = request.POST.get("mode")
        if mode not in self.forms:
            return redirect(session_url("roster", self.session.pk))
        _search, _query, forms = self.make_forms(request.POST, mode)
        form = forms[mode]
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(forms={mode: form}))
        data = form.cleaned_data
        try:
            counts = scheduling.registration_invite(
                session=self.session,
                people=data.get("people", ()),
                village=data.get("village"),
                branch=data.get("branch"),
                party_members_only=data.get("party_members_only", False),
                by=request.user,
            )
        except AttendanceError as error:
            messages.error(request, str(error))
            return redirect(session_url("roster", self.session.pk))
        messages.success(
            request,
            _(
                "Invited: %(registered)d registered, %(waitlisted)d on the waiting list, "
                "%(already)d already invited."
            )
            % counts,
        )
        return redirect(session_url("roster", self.session.pk))


class RegistrationCancelView(_SessionPageMixin, View):
    permission_action = "change"
    http_method_names = ["post"]

    def post(self, request, *args, pk, registration_pk, **kwargs):
        registration = self.session.registrations.filter(pk=registration_pk).first()
        if registration is None:
            raise Http404
        promoted = scheduling.registration_cancel(registration=registration, by=request.user)
        message = _("%(name)s is no longer invited.") % {"name": registration.person.name}
        if promoted is not None:
            message += " " + _("%(name)s moves up from the waiting list.") % {
                "name": promoted.person.name
            }
        messages.success(request, message)
        return redirect(session_url("roster", self.session.pk))


# --- The printed sheet and its photos ---------------------------------------------------------


class SheetPdfView(_SessionPageMixin, View):
    """打印签到表: the invited roster and empty lines, for a venue with no signal."""

    def get(self, request, *args, **kwargs):
        pdf = sign_in_sheet_pdf(session=self.session)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'inline; filename="{sign_in_sheet_filename(self.session)}"'
        )
        response["Cache-Control"] = "private, no-store"
        return response


class SheetPhotoUploadView(_SessionPageMixin, TemplateView):
    permission_action = "change"
    page_title = gettext_lazy("Photos of the paper sheet")
    header_icon = "image"
    template_name = "attendance/admin/sheet_photos.html"

    def get_context_data(self, form=None, **kwargs):
        return super().get_context_data(
            form=form or SheetPhotoForm(),
            photos=[
                {"photo": photo, "url": session_url("photo", self.session.pk, photo.pk)}
                for photo in self.session.sheet_photos.all()
            ],
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = SheetPhotoForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                with transaction.atomic():
                    for upload in form.cleaned_data["photos"]:
                        scheduling.sheet_photo_attach(
                            session=self.session, upload=upload, by=request.user
                        )
            except AttendanceError as error:
                form.add_error("photos", str(error))
            else:
                count = len(form.cleaned_data["photos"])
                messages.success(
                    request,
                    ngettext(
                        "%(count)d photo attached to the session.",
                        "%(count)d photos attached to the session.",
                        count,
                    )
                    % {"count": count},
                )
                return redirect(session_url("inspect", self.session.pk))
        return self.render_to_response(self.get_context_data(form=form))


class SheetPhotoView(_SessionPageMixin, View):
    """A photo, served only to those who may see the session (it shows names and phones)."""

    def get(self, request, *args, photo_pk, **kwargs):
        photo = SheetPhoto.objects.filter(session=self.session, pk=photo_pk).first()
        if photo is None:
            raise Http404
        try:
            handle = photo.image.open("rb")
        except (FileNotFoundError, OSError) as error:
            raise Http404 from error
        response = FileResponse(handle, content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=3600"
        return response


# --- A weekly series --------------------------------------------------------------------------


class SessionSeriesCreateView(_PermissionMixin, WagtailAdminTemplateMixin, TemplateView):
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


# --- The calendar -----------------------------------------------------------------------------


def _parse_month(value: str | None, today: datetime.date) -> datetime.date:
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return datetime.date(year, month, 1)
    except (TypeError, ValueError):
        return today.replace(day=1)


def _parse_date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _shift_month(first: datetime.date, months: int) -> datetime.date:
    index = first.year * 12 + first.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


class SessionCalendarView(_PermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    """A month of sessions in scope (?month=2026-03), and on a phone the list of one week
    (?week=2026-03-09); each links to its session page."""

    page_title = gettext_lazy("Training calendar")
    header_icon = "date"
    template_name = "attendance/admin/calendar.html"
    breadcrumbs_items = []  # a top-level page: Wagtail's plain header with the title

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        week_param = _parse_date(self.request.GET.get("week"))
        month = _parse_month(self.request.GET.get("month"), today)
        if week_param and not self.request.GET.get("month"):
            month = week_param.replace(day=1)
        weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
        if week_param:
            week_start = week_param - datetime.timedelta(days=week_param.weekday())
        elif month <= today < _shift_month(month, 1):
            week_start = today - datetime.timedelta(days=today.weekday())
        else:
            week_start = weeks[0][0]
        week_days = [week_start + datetime.timedelta(days=n) for n in range(7)]

        villages = villages_visible_to(self.request.user)
        village = None
        village_id = self.request.GET.get("village")
        if village_id and village_id.isdigit():
            village = villages.filter(pk=village_id).first()

        first_day = min(weeks[0][0], week_start)
        last_day = max(weeks[-1][-1], week_days[-1])
        zone = timezone.get_current_timezone()
        sessions = (
            sessions_visible_to(self.request.user)
            .filter(
                starts_at__gte=datetime.datetime.combine(first_day, datetime.time.min, zone),
                starts_at__lt=datetime.datetime.combine(
                    last_day + datetime.timedelta(days=1), datetime.time.min, zone
                ),
            )
            .select_related("village", "kind")
            .order_by("starts_at", "pk")
        )
        if village is not None:
            sessions = sessions.filter(village=village)
        by_day = defaultdict(list)
        for session in sessions:
            start = timezone.localtime(session.starts_at)
            by_day[start.date()].append(
                {
                    "session": session,
                    "time": f"{start:%H:%M}",
                    "url": session_url("inspect", session.pk),
                    "cancelled": session.status == TrainingSession.Status.CANCELLED,
                }
            )

        def query(**params):
            values = {"village": village.pk if village else None, **params}
            return "?" + "&".join(f"{key}={value}" for key, value in values.items() if value)

        return super().get_context_data(
            month=month,
            month_label=formats.date_format(month, "YEAR_MONTH_FORMAT"),
            weekday_names=[WEEKDAYS_ABBR[day] for day in range(7)],
            weeks=[
                [
                    {
                        "date": day,
                        "in_month": day.month == month.month,
                        "today": day == today,
                        "sessions": by_day.get(day, []),
                    }
                    for day in week
                ]
                for week in weeks
            ],
            week_days=[
                {"date": day, "today": day == today, "sessions": by_day.get(day, [])}
                for day in week_days
            ],
            week_start=week_start,
            previous_month_url=query(month=f"{_shift_month(month, -1):%Y-%m}"),
            next_month_url=query(month=f"{_shift_month(month, 1):%Y-%m}"),
            this_month_url=query(),
            previous_week_url=query(week=f"{week_start - datetime.timedelta(days=7)}"),
            next_week_url=query(week=f"{week_start + datetime.timedelta(days=7)}"),
            villages=villages,
            village=village,
            can_add=session_policy().user_has_permission(self.request.user, "add"),
            add_url=session_url("add"),
            **kwargs,
        )
