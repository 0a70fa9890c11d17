"""Reading the ledger."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lms.memo import ProcessMemo
from lms.people.models import Person

from .models import AnnualRequirement, StudyHoursEntry, Track


def _year_rows(person_id: int, year: int):
    return StudyHoursEntry.objects.filter(person_id=person_id, date__year=year)


def _year_totals(person_id: int, year: int) -> tuple[dict[str, Decimal], dict[str, int]]:
    """Hours by track (and in total), and in-person sessions attended by track (the ledger's
    attendance rows), for one person and calendar year: one query."""
    # A person's year is tens of rows: summed here, the query is a plain read, which Django
    # builds in a third of the time of the grouped one (我的学习 asks it on every visit).
    rows = _year_rows(person_id, year).values_list("track", "hours", "source_kind")
    hours = {track.value: Decimal("0") for track in Track}
    sessions = {track.value: 0 for track in Track}
    for track, entry_hours, source_kind in rows:
        hours[track] += entry_hours
        sessions[track] += source_kind == StudyHoursEntry.Source.ATTENDANCE
    hours["total"] = sum(hours.values(), Decimal("0"))
    return hours, sessions


def hours_by_track(*, person_id: int, year: int) -> dict[str, Decimal]:
    """{"party": …, "skills": …, "total": …} for one person and calendar year."""
    return _year_totals(person_id, year)[0]


def sessions_by_track(*, person_id: int, year: int) -> dict[str, int]:
    """In-person sessions attended (credited) by track: the ledger's attendance rows."""
    return _year_totals(person_id, year)[1]


@dataclass(frozen=True)
class HoursStanding:
    required: Decimal
    earned: Decimal
    sessions_required: int = 0
    sessions: int = 0

    @property
    def remaining(self) -> Decimal:
        return max(self.required - self.earned, Decimal("0"))

    @property
    def sessions_remaining(self) -> int:
        return max(self.sessions_required - self.sessions, 0)

    @property
    def met(self) -> bool:
        return self.remaining == 0 and self.sessions_remaining == 0


@dataclass(frozen=True)
class Standing:
    """A person's year of the program: hours and sessions by track, hours in total, against
    the township's requirement; met, or what is missing."""

    year: int
    requirement: AnnualRequirement | None
    tracks: dict[str, HoursStanding]
    total: HoursStanding

    @property
    def met(self) -> bool:
        return self.total.met and all(track.met for track in self.tracks.values())

    @property
    def missing(self) -> list[str]:
        """What is left, a line per track and for the total: "技能培训还差 2 学时、1 次集中培训"."""
        lines = []
        for track in Track:
            standing = self.tracks[track.value]
            parts = []
            if standing.remaining:
                parts.append(_("%(hours)s hours") % {"hours": _number(standing.remaining)})
            if standing.sessions_remaining:
                parts.append(
                    ngettext(
                        "%(n)s in-person session",
                        "%(n)s in-person sessions",
                        standing.sessions_remaining,
                    )
                    % {"n": standing.sessions_remaining}
                )
            if parts:
                lines.append(
                    _("%(track)s: %(missing)s still to go")
                    % {"track": track.label, "missing": _(", ").join(parts)}
                )
        if self.total.remaining:
            lines.append(
                _("In total: %(hours)s hours still to go")
                % {"hours": _number(self.total.remaining)}
            )
        return lines


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


# Read on every 我的学习: each process keeps a township's requirement for ten seconds (the
# process that saves one forgets at once).
_requirements: ProcessMemo[AnnualRequirement | None] = ProcessMemo(10)


def requirement_for(*, township_id: int, year: int) -> AnnualRequirement | None:
    return _requirements.get(
        (township_id, year),
        lambda: AnnualRequirement.objects.filter(township_id=township_id, year=year).first(),
    )


def _requirements_forget(**kwargs) -> None:
    _requirements.forget()


for _signal in (post_save, post_delete):
    _signal.connect(
        _requirements_forget,
        sender=AnnualRequirement,
        dispatch_uid=f"lms.ledger.requirement.{id(_signal)}",
    )


