"""The demo catalogue: real-looking courses in both tracks, made-here media, study in the ledger."""

import datetime
import wave
from decimal import Decimal

import pytest
from django.db.models import Sum
from wagtail.documents.models import Document

from courses.demo import seed_courses
from courses.models import CoursePage, Enrollment, LessonPage, LessonProgress
from lms.ledger.models import AnnualRequirement, StudyHoursEntry, Track
from lms.people.demo import seed_people, seed_users
from tests.conftest import beijing

# Seeded on 1 December 2026: the demo's study falls between 1 January and then.
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.time_machine(beijing(2026, 12, 1, 10, 0), tick=False),
]


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

    # 107 members: the 3 required courses each (assigned), an elective for every other one.
    assert Enrollment.objects.filter(source=Enrollment.Source.ASSIGNED).count() == 107 * 3
    assert Enrollment.objects.filter(source=Enrollment.Source.SELF).count() == 54
    assert Enrollment.objects.filter(status=Enrollment.Status.COMPLETED).count() == 159
    entries = StudyHoursEntry.objects.filter(source_kind=StudyHoursEntry.Source.COURSE)
    assert entries.count() == 159
    assert entries.aggregate(hours=Sum("hours"))["hours"] == Decimal("690")
    dates = entries.values_list("date", flat=True)
    assert datetime.date(2026, 1, 1) <= min(dates) and max(dates) <= datetime.date(2026, 12, 1)
    requirement = AnnualRequirement.objects.get(township=demo_township, year=2026)
    assert (requirement.total_hours, requirement.party_hours) == (Decimal("32"), Decimal("16"))


def test_seeding_the_catalogue_twice_adds_nothing(demo_township):
    seed_courses(demo_township)
    before = counts()
    result = seed_courses(demo_township)
    assert counts() == before
    assert (result["created"], result["enrollments"], result["lessons_studied"]) == (0, 0, 0)
