from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from lms.people.models import Township
from lms.people.roster import roster_plan
from lms.people.services import roster_import_apply
from lms.people.tables import TableError


class Command(BaseCommand):
    help = (
        "Import a roster of people from CSV or XLSX (姓名, 性别, 村, 手机号, 身份证号, 党员, 户号,"
        " 党支部). All rows or none: any invalid row writes nothing and is reported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .csv or .xlsx roster")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report, write nothing"
        )
        parser.add_argument(
            "--township", help="the township whose villages the roster names (if several)"
        )

    def handle(self, *args, file, dry_run, township, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("File not found: %(file)s") % {"file": file})
        township_obj = None
        if township:
            township_obj = Township.objects.filter(name=township.strip()).first()
            if township_obj is None:
                raise CommandError(_("There is no township “%(name)s”.") % {"name": township})
        try:
            plan = roster_plan(path.read_bytes(), path.name, township=township_obj)
        except TableError as error:
            raise CommandError(str(error)) from error

        if not plan.is_valid:
            for error in plan.errors:
                self.stderr.write(str(error))
            raise CommandError(
                _("%(bad)s invalid row(s); nothing was imported. Correct them and import again.")
                % {"bad": len(plan.errors)}
            )

        for row in plan.rows:
            if row.action != "unchanged":
                label = _("new") if row.action == "create" else _("update")
                self.stdout.write(f"{row.number}\t{label}\t{row.village.name}\t{row.name}")
        summary = _("%(create)s new, %(update)s updated, %(unchanged)s unchanged.") % {
            "create": plan.count("create"),
            "update": plan.count("update"),
            "unchanged": plan.count("unchanged"),
        }
        if dry_run:
            self.stdout.write(_("Dry run: nothing was written.") + " " + summary)
            return
        roster_import_apply(plan=plan)
        self.stdout.write(self.style.SUCCESS(_("Imported.") + " " + summary))
