"""What a learner's course pages show (课程, a course, a lesson), put together from the
selectors and services for one request.

The page templates ask for it through `courses/templatetags/study_tags.py`, so the page
models import nothing that reads them back: the arrows inside the app run one way
(models ← selectors, services ← study_pages ← template tags).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from wagtail.models import Page

from lms.people.models import Person
from lms.people.selectors import person_for_user

from .live_courses import live_course_above
from .models import CourseIndexPage, CoursePage, LessonPage, LessonProgress, StudySettings
from .selectors import (
    CourseRow,
    catalogue_page,
    course_rows,
    courses_open_to,
    enrollment_for,
    enrollments_of,
    lesson_neighbours,
    lesson_progress_for,
)
from .services import self_enrolment_refusal
from .tickets import study_ticket


def catalogue_rows(request, catalogue: CourseIndexPage) -> list[CourseRow]:
    """The catalogue's courses open to the one asking, with their progress."""
    person = person_for_user(request.user)
    enrollments = enrollments_of(person)
    courses = [
        course
        for course in courses_open_to(person=person, enrollments=enrollments)
        if course.depth == catalogue.depth + 1 and course.path.startswith(catalogue.path)
    ]
    return course_rows(
        person=person,
        courses=courses,
        minutes_per_hour=StudySettings.for_request(request).minutes_per_study_hour,
        enrollments=enrollments,
    )


@dataclass(frozen=True)
class CourseStudy:
    """A course page for the one asking: the course's row, whether they may enrol, and the
    page above it (课程, the catalogue, as this process keeps it)."""

    person: Person | None
    row: CourseRow
    may_enrol: bool
    catalogue: Page | None


def course_study(request, course: CoursePage) -> CourseStudy:
    person = person_for_user(request.user)
    row = course_rows(
        person=person,
        courses=[course],
        minutes_per_hour=StudySettings.for_request(request).minutes_per_study_hour,
    )[0]
    may_enrol = (
        person is not None
        and not row.enrolled
        and self_enrolment_refusal(person=person, course=course) is None
    )
    catalogue = catalogue_page()
    if catalogue is None or catalogue.path != course.path[: -course.steplen]:
        catalogue = course.get_parent()
    return CourseStudy(person=person, row=row, may_enrol=may_enrol, catalogue=catalogue)


@dataclass(frozen=True)
class LessonStudy:
    """A lesson page for the one asking: enrolment, where they stopped, the neighbours, and
    the signed ticket the page's heartbeat presents."""

    person: Person | None
    course: CoursePage
    enrolled: bool
    progress: LessonProgress | None
    previous_lesson: LessonPage | None
    next_lesson: LessonPage | None
    ticket: str
    quiz_url: str
    heartbeat_seconds: int

    @property
    def position_seconds(self) -> int:
        return self.progress.position_seconds if self.progress else 0

    @property
    def lesson_done(self) -> bool:
        return bool(self.progress and self.progress.completed_at)


def lesson_study(request, lesson: LessonPage) -> LessonStudy:
    person = person_for_user(request.user)
    live = live_course_above(lesson)
    course = live.course if live else CoursePage.objects.get(path=lesson.path[: -lesson.steplen])
    enrollment = enrollment_for(person=person, course=course)
    previous, following = lesson_neighbours(lesson)
    return LessonStudy(
        person=person,
        course=course,
        enrolled=enrollment is not None and enrollment.status != enrollment.Status.WITHDRAWN,
        progress=lesson_progress_for(person=person, lesson=lesson),
        previous_lesson=previous,
        next_lesson=following,
        ticket=study_ticket(person_id=person.pk, lesson_id=lesson.pk) if person else "",
        quiz_url=reverse("courses:quiz", args=[lesson.pk]) if lesson.has_quiz else "",
        heartbeat_seconds=settings.STUDY_HEARTBEAT_SECONDS,
    )
