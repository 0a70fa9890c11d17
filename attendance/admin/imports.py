"""The two imports of the training admin, each an upload → preview → confirm:

- the year's training plan (/admin/attendance/sessions/import/), and
- a paper sign-in sheet, from a session's page (/admin/attendance/sessions/<id>/import-sheet/).

The rules live in plan_import and sheet_import; these views check who asks, keep the
uploaded file between the preview and the confirmation (under a signed token, as the roster
import does), and on confirmation plan the file again against today's records: if what
would happen is no longer what was previewed, the new preview is shown instead of writing.
Organizers and secretaries import sessions of their own villages only, and sheets of the
sessions they may change.
"""

from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import include, path, reverse
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import Button, HeaderButton

from lms.imports.tables import TableError
from lms.imports.uploads import (
    ACTION_LABELS,
    StoredUpload,
    UploadExpired,
    fingerprint,
    upload_discard,
    upload_from_token,
    upload_keep,
    upload_read,
    upload_token,
)
from lms.ledger.models import Track
from lms.people.forms import RosterImportForm, RosterUploadForm
from lms.people.identity import mask_phone
from lms.people.models import Township
from lms.people.selectors import (
    user_is_administrator,
    user_sees_identifiers,
    villages_visible_to,
    visible_village_ids,
)

from ..exceptions import AttendanceError
from ..models import AttendanceRecord, SessionKind, TrainingSession
from ..plan_import import SessionPlan, session_import_apply, session_import_plan
from ..sheet_import import SheetPlan, sheet_import_apply, sheet_import_plan
from .common import (
    PermissionMixin,
    SessionPageMixin,
    local,
    session_policy,
    session_url,
)

NAMESPACE = "attendance_imports"
PLAN_TOKEN_SALT = "attendance.admin_imports.plan"
SHEET_TOKEN_SALT = "attendance.admin_imports.sheet"


def session_plan_fingerprint(plan: SessionPlan) -> str:
    """What the user was shown: each row's action, its session and what changes."""
    shown = [
        [row.number, row.action, row.session.pk if row.session else None, row.changes]
        for row in plan.rows
    ]
    shown.append([error.number for error in plan.errors])
    return fingerprint(shown)


def sheet_fingerprint(plan: SheetPlan) -> str:
    """What the user was shown: each row's person (or a new one), status and action."""
    shown = [
        [row.number, row.action, row.person.pk if row.person else None, row.status]
        for row in plan.rows
    ]
    shown.append([error.number for error in plan.errors])
    return fingerprint(shown)


# --- Forms ------------------------------------------------------------------------------------


class SessionPlanUploadForm(RosterImportForm):
    """The plan's file, and its township when the user sees villages of several."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = _("Training plan (CSV or XLSX)")
        self.fields["file"].help_text = _(
            "Columns: 培训主题, 类别, 村, 地点, 开始时间, 结束时间, 学时, 讲师, 编号, 类型."
            " Nothing is written until you confirm the preview."
        )


class SheetUploadForm(RosterUploadForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = _("Sign-in sheet (CSV or XLSX)")
        self.fields["file"].help_text = _(
            "Columns: 姓名, 村, 手机号, 签到状态 (出席/迟到/请假/缺席)."
            " Nothing is written until you confirm the preview."
        )


# --- The training plan ------------------------------------------------------------------------


def user_can_import_plan(user) -> bool:
    return session_policy().user_has_permission(user, "add")


def plan_import_header_button(user) -> HeaderButton | None:
    """“Import plan” for the sessions listing, for those who may import one."""
    if not user_can_import_plan(user):
        return None
    return HeaderButton(
        _("Import plan"), url=reverse(f"{NAMESPACE}:sessions_import"), icon_name="upload"
    )


class _PlanImportMixin(PermissionMixin, WagtailAdminTemplateMixin):
    permission_action = "add"
    page_title = gettext_lazy("Import training plan")
    header_icon = "upload"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {
                "url": session_url("index"),
                "label": capfirst(TrainingSession._meta.verbose_name_plural),
            },
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(back_url=session_url("index"), **kwargs)

    def make_plan(self, data: bytes, filename: str, township: Township | None) -> SessionPlan:
        user = self.request.user
        allowed = None if user_is_administrator(user) else visible_village_ids(user)
        return session_import_plan(data, filename, township=township, allowed_village_ids=allowed)

    def render_preview(self, *, plan: SessionPlan, stored: StoredUpload, changed=False):
        rows = [
            {
                "number": row.number,
                "action": row.action,
                "action_label": ACTION_LABELS[row.action],
                "code": row.code or (row.session.code if row.session else ""),
                "topic": row.topic,
                "kind": _kind_name(row),
                "track": Track(row.track).label,
                "village": row.village.name,
                "starts_at": local(row.starts_at),
                "ends_at": local(row.ends_at),
                "study_hours": row.study_hours,
                "venue": row.venue or "",
                "trainer": row.trainer_name or "",
                "changes": [
                    str(TrainingSession._meta.get_field(name).verbose_name) for name in row.changes
                ],
            }
            for row in plan.rows
        ]
        token = ""
        if plan.is_valid:
            stored.fingerprint = session_plan_fingerprint(plan)
            token = upload_token(stored, user=self.request.user, salt=PLAN_TOKEN_SALT)
        self.template_name = "attendance/admin/plan_import_preview.html"
        return self.render_to_response(
            self.get_context_data(
                rows=rows,
                errors=plan.errors,
                warnings=plan.warnings,
                filename=stored.filename,
                token=token,
                changed=changed,
                counts={action: plan.count(action) for action in ACTION_LABELS},
                total=len(plan.rows) + len(plan.errors),
                confirm_url=reverse(f"{NAMESPACE}:sessions_import_confirm"),
                upload_url=reverse(f"{NAMESPACE}:sessions_import"),
            )
        )


def _kind_name(row) -> str:
    """The kind the session will have: the row's, else the recorded one, else the default."""
    if row.kind is not None:
        return row.kind.name
    return row.session.kind.name if row.session is not None else SessionKind.DEFAULT


