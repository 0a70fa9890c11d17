"""Admin registration for training and sign-in (培训与签到): sessions, the calendar, attendance
records and session kinds, every view limited to the villages a user may see."""

import django_filters
from django.db.models import ProtectedError
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permissions import register_permission_policy

from lms.exports.listing import ExportColumn, choice_labels
from lms.ledger.models import Track
from lms.people.admin_scope import (
    ReadOnlyScopedModelViewSet,
    ScopedIndexView,
    ScopedModelViewSet,
)
from lms.people.models import Village
from lms.people.permissions import VillageScopedPolicy
from lms.people.selectors import village_names, villages_visible_to

from .admin import calendar, chooser, common, imports, invitations, sessions, sheets
from .admin.forms import SessionAdminForm
from .models import AttendanceRecord, SessionKind, TrainingSession
from .selectors import sessions_visible_to

register_permission_policy(
    TrainingSession, VillageScopedPolicy(TrainingSession, village_path="village")
)


def _visible_villages(request):
    return villages_visible_to(request.user) if request else Village.objects.none()


# --- Sessions ---------------------------------------------------------------------------------


class SessionFilterSet(WagtailFilterSet):
    village = django_filters.ModelChoiceFilter(
        label=gettext_lazy("village"), queryset=_visible_villages
    )
    kind = django_filters.ModelChoiceFilter(
        label=gettext_lazy("kind"), queryset=SessionKind.objects.all()
    )
    track = django_filters.ChoiceFilter(label=gettext_lazy("track"), choices=Track.choices)
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("status"), choices=TrainingSession.Status.choices
    )
    starts_at = django_filters.DateFromToRangeFilter(
        label=gettext_lazy("date"), widget=DateRangePickerWidget
    )

    class Meta:
        model = TrainingSession
        fields = ["village", "kind", "track", "status", "starts_at"]


