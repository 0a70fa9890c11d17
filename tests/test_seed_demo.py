"""The demo township a newcomer sees after `make run`, loaded twice without duplicates."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count

from attendance.models import AttendanceRecord, TrainingSession
from attendance.windows import sign_in_is_open
from lms.people.models import Person, RoleAssignment, Village
from lms.people.selectors import user_role
from tests.conftest import beijing

# Loaded on 1 December 2026: of the year's 17 sessions, 15 have been held, one is still to
# come and one was cancelled; today's and tomorrow's are planned. The figures below are those
# of that moment, whatever the real date.
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.time_machine(beijing(2026, 12, 1, 10, 0), tick=False),
]


def test_seed_demo_builds_the_township_with_a_login_per_role_and_is_idempotent(client):
    call_command("seed_demo", stdout=io.StringIO())
    counts = (
        Village.objects.filter(township__name="东沟乡").count(),
        Person.objects.count(),
        TrainingSession.objects.count(),
        AttendanceRecord.objects.count(),
    )

    out = io.StringIO()
    call_command("seed_demo", stdout=out)

    assert counts == (16, 320, 19, 240)
    assert dict(
        TrainingSession.objects.values_list("status").annotate(n=Count("pk")).order_by()
    ) == {"held": 15, "planned": 3, "cancelled": 1}
    assert (
        Village.objects.count(),
        Person.objects.count(),
        TrainingSession.objects.count(),
        AttendanceRecord.objects.count(),
    ) == counts
    roles = {
        user_role(assignment.user) for assignment in RoleAssignment.objects.select_related("user")
    }
    assert roles == set(RoleAssignment.Role.values)
    learner = Person.objects.filter(user__isnull=False, user__role_assignment__isnull=True).first()
    assert client.login(username=learner.phone, password="shuangyu-demo")
    assert "0 people added" in out.getvalue()
    assert "0 training sessions and 0 attendance records added" in out.getvalue()
    assert "0 enrollments and 0 lessons studied" in out.getvalue()


def test_the_demo_has_a_session_open_for_sign_in_now_and_says_where_its_screen_is(client):
    out = io.StringIO()
    call_command("seed_demo", "--base-url", "http://demo.example:8000", stdout=out)

    today = TrainingSession.objects.get(topic__startswith="今日培训")
    tomorrow = TrainingSession.objects.get(topic__startswith="明日培训")
    assert sign_in_is_open(today) and not sign_in_is_open(tomorrow)
    assert today.village.name == tomorrow.village.name == "东沟村"  # the organizer's village
    assert today.registrations.exists()
    screen = f"http://demo.example:8000/training/sessions/{today.pk}/screen/"
    assert screen in out.getvalue()
    assert client.login(username="organizer", password="shuangyu-demo")
    assert client.get(screen.removeprefix("http://demo.example:8000")).status_code == 200


@pytest.mark.time_machine(beijing(2026, 12, 2, 10, 0), tick=False)
def test_loaded_on_another_day_the_demo_has_that_days_and_the_next_days_session(db):
    call_command("seed_demo", stdout=io.StringIO())
    codes = set(
        TrainingSession.objects.filter(code__startswith="DEMO-202612").values_list(
            "code", flat=True
        )
    )

    assert codes == {"DEMO-20261202", "DEMO-20261203"}
