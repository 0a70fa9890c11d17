from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from attendance.exceptions import AttendanceError
from attendance.models import AttendanceRecord, TrainingSession
from attendance.sheet_import import SheetPlan, sheet_import_apply, sheet_import_plan
from lms.imports.reporting import row_numbers
from lms.imports.tables import TableError


def action_labels() -> dict[str, str]:
    return {"create": _("new"), "update": _("update"), "unchanged": _("unchanged")}


class Command(BaseCommand):
    help = (
        "Import a paper sign-in sheet for a session from CSV or XLSX (姓名, 村, 手机号,"
        " 签到状态 出席/迟到/请假/缺席). People not on the roster are added and listed. All"
        " rows or none: any invalid row writes nothing and is reported."
    )

    def add_arguments(self, parser):
        parser.add_argument("session_id", type=int, help="the session's id")
        parser.add_argument("file", help="a .csv or .xlsx sign-in sheet")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report, write nothing"
        )

    def handle(self, *args, session_id, file, dry_run, **options):
        session = TrainingSession.objects.select_related("village").filter(pk=session_id).first()
        if session is None:
            raise CommandError(_("There is no session %(id)s.") % {"id": session_id})
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("File not found: %(file)s") % {"file": file})
        try:
            plan = sheet_import_plan(path.read_bytes(), path.name, session=session)
        except (TableError, AttendanceError) as error:
            raise CommandError(str(error)) from error
        if not plan.is_valid:
            self._refuse(plan)

        labels = action_labels()
        for row in plan.rows:
            status = AttendanceRecord.Status(row.status).label
            self.stdout.write(
                f"{row.number}\t{row.name}\t{row.village.name}\t{status}\t{labels[row.action]}"
            )
        self._list_new_people(plan, dry_run=dry_run)
        summary = _("Records: %(create)s new, %(update)s updated, %(unchanged)s unchanged.") % {
            action: plan.count(action) for action in labels
        }
        if dry_run:
            self.stdout.write(_("Dry run: nothing was written.") + " " + summary)
            return
        try:
            sheet_import_apply(plan=plan)
        except (ValidationError, AttendanceError) as error:
            messages = error.messages if isinstance(error, ValidationError) else [str(error)]
            raise CommandError("；".join(messages) + " " + _("Nothing was imported.")) from error
        self.stdout.write(self.style.SUCCESS(_("Imported.") + " " + summary))

    def _list_new_people(self, plan: SheetPlan, *, dry_run: bool) -> None:
        new_people = plan.new_people
        if not new_people:
            return
        if dry_run:
            heading = _("People not on the roster, to be added (%(count)s):")
        else:
            heading = _("People not on the roster, added (%(count)s):")
        self.stdout.write(heading % {"count": len(new_people)})
        for row in new_people:
            self.stdout.write(f"{row.number}\t{row.name}\t{row.village.name}\t{row.phone}")

    def _refuse(self, plan: SheetPlan):
        """Report every invalid row (on stderr, one a line) and stop, having written nothing."""
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
