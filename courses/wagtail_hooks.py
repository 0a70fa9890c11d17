"""Admin registration for online study: enrollments (scoped to the learner's village) and
assigning a course to a village, a branch or a list of people."""

import django_filters
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets.button import HeaderButton
from wagtail.permissions import register_permission_policy

from lms.exports.listing import ExportColumn, choice_labels
from lms.ledger.models import Track
from lms.people.admin_scope import ReadOnlyScopedModelViewSet, ScopedIndexView
from lms.people.permissions import VillageScopedPolicy
from lms.people.selectors import (
    people_visible_to,
    user_is_administrator,
    village_names,
    villages_visible_to,
)

from . import admin_views
from .models import CoursePage, Enrollment


class EnrollmentPolicy(VillageScopedPolicy):
    """Model permissions from the role; an enrollment only if the learner's village is in scope."""

    def _in_scope(self, user, instance) -> bool:
        if user_is_administrator(user):
            return True
        return villages_visible_to(user).filter(people__pk=instance.person_id).exists()


register_permission_policy(Enrollment, EnrollmentPolicy(Enrollment, village_path="person__village"))


class EnrollmentFilterSet(WagtailFilterSet):
    course = django_filters.ModelChoiceFilter(
        label=gettext_lazy("course"), queryset=CoursePage.objects.all().order_by("path")
    )
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("status"), choices=Enrollment.Status.choices
    )
    source = django_filters.ChoiceFilter(
        label=gettext_lazy("how"), choices=Enrollment.Source.choices
    )

    class Meta:
        model = Enrollment
        fields = ["course", "status", "source"]


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


class EnrollmentIndexView(ScopedIndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("person__village", "course")

    def export_columns(self):
        return {
            "person": ExportColumn("person__name"),
            "person__village": ExportColumn("person__village_id", village_names().get),
            "course": ExportColumn("course__title"),
            "course__track": ExportColumn("course__track", choice_labels(Track).get),
            "status": ExportColumn("status", choice_labels(Enrollment.Status).get),
            "source": ExportColumn("source", choice_labels(Enrollment.Source).get),
            "enrolled_at": ExportColumn.moment_of("enrolled_at"),
            "completed_at": ExportColumn.moment_of("completed_at"),
        }

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if admin_views.enrollment_policy().user_has_permission(self.request.user, "add"):
            buttons.append(
                HeaderButton(
                    _("Assign a course"),
                    url=reverse(f"{admin_views.ENROLLMENTS}:assign"),
                    icon_name="group",
                )
            )
        return buttons


class EnrollmentViewSet(ReadOnlyScopedModelViewSet):
    # Enrolments are made by assignment (below) or by the learner, and completed by study,
    # which keeps the ledger right.
    model = Enrollment
    icon = "group"
    menu_label = gettext_lazy("Enrollments")
    menu_order = 250
    add_to_admin_menu = True
    index_view_class = EnrollmentIndexView
    inspect_view_enabled = True
    copy_view_enabled = False
    list_per_page = 100
    filterset_class = EnrollmentFilterSet
    search_fields = ["person__name", "course__title"]
    search_backend_name = None
    form_fields = ["status"]  # never shown: enrollments change through assignment and study
    list_display = [
        Column("person", label=gettext_lazy("person"), accessor="person.name"),
        Column("person_village", label=gettext_lazy("village"), accessor="person.village.name"),
        Column("course", label=gettext_lazy("course"), accessor="course.title"),
        Column("status", label=gettext_lazy("status"), accessor="get_status_display"),
        Column("source", label=gettext_lazy("how"), accessor="get_source_display"),
        Column(
            "enrolled_at",
            label=gettext_lazy("enrolled at"),
            accessor=lambda enrollment: _local(enrollment.enrolled_at),
        ),
    ]
    list_export = [
        "person",
        "person__village",
        "course",
        "course__track",
        "status",
        "source",
        "enrolled_at",
        "completed_at",
    ]
    export_headings = {
        "person": "姓名",
        "person__village": "村",
        "course": "课程",
        "course__track": "类别",
        "status": "状态",
        "source": "方式",
        "enrolled_at": "报名时间",
        "completed_at": "完成时间",
    }
    export_filename = "enrollments"
    inspect_view_fields = [
        "person",
        "course",
        "status",
        "source",
        "assigned_by",
        "enrolled_at",
        "completed_at",
    ]

    def scope_queryset(self, user):
        return Enrollment.objects.filter(person__in=people_visible_to(user))

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("assign/", admin_views.CourseAssignView.as_view(), name="assign"),
            path(
                "assignments/<int:assignment_id>/",
                admin_views.CourseAssignmentView.as_view(),
                name="assignment",
            ),
        ]


@hooks.register("register_admin_viewset")
def register_enrollment_viewset():
    return EnrollmentViewSet(admin_views.ENROLLMENTS)
