"""Assigning a course to a village, a branch or a list: in scope only, once, large groups queued."""

import pytest

from courses.assignment import assignment_people_ids, course_assign, course_assign_start
from courses.models import Enrollment
from tests.factories import courses as build
from tests.factories.people import PartyBranchFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(db):
    return build.course("党的二十大精神", is_required=True)


@pytest.fixture
def east_members(village_a):
    branch = PartyBranchFactory(village=village_a)
    return [PersonFactory(village=village_a, is_party_member=True, branch=branch) for _ in range(3)]


@pytest.fixture
def west_member(village_b):
    return PersonFactory(village=village_b, is_party_member=True)


def test_assigning_a_village_enrols_its_party_members_as_assigned(
    course, east_members, village_a, secretary_a
):
    PersonFactory(village=village_a, is_party_member=False)
    ids = assignment_people_ids(by=secretary_a, village=village_a)

    counts = course_assign(course=course, people_ids=ids, by=secretary_a)

    assert counts["assigned"] == 3
    enrollments = Enrollment.objects.filter(course=course)
    assert {e.person_id for e in enrollments} == {p.pk for p in east_members}
    assert {(e.source, e.assigned_by_id) for e in enrollments} == {
        (Enrollment.Source.ASSIGNED, secretary_a.pk)
    }


def test_secretary_cannot_assign_people_of_another_village(
    course, east_members, west_member, village_b, secretary_a
):
    assert assignment_people_ids(by=secretary_a, village=village_b) == []
    counts = course_assign(
        course=course, people_ids=[west_member.pk, east_members[0].pk], by=secretary_a
    )
    assert counts["out_of_scope"] == 1 and counts["assigned"] == 1
    assert not Enrollment.objects.filter(person=west_member).exists()


def test_assigning_twice_adds_nothing_and_brings_back_the_withdrawn(
    course, east_members, secretary_a
):
    ids = [person.pk for person in east_members]
    course_assign(course=course, people_ids=ids, by=secretary_a)
    Enrollment.objects.filter(person=east_members[0]).update(status=Enrollment.Status.WITHDRAWN)

    counts = course_assign(course=course, people_ids=ids, by=secretary_a, chunk_size=2)

    assert counts == {"assigned": 0, "reenrolled": 1, "already": 2, "out_of_scope": 0}
    assert Enrollment.objects.filter(course=course, status="enrolled").count() == 3


def test_assigning_keeps_a_completed_enrollment_as_it_was(course, east_members, secretary_a):
    from django.utils import timezone

    Enrollment.objects.create(
        person=east_members[0],
        course=course,
        source=Enrollment.Source.SELF,
        status=Enrollment.Status.COMPLETED,
        completed_at=timezone.now(),
    )
    course_assign(course=course, people_ids=[east_members[0].pk], by=secretary_a)
    enrollment = Enrollment.objects.get(person=east_members[0])
    assert (enrollment.status, enrollment.source) == ("completed", "self")


def test_a_small_group_is_assigned_at_once(course, east_members, organizer_a):
    counts = course_assign_start(
        course=course, people_ids=[p.pk for p in east_members], by=organizer_a
    )
    assert counts["assigned"] == 3
