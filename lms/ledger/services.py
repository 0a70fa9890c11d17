"""Writing the ledger. Each source keeps at most one row; these calls are safe to repeat."""

import datetime
from decimal import Decimal

from .models import StudyHoursEntry


def ledger_record(
    *,
    person_id: int,
    on: datetime.date,
    hours: Decimal,
    track: str,
    source_kind: str,
    source_id: int,
) -> StudyHoursEntry | None:
    """Credit `hours` to a person from one source, replacing what that source credited before.

    Zero hours credits nothing (and withdraws an earlier credit of the same source).
    """
    if not hours or hours <= 0:
        ledger_withdraw(source_kind=source_kind, source_id=source_id)
        return None
    entry, _created = StudyHoursEntry.objects.update_or_create(
        source_kind=source_kind,
        source_id=source_id,
        defaults={"person_id": person_id, "date": on, "hours": hours, "track": track},
    )
    return entry


def ledger_withdraw(*, source_kind: str, source_id: int) -> int:
    """Remove what a source credited (a corrected attendance, a revoked completion)."""
    deleted, _by_model = StudyHoursEntry.objects.filter(
        source_kind=source_kind, source_id=source_id
    ).delete()
    return deleted


# A reminder is weekly; a second run within this window (a retried or doubled beat) adds none.
