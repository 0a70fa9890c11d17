import datetime

import pytest
from django.utils import timezone

from attendance.models import AttendanceRecord, TrainingSession
from attendance.services import attendance_mark, attendance_sign_out, session_close
from attendance.tasks import session_close_task, sessions_close_ended_task
from tests.conftest import beijing
from tests.factories.attendance import TrainingSessionFactory
from tests.factories.people import PersonFactory

pytestmark = pytest.mark.django_db


def test_close_task_settles_an_ended_sign_out_session_and_is_safe_to_repeat(village_a):
    session = TrainingSessionFactory(
        village=village_a,
        starts_at=timezone.now() - datetime.timedelta(hours=4),
        requires_sign_out=True,
    )
    farmer = PersonFactory(village=village_a)
    attendance_mark(session=session, person=farmer, status="present", method="roll_call")

    assert session_close_task(session.pk) == TrainingSession.Status.HELD
    assert session_close_task(session.pk) == TrainingSession.Status.HELD

    record = AttendanceRecord.objects.get(session=session)
    assert record.status == AttendanceRecord.Status.LEFT_EARLY
    assert record.changes.count() == 2  # marked present, then 'did not sign out' — once


def test_beat_task_queues_each_recently_ended_session_on_commit(
    village_a, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(session_close_task, "delay", lambda session_id: queued.append(session_id))
    ended = TrainingSessionFactory(
        village=village_a, starts_at=timezone.now() - datetime.timedelta(hours=3)
    )
    TrainingSessionFactory(village=village_a)  # still running
    TrainingSessionFactory(
        village=village_a,
        starts_at=timezone.now() - datetime.timedelta(hours=3),
        status=TrainingSession.Status.CANCELLED,
    )

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert sessions_close_ended_task() == 1
    assert queued == []  # nothing leaves before the commit

    for callback in callbacks:
        callback()
    assert queued == [ended.pk]


@pytest.mark.time_machine(beijing(2026, 3, 9, 9, 0), tick=False)
def test_a_scheduler_stopped_over_a_long_weekend_settles_what_ended_meanwhile(
    village_a, django_capture_on_commit_callbacks, monkeypatch
):
    """The beat was away from Friday to Monday: Friday's sign-out training is settled on
    Monday (who never signed out left early) and Thursday's planned one counts as held;
    a session already settled is not visited again."""
    friday = TrainingSessionFactory(
        village=village_a, starts_at=beijing(2026, 3, 6, 9, 0), requires_sign_out=True
    )
    thursday = TrainingSessionFactory(village=village_a, starts_at=beijing(2026, 3, 5, 9, 0))
    settled = TrainingSessionFactory(
        village=village_a, starts_at=beijing(2026, 3, 4, 9, 0), requires_sign_out=True
    )
    stayed, slipped_away = PersonFactory.create_batch(2, village=village_a)
    for person in (stayed, slipped_away):
        attendance_mark(session=friday, person=person, status="present", method="roll_call")
    attendance_mark(session=settled, person=stayed, status="present", method="roll_call")
    session_close(session=settled)
    attendance_sign_out(session=friday, person=stayed, method="qr", at=beijing(2026, 3, 6, 11, 0))

    # Each session's close runs here, as a worker would run it (with a broker set, as in
    # CI, delay would send it to Redis instead).
    monkeypatch.setattr(
        session_close_task, "delay", lambda session_id: session_close_task(session_id)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert sessions_close_ended_task() == 2

    assert TrainingSession.objects.get(pk=thursday.pk).status == TrainingSession.Status.HELD
    statuses = dict(friday.attendance.values_list("person__name", "status"))
    assert statuses == {
        stayed.name: AttendanceRecord.Status.PRESENT,
        slipped_away.name: AttendanceRecord.Status.LEFT_EARLY,
    }
    assert sessions_close_ended_task() == 0
