"""The heartbeat's reads and writes in plain SQL: the hottest path of 万人在线.

10,000 learners send ~333 heartbeats a second. Through the ORM the same three reads and two
writes cost about 4.7 ms of CPU each time; in plain SQL, one locking read and two updates
cost about 1.4 ms (measured in-process on PostgreSQL, see benchmarks/RESULTS.md). The rules
stay in courses/services.py; this module only fetches and stores the rows they work on.
Rows are created through the ORM the first time (study_rows_create), so only the steady
state is written by hand here, and only against the columns named below.
"""

import datetime
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .models import Enrollment, LessonProgress, StudyClock


@dataclass
class StudyRows:
    """One learner's enrolment status, study clock and progress in one lesson, locked."""

    enrollment_status: str
    last_credit_at: datetime.datetime | None
    progress_id: int
    seconds_credited: int
    quiz_passed: bool
    completed_at: datetime.datetime | None


def _lock_clause() -> str:
    features = connection.features
    if features.has_select_for_update_of:
        return " FOR UPDATE OF c, p"  # the clock and the progress, not the enrolment
    return " FOR UPDATE" if features.has_select_for_update else ""  # SQLite serialises writes


def study_rows_lock(*, person_id: int, course_id: int, lesson_id: int) -> StudyRows | None:
    """Lock the person's clock and lesson progress, with the enrolment; None if any is missing.

    Locking the clock row serialises a person's heartbeats from every tab and phone.
    """
    sql = (
        f"SELECT e.status, c.last_credit_at, p.id, p.seconds_credited, p.quiz_passed, "
        f"p.completed_at FROM {Enrollment._meta.db_table} e "
        f"JOIN {StudyClock._meta.db_table} c ON c.person_id = e.person_id "
        f"JOIN {LessonProgress._meta.db_table} p "
        f"ON p.person_id = e.person_id AND p.lesson_id = %s "
        f"WHERE e.person_id = %s AND e.course_id = %s" + _lock_clause()
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [lesson_id, person_id, course_id])
        row = cursor.fetchone()
    if row is None:
        return None
    status, last_credit_at, progress_id, credited, quiz_passed, completed_at = row
    return StudyRows(
        enrollment_status=status,
        last_credit_at=_moment(last_credit_at),
        progress_id=progress_id,
        seconds_credited=credited,
        quiz_passed=bool(quiz_passed),
        completed_at=_moment(completed_at),
    )


def _moment(value) -> datetime.datetime | None:
    """A stored moment as an aware datetime (SQLite hands back naive UTC, or text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_datetime(value)
    return timezone.make_aware(value, datetime.UTC) if timezone.is_naive(value) else value


def study_rows_create(*, person_id: int, lesson_id: int) -> None:
    """The clock and progress rows of a first heartbeat (safe if another request races)."""
    StudyClock.objects.get_or_create(person_id=person_id)
    LessonProgress.objects.get_or_create(person_id=person_id, lesson_id=lesson_id)


def study_rows_write(
    *,
    person_id: int,
    progress_id: int,
    last_credit_at: datetime.datetime | None,
    seconds_credited: int,
    position_seconds: int,
    heartbeat_at: datetime.datetime,
) -> None:
    to_db = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {StudyClock._meta.db_table} SET last_credit_at = %s WHERE person_id = %s",
            [to_db(last_credit_at), person_id],
        )
        cursor.execute(
            f"UPDATE {LessonProgress._meta.db_table} SET seconds_credited = %s, "
            f"position_seconds = %s, last_heartbeat_at = %s WHERE id = %s",
            [seconds_credited, position_seconds, to_db(heartbeat_at), progress_id],
        )
