"""Reading online study for the learner: catalogue, course, lesson and the 我的学习 dashboard.

Every function here runs a fixed number of queries, however many courses, lessons or
enrollments there are: courses and lessons come from the live tree each process keeps
(courses/live_courses.py; their StreamField read raw, so media documents are never fetched
just to sum lengths), the person's enrolments and progress from one query each.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from lms.memo import ProcessMemo

from .audience import course_is_open, person_in_audience
from .live_courses import live_course, live_course_above, live_tree
from .models import CourseIndexPage, CoursePage, Enrollment, LessonPage, LessonProgress

# The one catalogue (课程), linked from every 我的学习: each process keeps it ten seconds
# (forgotten at once when it is published, unpublished, moved or deleted: courses/signals.py).
catalogue_memo: ProcessMemo[CourseIndexPage | None] = ProcessMemo(10)


def catalogue_page() -> CourseIndexPage | None:
    return catalogue_memo.get(None, lambda: CourseIndexPage.objects.live().first())


@dataclass
class CourseRow:
    """One course as a learner sees it: hours, lessons done, and where to go next."""

    course: CoursePage
    hours: Decimal
    lessons: list[LessonPage] = field(default_factory=list)
    done_ids: set[int] = field(default_factory=set)
    enrollment: Enrollment | None = None

    @property
    def total(self) -> int:
        return len(self.lessons)

    @property
    def done(self) -> int:
        return sum(1 for lesson in self.lessons if lesson.pk in self.done_ids)

    @property
    def percent(self) -> int:
        if self.completed:
            return 100
        return round(self.done * 100 / self.total) if self.total else 0

    @property
    def completed(self) -> bool:
        return self.enrollment is not None and self.enrollment.status == Enrollment.Status.COMPLETED

    @property
    def enrolled(self) -> bool:
        return self.enrollment is not None and self.enrollment.status != Enrollment.Status.WITHDRAWN

    @property
    def next_lesson(self) -> LessonPage | None:
        """The first lesson not yet done (the first lesson when all are done)."""
        for lesson in self.lessons:
            if lesson.pk not in self.done_ids:
                return lesson
        return self.lessons[0] if self.lessons else None

    @property
    def started(self) -> bool:
        return self.done > 0


def course_rows(
    *,
    person,
    courses: list[CoursePage],
    minutes_per_hour: int,
    enrollments: dict[int, Enrollment] | None = None,
) -> list[CourseRow]:
    """Lessons, progress and enrolment for several courses: the lessons from the live tree
    (courses/live_courses.py), then one query for the lessons done and, unless the caller
    has them (`enrollments_of`), one for the enrolments."""
    if not courses:
        return []
    lessons_of = {course.pk: _live_lessons(course) for course in courses}
    done_ids: set[int] = set()
    lesson_ids = [lesson.pk for lessons in lessons_of.values() for lesson in lessons]
    if person is not None and lesson_ids:
        done_ids = set(
            LessonProgress.objects.filter(
                person=person, lesson_id__in=lesson_ids, completed_at__isnull=False
            ).values_list("lesson_id", flat=True)
        )
    if enrollments is None and person is not None:
        enrollments = {
            enrollment.course_id: enrollment
            for enrollment in Enrollment.objects.filter(
                person=person, course_id__in=[course.pk for course in courses]
            )
        }
    enrollments = enrollments or {}
    return [
        CourseRow(
            course=course,
            hours=course.hours(minutes_per_hour=minutes_per_hour, lessons=lessons_of[course.pk]),
            lessons=list(lessons_of[course.pk]),
            done_ids=done_ids,
            enrollment=enrollments.get(course.pk),
        )
        for course in courses
    ]


def _live_lessons(course: CoursePage) -> tuple[LessonPage, ...]:
    """A course's live lessons: from the live tree, or read (a course not live: a preview)."""
    entry = live_course(course.pk)
    if entry is not None:
        return entry.lessons
    return tuple(course.lessons().only("id", "title", "path", "depth", "url_path", "body", "quiz"))


def enrollments_of(person) -> dict[int, Enrollment]:
    """All the person's enrolments (withdrawn ones too), by course id, in one query."""
    if person is None:
        return {}
    return {
        enrollment.course_id: enrollment for enrollment in Enrollment.objects.filter(person=person)
    }


def courses_open_to(
    *, person, on: datetime.date | None = None, enrollments: dict[int, Enrollment] | None = None
) -> list[CoursePage]:
    """Live courses open now whose audience includes the person, or that they are enrolled in
    (not withdrawn): required first. Read from the live tree; the person's enrolments are one
    query unless the caller has them (`enrollments_of`)."""
    on = on or timezone.localdate()
    if enrollments is None:
        enrollments = enrollments_of(person)
    enrolled = {
        course_id
        for course_id, enrollment in enrollments.items()
        if enrollment.status != Enrollment.Status.WITHDRAWN
    }
    return [
        entry.course
        for entry in live_tree().courses
        if course_is_open(entry.course, on)
        and (entry.course.pk in enrolled or person_in_audience(person, entry.course))
    ]


def lesson_neighbours(lesson: LessonPage) -> tuple[LessonPage | None, LessonPage | None]:
    """The previous and next live lessons of the same course: from the live tree, or in one
    query when the tree does not hold the lesson (its course is not live, or it was published
    since this process read the tree)."""
    entry = live_course_above(lesson)
    siblings = list(entry.lessons) if entry is not None else []
    ids = [sibling.pk for sibling in siblings]
    if lesson.pk not in ids:
        siblings = list(
            LessonPage.objects.sibling_of(lesson)
            .live()
            .only("id", "title", "path", "depth", "url_path")
            .order_by("path")
        )
        ids = [sibling.pk for sibling in siblings]
    if lesson.pk not in ids:
        return None, None
    at = ids.index(lesson.pk)
    previous = siblings[at - 1] if at > 0 else None
    following = siblings[at + 1] if at + 1 < len(siblings) else None
    return previous, following


def lesson_progress_for(*, person, lesson: LessonPage) -> LessonProgress | None:
    if person is None:
        return None
    return LessonProgress.objects.filter(person=person, lesson=lesson).first()


def lesson_progress_of(*, person, lessons) -> dict[int, LessonProgress]:
    """The person's progress in each of these lessons that they have opened, by lesson id."""
    if person is None:
        return {}
    return {
        row.lesson_id: row
        for row in LessonProgress.objects.filter(
            person=person, lesson_id__in=[lesson.pk for lesson in lessons]
        )
    }


def enrollment_for(*, person, course: CoursePage) -> Enrollment | None:
    if person is None:
        return None
    return Enrollment.objects.filter(person=person, course=course).first()


def courses_by_reference(reference: str) -> list[CoursePage]:
    """The courses a command-line reference names: a page id, or a slug. A slug is unique only
    among the courses of one catalogue, so it may name several: the caller must not guess."""
    reference = (reference or "").strip()
    condition = Q(slug=reference)
    if reference.isdigit():
        condition |= Q(pk=int(reference))
    return list(CoursePage.objects.filter(condition).order_by("pk")) if reference else []
