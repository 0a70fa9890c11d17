"""Ten tabs and a second phone beating at the same instant earn one heartbeat's worth.

A heartbeat moves the person's StudyClock only if it still shows what the beat read, so of
parallel heartbeats one credits the time since the clock last moved and the others, reading
again, credit only the time since that one. PostgreSQL only (see tests/parallel.py).
"""

import datetime

import pytest
from django.db import connection, transaction
from django.test import Client

from courses.models import Enrollment, LessonProgress
from courses.services import enrollment_create, heartbeat_record
from courses.tickets import study_ticket
from tests.conftest import beijing
from tests.courses.study_support import course_of, enrol, play
from tests.factories import courses as build
from tests.factories.people import PersonFactory, UserFactory
from tests.factories.site import site_tree_ensure
from tests.parallel import (  # noqa: F401  (fixtures, used by name)
    fail_in_ci_without_postgresql,
    in_parallel,
    postgresql_only,
    restore_migrated_data,
)

TABS = 20
NOW = beijing(2026, 3, 5, 20, 0)
pytestmark = postgresql_only


# The clock stands still for every thread: the twenty heartbeats arrive at the same instant.
@pytest.mark.time_machine(NOW, tick=False)
def test_parallel_heartbeats_from_many_tabs_credit_only_the_wall_clock_time(village_a):
    site_tree_ensure()  # an earlier transactional test may have flushed it
    person = PersonFactory(village=village_a, is_party_member=True)
    person.user = UserFactory(username="member")
    person.save()
    course = build.course("党章学习")
    lessons = [build.lesson(course, f"第{n}课", media_seconds=3600) for n in (1, 2)]
    enrollment_create(person=person, course=course, source=Enrollment.Source.SELF)
    tickets = [study_ticket(person_id=person.pk, lesson_id=lesson.pk) for lesson in lessons]
    # The clock started playing 30 s ago: the next heartbeat, from whichever tab, earns 30 s.
    heartbeat_record(
        person_id=person.pk,
        lesson_id=lessons[0].pk,
        position_seconds=0,
        playing=True,
        at=NOW - datetime.timedelta(seconds=30),
    )

    def beat(i):
        response = Client().post(
            "/api/v1/study/heartbeat",
            {"ticket": tickets[i % 2], "position_seconds": 30, "playing": True},
            content_type="application/json",
        )
        return response.status_code, response.json()["credited_seconds"]

    outcomes = in_parallel(beat, TABS)

    assert all(status == 200 for status, _credit in outcomes), outcomes
    # Twenty tabs each crediting what they read would earn 20 × 30 s; the first tab to move the
    # clock earns the 30 s, and each after it the 0 s since then.
    assert sorted(credit for _status, credit in outcomes) == [0] * (TABS - 1) + [30]
    in_rows = LessonProgress.objects.filter(person=person).values_list("seconds_credited")
    assert sorted(in_rows) == [(0,), (30,)]  # on the lesson of the tab that came first


def test_the_heartbeat_alone_commits_without_waiting_for_the_disk(village_a):
    """The beat's statement is its own transaction and sets synchronous_commit off for it alone
    (courses/study_rows.py): the connection's next statements, a sign-in or a lesson's
    completion, still wait for the disk; inside a caller's transaction the setting would reach
    the caller's writes too, which is why heartbeat_record opens none around it."""
    site_tree_ensure()  # an earlier transactional test may have flushed it
    member = PersonFactory(village=village_a, is_party_member=True)
    course = course_of(600)
    enrol(member, course)
    lesson = course.lessons().get()

    def durability() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    play(member, lesson, start=NOW, seconds=60)
    after_beats = durability()
    with transaction.atomic():
        play(member, lesson, start=NOW + datetime.timedelta(minutes=5), seconds=30)
        inside_a_callers_transaction = durability()

    assert after_beats == "on"
    assert inside_a_callers_transaction == "off"
    assert durability() == "on"
