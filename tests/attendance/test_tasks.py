import datetime

import pytest
from django.utils import timezone

from attendance.models import AttendanceRecord, TrainingSession
from attendance.services import attendance_mark
from attendance.tasks import session_close_task, sessions_close_ended_task
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
