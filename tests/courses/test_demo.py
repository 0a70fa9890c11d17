"""The demo catalogue: real-looking courses in both tracks, made-here media, study in the ledger."""

import wave
from decimal import Decimal

import pytest
from django.utils import timezone
from wagtail.documents.models import Document

from courses.demo import seed_courses
from courses.models import CoursePage, Enrollment, LessonPage, LessonProgress
from lms.ledger.models import AnnualRequirement, StudyHoursEntry, Track
from lms.people.demo import seed_people, seed_users

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_township(db):
    result = seed_people()
    seed_users(result["township"], result["villages"])
    return result["township"]


def counts():
    return (
        CoursePage.objects.count(),
        LessonPage.objects.count(),
        Document.objects.count(),
        Enrollment.objects.count(),
        LessonProgress.objects.count(),
        StudyHoursEntry.objects.count(),
        AnnualRequirement.objects.count(),
    )


def test_demo_catalogue_covers_both_tracks_with_lessons_media_and_quizzes(demo_township):
    seed_courses(demo_township)

    courses = list(CoursePage.objects.live())
    assert len(courses) >= 6
    assert {course.track for course in courses} == {Track.PARTY, Track.SKILLS}
    for course in courses:
        lessons = list(course.lessons())
        assert 2 <= len(lessons) <= 3
        assert all(lesson.media_seconds > 0 for lesson in lessons)
        assert sum(len(lesson.quiz) for lesson in lessons) in (2, 3)
    lesson = courses[0].lessons().first()
    media = next(block.value for block in lesson.body if block.block_type == "media")
    with media["file"].file.open("rb") as handle, wave.open(handle) as tone:
        assert tone.getnframes() / tone.getframerate() == media["duration_seconds"]
    pdf = next(block.value for block in lesson.body if block.block_type == "pdf")
    with pdf["document"].file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"


def test_demo_study_lands_in_the_ledger_and_a_requirement_is_set(demo_township):
    seed_courses(demo_township)

    assert Enrollment.objects.filter(status=Enrollment.Status.COMPLETED).exists()
    assert Enrollment.objects.filter(source=Enrollment.Source.ASSIGNED).exists()
    entries = StudyHoursEntry.objects.filter(source_kind=StudyHoursEntry.Source.COURSE)
    assert entries.count() == Enrollment.objects.filter(status="completed").count() > 0
    assert {entry.date.year for entry in entries} == {timezone.localdate().year}
    requirement = AnnualRequirement.objects.get(
        township=demo_township, year=timezone.localdate().year
    )
    assert (requirement.total_hours, requirement.party_hours) == (Decimal("32"), Decimal("16"))


def test_seeding_the_catalogue_twice_adds_nothing(demo_township):
    seed_courses(demo_township)
    before = counts()
    result = seed_courses(demo_township)
    assert counts() == before
    assert (result["created"], result["enrollments"], result["lessons_studied"]) == (0, 0, 0)
