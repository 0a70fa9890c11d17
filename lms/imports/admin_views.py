"""Upload → preview → confirm, the one admin flow of every spreadsheet import.

An import (the roster, the year's training plan, a paper sign-in sheet) subclasses
SpreadsheetImportMixin with its own words, its plan and its preview columns, and then
serves SpreadsheetUploadView and SpreadsheetConfirmView with it:

- the upload reads the file and answers its preview; nothing is written;
- the preview keeps the file (only when there is something to confirm) under a signed token
  that names the user, the import's target and the fingerprint of what was shown;
- the confirmation plans the stored file again against today's records and writes only if
  what would happen is still what was previewed; otherwise it shows the new preview.

Who may import, and which villages a row may name, is the subclass's and its plan's business.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from lms.errors import UserFacingError

from .forms import SpreadsheetUploadForm
from .uploads import (
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


@dataclass
class PreviewRow:
    """One row of the preview table: its sheet row number, what it will do, and its cells in
    the order of the import's columns. `badge` is a short word shown beside the first cell
    (“added to the roster”), `flag` a data attribute naming it for scripts and tests."""

    number: int
    action: str
    cells: list
    badge: str = ""
    flag: str = ""
    action_label: str = field(init=False)

    def __post_init__(self):
        self.action_label = ACTION_LABELS[self.action]


class SpreadsheetImportMixin(WagtailAdminTemplateMixin):
    """An import's words and rules for the two views; subclasses fill in the hooks below."""

    header_icon = "upload"
    token_salt: str = ""
    form_class = SpreadsheetUploadForm
    template_name = "imports/admin/upload.html"
    preview_template_name = "imports/admin/preview.html"
    file_label = ""
    file_help = ""
    # Paragraphs above the upload form: what the file holds and what the import will do.
    help_paragraphs: tuple = ()
    # The import's own words for "records changed since the preview".
    changed_message = ""
    # "%(create)s new, …" after a confirmed import; the counts are those the apply returns.
    success_message = ""
    # What planning or writing may refuse with a message for the user.
    refusals: tuple = (UserFacingError,)

    # --- hooks ---

    def make_plan(self, data: bytes, filename: str, target):
        raise NotImplementedError

    def apply(self, plan) -> dict:
        raise NotImplementedError

    def target_for_upload(self, form) -> int | None:
        """What the stored upload is for (a township, a session): its primary key."""
        return None

    def target_of(self, stored: StoredUpload):
        """The target a confirmation plans against; UploadExpired if it is not this page's."""
        return stored.target

    def preview_columns(self) -> list:
        raise NotImplementedError

    def preview_row(self, row) -> PreviewRow:
        raise NotImplementedError

    def preview_notes(self, plan) -> list[str]:
        """Sentences after the counts (“3 people are not on the roster and will be added.”)."""
        return []

    def preview_warnings(self, plan) -> tuple[str, list]:
        """A warning above the table and its items; the plan is imported as it is."""
        return "", []

    def shown_row(self, row) -> list:
        """What the fingerprint keeps of a row: its action, what it writes to and changes."""
        return [row.number, row.action]

    def get_upload_url(self) -> str:
        raise NotImplementedError

    def get_confirm_url(self) -> str:
        raise NotImplementedError

    def get_done_url(self) -> str:
        """Where the user goes after confirming or cancelling, and from the Cancel button."""
        raise NotImplementedError

    # --- the flow ---

    def plan_fingerprint(self, plan) -> str:
        shown = [self.shown_row(row) for row in plan.rows]
        shown.append([error.number for error in plan.errors])
        return fingerprint(shown)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            back_url=self.get_done_url(),
            upload_url=self.get_upload_url(),
            help_paragraphs=self.help_paragraphs,
            **kwargs,
        )

    def refusal_message(self, error) -> str:
        if isinstance(error, ValidationError):
            return " ".join(error.messages)
        return str(error)

    def render_preview(self, *, plan, stored: StoredUpload, changed: bool = False):
        """The preview, with a confirmation only for a plan without errors."""
        token = ""
        if plan.is_valid:
            stored.fingerprint = self.plan_fingerprint(plan)
            token = upload_token(stored, user=self.request.user, salt=self.token_salt)
        warning, warning_items = self.preview_warnings(plan)
        self.template_name = self.preview_template_name
        return self.render_to_response(
            self.get_context_data(
                columns=self.preview_columns(),
                rows=[self.preview_row(row) for row in plan.rows],
                errors=plan.errors,
                notes=self.preview_notes(plan),
                warning=warning,
                warning_items=warning_items,
                filename=stored.filename,
                token=token,
                changed=changed,
                changed_message=self.changed_message,
                counts={action: plan.count(action) for action in ACTION_LABELS},
                total=len(plan.rows) + len(plan.errors),
                confirm_url=self.get_confirm_url(),
            )
        )


class SpreadsheetUploadView(SpreadsheetImportMixin, FormView):
    """Upload a file; the answer is its preview. Nothing is written here."""

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "file_label": self.file_label,
            "file_help": self.file_help,
        }

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        data = upload.read()
        target = self.target_for_upload(form)
        try:
            plan = self.make_plan(data, upload.name, target)
        except self.refusals as error:
            form.add_error("file", self.refusal_message(error))
            return self.form_invalid(form)
        stored = StoredUpload("", upload.name, getattr(target, "pk", target))
        if plan.is_valid:  # kept only when there is something to confirm
            upload_keep(stored, data)
        return self.render_preview(plan=plan, stored=stored)


class SpreadsheetConfirmView(SpreadsheetImportMixin, TemplateView):
    """Write the previewed file, planned again from the stored copy against today's records."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            stored = upload_from_token(
                request.POST.get("token", ""), user=request.user, salt=self.token_salt
            )
            target = self.target_of(stored)
            if "cancel" in request.POST:
                upload_discard(stored)
                messages.success(request, _("Import cancelled; nothing was written."))
                return redirect(self.get_done_url())
            data = upload_read(stored)
        except UploadExpired as error:
            messages.error(request, str(error))
            return redirect(self.get_upload_url())
        try:
            plan = self.make_plan(data, stored.filename, target)
        except self.refusals as error:
            upload_discard(stored)
            messages.error(request, self.refusal_message(error))
            return redirect(self.get_upload_url())
        if not plan.is_valid or self.plan_fingerprint(plan) != stored.fingerprint:
            # Records changed since the preview: show what would happen now instead.
            if not plan.is_valid:
                upload_discard(stored)
            return self.render_preview(plan=plan, stored=stored, changed=True)
        try:
            counts = self.apply(plan)
        except (ValidationError, *self.refusals) as error:  # someone saved meanwhile
            messages.error(request, self.refusal_message(error))
            return self.render_preview(plan=plan, stored=stored)
        upload_discard(stored)
        messages.success(request, self.success_message % counts)
        return redirect(self.get_done_url())
