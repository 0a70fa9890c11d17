"""The demo township a newcomer sees after `make run`, loaded twice without duplicates."""

import io

import pytest
from django.core.management import call_command

from attendance.models import AttendanceRecord, TrainingSession
from lms.people.models import Person, RoleAssignment, Village
from lms.people.selectors import user_role

pytestmark = pytest.mark.django_db


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

    assert counts[0] == 16
    assert counts[1] >= 300
    assert counts[2] >= 17 and counts[3] > 0
    assert (
        Village.objects.count(),
        Person.objects.count(),
        TrainingSession.objects.count(),
        AttendanceRecord.objects.count(),
    ) == (16, counts[1], counts[2], counts[3])
    roles = {
        user_role(assignment.user) for assignment in RoleAssignment.objects.select_related("user")
    }
    assert roles == set(RoleAssignment.Role.values)
    learner = Person.objects.filter(user__isnull=False, user__role_assignment__isnull=True).first()
    assert client.login(username=learner.phone, password="shuangyu-demo")
    assert "0 people added" in out.getvalue()
