from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from attendance.models import AttendanceRecord, TrainingSession
from attendance.sheet_import import SheetPlan, sheet_import_apply, sheet_import_plan
from lms.imports.commands import ImportCommand


def action_labels() -> dict[str, str]:
    return {"create": _("new"), "update": _("update"), "unchanged": _("unchanged")}


class Command(ImportCommand):
    help = (
        "Import a paper sign-in sheet for a session from CSV or XLSX (姓名, 村, 手机号,"
        " 签到状态 出席/迟到/请假/缺席). People not on the roster are added and listed. All"
        " rows or none: any invalid row writes nothing and is reported."
    )
    file_help = "a .csv or .xlsx sign-in sheet"

    def add_arguments(self, parser):
        parser.add_argument("session_id", type=int, help="the session's id")
        super().add_arguments(parser)
        self.add_dry_run_argument(parser)

    def handle(self, *args, session_id, file, dry_run, **options):
        session = TrainingSession.objects.select_related("village").filter(pk=session_id).first()
        if session is None:
            raise CommandError(_("There is no session %(id)s.") % {"id": session_id})
        data, filename = self.read_file(file)
        plan = self.plan_file(sheet_import_plan, data, filename, session=session)
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
        self.apply_plan(sheet_import_apply, plan=plan)
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
