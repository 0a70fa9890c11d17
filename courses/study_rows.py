"""The heartbeat's reads and writes in plain SQL: the hottest path of 万人在线.

10,000 learners send ~333 heartbeats a second. `study_rows_credit` takes one beat from the
rows as they stand to the rows credited, without a transaction of its own: it reads the
enrolment, the person's study clock and the lesson's progress, applies the rule of honest
credit (courses/credit.py) and writes the clock and the progress, moving the clock only if it
still shows what was read (another tab or phone may have moved it: then nothing is written and
the caller tries again).

On PostgreSQL this is one prepared statement, so a beat is one round trip: the read and the
rule (`study_credit_sql`, the rule's SQL twin) in one common table expression, the clock's
update in a second, and the progress's update, conditional on the clock's, as the statement
itself; a single statement is atomic without BEGIN and COMMIT. Measured against the read and
the write as two statements (benchmarks/RESULTS.md), it costs PostgreSQL and Django together
~0.12 ms less a beat. The statement commits asynchronously (PostgreSQL's synchronous_commit,
set off for its own transaction only): its answer does not wait for the write-ahead log to
reach the disk, which at 2,000 beats a second left the cores idle 13 % of the time. The
database stays consistent; what a crash of PostgreSQL itself can lose is the beats of its last
~0.6 s (three times wal_writer_delay), each clock and progress together, so a learner loses at
most one beat's seconds, which the rule may credit again on the next beat. Every other write,
a lesson's completion included (its own transaction, committed after the beat's), waits for
the disk as before, and its commit carries the beat's to the disk too. So the
statement must not run inside a transaction holding other writes: heartbeat_record calls it
outside one. SQLite, which has no data-modifying WITH, reads, applies `study_credit` in Python
and runs the two updates in one transaction. Rows are created through the ORM the first time
(study_rows_create), so only the steady state is written by hand here, and only against the
columns named below.
"""

import datetime
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .credit import study_credit, study_credit_sql
from .models import Enrollment, LessonProgress, StudyClock

CLOCK = StudyClock._meta.db_table
PROGRESS = LessonProgress._meta.db_table
ENROLLMENT = Enrollment._meta.db_table
WITHDRAWN = Enrollment.Status.WITHDRAWN.value


@dataclass(frozen=True)
class StudyBeat:
    """One credited beat: the enrolment's status, the lesson's seconds credited before and
    after it, and the progress's quiz and completion as they stood."""

    enrollment_status: str
    progress_id: int
    credited_before: int
    credited_after: int
    quiz_passed: bool
    completed_at: datetime.datetime | None


_ROWS = (
    f"FROM {ENROLLMENT} e "
    f"JOIN {CLOCK} c ON c.person_id = e.person_id "
    f"JOIN {PROGRESS} p ON p.person_id = e.person_id AND p.lesson_id = %(lesson)s "
)
_WHERE = "WHERE e.person_id = %(person)s AND e.course_id = %(course)s"

# PostgreSQL's beat: read and credit; move the clock if no other beat moved it since; then the
# progress, never past the media's length, only if the clock moved. No row out: nothing written.
# The statement is its own transaction and commits without waiting for the disk
# (synchronous_commit off, for this transaction only): see the module's docstring.
_BEAT_SQL = f"""
WITH unhurried AS (SELECT set_config('synchronous_commit', 'off', true)),
n AS (
    SELECT e.status, c.last_credit_at AS clock0, p.id AS progress_id,
        p.seconds_credited AS credited0, p.quiz_passed, p.completed_at, k.earned, k.clock1
    {_ROWS}CROSS JOIN {study_credit_sql(clock="c.last_credit_at", credited="p.seconds_credited")} k
    CROSS JOIN unhurried
    {_WHERE} AND e.status <> '{WITHDRAWN}'
),
clock_moved AS (
    UPDATE {CLOCK} SET last_credit_at = n.clock1 FROM n
    WHERE {CLOCK}.person_id = %(person)s AND {CLOCK}.last_credit_at IS NOT DISTINCT FROM n.clock0
    RETURNING 1
)
UPDATE {PROGRESS} SET
    seconds_credited = least({PROGRESS}.seconds_credited + n.earned, %(media)s::int),
    position_seconds = %(position)s::int,
    last_heartbeat_at = %(at)s::timestamptz
FROM n WHERE {PROGRESS}.id = n.progress_id AND EXISTS (SELECT 1 FROM clock_moved)
RETURNING n.status, n.progress_id, n.credited0, {PROGRESS}.seconds_credited, n.quiz_passed,
    n.completed_at"""

_READ_SQL = (
    f"SELECT e.status, c.last_credit_at, p.id, p.seconds_credited, p.quiz_passed, "
    f"p.completed_at {_ROWS}{_WHERE}"
)


def study_rows_credit(
    *,
    person_id: int,
    course_id: int,
    lesson_id: int,
    at: datetime.datetime,
    media_seconds: int,
    position_seconds: int,
    playing: bool,
) -> StudyBeat | None:
    """Credit one beat of the person in the lesson. None, with nothing written, if the
    enrolment, the clock or the progress row is missing, the enrolment is withdrawn, or another
    beat of the person moved the clock first: the caller finds out which, and tries again."""
    where = {"person": person_id, "course": course_id, "lesson": lesson_id}
    if connection.vendor == "postgresql":
        params = {**where, "at": at, "media": media_seconds, "playing": playing}
        row = _fetch_one(_BEAT_SQL, {**params, "position": position_seconds})
        return None if row is None else StudyBeat(*row[:4], bool(row[4]), row[5])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_READ_SQL, where)
        row = cursor.fetchone()
        if row is None or row[0] == WITHDRAWN:
            return None
        status, clock0, progress_id, before, quiz_passed, completed_at = row
        clock0 = _moment(clock0)
        credit = study_credit(
            last_credit_at=clock0, at=at, credited=before, media=media_seconds, playing=playing
        )
        to_db = connection.ops.adapt_datetimefield_value
        cursor.execute(
            f"UPDATE {CLOCK} SET last_credit_at = %s WHERE person_id = %s AND last_credit_at IS %s",
            [to_db(credit.clock), person_id, to_db(clock0)],
        )
        if cursor.rowcount != 1:
            return None
        cursor.execute(
            f"UPDATE {PROGRESS} SET seconds_credited = min(seconds_credited + %s, %s), "
            f"position_seconds = %s, last_heartbeat_at = %s WHERE id = %s "
            f"RETURNING seconds_credited",
            [credit.seconds, media_seconds, position_seconds, to_db(at), progress_id],
        )
        after = cursor.fetchone()[0]
    return StudyBeat(status, progress_id, before, after, bool(quiz_passed), _moment(completed_at))


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


def _fetch_one(sql: str, params: dict):
    """One row of a statement, prepared once per connection (server-side binding, which
    Django's cursors do not use): the heartbeat's statement is then neither parsed nor planned
    again. psycopg prepares only on a connection whose prepare_threshold is set, which
    lms/settings/base.py does for PostgreSQL (Django leaves it at None). Logged like any query
    where Django logs them (DEBUG, tests). Behind a transaction-pooling PgBouncer, run it in
    session mode."""
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
