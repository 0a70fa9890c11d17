"""The township's figures, defined once (DESIGN.md, "Attendance semantics" and "Statistics").

- 期 (sessions): sessions held (or planned and over) in the villages asked about; never
  cancelled ones.
- 人次 (person_times): records of people who came (present, late, left early) to sessions
  that were not cancelled, counted for the people whose *home* village is asked about,
  wherever they trained. 人数 (people): distinct persons among them; 户 (households): distinct
  households among those persons, where known.
- attendance rate: of the people invited (registered) to sessions held, those who came.
- a session belongs to the day (Asia/Shanghai) it starts on; a ledger row to its date.

Every figure is computed by the database, one grouped query per figure family, so a page
costs the same number of queries for a village or a county. The statistics page, the
dashboard panels, the exports, `/api/v1/stats/` and `attendance_report` all call these.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Avg, Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.models import AttendanceRecord, Registration, SessionKind, TrainingSession
from attendance.selectors import attendance_came, sessions_held
from courses.models import LessonProgress
from lms.ledger import selectors as ledger_selectors
from lms.ledger.models import StudyHoursEntry, Track
from lms.people.models import Person, RoleAssignment, Village
from lms.people.selectors import user_role, villages_visible_to

from .models import AnnualTarget

GROUPINGS = ("village", "month", "track", "kind", "session")


@dataclass(frozen=True)
class StatsFilter:
    """What the figures are about: a date range (inclusive), the villages (None: all of
    them, for an administrator), a track, a session kind, party members only."""

    date_from: datetime.date
    date_to: datetime.date
    village_ids: frozenset[int] | None = None
    track: str = ""
    kind_id: int | None = None
    party_members_only: bool = False

    @property
    def starts(self) -> datetime.datetime:
        return _local_midnight(self.date_from)

    @property
    def ends(self) -> datetime.datetime:
        """The first moment after the range."""
        if self.date_to == datetime.date.max:
            return _LATEST
        return _local_midnight(self.date_to + datetime.timedelta(days=1))

    def as_params(self) -> dict:
        """A JSON-able form, for a queued export."""
        return {
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "village_ids": sorted(self.village_ids) if self.village_ids is not None else None,
            "track": self.track,
            "kind_id": self.kind_id,
            "party_members_only": self.party_members_only,
        }

    @classmethod
    def from_params(cls, params: dict) -> "StatsFilter":
        ids = params.get("village_ids")
        return cls(
            date_from=datetime.date.fromisoformat(params["date_from"]),
            date_to=datetime.date.fromisoformat(params["date_to"]),
            village_ids=frozenset(ids) if ids is not None else None,
            track=params.get("track") or "",
            kind_id=params.get("kind_id"),
            party_members_only=bool(params.get("party_members_only")),
        )


# The moments before and after every other: a day at the calendar's edge (0001-01-01 here,
# eight hours ahead of UTC) has a midnight no database can store.
_EARLIEST = datetime.datetime.min.replace(tzinfo=datetime.UTC)
_LATEST = datetime.datetime.max.replace(tzinfo=datetime.UTC)


def _local_midnight(day: datetime.date) -> datetime.datetime:
    midnight = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    try:
        midnight.astimezone(datetime.UTC)  # what the database is given
    except OverflowError:
        return _EARLIEST if day.year == datetime.MINYEAR else _LATEST
    return midnight


# The longest range one request may ask about: the figures by month or by session, and the
# queries behind them, grow with it.
MAX_RANGE_DAYS = 5 * 366


def stats_range_problem(date_from: datetime.date, date_to: datetime.date) -> str | None:
    """Why a range cannot be asked about, or None: the statistics page, its exports and the
    API all ask this, through stats_filter_for."""
    if date_to < date_from:
        return _("The end of the range is before its start.")
    if (date_to - date_from).days > MAX_RANGE_DAYS:
        return _("Choose a range of at most five years.")
    return None


def stats_filter_for(
    user,
    *,
    date_from: datetime.date,
    date_to: datetime.date,
    village: Village | int | None = None,
    track: str = "",
    kind: SessionKind | int | None = None,
    party_members_only: bool = False,
) -> StatsFilter:
    """The filter a user may ask for: always within the villages their role covers.

    A village outside their scope gives figures of nothing, never of that village.
    """
    if problem := stats_range_problem(date_from, date_to):
        raise ValueError(problem)
    village_id = getattr(village, "pk", village)
    if user_role(user) == RoleAssignment.Role.ADMINISTRATOR:
        village_ids = None if village_id is None else frozenset({village_id})
    else:
        visible = set(villages_visible_to(user).values_list("pk", flat=True))
        village_ids = frozenset(visible if village_id is None else visible & {village_id})
    return StatsFilter(
        date_from=date_from,
        date_to=date_to,
        village_ids=village_ids,
        track=track or "",
        kind_id=getattr(kind, "pk", kind),
        party_members_only=party_members_only,
    )


def year_filter(user, *, year: int, **filters) -> StatsFilter:
    return stats_filter_for(
        user,
        date_from=datetime.date(year, 1, 1),
        date_to=datetime.date(year, 12, 31),
        **filters,
    )


# --- The two base sets ------------------------------------------------------------------------


def sessions_counted(f: StatsFilter, *, now=None) -> QuerySet[TrainingSession]:
    """期: sessions held in the filter's villages, starting in its range."""
    sessions = TrainingSession.objects.filter(starts_at__gte=f.starts, starts_at__lt=f.ends)
    if f.village_ids is not None:
        sessions = sessions.filter(village_id__in=f.village_ids)
    if f.track:
        sessions = sessions.filter(track=f.track)
    if f.kind_id:
        sessions = sessions.filter(kind_id=f.kind_id)
    return sessions_held(sessions, now)


