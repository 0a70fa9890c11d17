"""What every import command shares: read the file, plan it, refuse the whole file with
every invalid row listed (on stderr, one a line), and write all rows or none."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from lms.errors import UserFacingError

from .exceptions import TableTooLarge
from .limits import upload_size_check
from .reporting import row_numbers


class ImportCommand(BaseCommand):
    """A management command importing one CSV or XLSX file, all rows or none."""

    file_help = "a .csv or .xlsx file"

    def add_arguments(self, parser):
        parser.add_argument("file", help=self.file_help)

    def add_dry_run_argument(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report, write nothing"
        )

    def read_file(self, file: str) -> tuple[bytes, str]:
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("File not found: %(file)s") % {"file": file})
        try:  # before the file is read into memory
            upload_size_check(path.stat().st_size)
        except TableTooLarge as error:
            raise CommandError(str(error)) from error
        return path.read_bytes(), path.name

    def plan_file(self, make_plan, *args, **kwargs):
        """The plan `make_plan` returns; a file it cannot read, or an invalid row, stops the
        command having written nothing."""
        try:
            plan = make_plan(*args, **kwargs)
        except UserFacingError as error:
            raise CommandError(str(error)) from error
        if not plan.is_valid:
            for error in plan.errors:
                self.stderr.write(str(error))
            raise CommandError(
                _(
                    "%(bad)s invalid row(s) (rows %(rows)s); nothing was imported. Correct them"
                    " and import again."
                )
                % {
                    "bad": len(plan.errors),
                    "rows": row_numbers([error.number for error in plan.errors]),
                }
            )
        return plan

    def apply_plan(self, apply, **kwargs) -> dict:
        """Write the plan, all or nothing; a row refused while writing stops the command."""
        try:
            return apply(**kwargs)
        except (ValidationError, UserFacingError) as error:
            reasons = error.messages if isinstance(error, ValidationError) else [str(error)]
            raise CommandError("；".join(reasons) + " " + _("Nothing was imported.")) from error
