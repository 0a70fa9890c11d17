from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from attendance.plan_import import SessionPlan, session_import_apply, session_import_plan
from lms.imports.reporting import row_numbers
from lms.imports.tables import TableError
from lms.people.identity import normalize_name
from lms.people.models import Township


class Command(BaseCommand):
    help = (
        "Import the year's training plan from CSV or XLSX (培训主题, 类别, 村, 地点, 开始时间,"
        " 结束时间, 学时, 讲师, optional 编号 and 类型). Prints ID<TAB>topic for every session"
        " of the file. All rows or none: any invalid row writes nothing and is reported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .csv or .xlsx training plan")
        parser.add_argument(
            "--township", help="the township whose villages the plan names (if several)"
        )

    def handle(self, *args, file, township, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("File not found: %(file)s") % {"file": file})
        try:
            plan = session_import_plan(path.read_bytes(), path.name, township=_township(township))
        except TableError as error:
            raise CommandError(str(error)) from error
        if not plan.is_valid:
            _refuse(plan, self.stderr)
        for warning in plan.warnings:
            self.stderr.write(_("Warning: %(warning)s") % {"warning": warning})
        try:
            counts = session_import_apply(plan=plan)
        except ValidationError as error:
            raise CommandError(
                "；".join(error.messages) + " " + _("Nothing was imported.")
            ) from error
        # stdout carries only the sessions, one a line, for scripts; the summary goes to stderr.
        for row in plan.rows:
            self.stdout.write(f"{row.session.pk}\t{row.session.topic}")
        if options["verbosity"] >= 1:
            self.stderr.write(
                _("Sessions: %(create)s new, %(update)s updated, %(unchanged)s unchanged.") % counts
            )


def _township(name: str | None) -> Township | None:
    if not name:
        return None
    township = Township.objects.filter(name=normalize_name(name)).first()
    if township is None:
        raise CommandError(_("There is no township “%(name)s”.") % {"name": name})
    return township


def _refuse(plan: SessionPlan, stderr):
    """Report every invalid row (on stderr, one a line) and stop, having written nothing."""
    for error in plan.errors:
        stderr.write(str(error))
    raise CommandError(
        _(
            "%(bad)s invalid row(s) (rows %(rows)s); nothing was imported. Correct them"
            " and import again."
        )
        % {"bad": len(plan.errors), "rows": row_numbers([error.number for error in plan.errors])}
    )
