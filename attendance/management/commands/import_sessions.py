from django.utils.translation import gettext as _

from attendance.plan_import import session_import_apply, session_import_plan
from lms.people.commands import TownshipImportCommand


class Command(TownshipImportCommand):
    help = (
        "Import the year's training plan from CSV or XLSX (培训主题, 类别, 村, 地点, 开始时间,"
        " 结束时间, 学时, 讲师, optional 编号 and 类型). Prints ID<TAB>topic for every session"
        " of the file. All rows or none: any invalid row writes nothing and is reported."
    )
    file_help = "a .csv or .xlsx training plan"

    def handle(self, *args, file, township, **options):
        data, filename = self.read_file(file)
        plan = self.plan_file(session_import_plan, data, filename, township=self.township(township))
        for warning in plan.warnings:
            self.stderr.write(_("Warning: %(warning)s") % {"warning": warning})
        counts = self.apply_plan(session_import_apply, plan=plan)
        # stdout carries only the sessions, one a line, for scripts; the summary goes to stderr.
        for row in plan.rows:
            self.stdout.write(f"{row.session.pk}\t{row.session.topic}")
        if options["verbosity"] >= 1:
            self.stderr.write(
                _("Sessions: %(create)s new, %(update)s updated, %(unchanged)s unchanged.") % counts
            )
