"""The attendance rules a user relies on, each pinned where a small slip in the code would
go unnoticed (found by mutation testing): which session, which record, which boundary.

Every moment is given explicitly; nothing here reads the wall clock.
"""

import datetime
from decimal import Decimal

import pytest

from attendance.exceptions import SignInNotOpen
from attendance.models import AttendanceChange, AttendanceRecord, TrainingSession
from attendance.services import (
    LEAVE_EARLY_MARGIN,
    attendance_mark,
    attendance_sign_in,
    attendance_sign_out,
    session_close,
)
from attendance.windows import sign_in_window_message
from lms.ledger.models import StudyHoursEntry
from tests.factories.attendance import TrainingSessionFactory
from tests.factories.people import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db
Status = AttendanceRecord.Status
Method = AttendanceRecord.Method
START = datetime.datetime(2026, 3, 5, 1, 0, tzinfo=datetime.UTC)  # 09:00 in 东沟乡
SECOND = datetime.timedelta(seconds=1)


def session_at(village, start=START, **fields):
    return TrainingSessionFactory(
        village=village,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        study_hours=Decimal("2.0"),
        **fields,
    )


@pytest.fixture
def farmer(village_a):
    return PersonFactory(name="王大田", village=village_a)


def test_signing_in_marks_only_that_session_held(village_a, farmer):
    mine = session_at(village_a)
    other = session_at(village_a, topic="同一时间的另一期")

    attendance_sign_in(session=mine, person=farmer, method=Method.QR, at=START)

    assert TrainingSession.objects.get(pk=mine.pk).status == TrainingSession.Status.HELD
    assert TrainingSession.objects.get(pk=other.pk).status == TrainingSession.Status.PLANNED


def test_signing_out_changes_only_that_sessions_record(village_a, farmer):
    morning = session_at(village_a)
    afternoon = session_at(village_a, start=START + datetime.timedelta(hours=4))
    attendance_sign_in(session=morning, person=farmer, method=Method.QR, at=START)
    attendance_sign_in(session=afternoon, person=farmer, method=Method.QR, at=afternoon.starts_at)

    attendance_sign_out(
        session=morning, person=farmer, method=Method.QR, at=START + datetime.timedelta(hours=1)
    )

    assert AttendanceRecord.objects.get(session=morning).status == Status.LEFT_EARLY
    kept = AttendanceRecord.objects.get(session=afternoon)
    assert (kept.status, kept.signed_out_at) == (Status.PRESENT, None)


@pytest.mark.parametrize("status", [Status.ABSENT, Status.EXCUSED])
def test_someone_absent_or_excused_who_scans_sign_out_stays_so(village_a, farmer, status):
    session = session_at(village_a)
    attendance_mark(session=session, person=farmer, status=status, method=Method.ROLL_CALL)

    result = attendance_sign_out(
        session=session, person=farmer, method=Method.QR, at=START + datetime.timedelta(hours=1)
    )

    record = AttendanceRecord.objects.get(session=session)
    assert result is None
    assert (record.status, record.signed_out_at) == (status, None)


def test_signing_out_at_the_margin_is_not_leaving_early(village_a, farmer):
    on_time, early = session_at(village_a), session_at(village_a, topic="早走")
    for session in (on_time, early):
        attendance_sign_in(session=session, person=farmer, method=Method.QR, at=START)
    margin = on_time.ends_at - LEAVE_EARLY_MARGIN

    attendance_sign_out(session=on_time, person=farmer, method=Method.QR, at=margin)
    attendance_sign_out(session=early, person=farmer, method=Method.QR, at=margin - SECOND)

    assert AttendanceRecord.objects.get(session=on_time).status == Status.PRESENT
    assert AttendanceRecord.objects.get(session=early).status == Status.LEFT_EARLY


def test_closing_a_session_before_its_end_changes_nothing(village_a, farmer):
    session = session_at(village_a, requires_sign_out=True)
    attendance_sign_in(session=session, person=farmer, method=Method.QR, at=START)

    session_close(session=session, now=session.ends_at - SECOND)

    record = AttendanceRecord.objects.get(session=session)
    assert record.status == Status.PRESENT
    assert StudyHoursEntry.objects.get(source_id=record.pk).hours == Decimal("2.0")


def test_closing_at_the_end_settles_who_never_signed_out(village_a, farmer):
    session = session_at(village_a, requires_sign_out=True)
    attendance_sign_in(session=session, person=farmer, method=Method.QR, at=START)

    session_close(session=session, now=session.ends_at)

    record = AttendanceRecord.objects.get(session=session)
    assert record.status == Status.LEFT_EARLY
    assert not StudyHoursEntry.objects.filter(source_id=record.pk).exists()