class SessionViewSet(ScopedModelViewSet):
    model = TrainingSession
    icon = "date"
    menu_label = gettext_lazy("Sessions")
    menu_order = 100
    add_to_admin_menu = False
    index_view_class = sessions.SessionIndexView
    add_view_class = sessions.SessionCreateView
    edit_view_class = sessions.SessionEditView
    copy_view_class = sessions.SessionCopyView
    delete_view_class = sessions.SessionDeleteView
    inspect_view_class = sessions.SessionInspectView
    inspect_view_enabled = True
    list_per_page = 50
    filterset_class = SessionFilterSet
    search_fields = ["topic", "trainer_name", "trainer_person__name", "venue", "code"]
    search_backend_name = None
    list_display = [
        "topic",
        Column(
            "starts_at",
            label=gettext_lazy("starts at"),
            accessor=lambda session: common.local(session.starts_at),
            sort_key="starts_at",
        ),
        "village",
        "venue",
        Column("kind", label=gettext_lazy("kind"), accessor="kind.name"),
        Column("track", label=gettext_lazy("track"), accessor="get_track_display"),
        Column("trainer", label=gettext_lazy("trainer"), accessor="trainer_label"),
        Column("status", label=gettext_lazy("status"), accessor="get_status_display"),
        Column(
            "attendance",
            label=gettext_lazy("came / invited"),
            accessor=lambda session: f"{session.came_count} / {session.invited_count}",
        ),
    ]
    # The annual plan's columns (import_sessions reads 培训主题, 类别, 村, 地点, 开始时间,
    # 结束时间, 学时, 讲师, 编号, 类型), then what happened.
    list_export = [
        "code",
        "topic",
        "track",
        "kind",
        "village",
        "venue",
        "starts_at",
        "ends_at",
        "study_hours",
        "trainer",
        "audience",
        "capacity",
        "status",
        "invited_count",
        "came_count",
    ]
    export_headings = {
        "code": "编号",
        "topic": "培训主题",
        "track": "类别",
        "kind": "类型",
        "village": "村",
        "venue": "地点",
        "starts_at": "开始时间",
        "ends_at": "结束时间",
        "study_hours": "学时",
        "trainer": "讲师",
        "audience": "对象",
        "capacity": "容量",
        "status": "状态",
        "invited_count": "应到",
        "came_count": "实到",
    }
    export_filename = "training-sessions"
    inspect_view_fields = [
        "topic",
        "kind",
        "track",
        "status",
        "starts_at",
        "ends_at",
        "village",
        "venue",
        "trainer_person",
        "trainer_name",
        "study_hours",
        "capacity",
        "audience",
        "course",
        "code",
        "requires_sign_out",
    ]

    def get_edit_handler(self):
        return ObjectList(
            [
                MultiFieldPanel(
                    [
                        FieldPanel("topic"),
                        FieldRowPanel([FieldPanel("kind"), FieldPanel("track")]),
                        FieldPanel("audience"),
                        FieldPanel("course"),
                    ],
                    heading=gettext_lazy("Training"),
                ),
                MultiFieldPanel(
                    [
                        FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
                        FieldRowPanel([FieldPanel("village"), FieldPanel("venue")]),
                    ],
                    heading=gettext_lazy("When and where"),
                ),
                MultiFieldPanel(
                    [
                        FieldPanel(
                            "trainer_person",
                            widget=chooser.person_chooser_viewset.widget_class,
                        ),
                        FieldPanel("trainer_name"),
                    ],
                    heading=gettext_lazy("Trainer"),
                ),
                MultiFieldPanel(
                    [
                        FieldRowPanel([FieldPanel("study_hours"), FieldPanel("capacity")]),
                        FieldPanel("code"),
                    ],
                    heading=gettext_lazy("Hours and places"),
                ),
                MultiFieldPanel(
                    [
                        FieldPanel("requires_sign_out"),
                        FieldRowPanel(
                            [FieldPanel("sign_in_opens_before"), FieldPanel("late_after")]
                        ),
                    ],
                    heading=gettext_lazy("Sign-in"),
                ),
            ],
            base_form_class=SessionAdminForm,
        ).bind_to_model(self.model)

    def scope_queryset(self, user):
        return sessions_visible_to(user)

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("series/new/", sessions.SessionSeriesCreateView.as_view(), name="add_series"),
            path("<int:pk>/cancel/", sessions.SessionCancelView.as_view(), name="cancel"),
            path("<int:pk>/roster/", invitations.SessionRosterView.as_view(), name="roster"),
            path(
                "<int:pk>/roster/<int:registration_pk>/cancel/",
                invitations.RegistrationCancelView.as_view(),
                name="registration_cancel",
            ),
            path("<int:pk>/sheet.pdf", sheets.SheetPdfView.as_view(), name="sheet_pdf"),
            path("<int:pk>/photos/", sheets.SheetPhotoUploadView.as_view(), name="photos"),
            path(
                "<int:pk>/photos/<int:photo_pk>/",
                sheets.SheetPhotoView.as_view(),
                name="photo",
            ),
        ]


class CalendarMenuItem(MenuItem):
    def is_shown(self, request):
        return common.session_policy().user_has_any_permission(
            request.user, ["view", "add", "change", "delete"]
        )


class CalendarViewSet(ViewSet):
    """/admin/attendance/calendar/: the month of sessions, with its own menu item."""

    icon = "calendar"
    menu_label = gettext_lazy("Calendar")
    menu_order = 150
    menu_item_class = CalendarMenuItem

    def get_urlpatterns(self):
        return [path("", calendar.SessionCalendarView.as_view(), name="index")]


# --- Attendance records (read only: they change through sign-in, roll-call and import) --------


class AttendanceRecordFilterSet(WagtailFilterSet):
    session__village = django_filters.ModelChoiceFilter(
        label=gettext_lazy("village"), queryset=_visible_villages
    )
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("status"), choices=AttendanceRecord.Status.choices
    )
    method = django_filters.ChoiceFilter(
        label=gettext_lazy("method"), choices=AttendanceRecord.Method.choices
    )
    session__starts_at = django_filters.DateFromToRangeFilter(
        label=gettext_lazy("date"), widget=DateRangePickerWidget
    )

    class Meta:
        model = AttendanceRecord
        fields = ["session__village", "status", "method", "session__starts_at"]


class AttendanceRecordIndexView(ScopedIndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("session__village", "person__village", "recorded_by__person")
        )

    def export_columns(self):
        villages = village_names()
        return {
            "session__starts_at": ExportColumn.moment_of("session__starts_at"),
            "session": ExportColumn("session__topic"),
            "session__village": ExportColumn("session__village_id", villages.get),
            "person": ExportColumn("person__name"),
            "person__village": ExportColumn("person__village_id", villages.get),
            "status": ExportColumn("status", choice_labels(AttendanceRecord.Status).get),
            "method": ExportColumn("method", choice_labels(AttendanceRecord.Method).get),
            "signed_in_at": ExportColumn.moment_of("signed_in_at"),
            "excused_by": ExportColumn("excused_by"),
            "recorded_by": ExportColumn(
                common.user_label_sources("recorded_by"), common.user_label_of
            ),
        }


