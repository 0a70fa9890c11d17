"""The year's program (双育工程) in the admin: 设置 → 年度双育工程, for administrators and
township staff (their own township)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.permissions import register_permission_policy

from lms.people.admin_scope import ScopedModelViewSet, TownshipSettingsForm
from lms.people.permissions import TownshipSettingsPolicy
from lms.people.selectors import townships_managed_by

from .models import AnnualRequirement

register_permission_policy(AnnualRequirement, TownshipSettingsPolicy(AnnualRequirement))


class ProgramViewSet(ScopedModelViewSet):
    model = AnnualRequirement
    icon = "success"
    menu_label = gettext_lazy("Year's program")
    add_to_admin_menu = False
    copy_view_enabled = False
    inspect_view_enabled = False
    list_display = [
        "year",
        "township",
        "total_hours",
        "party_hours",
        "party_sessions",
        "skills_hours",
        "skills_sessions",
    ]
    list_filter = ["year"]
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("township"), FieldPanel("year")]),
            FieldPanel("total_hours"),
            MultiFieldPanel(
                [FieldPanel("party_hours"), FieldPanel("party_sessions")],
                heading=gettext_lazy("Party education"),
            ),
            MultiFieldPanel(
                [FieldPanel("skills_hours"), FieldPanel("skills_sessions")],
                heading=gettext_lazy("Skills training"),
            ),
        ],
        base_form_class=TownshipSettingsForm,
    )

    def scope_queryset(self, user):
        return AnnualRequirement.objects.filter(
            township__in=townships_managed_by(user)
        ).select_related("township")


@hooks.register("register_admin_viewset")
def register_program_viewset():
    return ProgramViewSet("programs", url_prefix="ledger/programs")


class ProgramMenuItem(MenuItem):
    def is_shown(self, request):
        return TownshipSettingsPolicy(AnnualRequirement).user_has_permission(request.user, "view")


@hooks.register("register_settings_menu_item")
def register_program_menu_item():
    return ProgramMenuItem(
        gettext_lazy("Year's program"), reverse("programs:index"), icon_name="success", order=690
    )