def requirement_thresholds(requirement: AnnualRequirement | None) -> dict[str, Decimal | int]:
    """What a member must reach, per track (hours and sessions) and in total: the one
    statement of the rule that `person_standing` (one person) and
    `people_meeting_requirement` (many) both apply."""
    zero = Decimal("0")
    return {
        Track.PARTY.value: requirement.party_hours if requirement else zero,
        Track.SKILLS.value: requirement.skills_hours if requirement else zero,
        "total": requirement.total_hours if requirement else zero,
        f"{Track.PARTY.value}_sessions": requirement.party_sessions if requirement else 0,
        f"{Track.SKILLS.value}_sessions": requirement.skills_sessions if requirement else 0,
    }


def people_meeting_requirement(*, people: QuerySet, year: int) -> tuple[QuerySet, QuerySet]:
    """(those subject to a program, those of them who met it) among `people`, in one year.

    People of a township with no program that year are in neither: nothing can be said of
    them. Each result is one aggregate query, however many townships are involved.
    """
    requirements = list(
        AnnualRequirement.objects.filter(
            year=year, township_id__in=people.values("village__township_id")
        )
    )
    if not requirements:
        return people.none(), people.none()
    subject = people.filter(village__township_id__in=[r.township_id for r in requirements])
    in_year = Q(study_hours__date__year=year)

    def earned(track: str | None):
        condition = in_year & Q(study_hours__track=track) if track else in_year
        return Coalesce(Sum("study_hours__hours", filter=condition), Value(Decimal("0")))

    def attended(track: str):
        return Count(
            "study_hours",
            filter=in_year
            & Q(
                study_hours__track=track,
                study_hours__source_kind=StudyHoursEntry.Source.ATTENDANCE,
            ),
        )

    met_condition = Q()
    for requirement in requirements:
        threshold = requirement_thresholds(requirement)
        met_condition |= Q(
            village__township_id=requirement.township_id,
            earned_party__gte=threshold[Track.PARTY.value],
            earned_skills__gte=threshold[Track.SKILLS.value],
            earned_total__gte=threshold["total"],
            attended_party__gte=threshold["party_sessions"],
            attended_skills__gte=threshold["skills_sessions"],
        )
    met = (
        subject.annotate(
            earned_party=earned(Track.PARTY.value),
            earned_skills=earned(Track.SKILLS.value),
            earned_total=earned(None),
            attended_party=attended(Track.PARTY.value),
            attended_skills=attended(Track.SKILLS.value),
        )
        .filter(met_condition)
        .order_by()
    )
    return subject, met


def person_standing(*, person, year: int) -> Standing:
    """The one rule for one person: hours and sessions by track and hours in total, from the
    ledger alone, against the township's program for the year. Without a program for the
    person's township and year nothing is required."""
    requirement = requirement_for(township_id=person.village.township_id, year=year)
    earned, attended = _year_totals(person.pk, year)
    required = requirement_thresholds(requirement)
    return Standing(
        year=year,
        requirement=requirement,
        tracks={
            track.value: HoursStanding(
                required=required[track.value],
                earned=earned[track.value],
                sessions_required=required[f"{track.value}_sessions"],
                sessions=attended[track.value],
            )
            for track in Track
        },
        total=HoursStanding(required=required["total"], earned=earned["total"]),
    )


def pace_required(*, requirement: AnnualRequirement, on: datetime.date) -> Decimal:
    """The hours a member should have by `on` at an even pace through the year."""
    day_of_year = min(on.timetuple().tm_yday, 365)
    return (requirement.total_hours * day_of_year / 365).quantize(Decimal("0.01"))


def members_behind(*, township, year: int, on: datetime.date) -> QuerySet:
    """Party members of a township whose hours this year are behind an even pace.

    One aggregate query; each person is annotated with `earned` (hours up to `on`) and
    `pace` (the hours due by then).
    """
    requirement = requirement_for(township_id=getattr(township, "pk", township), year=year)
    if requirement is None:
        return Person.objects.none()
    pace = pace_required(requirement=requirement, on=on)
    return (
        Person.objects.filter(is_party_member=True, village__township=township)
        .annotate(
            earned=Coalesce(
                Sum(
                    "study_hours__hours",
                    filter=Q(study_hours__date__year=year, study_hours__date__lte=on),
                ),
                Value(Decimal("0")),
            ),
            pace=Value(pace),
        )
        .filter(earned__lt=pace)
        .order_by("village__name", "name", "pk")
    )
