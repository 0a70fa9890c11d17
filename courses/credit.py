"""The rule of honest credit for one heartbeat, written twice on purpose: in Python, and in
SQL for PostgreSQL's one-statement heartbeat (courses/study_rows.py).

The clock runs from the previous heartbeat that said "playing": a beat earns the whole seconds
since then, at most HEARTBEAT_MAX_CREDIT (a longer silence is not study) and at most what the
lesson's media has left. The fraction of a second not credited stays on the clock for the next
beat, so many beats (and tabs) lose nothing; when a cap applies the clock restarts at this
beat. A beat that says "paused" credits the stretch just played and stops the clock: a pause
earns nothing.

Why twice: at 万人在线 the heartbeat is nearly every request, and on PostgreSQL it is one
statement that reads the rows, applies this rule and writes the result, so a beat is one round
trip. `study_credit` stays the statement of the rule, runs on SQLite, and is what the rule's
tests and mutation testing read; tests/courses/test_credit_agreement.py runs both over the
same cases on PostgreSQL and fails if they ever disagree. Change one, change the other.
"""

import datetime
from dataclasses import dataclass

HEARTBEAT_MAX_CREDIT = 45


@dataclass(frozen=True)
class Credit:
    """What a heartbeat earns, and where the person's clock stands after it."""

    seconds: int
    clock: datetime.datetime | None


def study_credit(
    *, last_credit_at, at: datetime.datetime, credited: int, media: int, playing: bool
) -> Credit:
    """The rule, for a beat at `at` of a lesson with `media` seconds, `credited` of them
    credited, and the person's clock at `last_credit_at` (None: stopped)."""
    earned = 0
    clock = at
    if last_credit_at is not None and at > last_credit_at:
        elapsed = (at - last_credit_at).total_seconds()
        room = max(media - credited, 0)
        earned = int(min(elapsed, HEARTBEAT_MAX_CREDIT, room))
        if elapsed <= HEARTBEAT_MAX_CREDIT and earned < room:
            clock = last_credit_at + datetime.timedelta(seconds=earned)
    return Credit(seconds=earned, clock=clock if playing else None)


def study_credit_sql(*, clock: str, credited: str) -> str:
    """The same rule in SQL: a LATERAL subquery over the columns named by `clock` (the person's
    last_credit_at) and `credited` (the lesson's seconds credited), with the named parameters
    %(at)s, %(media)s and %(playing)s; it yields `earned` and `clock1`. `elapsed` is NULL where
    Python's `if` is false, and is tested first because least() would skip a NULL. Exact: the
    epoch of an interval is numeric."""
    at = "%(at)s::timestamptz"
    return f"""LATERAL (
    SELECT x.earned,
        CASE WHEN NOT %(playing)s::boolean THEN NULL::timestamptz
            WHEN x.elapsed <= {HEARTBEAT_MAX_CREDIT} AND x.earned < x.room
                THEN {clock} + make_interval(secs => x.earned)
            ELSE {at} END AS clock1
    FROM (
        SELECT y.elapsed, y.room,
            CASE WHEN y.elapsed IS NULL THEN 0
                ELSE floor(least(y.elapsed, {HEARTBEAT_MAX_CREDIT}, y.room))::int END AS earned
        FROM (
            SELECT CASE WHEN {clock} IS NOT NULL AND {at} > {clock}
                    THEN extract(epoch FROM {at} - {clock}) END AS elapsed,
                greatest(%(media)s::int - {credited}, 0) AS room
        ) y
    ) x
)"""
