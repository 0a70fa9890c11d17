"""Two records of one person merged: the township's figures count what the person did once,
whichever record the administrator keeps. The month of conftest.py: s1 (skills, 2 hours) on
1 March, where 张一 was ticked off present."""

from decimal import Decimal

import pytest

from attendance.models import AttendanceRecord
from attendance.services import attendance_mark
from lms.ledger.selectors import hours_by_track, sessions_by_track
from lms.people.services import person_merge
from lms.stats.report import stats_overview
from lms.stats.selectors import Figures
from tests.factories.people import PersonFactory

from .conftest import NOW
from .test_figures import march

pytestmark = pytest.mark.django_db
Status = AttendanceRecord.Status


@pytest.fixture
def second_record(month, village_a):
    """The desk took 张一 for someone new at s1 and, finding no one of that name there at
    roll-call, marked the new record absent."""
    s1 = month["sessions"]["s1"]
    duplicate = PersonFactory(name="张一", village=village_a, id_number="", phone="")
    attendance_mark(
        session=s1,
        person=duplicate,
        status=Status.ABSENT,
        method=AttendanceRecord.Method.ROLL_CALL,
        at=s1.starts_at,
    )
    return duplicate


@pytest.mark.parametrize("kept_is", ["the record that came", "the record marked absent"])
def test_a_merged_person_keeps_the_session_they_came_to(
    kept_is, month, second_record, village_a, village_b, administrator
):
    came = month["people"]["张一"]
    keep, duplicate = (
        (came, second_record) if kept_is == "the record that came" else (second_record, came)
    )

    person_merge(keep=keep, duplicate=duplicate, by=administrator)

    record = AttendanceRecord.objects.get(session=month["sessions"]["s1"], person=keep)
    assert record.status == Status.PRESENT
    overview = stats_overview(march(village_a, village_b), groupings=(), now=NOW)
    # 人次 as before the merge: 张一 at s1 and s2, 张二 late, 李四.
    assert overview.totals == Figures(sessions=3, person_times=4, people=3, households=2)
    assert overview.hours["skills"]["in_person"] == Decimal("6.0")  # s1: 张一, 张二, 李四
    # Her year: s1, February's and April's sessions (skills) and s2 (party), 2 hours each.
    assert sessions_by_track(person_id=keep.pk, year=2026) == {"party": 1, "skills": 3}
    assert hours_by_track(person_id=keep.pk, year=2026)["total"] == Decimal("8.0")


@pytest.mark.parametrize("kept_is", ["the record that came", "the record marked absent"])
def test_the_kept_attendance_record_keeps_both_histories_and_says_it_was_merged(
    kept_is, month, second_record, administrator
):
    came = month["people"]["张一"]
    keep, duplicate = (
        (came, second_record) if kept_is == "the record that came" else (second_record, came)
    )

    person_merge(keep=keep, duplicate=duplicate, by=administrator)

    record = AttendanceRecord.objects.get(session=month["sessions"]["s1"], person=keep)
    history = [(c.from_status, c.to_status, c.changed_by) for c in record.changes.all()]
    kept_status = Status.PRESENT if keep == came else Status.ABSENT
    assert sorted(history[:2]) == [
        ("", Status.ABSENT, None),
        ("", Status.PRESENT, None),
    ]  # how each record was taken, kept
    assert history[2] == (kept_status, Status.PRESENT, administrator)
    assert AttendanceRecord.objects.filter(session=month["sessions"]["s1"]).count() == 5


def test_merging_two_records_that_both_came_counts_the_session_once(
    month, village_a, administrator
):
    s1, kept = month["sessions"]["s1"], month["people"]["张一"]
    duplicate = PersonFactory(name="张一", village=village_a, id_number="", phone="")
    attendance_mark(
        session=s1, person=duplicate, status=Status.LATE, method=AttendanceRecord.Method.QR
    )

    person_merge(keep=duplicate, duplicate=kept, by=administrator)

    assert AttendanceRecord.objects.get(session=s1, person=duplicate).status == Status.PRESENT
    assert sessions_by_track(person_id=duplicate.pk, year=2026)["skills"] == 3
    assert hours_by_track(person_id=duplicate.pk, year=2026)["skills"] == Decimal("6.0")
