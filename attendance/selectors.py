"""Reads about sessions and attendance, through the scope of the user who asks."""

import datetime

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from lms.memo import ProcessMemo
from lms.people.selectors import villages_visible_to

from .models import AttendanceRecord, Registration, TrainingSession


def sessions_visible_to(user) -> QuerySet[TrainingSession]:
    """Sessions held in the villages a user may see (organizers and secretaries: theirs)."""
    return TrainingSession.objects.filter(village__in=villages_visible_to(user))


def sessions_held(sessions: QuerySet[TrainingSession], now=None) -> QuerySet[TrainingSession]:
    """期: held, or planned and already over (it becomes held when it ends); never cancelled."""
    now = now or timezone.now()
    return sessions.filter(
        Q(status=TrainingSession.Status.HELD)
        | Q(status=TrainingSession.Status.PLANNED, ends_at__lte=now)
    )


def attendance_came(records: QuerySet[AttendanceRecord]) -> QuerySet[AttendanceRecord]:
    """人次: the records of people who came (present, late, left early)."""
    return records.filter(status__in=AttendanceRecord.CAME).exclude(
        session__status=TrainingSession.Status.CANCELLED
    )


def sessions_to_close(now: datetime.datetime | None = None) -> QuerySet[TrainingSession]:
    """Ended sessions that `session_close` still has work for: those still planned (they
    become held) and sign-out sessions where someone credited never signed out (they left
    early). Exactly those, however long ago they ended: a scheduler that was stopped over a
    weekend catches up when it starts again, and a settled session is never visited twice."""
    now = now or timezone.now()
    unsettled = AttendanceRecord.objects.filter(
        session_id=OuterRef("pk"),
        status__in=AttendanceRecord.CREDITED,
        signed_out_at__isnull=True,
    )
    return TrainingSession.objects.filter(ends_at__lte=now).filter(
        Q(status=TrainingSession.Status.PLANNED)
        | Q(status=TrainingSession.Status.HELD, requires_sign_out=True) & Exists(unsettled)
    )


def session_counts(session: TrainingSession) -> dict[str, int]:
    """Arrivals against the invited roster, for the organizer's screens and the session page.

    `came` counts everyone who came, walk-ins too; `invited_came` only the invited, which is
    what the attendance rate divides (`session_rate`).
    """
    by_status = dict(
        session.attendance.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    came = sum(by_status.get(status, 0) for status in AttendanceRecord.CAME)
    registered = Q(status=Registration.Status.REGISTERED)
    came_invited = Exists(
        AttendanceRecord.objects.filter(
            session_id=OuterRef("session_id"),
            person_id=OuterRef("person_id"),
            status__in=AttendanceRecord.CAME,
        )
    )
    roster = session.registrations.aggregate(
        invited=Count("pk", filter=registered),
        invited_came=Count("pk", filter=registered & Q(came_invited)),
        waitlisted=Count("pk", filter=Q(status=Registration.Status.WAITLISTED)),
    )
    invited = roster["invited"]
    return {
        "came": came,
        "invited": invited,
        "invited_came": roster["invited_came"],
        "waitlisted": roster["waitlisted"],
        **{status: by_status.get(status, 0) for status in AttendanceRecord.Status.values},
    }


def session_rate(counts: dict[str, int]) -> int | None:
    """The attendance rate as the statistics define it, in whole percent: of the people
    invited, the share who came (None with nobody invited). Walk-ins are not in it, so a hall
    full of them never reads above 100 %."""
    return round(100 * counts["invited_came"] / counts["invited"]) if counts["invited"] else None


def session_evaluation_summary(session: TrainingSession) -> dict:
    """满意度 for the organizer: the average rating of those who came, and how many of them
    answered (the response rate is responses over the people who came)."""
    came = session.attendance.filter(status__in=AttendanceRecord.CAME)
    rated = session.evaluations.filter(person__in=came.values("person")).aggregate(
        responses=Count("pk"), average=Avg("satisfaction")
    )
    came_count = came.count()
    responses = rated["responses"]
    return {
        "responses": responses,
        "came": came_count,
        "average": round(rated["average"], 1) if rated["average"] is not None else None,
        "response_rate": round(responses / came_count, 3) if came_count else None,
    }


def _upcoming(now) -> QuerySet[TrainingSession]:
    """Sessions from `now` on, soonest first, never cancelled."""
    return (
        TrainingSession.objects.filter(starts_at__gte=now)
        .exclude(status=TrainingSession.Status.CANCELLED)
        .select_related("village")
        .order_by("starts_at", "pk")
    )


def sessions_upcoming(*, person=None, course=None, limit: int = 5) -> list[TrainingSession]:
    """In-person sessions from now on, soonest first, never cancelled: a person's (those they
    are registered for, or in their village) or a course's."""
    if course is not None:
        return _course_sessions.get(
            (course.pk, limit),
            lambda: list(_upcoming(timezone.now()).filter(course=course)[:limit]),
        )
    if person is None:
        return []
    now = timezone.now()
    # A village's next sessions, the same for everyone in it, kept a few more than shown (some
    # may begin within the memo's seconds); the person's registrations are read each time.
    in_village = [
        session
        for session in _village_sessions.get(
            (person.village_id, limit),
            lambda: list(_upcoming(now).filter(village_id=person.village_id)[: limit + 5]),
        )
        if session.starts_at >= now
    ]
    registered = {
        session_id
        for session_id, status in Registration.objects.filter(
            person=person, status=Registration.Status.REGISTERED, session__starts_at__gte=now
        ).values_list("session_id", "session__status")
        if status != TrainingSession.Status.CANCELLED
    } - {session.pk for session in in_village}
    elsewhere = list(_upcoming(now).filter(pk__in=registered)[:limit]) if registered else []
    return sorted(in_village + elsewhere, key=lambda s: (s.starts_at, s.pk))[:limit]


# Every learner opening a course page sees the same next sessions of the course, and every
# learner of a village the village's: each process keeps them ten seconds (forgotten at once
# when it saves or deletes a session; a plan's sessions, made in bulk, show within the ten
# seconds).
_course_sessions: ProcessMemo[list[TrainingSession]] = ProcessMemo(10)
_village_sessions: ProcessMemo[list[TrainingSession]] = ProcessMemo(10)


def _sessions_changed(sender, **kwargs) -> None:
    _course_sessions.forget()
    _village_sessions.forget()


for _signal in (post_save, post_delete):
    _signal.connect(
        _sessions_changed, sender=TrainingSession, dispatch_uid=f"course-sessions.{id(_signal)}"
    )
