"""A report: the figures of one filter, by one grouping, in the shape every output shares.

The statistics page, the exports (XLSX, CSV, PDF), `/api/v1/stats/` and `attendance_report`
all build a `Report` here and only lay it out differently.
"""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from attendance.models import SessionKind
from lms.ledger.models import Track
from lms.people.models import Township, Village

from . import selectors
from .selectors import Figures, Row, StatsFilter

# The county's column names, in the order the forms use.
COLUMNS = [
    ("sessions", gettext_lazy("Sessions held (期)")),
    ("person_times", gettext_lazy("Person-times (人次)")),
    ("people", gettext_lazy("People (人数)")),
    ("households", gettext_lazy("Households (户)")),
]

GROUPING_LABELS = {
    "village": gettext_lazy("village"),
    "month": gettext_lazy("month"),
    "track": gettext_lazy("track"),
    "kind": gettext_lazy("kind"),
    "session": gettext_lazy("session"),
}


@dataclass
class Report:
    """期/人次/人数/户 of a filter in total and by one grouping."""

    filter: StatsFilter
    by: str
    totals: Figures
    rows: list[Row]
    made_at: datetime.datetime = field(default_factory=timezone.now)

    def as_json(self) -> dict:
        """The shape of `attendance_report --format json` and `/api/v1/stats/report`."""
        return {
            "from": self.filter.date_from.isoformat(),
            "to": self.filter.date_to.isoformat(),
            "by": self.by,
            "totals": self.totals.as_dict(),
            "rows": [
                {"key": row.key, "label": row.label, **row.detail, **row.as_dict()}
                for row in self.rows
            ],
        }


def attendance_report(
    f: StatsFilter, *, by: str = "village", totals: Figures | None = None, now=None
) -> Report:
    """Totals and rows: four queries, and one for the rows' names (two fewer when the
    totals, the same for every grouping of one filter, are already known)."""
    return Report(
        filter=f,
        by=by,
        totals=totals if totals is not None else selectors.attendance_totals(f, now=now),
        rows=selectors.attendance_breakdown(f, by=by, now=now),
    )


@dataclass
class Overview:
    """Everything the statistics page shows for one filter (and the PDF prints)."""

    filter: StatsFilter
    totals: Figures
    breakdowns: dict[str, list[Row]]
    rate: dict
    satisfaction: dict
    hours: dict
    online: dict
    by_track: list[Row]


def stats_overview(f: StatsFilter, *, groupings=("village", "month", "kind"), now=None) -> Overview:
    """The page's figures: a fixed number of queries whatever the data's size."""
    breakdowns = {by: selectors.attendance_breakdown(f, by=by, now=now) for by in groupings}
    return Overview(
        filter=f,
        totals=selectors.attendance_totals(f, now=now),
        breakdowns=breakdowns,
        rate=selectors.attendance_rate(f, now=now),
        satisfaction=selectors.satisfaction(f, now=now),
        hours=selectors.study_hours(f),
        online=selectors.online_study(f),
        by_track=selectors.attendance_breakdown(f, by="track", now=now),
    )


def filter_description(f: StatsFilter) -> str:
    """One line saying what the figures cover, for titles and file headers."""
    parts = [f"{f.date_from:%Y-%m-%d} — {f.date_to:%Y-%m-%d}"]
    if f.village_ids is not None and len(f.village_ids) == 1:
        village = Village.objects.filter(pk=next(iter(f.village_ids))).first()
        if village is not None:
            parts.append(village.name)
    if f.track:
        parts.append(str(Track(f.track).label))
    if f.kind_id:
        kind = SessionKind.objects.filter(pk=f.kind_id).first()
        if kind is not None:
            parts.append(kind.name)
    if f.party_members_only:
        parts.append(_("party members"))
    return " · ".join(parts)


def reporting_body(f: StatsFilter) -> str:
    """填报单位: the township the figures are of, or the villages' townships."""
    townships = Township.objects.order_by("name")
    if f.village_ids is not None:
        townships = townships.filter(villages__pk__in=f.village_ids).distinct()
    names = list(townships.values_list("name", flat=True)[:4])
    if f.village_ids is not None and len(f.village_ids) == 1:
        village = Village.objects.filter(pk=next(iter(f.village_ids))).first()
        if village is not None and names:
            return f"{names[0]}{village.name}"
    return "、".join(names)
