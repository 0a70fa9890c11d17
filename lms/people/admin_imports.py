"""The roster import of the admin (/admin/people/import/), on the shared upload → preview →
confirm flow of lms.imports, and what every import whose rows name villages shares: the
township asked for when the user sees several, and the villages a row may name.

The rules live in roster.roster_plan and services.roster_import_apply.
"""

from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.widgets.button import HeaderButton

from lms.imports.admin_views import (
    PreviewRow,
    SpreadsheetConfirmView,
    SpreadsheetImportMixin,
    SpreadsheetUploadView,
)

from .admin_scope import AllowedUsersMixin
from .forms import TownshipUploadForm
from .identity import mask_id_number, mask_phone
from .models import Person, Township
from .roster import RosterPlan, roster_plan
from .selectors import (
    user_is_administrator,
    user_role,
    user_sees_identifiers,
    villages_visible_to,
    visible_village_ids,
)
from .services import roster_import_apply


class TownshipImportMixin(SpreadsheetImportMixin):
    """An import whose rows name villages: its target is the township they are in (asked
    for only when the user sees villages of several), and rows may name only the villages the
    user sees (every village for an administrator)."""

    form_class = TownshipUploadForm

    @cached_property
    def townships(self):
        return Township.objects.filter(
            villages__in=villages_visible_to(self.request.user)
        ).distinct()

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "townships": self.townships}

    def target_for_upload(self, form) -> Township | None:
        township = form.cleaned_data.get("township")
        if township is None and len(self.townships) == 1:
            township = self.townships[0]
        return township

    def target_of(self, stored) -> Township | None:
        return Township.objects.filter(pk=stored.target).first()

    def allowed_village_ids(self):
        user = self.request.user
        return None if user_is_administrator(user) else visible_village_ids(user)


def user_can_import_roster(user) -> bool:
    """Staff who may add people; which villages a row may name is the roster plan's business."""
    return user_role(user) is not None and user.has_perm("people.add_person")


def roster_import_header_button(user) -> HeaderButton | None:
    """The people listing's “Import roster” button, for those who may import."""
    if not user_can_import_roster(user):
        return None
    return HeaderButton(_("Import roster"), url=reverse("people_admin:import"), icon_name="upload")


class RosterImportMixin(AllowedUsersMixin, TownshipImportMixin):
    page_title = gettext_lazy("Import roster")
    token_salt = "lms.people.admin_views.roster-import"
    file_label = gettext_lazy("Roster file (CSV or XLSX)")
    file_help = gettext_lazy(
        "Columns: 姓名, 性别, 村, 手机号, 身份证号, 党员 (是/否), 户号, 党支部. "
        "Nothing is written until you confirm the preview."
    )
    help_paragraphs = (
        gettext_lazy(
            "Upload the roster as a CSV or XLSX file. The first sheet is read; the header row"
            " must name at least the columns 姓名 and 村."
        ),
        gettext_lazy(
            "You will see what each row would do — add a person, update one, or change nothing"
            " — and every row that cannot be imported. Nothing is written until you confirm."
        ),
    )
    changed_message = gettext_lazy(
        "The people on record changed since your preview. Check this new preview and confirm again."
    )
    success_message = gettext_lazy(
        "Roster imported: %(create)s new, %(update)s updated, %(unchanged)s unchanged."
    )

    def user_is_allowed(self, user) -> bool:
        return user_can_import_roster(user)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("people:index"), "label": capfirst(Person._meta.verbose_name_plural)},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_upload_url(self):
        return reverse("people_admin:import")

    def get_confirm_url(self):
        return reverse("people_admin:import_confirm")

    def get_done_url(self):
        return reverse("people:index")

    def make_plan(self, data: bytes, filename: str, target) -> RosterPlan:
        return roster_plan(
            data, filename, township=target, allowed_village_ids=self.allowed_village_ids()
        )

    def apply(self, plan: RosterPlan) -> dict:
        return roster_import_apply(plan=plan)

    def shown_row(self, row) -> list:
        return [row.number, row.action, row.person.pk if row.person else None, row.changes]

    def preview_columns(self):
        return [_("Name"), _("Village"), _("Phone"), _("ID number"), _("Changes")]

    @cached_property
    def masked(self) -> bool:
        return not user_sees_identifiers(self.request.user)

    def preview_row(self, row) -> PreviewRow:
        labels = {
            field.name: field.verbose_name for field in Person._meta.get_fields() if field.concrete
        }
        return PreviewRow(
            row.number,
            row.action,
            [
                row.name,
                row.village.name,
                mask_phone(row.phone) if self.masked else row.phone,
                mask_id_number(row.id_number) if self.masked else row.id_number,
                ", ".join(str(labels.get(name, name)) for name in row.changes),
            ],
        )


class RosterImportView(RosterImportMixin, SpreadsheetUploadView):
    """Upload a roster; the answer is its preview."""


class RosterImportConfirmView(RosterImportMixin, SpreadsheetConfirmView):
    """Write the previewed roster."""
