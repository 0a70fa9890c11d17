"""Reading the ledger."""

from decimal import Decimal

from django.db.models import Sum

from .models import StudyHoursEntry, Track


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
