"""Writing the ledger: one row per source, replaced not added, withdrawn when the source
goes, and every change announced to whoever listens."""

import datetime
from decimal import Decimal

import pytest

from lms.ledger.models import StudyHoursEntry, Track
from lms.ledger.services import ledger_record, ledger_withdraw
from lms.ledger.signals import ledger_changed
from tests.factories.people import PersonFactory

pytestmark = pytest.mark.django_db
Source = StudyHoursEntry.Source
ON = datetime.date(2026, 4, 1)


@pytest.fixture
def heard():
    """What a receiver listening to the ledger's own announcements hears."""
    calls = []

    def listener(sender, **kwargs):
        calls.append(
            (kwargs["person_id"], kwargs["year"], kwargs["source_kind"], kwargs["source_id"])
        )

    ledger_changed.connect(listener, sender=StudyHoursEntry, dispatch_uid="test_listener")
    yield calls
    ledger_changed.disconnect(sender=StudyHoursEntry, dispatch_uid="test_listener")


def test_recording_a_source_again_replaces_its_row(village_a, heard):
    person = PersonFactory(village=village_a)

    ledger_record(
        person_id=person.pk,
        on=ON,
        hours=Decimal("2"),
        track=Track.PARTY,
        source_kind=Source.COURSE,
        source_id=7,
    )
    ledger_record(
        person_id=person.pk,
        on=ON,
        hours=Decimal("3.5"),
        track=Track.SKILLS,
        source_kind=Source.COURSE,
        source_id=7,
    )

    row = StudyHoursEntry.objects.get()
    assert (row.hours, row.track) == (Decimal("3.5"), Track.SKILLS)
    assert heard == [(person.pk, 2026, "course", 7)] * 2


def test_a_credit_moved_to_another_year_is_announced_for_both_years(village_a, heard):
    person = PersonFactory(village=village_a)
    for on in (datetime.date(2025, 12, 31), datetime.date(2026, 1, 2)):
        ledger_record(
            person_id=person.pk,
            on=on,
            hours=Decimal("2"),
            track=Track.PARTY,
            source_kind=Source.ATTENDANCE,
            source_id=9,
        )

    assert StudyHoursEntry.objects.get().date == datetime.date(2026, 1, 2)
    assert heard == [
        (person.pk, 2025, "attendance", 9),  # credited
        (person.pk, 2025, "attendance", 9),  # the year it left
        (person.pk, 2026, "attendance", 9),  # the year it moved to
    ]


def test_withdrawing_removes_only_that_sources_row_and_says_so(village_a, heard):
    person = PersonFactory(village=village_a)
    for source_id in (1, 2):
        ledger_record(
            person_id=person.pk,
            on=ON,
            hours=Decimal("1"),
            track=Track.PARTY,
            source_kind=Source.ATTENDANCE,
            source_id=source_id,
        )
    ledger_record(
        person_id=person.pk,
        on=ON,
        hours=Decimal("1"),
        track=Track.PARTY,
        source_kind=Source.COURSE,
        source_id=1,
    )
    heard.clear()

    removed = ledger_withdraw(source_kind=Source.ATTENDANCE, source_id=1)

    assert removed == 1
    assert sorted(StudyHoursEntry.objects.values_list("source_kind", "source_id")) == [
        ("attendance", 2),
        ("course", 1),
    ]
    assert heard == [(person.pk, 2026, "attendance", 1)]


def test_withdrawing_what_was_never_credited_changes_nothing(heard):
    assert ledger_withdraw(source_kind=Source.ATTENDANCE, source_id=404) == 0
    assert heard == []


def test_zero_hours_credit_nothing_and_withdraw_an_earlier_credit(village_a):
    person = PersonFactory(village=village_a)
    ledger_record(
        person_id=person.pk,
        on=ON,
        hours=Decimal("2"),
        track=Track.PARTY,
        source_kind=Source.ATTENDANCE,
        source_id=9,
    )

    result = ledger_record(
        person_id=person.pk,
        on=ON,
        hours=Decimal("0"),
        track=Track.PARTY,
        source_kind=Source.ATTENDANCE,
        source_id=9,
    )

    assert result is None
    assert not StudyHoursEntry.objects.exists()


@pytest.mark.parametrize("hours", [Decimal("-1.5"), None])
def test_negative_or_missing_hours_credit_nothing(village_a, hours):
    person = PersonFactory(village=village_a)

    result = ledger_record(
        person_id=person.pk,
        on=ON,
        hours=hours,
        track=Track.PARTY,
        source_kind=Source.ATTENDANCE,
        source_id=9,
    )

    assert result is None
    assert not StudyHoursEntry.objects.exists()
