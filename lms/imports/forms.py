"""The upload form of every spreadsheet import."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .exceptions import TableTooLarge
from .limits import upload_size_check


class SpreadsheetUploadForm(forms.Form):
    """A CSV or XLSX file; the import names it and says which columns it reads."""

    file = forms.FileField()

    def __init__(self, *args, file_label="", file_help="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = file_label or _("Spreadsheet (CSV or XLSX)")
        self.fields["file"].help_text = file_help

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx", ".txt")):
            raise ValidationError(_("Upload a .csv or .xlsx file."))
        # By the size Django counted while saving it, before the file is read into memory.
        try:
            upload_size_check(upload.size)
        except TableTooLarge as error:
            raise ValidationError(str(error), code="too_large") from error
        return upload