def records_counted(f: StatsFilter) -> QuerySet[AttendanceRecord]:
    """人次: records of people from the filter's villages who came, in its range."""
    records = attendance_came(
        AttendanceRecord.objects.filter(
            session__starts_at__gte=f.starts, session__starts_at__lt=f.ends
        )
    )
    if f.village_ids is not None:
        records = records.filter(person__village_id__in=f.village_ids)
    if f.track:
        records = records.filter(session__track=f.track)
    if f.kind_id:
        records = records.filter(session__kind_id=f.kind_id)
    if f.party_members_only:
        records = records.filter(person__is_party_member=True)
    return records


# --- Attendance figures -----------------------------------------------------------------------


@dataclass
class Figures:
    """期, 人次, 人数 and 户 of one row (or of the totals)."""

    sessions: int = 0
    person_times: int = 0
    people: int = 0
    households: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "sessions": self.sessions,
            "person_times": self.person_times,
            "people": self.people,
            "households": self.households,
        }


@dataclass
class Row(Figures):
    """One line of a breakdown: its key (village name, YYYY-MM, track, kind or session id),
    what a person reads for it, and for a session its date and village."""

    key: str | int = ""
    label: str = ""
    detail: dict = field(default_factory=dict)


_RECORD_FIGURES = {
    "person_times": Count("pk"),
    "people": Count("person_id", distinct=True),
    "households": Count("person__household_id", distinct=True),
}


def attendance_totals(f: StatsFilter, *, now=None) -> Figures:
    """期/人次/人数/户 of the whole filter: two queries."""
    figures = records_counted(f).aggregate(**_RECORD_FIGURES)
    return Figures(sessions=sessions_counted(f, now=now).count(), **figures)


def _session_key(by: str):
    return {
        "village": F("village_id"),
        "month": TruncMonth("starts_at"),
        "track": F("track"),
        "kind": F("kind_id"),
        "session": F("pk"),
    }[by]


def _record_key(by: str):
    return {
        "village": F("person__village_id"),
        "month": TruncMonth("session__starts_at"),
        "track": F("session__track"),
        "kind": F("session__kind_id"),
        "session": F("session_id"),
    }[by]


def attendance_breakdown(f: StatsFilter, *, by: str, now=None) -> list[Row]:
    """Rows of 期/人次/人数/户 by village, month, track, kind or session: two grouped queries
    and one for the rows' names.

    Every village in scope, every month of the range, both tracks and every kind get a row
    (zeros included: a village that held nothing is a figure too); sessions appear when held
    in scope or attended by people from it.
    """
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {', '.join(GROUPINGS)}")
    sessions = dict(
        sessions_counted(f, now=now)
        .order_by()
        .annotate(key=_session_key(by))
        .values("key")
        .annotate(n=Count("pk"))
        .values_list("key", "n")
    )
    records = {
        row.pop("key"): row
        for row in records_counted(f)
        .order_by()
        .annotate(key=_record_key(by))
        .values("key")
        .annotate(**_RECORD_FIGURES)
    }
    rows = []
    for group, key, label, detail in _row_keys(f, by=by, keys=set(sessions) | set(records)):
        counted = records.get(group, {})
        rows.append(
            Row(
                key=key,
                label=label,
                detail=detail,
                sessions=sessions.get(group, 0),
                person_times=counted.get("person_times", 0),
                people=counted.get("people", 0),
                households=counted.get("households", 0),
            )
        )
    return rows


