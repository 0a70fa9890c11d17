"""Admin registration for people and places: viewsets scoped to the user's villages."""

import django_filters
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permissions import register_permission_policy

from lms.exports.listing import ExportColumn, choice_labels

from . import admin_imports, admin_views
from .admin_forms import PersonAdminForm
from .admin_scope import ScopedIndexView, ScopedModelViewSet
from .identity import mask_id_number, mask_phone
from .models import PartyBranch, Person, PersonMerge, RoleAssignment, Township, Village
from .permissions import AdministratorOnlyPolicy, VillageScopedPolicy
from .selectors import (
    branches_visible_to,
    people_matching,
    people_visible_to,
    user_sees_identifiers,
    village_names,
    villages_visible_to,
)

register_permission_policy(Person, VillageScopedPolicy(Person, village_path="village"))
register_permission_policy(RoleAssignment, AdministratorOnlyPolicy(RoleAssignment))
register_permission_policy(PersonMerge, AdministratorOnlyPolicy(PersonMerge, actions={"view"}))


def _visible_villages(request):
    return villages_visible_to(request.user) if request else Village.objects.none()


def _visible_branches(request):
    if request is None:
        return PartyBranch.objects.none()
    return branches_visible_to(request.user)


class PersonFilterSet(WagtailFilterSet):
    village = django_filters.ModelChoiceFilter(label=_("village"), queryset=_visible_villages)
    branch = django_filters.ModelChoiceFilter(label=_("party branch"), queryset=_visible_branches)

    class Meta:
        model = Person
        fields = ["village", "is_party_member", "gender", "branch"]


class PersonIndexView(ScopedIndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("village", "branch", "household")

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        return people_matching(queryset, query=self.search_query, user=self.request.user)

    def export_columns(self):
        """Values as the roster import reads them, so an export can be edited and re-imported."""
        genders = choice_labels(Person.Gender)
        full = user_sees_identifiers(self.request.user)
        return {
            "name": ExportColumn("name"),
            "gender": ExportColumn(
                "gender", lambda gender: genders.get(gender, gender) if gender else ""
            ),
            "birth_date": ExportColumn("birth_date"),
            "ethnicity": ExportColumn("ethnicity"),
            "village": ExportColumn("village_id", village_names().get),
            "phone": ExportColumn("phone", None if full else mask_phone),
            "id_number": ExportColumn("id_number", None if full else mask_id_number),
            "is_party_member": ExportColumn(
                "is_party_member", lambda member: "是" if member else "否"
            ),
            "branch": ExportColumn("branch__name"),
            "household": ExportColumn("household__number"),
        }

    @cached_property
    def header_buttons(self):
        button = admin_imports.roster_import_header_button(self.request.user)
        return [*super().header_buttons, button] if button else super().header_buttons


class VillageIndexView(ScopedIndexView):
    def export_columns(self):
        return {"township": ExportColumn("township__name"), "name": ExportColumn("name")}


class PersonViewSet(ScopedModelViewSet):
    model = Person
    icon = "user"
    menu_label = _("People")
    menu_order = 100
    add_to_admin_menu = False
    index_view_class = PersonIndexView
    inspect_view_class = admin_views.PersonInspectView  # with “Merge duplicate record”
    edit_view_class = admin_views.PersonEditView  # with “Merge duplicate record”
    inspect_view_enabled = True
    copy_view_enabled = False
    list_per_page = 50
    list_display = [
        "name",
        Column("gender", label=_("gender"), accessor="get_gender_display"),
        "village",
        Column("masked_phone", label=_("phone")),
        Column("masked_id_number", label=_("ID number")),
        BooleanColumn("is_party_member", label=_("party member")),
        "branch",
    ]
    list_export = [
        "name",
        "gender",
        "birth_date",
        "ethnicity",
        "village",
        "phone",
        "id_number",
        "is_party_member",
        "branch",
        "household",
    ]
    export_headings = {
        "name": "姓名",
        "gender": "性别",
        "birth_date": "出生日期",
        "ethnicity": "民族",
        "village": "村",
        "phone": "手机号",
        "id_number": "身份证号",
        "is_party_member": "党员",
        "branch": "党支部",
        "household": "户号",
    }
    export_filename = "people"
    filterset_class = PersonFilterSet
    search_fields = ["name", "phone", "id_number"]
    search_backend_name = None
    inspect_view_fields = [
        "name",
        "gender",
        "birth_date",
        "ethnicity",
        "village",
        "household",
        "is_party_member",
        "branch",
        "masked_phone",
        "masked_id_number",
        "user",
    ]
    edit_handler = ObjectList(Person.panels, base_form_class=PersonAdminForm)

    def scope_queryset(self, user):
        return people_visible_to(user)


class VillageViewSet(ScopedModelViewSet):
    model = Village
    icon = "site"
    menu_label = _("Villages")
    menu_order = 200
    list_display = ["name", "township"]
    list_filter = ["township"]
    search_fields = ["name"]
    search_backend_name = None
    list_export = ["township", "name"]
    form_fields = ["township", "name"]
    index_view_class = VillageIndexView

    def scope_queryset(self, user):
        return villages_visible_to(user).select_related("township")


class TownshipViewSet(ModelViewSet):
    model = Township
    icon = "home"
    menu_label = _("Townships")
    menu_order = 300
    list_display = ["name"]
    form_fields = ["name"]


class PartyBranchViewSet(ScopedModelViewSet):
    model = PartyBranch
    icon = "group"
    menu_label = _("Party branches")
    menu_order = 400
    list_display = ["name", "village", "township"]
    list_filter = ["township"]
    search_fields = ["name"]
    search_backend_name = None
    form_fields = ["township", "village", "name"]

    def scope_queryset(self, user):
        return branches_visible_to(user).select_related("township", "village")


class RoleAssignmentViewSet(ModelViewSet):
    model = RoleAssignment
    icon = "key"
    menu_label = _("Staff roles")
    menu_order = 500
    list_display = ["user", Column("role", accessor="get_role_display"), "township"]
    list_filter = ["role", "township"]
    form_fields = ["user", "role", "township", "villages"]


class PersonMergeViewSet(ModelViewSet):
    model = PersonMerge
    icon = "resubmit"
    menu_label = _("Merged records")
    menu_order = 600
    list_display = ["merged_name", "kept", "merged_by", "merged_at"]
    inspect_view_enabled = True
    form_fields = ["kept"]  # never editable: the policy allows viewing only


class PeopleGroup(ModelViewSetGroup):
    menu_label = _("People and places")
    menu_icon = "group"
    menu_order = 200
    items = (
        PersonViewSet("people"),
        VillageViewSet("villages"),
        TownshipViewSet("townships"),
        PartyBranchViewSet("branches"),
        RoleAssignmentViewSet("roles"),
        PersonMergeViewSet("merges"),
    )


@hooks.register("register_admin_viewset")
def register_people_viewsets():
    return PeopleGroup()


@hooks.register("register_admin_urls")
def register_people_admin_urls():
    """The roster import (/admin/people/import/) and the merge of two records."""
    return admin_views.urlpatterns
