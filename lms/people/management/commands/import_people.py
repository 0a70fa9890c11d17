from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from lms.imports.reporting import row_numbers
from lms.imports.tables import TableError
from lms.people.identity import normalize_name
from lms.people.models import Township
from lms.people.roster import RosterPlan, roster_plan
from lms.people.services import roster_import_apply


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
        try:
            plan = roster_plan(path.read_bytes(), path.name, township=self._township(township))
        except TableError as error:
            raise CommandError(str(error)) from error
        if not plan.is_valid:
            self._refuse(plan)

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
        try:
            roster_import_apply(plan=plan)
        except ValidationError as error:
            raise CommandError(
                "；".join(error.messages) + " " + _("Nothing was imported.")
            ) from error
        self.stdout.write(self.style.SUCCESS(_("Imported.") + " " + summary))

    def _township(self, name: str | None) -> Township | None:
        if not name:
            return None
        township = Township.objects.filter(name=normalize_name(name)).first()
        if township is None:
            raise CommandError(_("There is no township “%(name)s”.") % {"name": name})
        return township

    def _refuse(self, plan: RosterPlan):
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
