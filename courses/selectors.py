"""Reading online study for the learner: catalogue, course, lesson and the 我的学习 dashboard.

Every function here runs a fixed number of queries, however many courses, lessons or
enrollments there are: lessons are read once for all courses (their StreamField read raw,
so media documents are never fetched just to sum lengths) and progress once per person.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from lms.memo import ProcessMemo

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


def course_rows(*, person, courses: list[CoursePage], minutes_per_hour: int) -> list[CourseRow]:
    """Lessons, progress and enrollment for several courses in three queries."""
    if not courses:
        return []
    paths = Q()
    for course in courses:
        paths |= Q(path__startswith=course.path, depth=course.depth + 1)
    lessons = LessonPage.objects.live().filter(paths)
    if person is not None:  # whether the person has done each lesson, in the same query
        lessons = lessons.annotate(
            done=Exists(
                LessonProgress.objects.filter(
                    person=person, lesson_id=OuterRef("pk"), completed_at__isnull=False
                )
            )
        )
    lessons = list(
        lessons.only("id", "title", "path", "depth", "url_path", "body", "quiz").order_by("path")
    )
    by_course: dict[str, list[LessonPage]] = {}
    for lesson in lessons:
        by_course.setdefault(lesson.path[: len(lesson.path) - CoursePage.steplen], []).append(
            lesson
        )
    done_ids = {lesson.pk for lesson in lessons if getattr(lesson, "done", False)}
    enrollments: dict[int, Enrollment] = {}
    if person is not None:
        enrollments = {
            enrollment.course_id: enrollment
            for enrollment in Enrollment.objects.filter(
                person=person, course_id__in=[course.pk for course in courses]
            )
        }
    rows = []
    for course in courses:
        course_lessons = by_course.get(course.path, [])
        rows.append(
            CourseRow(
                course=course,
                hours=course.hours(minutes_per_hour=minutes_per_hour, lessons=course_lessons),
                lessons=course_lessons,
                done_ids=done_ids,
                enrollment=enrollments.get(course.pk),
            )
        )
    return rows


def courses_open_to(*, person, on: datetime.date | None = None):
    """Live courses open now whose audience includes the person, or that they are enrolled in."""
    on = on or timezone.localdate()
    audience = CoursePage.Audience
    reach = Q(audience=audience.EVERYONE)
    if person is not None:
        if person.is_party_member:
            reach |= Q(audience=audience.ALL_MEMBERS)
        if person.branch_id:
            reach |= Q(audience=audience.BRANCH, audience_branch_id=person.branch_id)
        reach |= Q(audience=audience.VILLAGE, audience_village_id=person.village_id)
        reach |= Q(
            pk__in=Enrollment.objects.filter(person=person)
            .exclude(status=Enrollment.Status.WITHDRAWN)
            .values("course_id")
        )
    is_open = (Q(opens_on=None) | Q(opens_on__lte=on)) & (Q(closes_on=None) | Q(closes_on__gte=on))
    return (
        CoursePage.objects.live()
        .filter(reach & is_open)
        .order_by("-is_required", "path")
        .only(
            "id",
            "title",
            "path",
            "depth",
            "url_path",
            "track",
            "study_hours",
            "is_required",
            "cover",
        )
        # The covers and their list-sized renditions: no query when no course has one.
        .prefetch_related("cover__renditions")
    )


def lesson_neighbours(lesson: LessonPage) -> tuple[LessonPage | None, LessonPage | None]:
    """The previous and next live lessons of the same course, in one query."""
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