def test_closing_a_planned_session_with_nobody_marks_it_held(village_a):
    session = session_at(village_a)

    session_close(session=session, now=session.ends_at)

    assert TrainingSession.objects.get(pk=session.pk).status == TrainingSession.Status.HELD


def test_roll_call_and_imports_keep_the_time_they_say(village_a, farmer):
    session = session_at(village_a)
    arrived = START + datetime.timedelta(minutes=7)

    record = attendance_mark(
        session=session, person=farmer, status=Status.PRESENT, method=Method.IMPORT, at=arrived
    )

    assert record.signed_in_at == arrived


def test_the_history_keeps_the_previous_status_and_who_changed_it(village_a, farmer):
    session = session_at(village_a)
    organizer = UserFactory(username="organizer_pin")
    attendance_mark(session=session, person=farmer, status=Status.PRESENT, method=Method.QR)

    attendance_mark(
        session=session,
        person=farmer,
        status=Status.ABSENT,
        method=Method.MANUAL,
        by=organizer,
        note="看错了人",
    )

    first, second = AttendanceChange.objects.filter(record__session=session).order_by("pk")
    assert (first.from_status, first.to_status, first.changed_by) == ("", "present", None)
    assert (second.from_status, second.to_status, second.changed_by, second.note) == (
        "present",
        "absent",
        organizer,
        "看错了人",
    )


def test_a_cancelled_session_says_it_was_cancelled(village_a):
    session = session_at(village_a, status=TrainingSession.Status.CANCELLED)

    assert sign_in_window_message(session, START) == "本期培训已取消。"


def test_sign_in_opens_on_the_minute_and_closes_at_the_end(village_a, farmer):
    session = session_at(village_a)
    opens = session.sign_in_opens_at

    assert sign_in_window_message(session, opens) is None
    assert sign_in_window_message(session, session.ends_at) is None
    assert "签到将于" in sign_in_window_message(session, opens - SECOND)
    assert "已结束" in sign_in_window_message(session, session.ends_at + SECOND)
    with pytest.raises(SignInNotOpen):
        attendance_sign_in(
            session=session, person=farmer, method=Method.QR, at=session.ends_at + SECOND
        )


def test_arriving_on_the_grace_minute_is_present_a_second_later_late(village_a):
    session = session_at(village_a)
    on_time, late = PersonFactory(village=village_a), PersonFactory(village=village_a)

    first, _ = attendance_sign_in(
        session=session, person=on_time, method=Method.QR, at=session.late_from
    )
    second, _ = attendance_sign_in(
        session=session, person=late, method=Method.QR, at=session.late_from + SECOND
    )

    assert (first.status, second.status) == (Status.PRESENT, Status.LATE)
    assert first.signed_in_at == session.late_from


# --- What the record and its history say ----------------------------------------------------


def test_a_session_cancelled_meanwhile_on_another_phone_stays_cancelled(village_a, farmer):
    session = session_at(village_a)
    TrainingSession.objects.filter(pk=session.pk).update(status=TrainingSession.Status.CANCELLED)

    attendance_mark(session=session, person=farmer, status=Status.PRESENT, method=Method.MANUAL)

    assert TrainingSession.objects.get(pk=session.pk).status == TrainingSession.Status.CANCELLED


def test_the_organizer_sees_the_session_held_as_soon_as_someone_is_marked(village_a, farmer):
    session = session_at(village_a)

    attendance_mark(session=session, person=farmer, status=Status.PRESENT, method=Method.MANUAL)

    assert session.status == TrainingSession.Status.HELD


def test_marking_absent_records_no_sign_in_time(village_a, farmer):
    session = session_at(village_a)

    record = attendance_mark(
        session=session, person=farmer, status=Status.ABSENT, method=Method.ROLL_CALL, at=START
    )

    assert AttendanceRecord.objects.get(pk=record.pk).signed_in_at is None


def test_who_excused_someone_is_kept_until_they_are_marked_otherwise(village_a, farmer):
    session = session_at(village_a)
    attendance_mark(
        session=session,
        person=farmer,
        status=Status.EXCUSED,
        method=Method.ROLL_CALL,
        excused_by="村支书",
    )

    attendance_mark(session=session, person=farmer, status=Status.EXCUSED, method=Method.MANUAL)
    kept = AttendanceRecord.objects.get(session=session, person=farmer)
    attendance_mark(session=session, person=farmer, status=Status.PRESENT, method=Method.MANUAL)
    cleared = AttendanceRecord.objects.get(session=session, person=farmer)

    assert kept.excused_by == "村支书"
    assert cleared.excused_by == ""
    assert [c.to_status for c in AttendanceChange.objects.filter(record=kept)] == [
        "excused",
        "present",
    ]