class AttendanceRecordViewSet(ReadOnlyScopedModelViewSet):
    # Records change through sign-in, roll-call and import, which keep the history and the
    # ledger.
    model = AttendanceRecord
    icon = "tasks"
    menu_label = gettext_lazy("Attendance records")
    menu_order = 200
    add_to_admin_menu = False
    index_view_class = AttendanceRecordIndexView
    inspect_view_enabled = True
    copy_view_enabled = False
    list_per_page = 100
    filterset_class = AttendanceRecordFilterSet
    search_fields = ["person__name", "session__topic"]
    search_backend_name = None
    form_fields = ["status"]  # never shown: the views that would use it are not routed
    list_display = [
        Column("person", label=gettext_lazy("person"), accessor="person.name"),
        Column("person_village", label=gettext_lazy("village"), accessor="person.village.name"),
        Column("session", label=gettext_lazy("session"), accessor="session"),
        Column("status", label=gettext_lazy("status"), accessor="get_status_display"),
        Column("method", label=gettext_lazy("method"), accessor="get_method_display"),
        Column(
            "signed_in_at",
            label=gettext_lazy("signed in at"),
            accessor=lambda record: common.local(record.signed_in_at),
        ),
    ]
    list_export = [
        "session__starts_at",
        "session",
        "session__village",
        "person",
        "person__village",
        "status",
        "method",
        "signed_in_at",
        "excused_by",
        "recorded_by",
    ]
    export_headings = {
        "session__starts_at": "开始时间",
        "session": "培训主题",
        "session__village": "培训村",
        "person": "姓名",
        "person__village": "村",
        "status": "签到状态",
        "method": "签到方式",
        "signed_in_at": "签到时间",
        "excused_by": "准假人",
        "recorded_by": "记录人",
    }
    export_filename = "attendance-records"
    inspect_view_fields = [
        "session",
        "person",
        "status",
        "method",
        "signed_in_at",
        "signed_out_at",
        "excused_by",
        "recorded_by",
        "created_at",
        "updated_at",
    ]

    def scope_queryset(self, user):
        return AttendanceRecord.objects.filter(session__in=sessions_visible_to(user))


# --- Session kinds ----------------------------------------------------------------------------


class SessionKindDeleteView(generic.DeleteView):
    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ProtectedError:
            from wagtail.admin import messages

            messages.error(
                self.request,
                _("Sessions of this kind exist, so it cannot be deleted."),
            )
            return redirect(reverse("session_kinds:index"))


class SessionKindViewSet(ModelViewSet):
    model = SessionKind
    icon = "tag"
    menu_label = gettext_lazy("Session kinds")
    menu_order = 300
    add_to_admin_menu = False
    delete_view_class = SessionKindDeleteView
    copy_view_enabled = False
    list_display = ["name", "sort_order"]
    form_fields = ["name", "sort_order"]
    sort_order_field = "sort_order"  # staff drag the kinds into the order forms offer them


class TrainingGroup(ModelViewSetGroup):
    menu_label = gettext_lazy("Training and sign-in")
    menu_icon = "date"
    menu_order = 250
    items = (
        SessionViewSet("training_sessions", url_prefix="attendance/sessions"),
        CalendarViewSet("attendance_calendar", url_prefix="attendance/calendar"),
        AttendanceRecordViewSet("attendance_records", url_prefix="attendance/records"),
        SessionKindViewSet("session_kinds", url_prefix="attendance/kinds"),
    )


@hooks.register("register_admin_viewset")
def register_training_viewsets():
    return [TrainingGroup(), chooser.person_chooser_viewset]


@hooks.register("register_admin_urls")
def register_attendance_admin_urls():
    """The imports under /admin/attendance/: the year's plan and a paper sign-in sheet."""
    return imports.urlpatterns


@hooks.register("register_log_actions")
def register_attendance_log_actions(actions):
    actions.register_action("attendance.cancel", _("Cancel session"), _("Session cancelled"))
