"""The heartbeat's reads and writes in plain SQL: the hottest path of 万人在线.

10,000 learners send ~333 heartbeats a second. A beat is two statements and no
transaction: one read of the enrolment, clock and progress, and one write that moves the
person's clock only if it still shows what was read (another tab or phone may have moved
it: then nothing is written and the beat reads again) and adds the credit to the progress.
On PostgreSQL the write is a single statement (the clock's update in a WITH, the progress's
conditional on it), so it is atomic without BEGIN and COMMIT; SQLite, which has no
data-modifying WITH, runs the two updates in one transaction. The rules stay in
courses/services.py; this module only fetches and stores the rows they work on. Rows are
created through the ORM the first time (study_rows_create), so only the steady state is
written by hand here, and only against the columns named below.
"""

import datetime
from dataclasses import dataclass

from django.db import connection, transaction
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


def study_rows_read(*, person_id: int, course_id: int, lesson_id: int) -> StudyRows | None:
    """The person's enrolment, clock and lesson progress; None if any is missing."""
    sql = (
        f"SELECT e.status, c.last_credit_at, p.id, p.seconds_credited, p.quiz_passed, "
        f"p.completed_at FROM {Enrollment._meta.db_table} e "
        f"JOIN {StudyClock._meta.db_table} c ON c.person_id = e.person_id "
        f"JOIN {LessonProgress._meta.db_table} p "
        f"ON p.person_id = e.person_id AND p.lesson_id = %s "
        f"WHERE e.person_id = %s AND e.course_id = %s"
    )
    row = _fetch_one(sql, [lesson_id, person_id, course_id])
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
    clock_before: datetime.datetime | None,
    clock_after: datetime.datetime | None,
    earned: int,
    media_seconds: int,
    position_seconds: int,
    heartbeat_at: datetime.datetime,
) -> int | None:
    """Move the clock from `clock_before` to `clock_after` and add `earned` seconds (never
    past the media's length) to the progress, with the position and the beat's time. Returns
    the seconds credited after it, or None, writing nothing, if the clock no longer showed
    `clock_before` (another beat of the person came first)."""
    to_db = connection.ops.adapt_datetimefield_value
    clock = StudyClock._meta.db_table
    progress = LessonProgress._meta.db_table
    same = "IS NOT DISTINCT FROM" if connection.vendor == "postgresql" else "IS"
    clock_sql = (
        f"UPDATE {clock} SET last_credit_at = %s WHERE person_id = %s AND last_credit_at {same} %s"
    )
    clock_params = [to_db(clock_after), person_id, to_db(clock_before)]
    progress_sql = (
        f"UPDATE {progress} SET seconds_credited = CASE WHEN seconds_credited + %s > %s "
        f"THEN %s ELSE seconds_credited + %s END, position_seconds = %s, "
        f"last_heartbeat_at = %s WHERE id = %s"
    )
    progress_params = [
        earned,
        media_seconds,
        media_seconds,
        earned,
        position_seconds,
        to_db(heartbeat_at),
        progress_id,
    ]
    if connection.vendor == "postgresql":
        row = _fetch_one(
            f"WITH clock AS ({clock_sql} RETURNING 1) {progress_sql} "
            f"AND EXISTS (SELECT 1 FROM clock) RETURNING seconds_credited",
            [*clock_params, *progress_params],
        )
        return row[0] if row else None
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(clock_sql, clock_params)
        if cursor.rowcount != 1:
            return None
        cursor.execute(progress_sql + " RETURNING seconds_credited", progress_params)
        return cursor.fetchone()[0]


def _fetch_one(sql: str, params: list):
    """One row of a statement. On PostgreSQL the statement is prepared once per connection
    (server-side binding, which Django's cursors do not use): the heartbeat's two statements
    are then neither parsed nor planned again. Logged like any query where Django logs them
    (DEBUG, tests). Behind a transaction-pooling PgBouncer, run it in session mode."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    import psycopg

    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    with connection.wrap_database_errors:
        if connection.queries_logged:
            with connection.make_debug_cursor(raw).debug_sql(sql, params):
                raw.execute(sql, params, prepare=True)
        else:
            raw.execute(sql, params, prepare=True)
        return raw.fetchone()