def test_marking_excused_without_a_name_leaves_who_excused_blank(village_a, farmer):
    session = session_at(village_a)

    attendance_mark(session=session, person=farmer, status=Status.EXCUSED, method=Method.MANUAL)

    record = AttendanceRecord.objects.get(session=session)
    assert record.excused_by == ""
    assert AttendanceChange.objects.get(record=record).note == ""


def test_an_excused_person_who_comes_after_all_is_no_longer_excused(village_a, farmer):
    session = session_at(village_a)
    attendance_mark(
        session=session,
        person=farmer,
        status=Status.EXCUSED,
        method=Method.ROLL_CALL,
        excused_by="村支书",
    )

    record, _ = attendance_sign_in(session=session, person=farmer, method=Method.QR, at=START)

    assert AttendanceRecord.objects.get(pk=record.pk).excused_by == ""
    change = AttendanceChange.objects.filter(record=record).order_by("pk").last()
    assert (change.from_status, change.to_status, change.note) == ("excused", "present", "")


def test_a_first_sign_in_starts_the_history_from_nothing(village_a, farmer):
    session = session_at(village_a)

    record, _ = attendance_sign_in(session=session, person=farmer, method=Method.QR, at=START)

    change = AttendanceChange.objects.get(record=record)
    assert (change.from_status, change.to_status, change.method) == ("", "present", "qr")


def test_a_sign_in_by_the_organizer_records_who_and_by_a_visitor_no_one(village_a, farmer):
    from django.contrib.auth.models import AnonymousUser

    session = session_at(village_a)
    neighbour = PersonFactory(name="李四", village=village_a)
    organizer = UserFactory(username="organizer_signs_in")

    by_organizer, _ = attendance_sign_in(
        session=session, person=farmer, method=Method.MANUAL, by=organizer, at=START
    )
    by_visitor, _ = attendance_sign_in(
        session=session, person=neighbour, method=Method.QR, by=AnonymousUser(), at=START
    )
    marked = attendance_mark(
        session=session_at(village_a, topic="另一期"),
        person=farmer,
        status=Status.PRESENT,
        method=Method.QR,
        by=AnonymousUser(),
    )

    assert AttendanceRecord.objects.get(pk=by_organizer.pk).recorded_by == organizer
    assert AttendanceChange.objects.get(record=by_organizer).changed_by == organizer
    assert AttendanceRecord.objects.get(pk=by_visitor.pk).recorded_by is None
    assert AttendanceChange.objects.get(record=by_visitor).changed_by is None
    assert AttendanceRecord.objects.get(pk=marked.pk).recorded_by is None


def test_a_long_note_is_kept_to_the_first_200_characters(village_a, farmer):
    session = session_at(village_a)

    record = attendance_mark(
        session=session, person=farmer, status=Status.ABSENT, method=Method.MANUAL, note="病" * 250
    )

    assert AttendanceChange.objects.get(record=record).note == "病" * 200


def test_the_history_says_why_someone_left_early_in_chinese(village_a, farmer):
    from django.utils import translation

    early, unsigned = session_at(village_a), session_at(village_a, requires_sign_out=True)
    organizer = UserFactory(username="organizer_signs_out")
    for session in (early, unsigned):
        attendance_sign_in(session=session, person=farmer, method=Method.QR, at=START)

    with translation.override("zh-hans"):
        attendance_sign_out(
            session=early,
            person=farmer,
            method=Method.MANUAL,
            by=organizer,
            at=START + datetime.timedelta(hours=1),
        )
        session_close(session=unsigned, now=unsigned.ends_at)

    left = AttendanceChange.objects.filter(record__session=early).order_by("pk").last()
    closed = AttendanceChange.objects.filter(record__session=unsigned).order_by("pk").last()
    assert (left.from_status, left.to_status, left.changed_by, left.note) == (
        "present",
        "left_early",
        organizer,
        "提前签退",
    )
    assert (closed.from_status, closed.to_status, closed.changed_by, closed.note) == (
        "present",
        "left_early",
        None,
        "未签退",
    )


def test_who_excused_someone_is_not_kept_on_a_record_of_someone_who_came(village_a, farmer):
    session = session_at(village_a)

    record = attendance_mark(
        session=session,
        person=farmer,
        status=Status.PRESENT,
        method=Method.ROLL_CALL,
        excused_by="村支书",
    )

    assert AttendanceRecord.objects.get(pk=record.pk).excused_by == ""
