"""Admin registration of the statistics: the page, its exports, and the yearly targets."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.permissions import register_permission_policy

from lms.people.admin_scope import ScopedModelViewSet, TownshipSettingsForm
from lms.people.permissions import TownshipSettingsPolicy
from lms.people.selectors import townships_managed_by, user_role

from . import views
from .models import AnnualTarget

app_name = "stats"
urlpatterns = [
    path("", views.StatsView.as_view(), name="index"),
    path("export/", views.StatsExportView.as_view(), name="download"),
    path("exports/<int:export_id>/", views.StatsExportStatusView.as_view(), name="export"),
    path(
        "exports/<int:export_id>/file/",
        views.StatsExportDownloadView.as_view(),
        name="export_file",
    ),
]


@hooks.register("register_admin_urls")
def register_stats_urls():
    return [path("stats/", include((urlpatterns, "stats"), namespace="stats"))]


class StaffMenuItem(MenuItem):
    def is_shown(self, request):
        return user_role(request.user) is not None


@hooks.register("register_admin_menu_item")
def register_stats_menu_item():
    return StaffMenuItem(
        gettext_lazy("Statistics"), reverse("stats:index"), icon_name="table", order=240
    )


# --- Yearly targets: township staff set their township's, administrators any ------------------


register_permission_policy(AnnualTarget, TownshipSettingsPolicy(AnnualTarget))


class AnnualTargetViewSet(ScopedModelViewSet):
    model = AnnualTarget
    icon = "pick"
    menu_label = gettext_lazy("Annual targets")
    add_to_admin_menu = False
    copy_view_enabled = False
    inspect_view_enabled = False
    list_display = ["year", "township", "kind", "track", "sessions", "person_times"]
    list_filter = ["year"]
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("township"), FieldPanel("year")]),
            FieldRowPanel([FieldPanel("kind"), FieldPanel("track")]),
            FieldRowPanel([FieldPanel("sessions"), FieldPanel("person_times")]),
        ],
        base_form_class=TownshipSettingsForm,
    )

    def scope_queryset(self, user):
        return AnnualTarget.objects.filter(township__in=townships_managed_by(user)).select_related(
            "township", "kind"
        )


@hooks.register("register_admin_viewset")
def register_target_viewset():
    return AnnualTargetViewSet("annual_targets", url_prefix="stats/targets")


@hooks.register("register_settings_menu_item")
def register_target_menu_item():
    return TargetsMenuItem(
        gettext_lazy("Annual targets"),
        reverse("annual_targets:index"),
        icon_name="pick",
        order=700,
    )


class TargetsMenuItem(MenuItem):
    def is_shown(self, request):
        return TownshipSettingsPolicy(AnnualTarget).user_has_permission(request.user, "view")
