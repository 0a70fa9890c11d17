"""The two imports of the training admin, on the shared upload → preview → confirm flow of
lms.imports:

- the year's training plan (/admin/attendance/sessions/import/), and
- a paper sign-in sheet, from a session's page (/admin/attendance/sessions/<id>/import-sheet/).

The rules live in plan_import and sheet_import; these classes give each its words, its
preview columns and its target. Organizers and secretaries import sessions of their own
villages only, and sheets of the sessions they may change.
"""

from django.urls import include, path, reverse
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from wagtail.admin.widgets.button import Button, HeaderButton

from lms.imports.admin_views import (
    PreviewRow,
    SpreadsheetConfirmView,
    SpreadsheetImportMixin,
    SpreadsheetUploadView,
)
from lms.imports.uploads import UploadExpired
from lms.ledger.models import Track
from lms.people.admin_imports import TownshipImportMixin
from lms.people.identity import mask_phone
from lms.people.selectors import user_sees_identifiers

from ..models import AttendanceRecord, SessionKind, TrainingSession
from ..plan_import import SessionPlan, session_import_apply, session_import_plan
from ..sheet_import import SheetPlan, sheet_import_apply, sheet_import_plan
from .common import PermissionMixin, SessionPageMixin, local, session_policy, session_url

NAMESPACE = "attendance_imports"


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


class PlanImportMixin(PermissionMixin, TownshipImportMixin):
    permission_action = "add"
    page_title = gettext_lazy("Import training plan")
    token_salt = "attendance.admin_imports.plan"
    file_label = gettext_lazy("Training plan (CSV or XLSX)")
    file_help = gettext_lazy(
        "Columns: 培训主题, 类别, 村, 地点, 开始时间, 结束时间, 学时, 讲师, 编号, 类型."
        " Nothing is written until you confirm the preview."
    )
    help_paragraphs = (
        gettext_lazy(
            "Upload the year's training plan as a CSV or XLSX file, one session a row, with the"
            " columns 培训主题, 类别 (党性教育 or 技能培训), 村, 地点, 开始时间, 结束时间, 学时 and"
            " 讲师, and optionally 编号 and 类型 (by default 农民科技培训)."
        ),
        gettext_lazy(
            "A row is the session with its 编号 or, without one, with the same topic, village"
            " and start time: importing the plan again changes those sessions instead of adding"
            " new ones. You will see what each row would do before anything is written."
        ),
    )
    success_message = gettext_lazy(
        "Training plan imported: %(create)s new, %(update)s updated, %(unchanged)s unchanged."
    )

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {
                "url": session_url("index"),
                "label": capfirst(TrainingSession._meta.verbose_name_plural),
            },
            {"url": "", "label": self.get_page_title()},
        ]

    def get_upload_url(self):
        return reverse(f"{NAMESPACE}:sessions_import")

    def get_confirm_url(self):
        return reverse(f"{NAMESPACE}:sessions_import_confirm")

    def get_done_url(self):
        return session_url("index")

    def make_plan(self, data: bytes, filename: str, target) -> SessionPlan:
        return session_import_plan(
            data, filename, township=target, allowed_village_ids=self.allowed_village_ids()
        )

    def apply(self, plan: SessionPlan) -> dict:
        return session_import_apply(plan=plan, by=self.request.user)

    def shown_row(self, row) -> list:
        return [row.number, row.action, row.session.pk if row.session else None, row.changes]

    def preview_warnings(self, plan: SessionPlan):
        if not plan.warnings:
            return "", []
        return (
            _(
                "These sessions share a venue or a trainer at the same time. The plan is imported"
                " as it is; check them with the organizers."
            ),
            plan.warnings,
        )

    def preview_columns(self):
        return [
            _("Reference"),
            _("Topic"),
            _("Kind"),
            _("Track"),
            _("Village"),
            _("Venue"),
            _("Starts"),
            _("Ends"),
            _("Study hours"),
            _("Trainer"),
            _("Changes"),
        ]

    def preview_row(self, row) -> PreviewRow:
        field = TrainingSession._meta.get_field
        return PreviewRow(
            row.number,
            row.action,
            [
                row.code or (row.session.code if row.session else ""),
                row.topic,
                _kind_name(row),
                Track(row.track).label,
                row.village.name,
                row.venue or "",
                local(row.starts_at),
                local(row.ends_at),
                "" if row.study_hours is None else row.study_hours,
                row.trainer_name or "",
                ", ".join(str(field(name).verbose_name) for name in row.changes),
            ],
        )


