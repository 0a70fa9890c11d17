"""Two records of one person merged: a course both records studied counts once, and the
person keeps the further of the two enrolments, whichever record the administrator keeps."""

import datetime
from decimal import Decimal

import pytest

from courses.models import CoursePage, Enrollment, LessonProgress
from lms.ledger.models import StudyHoursEntry
from lms.ledger.selectors import hours_by_track
from lms.people.services import person_merge
from tests.conftest import beijing
from tests.courses.study_support import T0, course_of, enrol, finish_every_lesson, finish_lesson
from tests.factories.people import PersonFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.time_machine(beijing(2026, 4, 1, 9, 0), tick=False),
]
LATER = T0 + datetime.timedelta(days=10)


@pytest.fixture
def second_record(village_a):
    """The record a clerk entered for the member before they signed up on their phone."""
    return PersonFactory(village=village_a, is_party_member=True, id_number="", phone="")


@pytest.fixture
def party_course():
    return course_of(600, hours=Decimal("2"))


def merged(keep_first: bool, first, second, administrator):
    keep, duplicate = (first, second) if keep_first else (second, first)
    person_merge(keep=keep, duplicate=duplicate, by=administrator)
    return keep


@pytest.mark.parametrize("keep_first", [True, False], ids=["first kept", "second kept"])
def test_a_course_both_records_completed_counts_its_hours_once(
    keep_first, member, second_record, party_course, administrator
):
    enrol(member, party_course)
    finish_every_lesson(member, party_course, at=T0)
    enrol(second_record, party_course)
    finish_every_lesson(second_record, party_course, at=LATER)

    keep = merged(keep_first, member, second_record, administrator)

    assert hours_by_track(person_id=keep.pk, year=2026) == {
        "party": Decimal("2"),
        "skills": Decimal("0"),
        "total": Decimal("2"),
    }
    enrollment = Enrollment.objects.get(person=keep, course=party_course)
    assert (enrollment.status, enrollment.completed_at) == (Enrollment.Status.COMPLETED, T0)
    entry = StudyHoursEntry.objects.get(source_kind=StudyHoursEntry.Source.COURSE)
    assert (entry.person_id, entry.source_id, entry.date) == (
        keep.pk,
        enrollment.pk,
        datetime.date(2026, 3, 5),  # the first completion's date
    )


@pytest.mark.parametrize("keep_first", [True, False], ids=["completed kept", "studying kept"])
def test_the_completed_enrolment_survives_a_merge_with_one_still_studying(
    keep_first, member, second_record, party_course, administrator
):
    enrol(member, party_course)
    finish_every_lesson(member, party_course, at=T0)
    enrol(second_record, party_course)  # opened, nothing watched yet
    lesson = party_course.lessons().get()
    LessonProgress.objects.create(person=second_record, lesson=lesson, position_seconds=30)

    keep = merged(keep_first, member, second_record, administrator)

    enrollment = Enrollment.objects.get(person=keep, course=party_course)
    assert enrollment.status == Enrollment.Status.COMPLETED
    assert LessonProgress.objects.get(person=keep, lesson=lesson).completed_at == T0
    assert hours_by_track(person_id=keep.pk, year=2026)["party"] == Decimal("2")
    assert StudyHoursEntry.objects.get().source_id == enrollment.pk


def test_deleting_a_course_page_leaves_the_hours_its_completions_earned(member, party_course):
    enrol(member, party_course)
    finish_every_lesson(member, party_course, at=T0)

    CoursePage.objects.get(pk=party_course.pk).delete()

    assert not Enrollment.objects.filter(person=member).exists()
    assert hours_by_track(person_id=member.pk, year=2026)["party"] == Decimal("2")


def test_lessons_studied_under_two_records_complete_the_course_once_merged(
    member, second_record, administrator
):
    """The member watched lesson 1 on the phone and lesson 2 under the record a clerk made;
    once merged, every lesson is done: the course is completed on the day of the last one,
    and its hours credited once."""
    course = course_of(600, 600, hours=Decimal("2"))
    first_lesson, second_lesson = course.lessons()
    enrol(member, course)
    enrol(second_record, course)
    finish_lesson(member, first_lesson, at=T0)
    finish_lesson(second_record, second_lesson, at=LATER)
    assert not Enrollment.objects.filter(status=Enrollment.Status.COMPLETED).exists()

    person_merge(keep=member, duplicate=second_record, by=administrator)

    enrollment = Enrollment.objects.get(person=member, course=course)
    assert (enrollment.status, enrollment.completed_at) == (Enrollment.Status.COMPLETED, LATER)
    assert hours_by_track(person_id=member.pk, year=2026)["total"] == Decimal("2")