def _months(f: StatsFilter) -> list[datetime.date]:
    months, month = [], f.date_from.replace(day=1)
    while month <= f.date_to:
        months.append(month)
        if month.year == datetime.MAXYEAR and month.month == 12:
            break  # the calendar's last month has no next one
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def _month_key(value: datetime.datetime) -> str:
    """The YYYY-MM of a month TruncMonth gave (an aware moment, with USE_TZ) on our clock."""
    return f"{timezone.localtime(value):%Y-%m}"


def _row_keys(f: StatsFilter, *, by: str, keys: set):
    """(grouping value, key, label, detail) of each row, in reading order. The key is what
    the JSON report names a row by: village name, YYYY-MM, track, kind name, session id."""
    if by == "village":
        villages = Village.objects.select_related("township").order_by("township__name", "name")
        if f.village_ids is not None:
            villages = villages.filter(pk__in=f.village_ids)
        villages = list(villages)
        # Village names repeat across a county: there a row reads "东沟乡·永丰村".
        several = len({v.township_id for v in villages}) > 1
        return [
            (
                v.pk,
                v.name,
                f"{v.township.name}·{v.name}" if several else v.name,
                {"township": v.township.name},
            )
            for v in villages
        ]
    if by == "month":
        by_label = {_month_key(key): key for key in keys if key is not None}
        return [
            (by_label.get(f"{month:%Y-%m}"), f"{month:%Y-%m}", f"{month:%Y-%m}", {})
            for month in _months(f)
        ]
    if by == "track":
        tracks = [t for t in Track if not f.track or t.value == f.track]
        return [(t.value, t.value, str(t.label), {}) for t in tracks]
    if by == "kind":
        kinds = SessionKind.objects.all()
        if f.kind_id:
            kinds = kinds.filter(pk=f.kind_id)
        return [(kind.pk, kind.name, kind.name, {}) for kind in kinds]
    sessions = (
        TrainingSession.objects.filter(pk__in=keys)
        .select_related("village", "kind")
        .order_by("starts_at", "pk")
    )
    return [
        (
            session.pk,
            session.pk,
            f"{session.local_date:%Y-%m-%d} {session.topic}",
            {
                "date": session.local_date.isoformat(),
                "topic": session.topic,
                "village": session.village.name,
                "kind": session.kind.name,
            },
        )
        for session in sessions
    ]


def attendance_rate(f: StatsFilter, *, now=None) -> dict:
    """Of the people from the filter's villages invited to sessions held, how many came."""
    registrations = Registration.objects.filter(
        status=Registration.Status.REGISTERED,
        session__in=sessions_counted(
            StatsFilter(
                date_from=f.date_from,
                date_to=f.date_to,
                track=f.track,
                kind_id=f.kind_id,
            ),
            now=now,
        ),
    )
    if f.village_ids is not None:
        registrations = registrations.filter(person__village_id__in=f.village_ids)
    if f.party_members_only:
        registrations = registrations.filter(person__is_party_member=True)
    came = AttendanceRecord.objects.filter(
        session_id=OuterRef("session_id"),
        person_id=OuterRef("person_id"),
        status__in=AttendanceRecord.CAME,
    )
    counts = registrations.aggregate(invited=Count("pk"), came=Count("pk", filter=Exists(came)))
    rate = counts["came"] / counts["invited"] if counts["invited"] else None
    return {**counts, "rate": rate}


def satisfaction(f: StatsFilter, *, now=None) -> dict:
    """满意度: the average rating (1–5) of the sessions held in the filter's villages."""
    summary = sessions_counted(f, now=now).aggregate(
        average=Avg("evaluations__satisfaction"), responses=Count("evaluations")
    )
    average = summary["average"]
    return {
        "average": round(average, 2) if average is not None else None,
        "responses": summary["responses"],
    }


# --- Study hours (the ledger) -------------------------------------------------------------------


