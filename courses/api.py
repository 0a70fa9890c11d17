"""The learner's online study over HTTP, mounted at /api/v1/study/.

My courses (enrolled, and open to me), one course with my progress in each lesson, enrolling,
the heartbeat from the player, and my hours this year. Session or bearer token, as every
endpoint of lms.api. The rules are courses.services'; these endpoints only translate.
"""

import datetime
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from lms.ledger import selectors as ledger_selectors
from lms.ledger.models import Track
from lms.people.selectors import person_for_user

from .exceptions import LessonNotFound, StudyError
from .models import CoursePage, Enrollment, LessonPage, LessonProgress, StudySettings
from .services import enrollment_create, heartbeat_record

router = Router(tags=["study"])


# --- Schemas ---------------------------------------------------------------------------------


class CourseOut(Schema):
    id: int
    title: str
    url: str
    track: str
    track_label: str
    hours: Decimal
    is_required: bool
    enrolled: bool
    status: str | None = Field(None, description="enrolled, completed or withdrawn; null if not.")
    lessons_total: int
    lessons_done: int
    progress: int = Field(..., description="Share of lessons completed, in per cent.")


class LessonOut(Schema):
    id: int
    title: str
    url: str
    media_seconds: int
    has_quiz: bool
    position_seconds: int = Field(..., description="Where to resume playing.")
    seconds_credited: int
    quiz_passed: bool
    completed: bool


class CourseDetailOut(CourseOut):
    intro: str
    self_enrollment: bool
    next_lesson_id: int | None = Field(None, description="The first lesson not completed.")
    lessons: list[LessonOut]


class HeartbeatIn(Schema):
    lesson_id: int
    position_seconds: int = Field(..., ge=0)
    playing: bool = True


class HeartbeatOut(Schema):
    lesson_id: int
    credited_seconds: int = Field(..., description="Seconds this heartbeat earned.")
    seconds_credited: int = Field(..., description="Seconds credited for the lesson in all.")
    media_seconds: int
    position_seconds: int
    lesson_completed: bool
    course_completed: bool


class HoursStandingOut(Schema):
    required: Decimal
    earned: Decimal
    remaining: Decimal
    met: bool


class StandingOut(Schema):
    """Against the township's requirement for the year (nothing required without one)."""

    has_requirement: bool
    met: bool
    total: HoursStandingOut
    party: HoursStandingOut
    skills: HoursStandingOut


class HoursOut(Schema):
    year: int
    party: Decimal
    skills: Decimal
    total: Decimal
    standing: StandingOut


# --- Reading ---------------------------------------------------------------------------------


def _me(request):
    person = person_for_user(request.user)
    if person is None:
        raise HttpError(404, _("This account is not linked to a person on the roster."))
    return person


def _open_to(person) -> Q:
    """Courses a person may enrol in now (the same rules as enrollment_create's, in SQL)."""
    today = timezone.localdate()
    audience = CoursePage.Audience
    in_audience = Q(audience=audience.EVERYONE) | Q(
        audience=audience.VILLAGE, audience_village_id=person.village_id
    )
    if person.is_party_member:
        in_audience |= Q(audience=audience.ALL_MEMBERS)
    if person.branch_id:
        in_audience |= Q(audience=audience.BRANCH, audience_branch_id=person.branch_id)
    return (
        in_audience
        & Q(self_enrollment=True)
        & (Q(opens_on__isnull=True) | Q(opens_on__lte=today))
        & (Q(closes_on__isnull=True) | Q(closes_on__gte=today))
    )


def _courses_of(person):
    """Live courses the person is enrolled in or may enrol in."""
    return (
        CoursePage.objects.live()
        .filter(_open_to(person) | Q(enrollments__person=person))
        .distinct()
        .order_by("-is_required", "path")
    )


def _media_seconds(body) -> int:
    # The raw stream: reading block values would fetch each document, one query per lesson.
    return sum(
        int(block["value"].get("duration_seconds") or 0)
        for block in body.raw_data
        if block["type"] == "media"
    )


def _lessons_by_course(courses) -> dict[int, list[LessonPage]]:
    """Every course's live lessons in one query, in page order."""
    by_path = {course.path: course.pk for course in courses}
    if not by_path:
        return {}
    depths = {course.depth + 1 for course in courses}
    condition = Q()
    for path in by_path:
        condition |= Q(path__startswith=path)
    lessons = LessonPage.objects.live().filter(condition, depth__in=depths).order_by("path")
    result: dict[int, list[LessonPage]] = {pk: [] for pk in by_path.values()}
    for lesson in lessons:
        lesson.media_total = _media_seconds(lesson.body)
        result[by_path[lesson.path[: -LessonPage.steplen]]].append(lesson)
    return result


def _minutes_per_hour(request) -> int:
    return StudySettings.for_request(request).minutes_per_study_hour


def _course_hours(course, lessons, minutes: int) -> Decimal:
    # The rule stays CoursePage.hours; only the media length comes from the lessons read above.
    course.media_seconds = lambda: sum(lesson.media_total for lesson in lessons)
    return course.hours(minutes_per_hour=minutes)


