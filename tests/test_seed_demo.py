"""The demo township a newcomer sees after `make run`, loaded twice without duplicates."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count

from attendance.models import AttendanceRecord, TrainingSession
from lms.people.models import Person, RoleAssignment, Village
from lms.people.selectors import user_role
from tests.conftest import beijing

# Loaded on 1 December 2026: of the year's 17 sessions, 15 have been held, one is still to
# come and one was cancelled. The figures below are those of that moment, whatever the real date.
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

    assert counts == (16, 320, 17, 240)
    assert dict(
        TrainingSession.objects.values_list("status").annotate(n=Count("pk")).order_by()
    ) == {"held": 15, "planned": 1, "cancelled": 1}
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