class SessionPlanImportView(_PlanImportMixin, FormView):
    """Upload a plan; the answer is its preview. Nothing is written here."""

    form_class = SessionPlanUploadForm
    template_name = "attendance/admin/plan_import_upload.html"

    @cached_property
    def townships(self):
        return Township.objects.filter(
            villages__in=villages_visible_to(self.request.user)
        ).distinct()

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "townships": self.townships}

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        data = upload.read()
        township = form.cleaned_data.get("township")
        if township is None and len(self.townships) == 1:
            township = self.townships[0]
        try:
            plan = self.make_plan(data, upload.name, township)
        except TableError as error:
            form.add_error("file", str(error))
            return self.form_invalid(form)
        stored = StoredUpload("", upload.name, township.pk if township else None)
        if plan.is_valid:
            upload_keep(stored, data)
        return self.render_preview(plan=plan, stored=stored)


class SessionPlanConfirmView(_PlanImportMixin, TemplateView):
    """Write the previewed plan, planned again from the stored file."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        upload_url = f"{NAMESPACE}:sessions_import"
        token = request.POST.get("token", "")
        try:
            stored = upload_from_token(token, user=request.user, salt=PLAN_TOKEN_SALT)
            if "cancel" in request.POST:
                upload_discard(stored)
                messages.success(request, _("Import cancelled; nothing was written."))
                return redirect(session_url("index"))
            data = upload_read(stored)
        except UploadExpired as error:
            messages.error(request, str(error))
            return redirect(upload_url)
        township = Township.objects.filter(pk=stored.target).first()
        try:
            plan = self.make_plan(data, stored.filename, township)
        except TableError as error:
            upload_discard(stored)
            messages.error(request, str(error))
            return redirect(upload_url)
        if not plan.is_valid or session_plan_fingerprint(plan) != stored.fingerprint:
            # Sessions changed since the preview: show what would happen now instead.
            if not plan.is_valid:
                upload_discard(stored)
            return self.render_preview(plan=plan, stored=stored, changed=True)
        try:
            counts = session_import_apply(plan=plan, by=request.user)
        except ValidationError as error:  # a hall booked or a 编号 taken meanwhile
            messages.error(request, " ".join(error.messages))
            return self.render_preview(plan=plan, stored=stored)
        upload_discard(stored)
        messages.success(
            request,
            _(
                "Training plan imported: %(create)s new, %(update)s updated,"
                " %(unchanged)s unchanged."
            )
            % counts,
        )
        return redirect(session_url("index"))


# --- A paper sign-in sheet --------------------------------------------------------------------


def sheet_import_url(session: TrainingSession) -> str:
    return reverse(f"{NAMESPACE}:sheet_import", args=[session.pk])


def sheet_import_button(user, session: TrainingSession) -> Button | None:
    """“Import sign-in sheet” for a session's page, for those who may change the session."""
    if session.status == TrainingSession.Status.CANCELLED:
        return None
    if not session_policy().user_has_permission_for_instance(user, "change", session):
        return None
    return Button(
        _("Import sign-in sheet"), url=sheet_import_url(session), icon_name="upload", priority=8
    )


