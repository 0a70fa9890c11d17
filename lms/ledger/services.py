"""Writing the ledger. Each source keeps at most one row; these calls are safe to repeat."""

import datetime
from decimal import Decimal

from .models import StudyHoursEntry
from .signals import ledger_changed


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

    No hours (zero, less, or none at all) credit nothing, and withdraw an earlier credit of
    the same source.
    """
    if hours is None or hours <= 0:
        ledger_withdraw(source_kind=source_kind, source_id=source_id)
        return None
    rows = StudyHoursEntry.objects.filter(source_kind=source_kind, source_id=source_id)
    before = rows.values_list("person_id", "date").first()
    entry, _created = StudyHoursEntry.objects.update_or_create(
        source_kind=source_kind,
        source_id=source_id,
        defaults={"person_id": person_id, "date": on, "hours": hours, "track": track},
    )
    # A credit moved to another year (a session's date corrected across New Year) changed
    # both years: the one it left is announced too, or its program would still count it.
    changed = {(person_id, on.year)}
    if before is not None:
        changed.add((before[0], before[1].year))
    for changed_person_id, year in sorted(changed):
        ledger_changed.send(
            sender=StudyHoursEntry,
            person_id=changed_person_id,
            year=year,
            source_kind=source_kind,
            source_id=source_id,
        )
    return entry


def ledger_withdraw(*, source_kind: str, source_id: int) -> int:
    """Remove what a source credited (a corrected attendance, a revoked completion)."""
    entries = StudyHoursEntry.objects.filter(source_kind=source_kind, source_id=source_id)
    withdrawn = list(entries.values_list("person_id", "date"))
    deleted, _by_model = entries.delete()
    for person_id, on in withdrawn:
        ledger_changed.send(
            sender=StudyHoursEntry,
            person_id=person_id,
            year=on.year,
            source_kind=source_kind,
            source_id=source_id,
        )
    return deleted
