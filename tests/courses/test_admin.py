"""The enrollments admin and the assign form: only the villages a user may see."""

import pytest

from courses.models import CourseAssignment, Enrollment
from tests.conftest import PASSWORD
from tests.exports.support import export_rows
from tests.factories import courses as build
from tests.factories.people import PartyBranchFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

ENROLLMENTS_URL = "/admin/course_enrollments/"
ASSIGN_URL = "/admin/course_enrollments/assign/"


@pytest.fixture
def course(db):
    return build.course("党章学习")


@pytest.fixture
def east_member(village_a):
    return PersonFactory(name="张东沟", village=village_a, is_party_member=True)


@pytest.fixture
def west_member(village_b):
    return PersonFactory(name="李西沟", village=village_b, is_party_member=True)


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def listed_names(response) -> list[str]:
    assert response.status_code == 200
    return sorted(enrollment.person.name for enrollment in response.context["object_list"])


def test_west_secretary_assigns_own_village_and_sees_only_it(
    client, secretary_b, course, village_b, east_member, west_member
):
    Enrollment.objects.create(person=east_member, course=course, source="self")
    login(client, secretary_b)

    response = client.post(
        ASSIGN_URL, {"course": course.pk, "village": village_b.pk, "party_members_only": "on"}
    )

    assert response.status_code == 302
    enrollment = Enrollment.objects.get(person=west_member)
    assert (enrollment.source, enrollment.assigned_by) == ("assigned", secretary_b)
    assert listed_names(client.get(ENROLLMENTS_URL)) == ["李西沟"]


def test_west_secretary_cannot_assign_the_east_village_or_its_people(
    client, secretary_b, course, village_a, east_member
):
    login(client, secretary_b)

    by_village = client.post(ASSIGN_URL, {"course": course.pk, "village": village_a.pk})
    by_people = client.post(ASSIGN_URL, {"course": course.pk, "people": [east_member.pk]})
    by_branch = client.post(
        ASSIGN_URL, {"course": course.pk, "branch": PartyBranchFactory(village=village_a).pk}
    )

    for response in (by_village, by_people, by_branch):
        assert response.status_code == 200  # the form again, with errors
        assert response.context["form"].errors
    assert not Enrollment.objects.exists()


def test_west_secretary_cannot_open_an_east_enrollment(client, secretary_b, course, east_member):
    enrollment = Enrollment.objects.create(person=east_member, course=course, source="self")
    login(client, secretary_b)
    assert client.get(f"{ENROLLMENTS_URL}inspect/{enrollment.pk}/").status_code == 404


def test_assign_form_needs_exactly_one_group(client, organizer_a, course, village_a, east_member):
    login(client, organizer_a)
    response = client.post(
        ASSIGN_URL, {"course": course.pk, "village": village_a.pk, "people": [east_member.pk]}
    )
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert not Enrollment.objects.exists()


def test_listing_filters_by_course_and_status_and_exports_own_village(
    client, secretary_a, course, east_member, west_member
):
    other = build.course("廉洁自律")
    Enrollment.objects.create(person=east_member, course=course, source="self")
    Enrollment.objects.create(
        person=PersonFactory(name="王东沟", village=east_member.village),
        course=other,
        source="assigned",
        status="withdrawn",
    )
    Enrollment.objects.create(person=west_member, course=course, source="self")
    login(client, secretary_a)

    assert listed_names(client.get(ENROLLMENTS_URL, {"course": course.pk})) == ["张东沟"]
    assert listed_names(client.get(ENROLLMENTS_URL, {"status": "withdrawn"})) == ["王东沟"]
    rows = export_rows(client.get(ENROLLMENTS_URL, {"export": "csv"}))
    assert rows[0][:3] == ["姓名", "村", "课程"]
    assert sorted(row[0] for row in rows[1:]) == ["张东沟", "王东沟"]


def test_a_learner_without_a_role_cannot_assign(client, course, east_member):
    user = UserFactory(username="learner")
    login(client, user)
    assert client.get(ASSIGN_URL).status_code in (302, 403)


def test_organizer_sees_the_assign_button_and_form(client, organizer_a, course):
    login(client, organizer_a)
    assert ASSIGN_URL in client.get(ENROLLMENTS_URL).content.decode()
    assert client.get(ASSIGN_URL).status_code == 200


def test_assigning_a_large_village_from_the_form_queues_the_task_on_commit(
    client,
    organizer_a,
    course,
    village_a,
    east_member,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    from courses import assignment
    from courses.tasks import course_assign_task

    monkeypatch.setattr(assignment, "QUEUE_THRESHOLD", 0)
    queued = []
    monkeypatch.setattr(course_assign_task, "delay", lambda *args: queued.append(args))
    login(client, organizer_a)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ASSIGN_URL, {"course": course.pk, "village": village_a.pk})

    assignment = CourseAssignment.objects.get()
    assert assignment.person_ids == [east_member.pk]
    assert response.status_code == 302
    assert response.url == f"/admin/course_enrollments/assignments/{assignment.pk}/"
    assert queued == [(assignment.pk,)]