class _SheetImportMixin(SessionPageMixin):
    permission_action = "change"
    page_title = gettext_lazy("Import sign-in sheet")
    header_icon = "upload"

    def get_context_data(self, **kwargs):
        return super().get_context_data(back_url=session_url("inspect", self.session.pk), **kwargs)

    def render_preview(self, *, plan: SheetPlan, stored: StoredUpload, changed=False):
        masked = not user_sees_identifiers(self.request.user)
        rows = [
            {
                "number": row.number,
                "action": row.action,
                "action_label": ACTION_LABELS[row.action],
                "name": row.name,
                "village": row.village.name,
                "phone": mask_phone(row.phone) if masked else row.phone,
                "status": AttendanceRecord.Status(row.status).label,
                "before": (
                    AttendanceRecord.Status(row.record.status).label
                    if row.record is not None and row.action == "update"
                    else ""
                ),
                "is_new_person": row.is_new_person,
            }
            for row in plan.rows
        ]
        token = ""
        if plan.is_valid:
            stored.fingerprint = sheet_fingerprint(plan)
            token = upload_token(stored, user=self.request.user, salt=SHEET_TOKEN_SALT)
        self.template_name = "attendance/admin/sheet_import_preview.html"
        return self.render_to_response(
            self.get_context_data(
                rows=rows,
                errors=plan.errors,
                filename=stored.filename,
                token=token,
                changed=changed,
                counts={action: plan.count(action) for action in ACTION_LABELS},
                new_people=len(plan.new_people),
                total=len(plan.rows) + len(plan.errors),
                confirm_url=reverse(f"{NAMESPACE}:sheet_import_confirm", args=[self.session.pk]),
                upload_url=sheet_import_url(self.session),
            )
        )


class SheetImportView(_SheetImportMixin, FormView):
    """Upload a sheet for the session; the answer is its preview. Nothing is written here."""

    form_class = SheetUploadForm
    template_name = "attendance/admin/sheet_import_upload.html"

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            plan = sheet_import_plan(
                data, upload.name, session=self.session, user=self.request.user
            )
        except (TableError, AttendanceError) as error:
            form.add_error("file", str(error))
            return self.form_invalid(form)
        stored = StoredUpload("", upload.name, self.session.pk)
        if plan.is_valid:
            upload_keep(stored, data)
        return self.render_preview(plan=plan, stored=stored)


class SheetImportConfirmView(_SheetImportMixin, TemplateView):
    """Write the previewed sheet, planned again from the stored file."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        upload_url = sheet_import_url(self.session)
        token = request.POST.get("token", "")
        try:
            stored = upload_from_token(token, user=request.user, salt=SHEET_TOKEN_SALT)
            if stored.target != self.session.pk:
                raise UploadExpired()
            if "cancel" in request.POST:
                upload_discard(stored)
                messages.success(request, _("Import cancelled; nothing was written."))
                return redirect(session_url("inspect", self.session.pk))
            data = upload_read(stored)
        except UploadExpired as error:
            messages.error(request, str(error))
            return redirect(upload_url)
        try:
            plan = sheet_import_plan(data, stored.filename, session=self.session, user=request.user)
        except (TableError, AttendanceError) as error:
            upload_discard(stored)
            messages.error(request, str(error))
            return redirect(upload_url)
        if not plan.is_valid or sheet_fingerprint(plan) != stored.fingerprint:
            if not plan.is_valid:
                upload_discard(stored)
            return self.render_preview(plan=plan, stored=stored, changed=True)
        try:
            counts = sheet_import_apply(plan=plan, by=request.user)
        except (ValidationError, AttendanceError) as error:
            reasons = error.messages if isinstance(error, ValidationError) else [str(error)]
            messages.error(request, " ".join(reasons))
            return self.render_preview(plan=plan, stored=stored)
        upload_discard(stored)
        messages.success(
            request,
            _(
                "Sign-in sheet imported: %(create)s new, %(update)s updated, %(unchanged)s"
                " unchanged; %(people)s people added to the roster."
            )
            % counts,
        )
        return redirect(session_url("inspect", self.session.pk))


_patterns = [
    path("sessions/import/", SessionPlanImportView.as_view(), name="sessions_import"),
    path(
        "sessions/import/confirm/",
        SessionPlanConfirmView.as_view(),
        name="sessions_import_confirm",
    ),
    path("sessions/<int:pk>/import-sheet/", SheetImportView.as_view(), name="sheet_import"),
    path(
        "sessions/<int:pk>/import-sheet/confirm/",
        SheetImportConfirmView.as_view(),
        name="sheet_import_confirm",
    ),
]

# Registered by attendance.wagtail_hooks under /admin/; the sessions viewset shares the prefix.
urlpatterns = [path("attendance/", include((_patterns, NAMESPACE)))]