def _kind_name(row) -> str:
    """The kind the session will have: the row's, else the recorded one, else the default."""
    if row.kind is not None:
        return row.kind.name
    return row.session.kind.name if row.session is not None else SessionKind.DEFAULT


class SessionPlanImportView(PlanImportMixin, SpreadsheetUploadView):
    """Upload a plan; the answer is its preview."""


class SessionPlanConfirmView(PlanImportMixin, SpreadsheetConfirmView):
    """Write the previewed plan."""


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


class SheetImportMixin(SessionPageMixin, SpreadsheetImportMixin):
    permission_action = "change"
    page_title = gettext_lazy("Import sign-in sheet")
    header_icon = "upload"
    token_salt = "attendance.admin_imports.sheet"
    file_label = gettext_lazy("Sign-in sheet (CSV or XLSX)")
    file_help = gettext_lazy(
        "Columns: 姓名, 村, 手机号, 签到状态 (出席/迟到/请假/缺席)."
        " Nothing is written until you confirm the preview."
    )
    help_paragraphs = (
        gettext_lazy(
            "Upload the paper sign-in sheet typed into a CSV or XLSX file, one person a row,"
            " with the columns 姓名, 村, 手机号 and 签到状态 (出席, 迟到, 请假 or 缺席; an empty"
            " status beside a name counts as 出席)."
        ),
        gettext_lazy(
            "Each row is matched to the roster by name and village, and by phone where two"
            " people share a name. People not on the roster are added. You will see every match"
            " before anything is written."
        ),
    )
    success_message = gettext_lazy(
        "Sign-in sheet imported: %(create)s new, %(update)s updated, %(unchanged)s"
        " unchanged; %(people)s people added to the roster."
    )

    def get_upload_url(self):
        return sheet_import_url(self.session)

    def get_confirm_url(self):
        return reverse(f"{NAMESPACE}:sheet_import_confirm", args=[self.session.pk])

    def get_done_url(self):
        return session_url("inspect", self.session.pk)

    def target_for_upload(self, form) -> int:
        return self.session.pk

    def target_of(self, stored) -> int:
        if stored.target != self.session.pk:  # a token of another session's sheet
            raise UploadExpired()
        return stored.target

    def make_plan(self, data: bytes, filename: str, target) -> SheetPlan:
        return sheet_import_plan(data, filename, session=self.session, user=self.request.user)

    def apply(self, plan: SheetPlan) -> dict:
        return sheet_import_apply(plan=plan, by=self.request.user)

    def shown_row(self, row) -> list:
        return [row.number, row.action, row.person.pk if row.person else None, row.status]

    def preview_notes(self, plan: SheetPlan) -> list[str]:
        if not plan.new_people:
            return []
        count = len(plan.new_people)
        return [
            ngettext(
                "%(people)s person is not on the roster and will be added.",
                "%(people)s people are not on the roster and will be added.",
                count,
            )
            % {"people": count}
        ]

    def preview_columns(self):
        return [_("Name"), _("Village"), _("Phone"), _("Status")]

    @cached_property
    def masked(self) -> bool:
        return not user_sees_identifiers(self.request.user)

    def preview_row(self, row) -> PreviewRow:
        status = AttendanceRecord.Status(row.status).label
        if row.record is not None and row.action == "update":
            status = f"{AttendanceRecord.Status(row.record.status).label} → {status}"
        return PreviewRow(
            row.number,
            row.action,
            [
                row.name,
                row.village.name,
                mask_phone(row.phone) if self.masked else row.phone,
                status,
            ],
            badge=_("added to the roster") if row.is_new_person else "",
            flag="new-person" if row.is_new_person else "",
        )


class SheetImportView(SheetImportMixin, SpreadsheetUploadView):
    """Upload a sheet for the session; the answer is its preview."""


class SheetImportConfirmView(SheetImportMixin, SpreadsheetConfirmView):
    """Write the previewed sheet."""


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
