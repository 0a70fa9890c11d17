"""The township's figures over HTTP, mounted at /api/v1/stats/.

Staff only (administrators, township staff, secretaries, organizers), each within the
villages their role covers: the same selectors as the statistics page and the command.
"""

import datetime

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from lms.api_input import RecordId, Year
from lms.ledger.models import Track
from lms.people.selectors import user_role

from .report import attendance_report, stats_overview
from .selectors import GROUPINGS, stats_filter_for, targets_progress

router = Router(tags=["stats"])


class StatsQuery(Schema):
    date_from: datetime.date = Field(..., alias="from", description="First day, YYYY-MM-DD.")
    date_to: datetime.date = Field(..., alias="to", description="Last day (inclusive).")
    village: RecordId | None = Field(None, description="One village's id (within your scope).")
    track: Track | None = None
    kind: RecordId | None = Field(None, description="A session kind's id.")
    party_members_only: bool = False


class FiguresOut(Schema):
    sessions: int = Field(..., description="期: sessions held.")
    person_times: int = Field(..., description="人次: attendances of people who came.")
    people: int = Field(..., description="人数: distinct people who came.")
    households: int = Field(..., description="户: distinct households of those people.")


class RowOut(FiguresOut):
    key: str | int = Field(
        ..., description="Village name, YYYY-MM, track, kind name or session id."
    )
    label: str = Field(..., description="What a person reads; 乡镇·村 across townships.")
    township: str | None = Field(None, description="By village: the village's township.")
    date: str | None = Field(None, description="By session: its local date.")
    topic: str | None = Field(None, description="By session: its topic.")
    village: str | None = Field(None, description="By session: where it was held.")
    kind: str | None = Field(None, description="By session: its kind.")


class ReportOut(Schema):
    date_from: datetime.date = Field(..., alias="from")
    date_to: datetime.date = Field(..., alias="to")
    by: str
    totals: FiguresOut
    rows: list[RowOut]


class OverviewOut(Schema):
    date_from: datetime.date = Field(..., alias="from")
    date_to: datetime.date = Field(..., alias="to")
    totals: FiguresOut
    attendance_rate: dict = Field(..., description="invited, came, rate (null: nobody invited)")
    satisfaction: dict = Field(..., description="average 1–5 (null: no ratings), responses")
    study_hours: dict[str, dict[str, float]] = Field(
        ..., description="By track and total: online, in_person and total hours."
    )
    online_study: dict = Field(
        ...,
        description="members, studied, participation_rate (参学率), subject, met,"
        " compliance_rate (达标率).",
    )


class TargetOut(Schema):
    township: str
    year: int
    kind: str | None
    track: str | None
    sessions_target: int
    sessions: int
    person_times_target: int
    person_times: int


def _filter(request, query: StatsQuery):
    if user_role(request.user) is None:
        raise HttpError(403, _("Only staff may see the statistics."))
    try:
        return stats_filter_for(
            request.user,
            date_from=query.date_from,
            date_to=query.date_to,
            village=query.village,
            track=query.track or "",
            kind=query.kind,
            party_members_only=query.party_members_only,
        )
    except ValueError as error:  # a range the statistics do not answer
        raise HttpError(422, str(error)) from None


@router.get("/report", response=ReportOut, by_alias=True)
def report(request, query: Query[StatsQuery], by: str = "village"):
    """期/人次/人数/户 in total and by village, month, track, kind or session."""
    if by not in GROUPINGS:
        raise HttpError(
            422, _("by must be one of: %(choices)s") % {"choices": ", ".join(GROUPINGS)}
        )
    return attendance_report(_filter(request, query), by=by).as_json()


@router.get("/overview", response=OverviewOut, by_alias=True)
def overview(request, query: Query[StatsQuery]):
    """The statistics page's headline figures: attendance, rate, 满意度, 学时, 参学率, 达标率."""
    f = _filter(request, query)
    figures = stats_overview(f, groupings=())
    return {
        "from": f.date_from,
        "to": f.date_to,
        "totals": figures.totals.as_dict(),
        "attendance_rate": figures.rate,
        "satisfaction": figures.satisfaction,
        "study_hours": figures.hours,
        "online_study": figures.online,
    }


@router.get("/targets", response=list[TargetOut])
def targets(request, year: Year):
    """The year's targets of your townships against what was done (完成率 = done / target)."""
    if user_role(request.user) is None:
        raise HttpError(403, _("Only staff may see the statistics."))
    return [
        {
            "township": p.target.township.name,
            "year": p.target.year,
            "kind": p.target.kind.name if p.target.kind_id else None,
            "track": p.target.track or None,
            "sessions_target": p.target.sessions,
            "sessions": p.sessions,
            "person_times_target": p.target.person_times,
            "person_times": p.person_times,
        }
        for p in targets_progress(request.user, year=year)
    ]
