"""The rule of honest credit is written twice (courses/credit.py): in Python, which SQLite runs
and the rule's tests read, and in SQL, which PostgreSQL's one-statement heartbeat runs. Here
both answer the same beats and must agree to the microsecond: every clock a learner's phone
could show (stopped, just now, a fraction of a second ago, at and around the 45 s cap, an hour
ago, ahead of the server), every lesson state (nothing credited, part, all, more than a
shortened media), playing and paused. PostgreSQL only; a failure in CI without it.
"""

import datetime
import itertools
import os
import random

import pytest
from django.db import connection

from courses.credit import HEARTBEAT_MAX_CREDIT, Credit, study_credit, study_credit_sql
from tests.conftest import beijing
from tests.courses.study_support import course_of, enrol, play

AT = beijing(2026, 3, 5, 20, 0)
SECONDS_BEFORE = [
    0,
    0.000001,
    0.4,
    0.999999,
    1,
    1.5,
    29.7,
    30,
    HEARTBEAT_MAX_CREDIT - 0.000001,
    HEARTBEAT_MAX_CREDIT,
    HEARTBEAT_MAX_CREDIT + 0.000001,
    HEARTBEAT_MAX_CREDIT + 1,
    3600,
    -5,  # the clock ahead of this beat (an earlier beat arrived later)
]
# (media seconds, seconds already credited)
LESSONS = [(600, 0), (600, 10), (600, 590), (600, 599), (600, 600), (40, 700), (0, 0)]

ON_POSTGRESQL = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql" and os.environ.get("CI") != "true",
        reason="needs PostgreSQL (DATABASE_URL=postgres://…)",
    ),
]


def _sql_credit(*, last_credit_at, at, credited, media, playing) -> Credit:
    sql = (
        "SELECT k.earned, k.clock1 FROM "
        "(SELECT %(clock0)s::timestamptz AS clock0, %(credited0)s::int AS credited0) r "
        f"CROSS JOIN {study_credit_sql(clock='r.clock0', credited='r.credited0')} k"
    )
    params = {
        "clock0": last_credit_at,
        "credited0": credited,
        "at": at,
        "media": media,
        "playing": playing,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        earned, clock = cursor.fetchone()
    return Credit(seconds=earned, clock=clock)


def _cases():
    clocks = [None] + [AT - datetime.timedelta(seconds=s) for s in SECONDS_BEFORE]
    yield from itertools.product(clocks, LESSONS, (True, False))
    # And a thousand clocks to the microsecond, the same every run.
    draw = random.Random(20261130)
    for _ in range(1000):
        before = datetime.timedelta(microseconds=draw.randint(-2_000_000, 60_000_000))
        media = draw.choice([0, 30, 45, 600])
        yield AT - before, (media, draw.randint(0, media + 5)), draw.random() < 0.8


@ON_POSTGRESQL[0]
@ON_POSTGRESQL[1]
def test_the_sql_rule_credits_every_beat_as_the_python_rule_does():
    assert connection.vendor == "postgresql", "CI must run this test on PostgreSQL"
    disagreements = []
    for clock, (media, credited), playing in _cases():
        beat = {
            "last_credit_at": clock,
            "at": AT,
            "credited": credited,
            "media": media,
            "playing": playing,
        }
        expected, got = study_credit(**beat), _sql_credit(**beat)
        if expected != got:
            disagreements.append((beat, expected, got))
    assert disagreements == []


def test_the_cases_reach_every_branch_of_the_rule():
    """The cases above would catch little if they all took one path through the rule."""
    outcomes = set()
    for clock, (media, credited), playing in _cases():
        credit = study_credit(
            last_credit_at=clock, at=AT, credited=credited, media=media, playing=playing
        )
        outcomes.add(
            (
                credit.clock is None,
                credit.clock == AT,
                0 < credit.seconds < HEARTBEAT_MAX_CREDIT,
                credit.seconds == HEARTBEAT_MAX_CREDIT,
            )
        )
    assert {
        (True, False, False, False),  # paused
        (False, True, False, False),  # clock restarted at this beat, nothing earned
        (False, False, True, False),  # a part credited, the fraction kept on the clock
        (False, True, False, True),  # the cap: the clock restarts here
        (False, True, True, False),  # the media's end reached
    } <= outcomes


@ON_POSTGRESQL[0]
@ON_POSTGRESQL[1]
def test_the_heartbeat_statement_is_planned_once_per_connection(member):
    """Planning the beat's statement costs PostgreSQL four times running it (RESULTS.md): it
    must be prepared once per connection, which Django's default settings silently prevent."""
    assert connection.vendor == "postgresql", "CI must run this test on PostgreSQL"
    course = course_of(600)
    enrol(member, course)
    play(member, course.lessons().get(), start=AT, seconds=90)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%clock_moved AS (%"],
        )
        assert cursor.fetchone()[0] == 1
