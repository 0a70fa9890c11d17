import datetime
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.people.identity import normalize_name
from lms.people.models import Township, Village
from lms.stats.exports import report_csv, report_xlsx
from lms.stats.report import attendance_report
from lms.stats.selectors import GROUPINGS, StatsFilter, stats_range_problem

FORMATS = ("csv", "xlsx", "json")


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("“%(value)s” is not a date; write it as YYYY-MM-DD.") % {"value": value}
        ) from None


class Command(BaseCommand):
    help = (
        "The township's attendance figures (期, 人次, 人数, 户) for a date range, in total and"
        " by village, month, track, kind or session, as CSV, XLSX or JSON. The same figures as"
        " the statistics page and /api/v1/stats/."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", help="YYYY-MM-DD (default: 1 January)")
        parser.add_argument("--to", dest="date_to", help="YYYY-MM-DD (default: 31 December)")
        parser.add_argument("--by", choices=GROUPINGS, default="village")
        parser.add_argument(
            "--format", choices=FORMATS, help="csv, xlsx or json (default: from -o, else csv)"
        )
        parser.add_argument("-o", "--output", help="write to this file instead of stdout")
        parser.add_argument("--township", help="only this township's villages")
        parser.add_argument("--village", help="only this village (with --township if ambiguous)")

    def handle(self, *args, date_from, date_to, by, format, output, township, village, **options):
        year = timezone.localdate().year  # this year on the township's clock, as the page's
        date_from = _date(date_from) if date_from else datetime.date(year, 1, 1)
        date_to = _date(date_to) if date_to else datetime.date(year, 12, 31)
        if problem := stats_range_problem(date_from, date_to):
            raise CommandError(problem)
        format = format or (Path(output).suffix.lstrip(".").lower() if output else "csv")
        if format not in FORMATS:
            raise CommandError(_("Choose --format csv, xlsx or json."))
        if format == "xlsx" and not output:
            raise CommandError(_("An XLSX file needs -o FILE."))
        report = attendance_report(
            StatsFilter(
                date_from=date_from,
                date_to=date_to,
                village_ids=_villages(township, village),
            ),
            by=by,
        )
        if format == "json":
            data = (json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n").encode()
        elif format == "csv":
            data = report_csv(report)
        else:
            data = report_xlsx(report)
        if output:
            Path(output).write_bytes(data)
            if options["verbosity"] >= 1:
                self.stderr.write(_("Written: %(file)s") % {"file": output})
        else:  # text on stdout, for a pipe: without the byte-order mark Excel wants in a file
            self.stdout.write(data.decode("utf-8-sig"), ending="")


def _villages(township: str | None, village: str | None) -> frozenset[int] | None:
    villages = Village.objects.all()
    if township:
        found = Township.objects.filter(name=normalize_name(township)).first()
        if found is None:
            raise CommandError(_("There is no township “%(name)s”.") % {"name": township})
        villages = villages.filter(township=found)
    if village:
        name = normalize_name(village)
        villages = villages.filter(name__in=[name, f"{name}村"])
        if villages.count() != 1:
            raise CommandError(
                _("No single village is called “%(name)s”; add --township.") % {"name": village}
            )
    if not township and not village:
        return None
    return frozenset(villages.values_list("pk", flat=True))
