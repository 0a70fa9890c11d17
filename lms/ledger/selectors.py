"""Reading the ledger."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from lms.people.models import Person

from .models import AnnualRequirement, StudyHoursEntry, Track


def hours_by_track(*, person_id: int, year: int) -> dict[str, Decimal]:
    """{"party": …, "skills": …, "total": …} for one person and calendar year."""
    rows = (
        StudyHoursEntry.objects.filter(person_id=person_id, date__year=year)
        .values("track")
        .annotate(hours=Sum("hours"))
    )
    result = {track.value: Decimal("0") for track in Track}
    for row in rows:
        result[row["track"]] = row["hours"]
    result["total"] = sum(result.values(), Decimal("0"))
    return result


@dataclass(frozen=True)
class HoursStanding:
    required: Decimal
    earned: Decimal

    @property
    def remaining(self) -> Decimal:
        return max(self.required - self.earned, Decimal("0"))

    @property
    def met(self) -> bool:
        return self.remaining == 0


@dataclass(frozen=True)
class Standing:
    """A person's hours in a year against their township's requirement."""

    year: int
    requirement: AnnualRequirement | None
    tracks: dict[str, HoursStanding]
    total: HoursStanding

    @property
    def met(self) -> bool:
        return self.total.met and all(track.met for track in self.tracks.values())


def requirement_for(*, township_id: int, year: int) -> AnnualRequirement | None:
    return AnnualRequirement.objects.filter(township_id=township_id, year=year).first()


def person_standing(*, person, year: int) -> Standing:
    """Earned hours by track and in total, from the ledger, against the annual requirement.

    Without a requirement for the person's township and year nothing is required.
    """
    requirement = requirement_for(township_id=person.village.township_id, year=year)
    earned = hours_by_track(person_id=person.pk, year=year)
    required = {
        Track.PARTY.value: requirement.party_hours if requirement else Decimal("0"),
        Track.SKILLS.value: requirement.skills_hours if requirement else Decimal("0"),
    }
    return Standing(
        year=year,
        requirement=requirement,
        tracks={
            track.value: HoursStanding(required=required[track.value], earned=earned[track.value])
            for track in Track
        },
        total=HoursStanding(
            required=requirement.total_hours if requirement else Decimal("0"),
            earned=earned["total"],
        ),
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
    hours = DecimalField(max_digits=7, decimal_places=2)
    return (
        Person.objects.filter(is_party_member=True, village__township=township)
        .annotate(
            earned=Coalesce(
                Sum(
                    "study_hours__hours",
                    filter=Q(study_hours__date__year=year, study_hours__date__lte=on),
                ),
                Value(Decimal("0")),
                output_field=hours,
            ),
            pace=Value(pace, output_field=hours),
        )
        .filter(earned__lt=pace)
        .order_by("village__name", "name", "pk")
    )
