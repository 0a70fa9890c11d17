"""Who did something is shown by name, as a township knows them, never by a login name."""

import pytest

from attendance.models import AttendanceRecord
from attendance.services import attendance_mark
from tests.factories.attendance import TrainingSessionFactory
from tests.factories.people import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_who_recorded_an_attendance_is_shown_by_name(client, administrator, village_a):
    recorder = UserFactory(username="nongjiyuan", first_name="建国", last_name="李")
    session = TrainingSessionFactory(village=village_a)
    record = attendance_mark(
        session=session,
        person=PersonFactory(village=village_a),
        status=AttendanceRecord.Status.PRESENT,
        method=AttendanceRecord.Method.ROLL_CALL,
        by=recorder,
    )
    client.force_login(administrator)

    html = client.get(f"/admin/attendance/records/inspect/{record.pk}/").content.decode()

    assert "李建国" in html and "nongjiyuan" not in html


def test_a_user_on_the_roster_is_shown_by_the_persons_name(village_a):
    person = PersonFactory(village=village_a, name="王秀兰")
    user = UserFactory(username="13912345678")
    person.user = user
    person.save()

    assert str(user) == "王秀兰"
