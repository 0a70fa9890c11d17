"""The learner's online study over HTTP, mounted at /api/v1/study/.

My courses (enrolled, and open to me), one course with my progress in each lesson, enrolling,
a lesson's study ticket for the heartbeat (the heartbeat itself is the lean view
courses.views.heartbeat at /api/v1/study/heartbeat), and my hours this year. Session or
bearer token, as every endpoint of lms.api. The rules are courses.services'; these
endpoints only translate.
"""

import datetime
import time
from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from lms.api_input import RecordId, Year
from lms.ledger import selectors as ledger_selectors
from lms.ledger.models import Track
from lms.people.selectors import person_for_user

from . import selectors
from .exceptions import LessonNotFound, StudyError
from .models import CoursePage, Enrollment, StudySettings
from .services import enrollment_create, live_lesson_facts
from .tickets import TICKET_SECONDS, study_ticket

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


class TicketOut(Schema):
    ticket: str = Field(..., description="Present it with every heartbeat of this lesson.")
    expires_at: datetime.datetime
    heartbeat_url: str = Field(
        ...,
        description=(
            "POST JSON {ticket, position_seconds, playing} here every heartbeat_seconds while"
            " the media plays, and once on pause. It answers lesson_id, credited_seconds (this"
            " beat), seconds_credited (the lesson), media_seconds, position_seconds,"
            " lesson_completed, quiz_pending, course_completed, and a fresh ticket once this"
            " one is past half its life; 401 when the ticket has expired (ask for a new one),"
            " 409 when not enrolled."
        ),
    )
    heartbeat_seconds: int


class HoursStandingOut(Schema):
    required: Decimal
    earned: Decimal
    remaining: Decimal
    sessions_required: int = Field(0, description="In-person sessions of the track to attend.")
    sessions: int = Field(0, description="In-person sessions of the track attended.")
    met: bool


class StandingOut(Schema):
    """Against the township's program (双育工程) for the year (nothing required without one)."""

    has_requirement: bool
    met: bool
    missing: list[str] = Field(
        default_factory=list, description="What is left, e.g. 技能培训还差 2 学时、1 次集中培训."
    )
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


def _minutes_per_hour(request) -> int:
    return StudySettings.for_request(request).minutes_per_study_hour


def _course_out(row: selectors.CourseRow) -> dict:
    course = row.course
    return {
        "id": course.pk,
        "title": course.title,
        "url": course.url or "",
        "track": course.track,
        "track_label": str(Track(course.track).label),
        "hours": row.hours,
        "is_required": course.is_required,
        "enrolled": row.enrolled,
        "status": row.enrollment.status if row.enrollment else None,
        "lessons_total": row.total,
        "lessons_done": row.done,
        "progress": row.percent,
    }


def _visible_course(person, course_id: int) -> CoursePage:
    course = next(
        (course for course in selectors.courses_open_to(person=person) if course.pk == course_id),
        None,
    )
    if course is None:
        raise HttpError(404, _("Course not found."))
    return course


# --- Endpoints -------------------------------------------------------------------------------


@router.get("/courses", response=list[CourseOut])
def course_list(request):
    """My courses: those I am enrolled in, and those open to me; required first."""
    person = _me(request)
    enrollments = selectors.enrollments_of(person)
    rows = selectors.course_rows(
        person=person,
        courses=selectors.courses_open_to(person=person, enrollments=enrollments),
        minutes_per_hour=_minutes_per_hour(request),
        enrollments=enrollments,
    )
    return [_course_out(row) for row in rows]


@router.get("/courses/{int:course_id}", response=CourseDetailOut)
def course_detail(request, course_id: RecordId):
    """One course with my progress and resume position in each lesson."""
    person = _me(request)
    course = _visible_course(person, course_id)
    row = selectors.course_rows(
        person=person, courses=[course], minutes_per_hour=_minutes_per_hour(request)
    )[0]
    progress = selectors.lesson_progress_of(person=person, lessons=row.lessons)
    following = row.next_lesson  # the first lesson not done; the first lesson if all are
    if following is not None and following.pk in row.done_ids:
        following = None
    lessons = []
    for lesson in row.lessons:
        mine = progress.get(lesson.pk)
        lessons.append(
            {
                "id": lesson.pk,
                "title": lesson.title,
                "url": lesson.url or "",
                "media_seconds": lesson.media_seconds,
                "has_quiz": lesson.has_quiz,
                "position_seconds": mine.position_seconds if mine else 0,
                "seconds_credited": mine.seconds_credited if mine else 0,
                "quiz_passed": bool(mine and mine.quiz_passed),
                "completed": lesson.pk in row.done_ids,
            }
        )
    return {
        **_course_out(row),
        "intro": course.intro,
        "self_enrollment": course.self_enrollment,
        "next_lesson_id": following.pk if following else None,
        "lessons": lessons,
    }


@router.post("/courses/{int:course_id}/enrol", response=CourseOut)
def course_enrol(request, course_id: RecordId):
    """Enrol myself; safe to repeat. 409 with the reason when the course is not open to me."""
    person = _me(request)
    course = CoursePage.objects.live().filter(pk=course_id).first()
    if course is None:
        raise HttpError(404, _("Course not found."))
    try:
        enrollment_create(person=person, course=course, source=Enrollment.Source.SELF)
    except StudyError as error:
        raise HttpError(409, str(error)) from error
    row = selectors.course_rows(
        person=person, courses=[course], minutes_per_hour=_minutes_per_hour(request)
    )[0]
    return _course_out(row)


@router.post("/lessons/{int:lesson_id}/ticket", response=TicketOut)
def lesson_ticket(request, lesson_id: RecordId):
    """A study ticket for one lesson: the heartbeat takes it instead of a login, so that
    10,000 learners' beats each cost little more than a bare request. Studying still needs
    an enrolment; the heartbeat refuses without one."""
    person = _me(request)
    try:
        live_lesson_facts(lesson_id)
    except LessonNotFound as error:
        raise HttpError(404, str(error)) from error
    now = time.time()
    return {
        "ticket": study_ticket(person_id=person.pk, lesson_id=lesson_id, now=now),
        "expires_at": datetime.datetime.fromtimestamp(now + TICKET_SECONDS, tz=datetime.UTC),
        "heartbeat_url": reverse("heartbeat"),
        "heartbeat_seconds": settings.STUDY_HEARTBEAT_SECONDS,
    }


@router.get("/hours", response=HoursOut)
def my_hours(request, year: Year | None = None):
    """My study hours in a calendar year (this year by default), by track, and my standing
    against the township's requirement."""
    person = _me(request)
    year = year or timezone.localdate().year
    hours = ledger_selectors.hours_by_track(person_id=person.pk, year=year)
    standing = ledger_selectors.person_standing(person=person, year=year)

    def part(hours):
        return {
            "required": hours.required,
            "earned": hours.earned,
            "remaining": hours.remaining,
            "sessions_required": hours.sessions_required,
            "sessions": hours.sessions,
            "met": hours.met,
        }

    return {
        "year": year,
        **hours,
        "standing": {
            "has_requirement": standing.requirement is not None,
            "met": standing.met,
            "missing": standing.missing,
            "total": part(standing.total),
            **{track: part(value) for track, value in standing.tracks.items()},
        },
    }
