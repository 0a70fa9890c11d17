"""The one record per person per session, its history, and the hours it credits."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError

from attendance.exceptions import SessionCancelled, SessionHasAttendance, SignInNotOpen
from attendance.models import AttendanceRecord, TrainingSession
from attendance.selectors import attendance_came, sessions_held
from attendance.services import (
    attendance_mark,
    attendance_sign_in,
    attendance_sign_out,
    session_cancel,
    session_close,
)
from lms.ledger.models import StudyHoursEntry
from lms.ledger.selectors import hours_by_track
from tests.conftest import beijing
from tests.factories.attendance import TrainingSessionFactory
from tests.factories.people import PersonFactory

# The clock stands still at 09:00 on 5 March 2026; the factory's session began at 08:55.
NOW = beijing(2026, 3, 5, 9, 0)
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=False)]
Status = AttendanceRecord.Status
Method = AttendanceRecord.Method


@pytest.fixture
def session(village_a):
    return TrainingSessionFactory(village=village_a, study_hours=Decimal("2.5"))


@pytest.fixture
def farmer(village_a):
    return PersonFactory(village=village_a, name="李大山")


def test_database_refuses_a_second_record_for_the_same_person(session, farmer):
    AttendanceRecord.objects.create(session=session, person=farmer, status="present", method="qr")
    with pytest.raises(IntegrityError):
        AttendanceRecord.objects.create(
            session=session, person=farmer, status="late", method="code"
        )


def test_signing_in_twice_keeps_one_record_and_credits_hours_once(session, farmer):
    record, first = attendance_sign_in(session=session, person=farmer, method=Method.QR)
    again, second = attendance_sign_in(session=session, person=farmer, method=Method.CODE)

    assert (first, second) == (True, False)
    assert again.pk == record.pk and again.method == Method.QR
    assert session.attendance.count() == 1
    assert hours_by_track(person_id=farmer.pk, year=2026)["skills"] == Decimal("2.5")


def test_arriving_after_the_grace_period_is_late_and_still_credited(session, farmer):
    at = session.starts_at + datetime.timedelta(minutes=session.late_after + 1)

    record, _ = attendance_sign_in(session=session, person=farmer, method=Method.QR, at=at)

    assert record.status == Status.LATE
    assert StudyHoursEntry.objects.get(person=farmer).hours == Decimal("2.5")


def test_sign_in_before_the_window_says_when_it_opens(village_a, farmer):
    later = TrainingSessionFactory(village=village_a, starts_at=beijing(2026, 3, 6, 9, 0))
    with pytest.raises(SignInNotOpen) as error:
        attendance_sign_in(session=later, person=farmer, method=Method.QR)
    assert str(error.value) == "签到将于 2026年3月6日 08:30 开始。"  # 30 minutes before
    assert not later.attendance.exists()


def test_sign_in_after_the_end_and_to_a_cancelled_session_is_refused(village_a, farmer):
    ended = TrainingSessionFactory(village=village_a, starts_at=NOW - datetime.timedelta(hours=5))
    cancelled = TrainingSessionFactory(village=village_a, status=TrainingSession.Status.CANCELLED)

    with pytest.raises(SignInNotOpen):
        attendance_sign_in(session=ended, person=farmer, method=Method.CODE)
    with pytest.raises(SignInNotOpen):
        attendance_sign_in(session=cancelled, person=farmer, method=Method.CODE)
    with pytest.raises(SessionCancelled):
        attendance_mark(
            session=cancelled, person=farmer, status=Status.PRESENT, method=Method.ROLL_CALL
        )


def test_correcting_a_record_withdraws_the_hours_and_keeps_the_history(
    session, farmer, secretary_a
):
    attendance_mark(
        session=session,
        person=farmer,
        status=Status.PRESENT,
        method=Method.ROLL_CALL,
        by=secretary_a,
    )
    record = attendance_mark(
        session=session,
        person=farmer,
        status=Status.EXCUSED,
        method=Method.MANUAL,
        by=secretary_a,
        excused_by="村支书王明",
    )

    assert record.excused_by == "村支书王明"
    assert not StudyHoursEntry.objects.filter(person=farmer).exists()
    history = list(record.changes.values_list("from_status", "to_status", "method"))
    assert history == [("", "present", "roll_call"), ("present", "excused", "manual")]
    assert all(change.changed_by == secretary_a for change in record.changes.all())


def test_left_early_counts_as_a_person_time_but_earns_no_hours(session, farmer):
    session.requires_sign_out = True
    session.save()
    attendance_sign_in(session=session, person=farmer, method=Method.QR)

    record = attendance_sign_out(
        session=session,
        person=farmer,
        method=Method.QR,
        at=session.starts_at + datetime.timedelta(minutes=30),
    )

    assert record.status == Status.LEFT_EARLY
    assert attendance_came(AttendanceRecord.objects.all()).count() == 1
    assert not StudyHoursEntry.objects.filter(person=farmer).exists()


def test_who_never_signs_out_of_a_sign_out_session_left_early(village_a, farmer):
    started = NOW - datetime.timedelta(hours=3)
    session = TrainingSessionFactory(village=village_a, starts_at=started, requires_sign_out=True)
    attendance_mark(session=session, person=farmer, status=Status.PRESENT, method=Method.ROLL_CALL)
    stayed = PersonFactory(village=village_a)
    attendance_mark(session=session, person=stayed, status=Status.PRESENT, method=Method.ROLL_CALL)
    attendance_sign_out(session=session, person=stayed, method=Method.QR, at=session.ends_at)

    session_close(session=session)

    statuses = dict(session.attendance.values_list("person__name", "status"))
    assert statuses[farmer.name] == Status.LEFT_EARLY
    assert statuses[stayed.name] == Status.PRESENT


def test_first_attendance_makes_the_session_held(session, farmer):
    assert session.status == TrainingSession.Status.PLANNED
    attendance_sign_in(session=session, person=farmer, method=Method.QR)
    session.refresh_from_db()
    assert session.status == TrainingSession.Status.HELD


def test_a_planned_session_that_has_ended_counts_as_held_a_cancelled_one_never(village_a):
    past = NOW - datetime.timedelta(days=2)
    ended = TrainingSessionFactory(village=village_a, starts_at=past)
    TrainingSessionFactory(village=village_a, starts_at=past, status="cancelled")
    TrainingSessionFactory(village=village_a, starts_at=NOW + datetime.timedelta(days=2))

    assert list(sessions_held(TrainingSession.objects.all())) == [ended]


def test_a_session_with_attendance_cannot_be_cancelled(session, farmer):
    attendance_sign_in(session=session, person=farmer, method=Method.QR)
    with pytest.raises(SessionHasAttendance):
        session_cancel(session=session)
    session.refresh_from_db()
    assert session.status == TrainingSession.Status.HELD