def study_hours(f: StatsFilter) -> dict:
    """学时 from the ledger in the range, for people of the filter's villages:
    {"party": {"online": …, "in_person": …, "total": …}, "skills": {…}, "total": {…}}.

    A session kind narrows it to in-person hours of that kind (online study has no kind).
    """
    entries = StudyHoursEntry.objects.filter(date__gte=f.date_from, date__lte=f.date_to)
    if f.village_ids is not None:
        entries = entries.filter(person__village_id__in=f.village_ids)
    if f.track:
        entries = entries.filter(track=f.track)
    if f.party_members_only:
        entries = entries.filter(person__is_party_member=True)
    if f.kind_id:
        entries = entries.filter(
            source_kind=StudyHoursEntry.Source.ATTENDANCE,
            source_id__in=AttendanceRecord.objects.filter(session__kind_id=f.kind_id).values("pk"),
        )
    zero = Decimal("0")
    result = {
        key: {"online": zero, "in_person": zero, "total": zero} for key in [*Track.values, "total"]
    }
    rows = entries.order_by().values("track", "source_kind").annotate(hours=Sum("hours"))
    for row in rows:
        source = (
            "in_person" if row["source_kind"] == StudyHoursEntry.Source.ATTENDANCE else "online"
        )
        for key in (row["track"], "total"):
            result[key][source] += row["hours"]
            result[key]["total"] += row["hours"]
    return result


def online_study(f: StatsFilter) -> dict:
    """万人在线 of the filter's party members: how many there are, how many studied at all
    in the range (参学率), and how many met the year's requirement (达标率, for the year the
    range ends in, by the ledger's one rule)."""
    members = Person.objects.filter(is_party_member=True)
    if f.village_ids is not None:
        members = members.filter(village_id__in=f.village_ids)
    studied_lesson = LessonProgress.objects.filter(person_id=OuterRef("pk")).filter(
        Q(last_heartbeat_at__gte=f.starts, last_heartbeat_at__lt=f.ends)
        | Q(completed_at__gte=f.starts, completed_at__lt=f.ends)
    )
    counts = members.aggregate(
        members=Count("pk"), studied=Count("pk", filter=Exists(studied_lesson))
    )
    subject, met = ledger_selectors.people_meeting_requirement(people=members, year=f.date_to.year)
    # Without members, or without a program, both are `none()`: counted without a query.
    subject_count, met_count = subject.count(), met.count()
    return {
        "members": counts["members"],
        "studied": counts["studied"],
        "participation_rate": counts["studied"] / counts["members"] if counts["members"] else None,
        "subject": subject_count,
        "met": met_count,
        "compliance_rate": met_count / subject_count if subject_count else None,
    }


# --- Targets ------------------------------------------------------------------------------------


@dataclass
class TargetProgress:
    target: AnnualTarget
    sessions: int
    person_times: int

    @property
    def sessions_rate(self) -> float | None:
        return self.sessions / self.target.sessions if self.target.sessions else None

    @property
    def person_times_rate(self) -> float | None:
        if not self.target.person_times:
            return None
        return self.person_times / self.target.person_times


def targets_progress(user, *, year: int, now=None) -> list[TargetProgress]:
    """Each yearly target of the user's townships against the year's figures of the whole
    township: three queries, however many targets there are. Targets are the township's:
    only administrators and township staff, who see all of its villages, are shown them."""
    if user_role(user) not in (
        RoleAssignment.Role.ADMINISTRATOR,
        RoleAssignment.Role.TOWNSHIP_STAFF,
    ):
        return []
    visible = villages_visible_to(user)
    targets = list(
        AnnualTarget.objects.filter(year=year, township_id__in=visible.values("township_id"))
        .select_related("township", "kind")
        .order_by("township__name", F("kind__sort_order").asc(nulls_first=True), "track")
    )
    if not targets:
        return []
    # Every township's figures, grouped by township: each target takes its own township's
    # rows, all of whose villages the user sees.
    f = StatsFilter(date_from=datetime.date(year, 1, 1), date_to=datetime.date(year, 12, 31))
    sessions = list(
        sessions_counted(f, now=now)
        .order_by()
        .values("village__township_id", "kind_id", "track")
        .annotate(n=Count("pk"))
    )
    records = list(
        records_counted(f)
        .order_by()
        .values("person__village__township_id", "session__kind_id", "session__track")
        .annotate(n=Count("pk"))
    )

    def total(rows, township_key, kind_key, track_key, target):
        return sum(
            row["n"]
            for row in rows
            if row[township_key] == target.township_id
            and (target.kind_id is None or row[kind_key] == target.kind_id)
            and (not target.track or row[track_key] == target.track)
        )

    return [
        TargetProgress(
            target=target,
            sessions=total(sessions, "village__township_id", "kind_id", "track", target),
            person_times=total(
                records,
                "person__village__township_id",
                "session__kind_id",
                "session__track",
                target,
            ),
        )
        for target in targets
    ]