def _course_rows(request, person, courses) -> list[dict]:
    courses = list(courses)
    lessons = _lessons_by_course(courses)
    lesson_ids = [lesson.pk for group in lessons.values() for lesson in group]
    progress = {
        row.lesson_id: row
        for row in LessonProgress.objects.filter(person=person, lesson_id__in=lesson_ids)
    }
    enrollments = dict(
        Enrollment.objects.filter(person=person, course__in=courses).values_list(
            "course_id", "status"
        )
    )
    minutes = _minutes_per_hour(request) if courses else 45
    rows = []
    for course in courses:
        group = lessons[course.pk]
        done = sum(
            1
            for lesson in group
            if lesson.pk in progress and progress[lesson.pk].completed_at is not None
        )
        rows.append(
            {
                "id": course.pk,
                "title": course.title,
                "url": course.url or "",
                "track": course.track,
                "track_label": str(Track(course.track).label),
                "hours": _course_hours(course, group, minutes),
                "is_required": course.is_required,
                "enrolled": course.pk in enrollments
                and enrollments[course.pk] != Enrollment.Status.WITHDRAWN,
                "status": enrollments.get(course.pk),
                "lessons_total": len(group),
                "lessons_done": done,
                "progress": round(done * 100 / len(group)) if group else 0,
                "_course": course,
                "_lessons": group,
                "_progress": progress,
            }
        )
    return rows


def _visible_course(person, course_id: int) -> CoursePage:
    course = _courses_of(person).filter(pk=course_id).first()
    if course is None:
        raise HttpError(404, _("Course not found."))
    return course


# --- Endpoints -------------------------------------------------------------------------------


@router.get("/courses", response=list[CourseOut])
def course_list(request):
    """My courses: those I am enrolled in, and those open to me; required first."""
    person = _me(request)
    return _course_rows(request, person, _courses_of(person))


@router.get("/courses/{int:course_id}", response=CourseDetailOut)
def course_detail(request, course_id: int):
    """One course with my progress and resume position in each lesson."""
    person = _me(request)
    row = _course_rows(request, person, [_visible_course(person, course_id)])[0]
    lessons = []
    next_lesson_id = None
    for lesson in row["_lessons"]:
        progress = row["_progress"].get(lesson.pk)
        completed = progress is not None and progress.completed_at is not None
        if not completed and next_lesson_id is None:
            next_lesson_id = lesson.pk
        lessons.append(
            {
                "id": lesson.pk,
                "title": lesson.title,
                "url": lesson.url or "",
                "media_seconds": lesson.media_total,
                "has_quiz": lesson.has_quiz,
                "position_seconds": progress.position_seconds if progress else 0,
                "seconds_credited": progress.seconds_credited if progress else 0,
                "quiz_passed": bool(progress and progress.quiz_passed),
                "completed": completed,
            }
        )
    course = row["_course"]
    return {
        **row,
        "intro": course.intro,
        "self_enrollment": course.self_enrollment,
        "next_lesson_id": next_lesson_id,
        "lessons": lessons,
    }


@router.post("/courses/{int:course_id}/enrol", response=CourseOut)
def course_enrol(request, course_id: int):
    """Enrol myself; safe to repeat. 409 with the reason when the course is not open to me."""
    person = _me(request)
    course = CoursePage.objects.live().filter(pk=course_id).first()
    if course is None:
        raise HttpError(404, _("Course not found."))
    try:
        enrollment_create(person=person, course=course, source=Enrollment.Source.SELF)
    except StudyError as error:
        raise HttpError(409, str(error)) from error
    return _course_rows(request, person, [course])[0]


@router.post("/heartbeat", response=HeartbeatOut)
def heartbeat(request, payload: HeartbeatIn):
    """Every 30 s while the media plays (and once on pause): where I am, and the time earned.

    The server credits at most the time since my previous heartbeat, from any tab or phone,
    and never more than the media's length.
    """
    person = _me(request)
    try:
        beat = heartbeat_record(
            person=person,
            lesson_id=payload.lesson_id,
            position_seconds=payload.position_seconds,
            playing=payload.playing,
        )
    except LessonNotFound as error:
        raise HttpError(404, str(error)) from error
    except StudyError as error:
        raise HttpError(409, str(error)) from error
    return {
        "lesson_id": payload.lesson_id,
        "credited_seconds": beat.credited_now,
        "seconds_credited": beat.progress.seconds_credited,
        "media_seconds": beat.media_seconds,
        "position_seconds": beat.progress.position_seconds,
        "lesson_completed": beat.progress.completed_at is not None,
        "course_completed": beat.course_completed,
    }


@router.get("/hours", response=HoursOut)
def my_hours(request, year: int | None = None):
    """My study hours in a calendar year (this year by default), by track, and my standing
    against the township's requirement."""
    person = _me(request)
    year = year or timezone.localdate().year
    if not datetime.MINYEAR <= year <= datetime.MAXYEAR:
        raise HttpError(422, _("Not a valid year."))
    hours = ledger_selectors.hours_by_track(person_id=person.pk, year=year)
    standing = ledger_selectors.person_standing(person=person, year=year)

    def part(hours):
        return {
            "required": hours.required,
            "earned": hours.earned,
            "remaining": hours.remaining,
            "met": hours.met,
        }

    return {
        "year": year,
        **hours,
        "standing": {
            "has_requirement": standing.requirement is not None,
            "met": standing.met,
            "total": part(standing.total),
            **{track: part(value) for track, value in standing.tracks.items()},
        },
    }
