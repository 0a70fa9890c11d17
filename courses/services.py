"""Writing online study: enrolment, honest progress from heartbeats, completion and hours.

Heartbeat rules (issue 3, courses/credit.py): the server credits at most the wall-clock time
since the person's previous credited heartbeat (one StudyClock per person, whichever tab, lesson or
phone sends it), at most HEARTBEAT_MAX_CREDIT per heartbeat, and never more than a lesson's
media length; fractions of a second carry to the next beat. Skipping ahead moves the resume
position, not the credit; replaying a heartbeat earns nothing. A completed course credits
its hours once (ledger source = the enrollment).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from lms.ledger.models import StudyHoursEntry
from lms.ledger.services import ledger_record, ledger_withdraw

from .audience import course_is_open, person_in_audience
from .exceptions import (
    CourseNotOpen,
    LessonNotFound,
    NotEnrolled,
    NotInAudience,
    StudyBusy,
    StudyError,
)
from .lesson_facts import LessonFacts, lesson_facts
from .models import CoursePage, Enrollment, LessonProgress, StudySettings
from .study_rows import study_rows_create, study_rows_credit

# The page sends a heartbeat every 30 s while media plays; a longer silence is not study.
HEARTBEAT_INTERVAL = 30


def self_enrolment_refusal(*, person, course: CoursePage) -> StudyError | None:
    """Why the person may not enrol in the course themselves; None when they may. The
    course page asks before it offers the button; `enrollment_create` refuses by it."""
    if not course.self_enrollment or not person_in_audience(person, course):
        return NotInAudience()
    if not course_is_open(course):
        return CourseNotOpen()
    return None


def enrollment_create(*, person, course: CoursePage, source: str, by=None) -> Enrollment:
    """Enrol a person (themselves, or assigned by an organizer); safe to repeat."""
    with transaction.atomic():
        if source == Enrollment.Source.SELF and (
            refusal := self_enrolment_refusal(person=person, course=course)
        ):
            raise refusal
        enrollment, created = Enrollment.objects.get_or_create(
            person=person,
            course=course,
            defaults={"source": source, "assigned_by": by if by and by.is_authenticated else None},
        )
        if not created and enrollment.status == Enrollment.Status.WITHDRAWN:
            enrollment.status = Enrollment.Status.ENROLLED
            enrollment.save(update_fields=["status"])
        return enrollment


def enrollment_required(*, person_id: int, course_id: int) -> Enrollment:
    """The person's enrolment in the course; studying without one is refused."""
    enrollment = Enrollment.objects.filter(person_id=person_id, course_id=course_id).first()
    if enrollment is None or enrollment.status == Enrollment.Status.WITHDRAWN:
        raise NotEnrolled()
    return enrollment


def live_lesson_facts(lesson_id: int) -> LessonFacts:
    facts = lesson_facts(lesson_id)
    if facts is None:
        raise LessonNotFound()
    return facts


@dataclass(frozen=True)
class Heartbeat:
    """What one heartbeat did: the lesson's progress after it and the seconds it earned."""

    progress: LessonProgress
    credited_now: int
    media_seconds: int
    course_completed: bool
    media_watched: bool = False  # enough watched; the lesson may still wait for its quiz


# How often a heartbeat tries again when another of the same person's beats (a second tab
# or phone) moved the clock between its read and its write.
HEARTBEAT_ATTEMPTS = 5


def heartbeat_record(
    *,
    person_id: int,
    lesson_id: int,
    position_seconds: int,
    playing: bool,
    at: datetime.datetime | None = None,
) -> Heartbeat:
    """Record where the learner is and credit the study time the rules allow.

    The hot path of 万人在线: the lesson's facts come from the process's copy; the
    enrolment, clock and progress are read, credited by the rule (courses/credit.py) and
    written in one statement on PostgreSQL (courses/study_rows.py), which moves the clock only
    if no other beat of the person moved it since the read. No transaction is opened, and
    nothing of the session, the account or the page tree is loaded. Only a person's first
    beat in a lesson, and the beat that completes it, take the slower way through the ORM.
    """
    at = at or timezone.now()
    facts = live_lesson_facts(lesson_id)
    media = facts.media_seconds
    position = max(0, min(int(position_seconds), media))
    where = {"person_id": person_id, "course_id": facts.course_id, "lesson_id": lesson_id}
    for _attempt in range(HEARTBEAT_ATTEMPTS):
        rows = study_rows_credit(
            **where, at=at, media_seconds=media, position_seconds=position, playing=playing
        )
        if rows is not None:
            break
        # Nothing written: a first beat (no clock or progress yet), an enrolment withdrawn or
        # missing (refused here), or another tab's beat came first (then simply again).
        with transaction.atomic():
            enrollment_required(person_id=person_id, course_id=facts.course_id)
            study_rows_create(person_id=person_id, lesson_id=lesson_id)
    else:
        raise StudyBusy()
    credited = rows.credited_after
    progress = LessonProgress(
        pk=rows.progress_id,
        person_id=person_id,
        lesson_id=lesson_id,
        position_seconds=position,
        seconds_credited=credited,
        last_heartbeat_at=at,
        quiz_passed=rows.quiz_passed,
        completed_at=rows.completed_at,
    )
    course_completed = rows.enrollment_status == Enrollment.Status.COMPLETED
    watched = media_watched(progress, facts)
    if progress.completed_at is None and watched:
        with transaction.atomic():
            enrollment = enrollment_required(person_id=person_id, course_id=facts.course_id)
            lesson_completion_check(progress=progress, enrollment=enrollment, facts=facts, at=at)
        course_completed = enrollment.status == Enrollment.Status.COMPLETED
    return Heartbeat(
        progress=progress,
        credited_now=credited - rows.credited_before,
        media_seconds=media,
        course_completed=course_completed,
        media_watched=watched,
    )


