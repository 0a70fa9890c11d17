from django.utils.translation import gettext as _

from lms.people.commands import TownshipImportCommand
from lms.people.roster import roster_plan
from lms.people.services import roster_import_apply


class Command(TownshipImportCommand):
    help = (
        "Import a roster of people from CSV or XLSX (姓名, 性别, 村, 手机号, 身份证号, 党员, 户号,"
        " 党支部). All rows or none: any invalid row writes nothing and is reported."
    )
    file_help = "a .csv or .xlsx roster"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        self.add_dry_run_argument(parser)

    def handle(self, *args, file, dry_run, township, **options):
        data, filename = self.read_file(file)
        plan = self.plan_file(roster_plan, data, filename, township=self.township(township))
        for row in plan.rows:
            if row.action != "unchanged":
                label = _("new") if row.action == "create" else _("update")
                self.stdout.write(f"{row.number}\t{label}\t{row.village.name}\t{row.name}")
        summary = _("%(create)s new, %(update)s updated, %(unchanged)s unchanged.") % {
            action: plan.count(action) for action in ("create", "update", "unchanged")
        }
        if dry_run:
            self.stdout.write(_("Dry run: nothing was written.") + " " + summary)
            return
        self.apply_plan(roster_import_apply, plan=plan)
        self.stdout.write(self.style.SUCCESS(_("Imported.") + " " + summary))