def media_watched(progress: LessonProgress, facts: LessonFacts) -> bool:
    if not facts.media_seconds:
        return progress.last_heartbeat_at is not None  # a text lesson: opened and read
    return progress.seconds_credited * 100 >= facts.media_seconds * facts.completion_share


def lesson_completion_check(*, progress, enrollment, facts: LessonFacts, at=None) -> bool:
    """A lesson counts once: media watched and, where the course asks, its quiz passed."""
    if progress.completed_at is not None:
        return True
    quiz_ok = progress.quiz_passed or not facts.has_quiz or not facts.requires_quiz_pass
    if media_watched(progress, facts) and quiz_ok:
        progress.completed_at = at or timezone.now()
        progress.save(update_fields=["completed_at"])
        course_completion_check(enrollment=enrollment, at=progress.completed_at)
        return True
    return False


def course_completion_check(*, enrollment: Enrollment, at=None) -> bool:
    """Every live lesson done: the course is completed and its hours credited, once."""
    if enrollment.status == Enrollment.Status.COMPLETED:
        return True
    lessons = enrollment.course.lessons()
    total = lessons.count()
    done = LessonProgress.objects.filter(
        person_id=enrollment.person_id, lesson__in=lessons, completed_at__isnull=False
    ).count()
    if not total or done < total:
        return False
    enrollment.status = Enrollment.Status.COMPLETED
    enrollment.completed_at = at or timezone.now()
    enrollment.save(update_fields=["status", "completed_at"])
    enrollment_ledger_sync(enrollment)
    return True


def _course_credit(course: CoursePage) -> Decimal:
    return course.hours(minutes_per_hour=StudySettings.for_page(course).minutes_per_study_hour)


def enrollment_ledger_sync(enrollment: Enrollment, *, hours: Decimal | None = None) -> None:
    """Credit the hours of a completed course on its completion date; withdraw them from an
    enrolment that is no longer completed. `hours`: the course's, when already worked out."""
    course = enrollment.course
    if enrollment.status != Enrollment.Status.COMPLETED:
        ledger_withdraw(source_kind=StudyHoursEntry.Source.COURSE, source_id=enrollment.pk)
        return
    ledger_record(
        person_id=enrollment.person_id,
        on=timezone.localtime(enrollment.completed_at).date(),
        hours=_course_credit(course) if hours is None else hours,
        track=course.track,
        source_kind=StudyHoursEntry.Source.COURSE,
        source_id=enrollment.pk,
    )


def enrollment_merge_settle(*, kept: Enrollment | None, dropped: Enrollment) -> None:
    """Two enrolments of one person in a course become one (people's merge keeps the kept
    person's enrolment, with the values of the further one; see merging.py): the course's
    hours are credited once, as the kept enrolment now says. The dropped enrolment's credit,
    which the merge moves to the kept person, is withdrawn; a course page deleted with its
    enrolments withdraws nothing, so no one loses hours they earned that way."""
    ledger_withdraw(source_kind=StudyHoursEntry.Source.COURSE, source_id=dropped.pk)
    if kept is not None:
        enrollment_ledger_sync(kept)


def enrollments_after_merge(*, person) -> list[Enrollment]:
    """After two records of a person were merged, the lessons each record finished are one
    person's: a course whose every lesson is now done is completed, on the day its last
    lesson was. Returns the enrolments completed now."""
    completed = []
    for enrollment in Enrollment.objects.filter(
        person=person, status=Enrollment.Status.ENROLLED
    ).select_related("course"):
        last_lesson_done = LessonProgress.objects.filter(
            person=person,
            lesson__in=enrollment.course.lessons(),
            completed_at__isnull=False,
        ).aggregate(at=Max("completed_at"))["at"]
        if last_lesson_done and course_completion_check(enrollment=enrollment, at=last_lesson_done):
            completed.append(enrollment)
    return completed


def course_ledger_resync(*, course_id: int) -> int:
    """After an editor publishes a course or one of its lessons (its hours, track or media
    may have changed): what each completion credits is worked out again. Returns how many
    completions were looked at; safe to repeat."""
    course = CoursePage.objects.filter(pk=course_id).first()
    if course is None:
        return 0
    hours = _course_credit(course)
    completed = Enrollment.objects.filter(course=course, status=Enrollment.Status.COMPLETED)
    count = 0
    for enrollment in completed.iterator():
        enrollment.course = course
        with transaction.atomic():
            enrollment_ledger_sync(enrollment, hours=hours)
        count += 1
    return count
