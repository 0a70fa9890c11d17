"""The study rules a learner notices, pinned exactly (issue 14): the hours a course is worth
under the township's own minutes per study hour, text lessons completing when read, and
hours credited once on the local completion date.
"""

import datetime
from decimal import Decimal

import pytest

from courses.models import Enrollment, LessonPage, LessonProgress
from courses.quiz import (
    option_key,
    quiz_attempt_start,
    quiz_attempt_submit,
)
from courses.selectors import course_rows
from courses.services import (
    course_completion_check,
    enrollment_ledger_sync,
    heartbeat_record,
    lesson_completion_check,
    live_lesson_facts,
)
from lms.ledger.models import StudyHoursEntry
from tests.courses.study_support import (
    T0,
    UTC,
    course_of,
    credited_entry,
    enrol,
    finish_every_lesson,
    minutes_per_study_hour,
    post_beat,
)
from tests.factories import courses as build

pytestmark = pytest.mark.django_db


# --- Hours follow the township's minutes per study hour -------------------------------------------


@pytest.mark.parametrize(
    "minutes, media_seconds, hours",
    [
        (60, (3000, 1500), Decimal("1.5")),  # 75 min at 60 = 1.25 h: up to 1.5
        (40, (3000, 1500), Decimal("2")),  # 75 min at 40 = 1.875 h: 2
        (45, (3000, 1500), Decimal("1.5")),  # 75 min at 45 = 1.667 h: 1.5
        (60, (7200,), Decimal("2")),
        (45, (7200,), Decimal("2.5")),  # 2.667 h
        (40, (7200,), Decimal("3")),
    ],
)
def test_course_hours_follow_the_townships_minutes_per_hour(member, minutes, media_seconds, hours):
    minutes_per_study_hour(minutes)
    course = course_of(*media_seconds)
    enrollment = enrol(member, course)

    finish_every_lesson(member, course, at=T0)

    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.COMPLETED
    entry = credited_entry(member)
    assert (entry.hours, entry.track, entry.source_id) == (hours, course.track, enrollment.pk)


@pytest.mark.parametrize(
    "minutes, seconds, hours",
    [
        # 60 minutes per hour: 3600 s an hour, 900 s a quarter.
        (60, 899, Decimal("0")),
        (60, 900, Decimal("0.5")),  # 0.25 h rounds up to half an hour
        (60, 2699, Decimal("0.5")),
        (60, 2700, Decimal("1")),  # 0.75 h rounds up to an hour
        (60, 4499, Decimal("1")),
        (60, 4500, Decimal("1.5")),  # 1.25 h
        (60, 6299, Decimal("1.5")),
        (60, 6300, Decimal("2")),  # 1.75 h
        # 40 minutes per hour: 2400 s an hour, 600 s a quarter.
        (40, 599, Decimal("0")),
        (40, 600, Decimal("0.5")),
        (40, 1799, Decimal("0.5")),
        (40, 1800, Decimal("1")),
        (40, 2999, Decimal("1")),
        (40, 3000, Decimal("1.5")),
        (40, 4199, Decimal("1.5")),
        (40, 4200, Decimal("2")),
    ],
)
def test_derived_hours_round_to_the_nearest_half_hour_with_quarters_going_up(
    minutes, seconds, hours
):
    course = course_of(seconds)
    lessons = list(course.lessons())

    assert course.hours(minutes_per_hour=minutes) == hours
    assert course.hours(minutes_per_hour=minutes, lessons=lessons) == hours  # as the catalogue


def test_the_catalogue_shows_the_hours_of_the_townships_rule(member):
    course = course_of(3000, 1500)

    by_rule = {}
    for minutes in (40, 45, 60):
        [row] = course_rows(person=member, courses=[course], minutes_per_hour=minutes)
        by_rule[minutes] = row.hours

    assert by_rule == {40: Decimal("2"), 45: Decimal("1.5"), 60: Decimal("1.5")}


def test_the_course_page_shows_hours_by_the_sites_minutes_per_hour(client, member):
    minutes_per_study_hour(40)
    course = course_of(7200)

    response = client.get(course.url)

    assert response.status_code == 200
    assert "3 学时" in response.content.decode()


def test_hours_set_by_the_editor_win_over_the_media_length(member):
    minutes_per_study_hour(40)
    course = course_of(7200, hours=Decimal("1.5"))
    enrollment = enrol(member, course)

    finish_every_lesson(member, course, at=T0)

    assert credited_entry(member).hours == Decimal("1.5")
    assert course.hours(minutes_per_hour=40) == Decimal("1.5")
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.COMPLETED


def test_a_course_under_a_quarter_hour_credits_nothing(member):
    minutes_per_study_hour(60)
    course = course_of(899)
    enrollment = enrol(member, course)

    finish_every_lesson(member, course, at=T0)

    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.COMPLETED
    assert not StudyHoursEntry.objects.filter(person=member).exists()


def test_only_live_lessons_count_towards_the_hours(member):
    course = course_of(3600, 3600)
    course.lessons().last().unpublish()

    assert course.hours(minutes_per_hour=60) == Decimal("1")


# --- Text lessons -------------------------------------------------------------------------------


def test_a_text_lesson_completes_when_read(member):
    course = course_of(0, hours=Decimal("1"))
    lesson = course.lessons().get()
    enrollment = enrol(member, course)
    assert not LessonProgress.objects.filter(person=member, lesson=lesson).exists()

    # "I have finished reading" sends one heartbeat that is not playing.
    beat = heartbeat_record(
        person_id=member.pk, lesson_id=lesson.pk, position_seconds=0, playing=False, at=T0
    )

    assert beat.media_seconds == 0
    assert beat.credited_now == 0
    assert beat.progress.completed_at == T0
    assert beat.course_completed is True
    progress = LessonProgress.objects.get(person=member, lesson=lesson)
    assert (progress.completed_at, progress.seconds_credited, progress.position_seconds) == (
        T0,
        0,
        0,
    )
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.completed_at) == (Enrollment.Status.COMPLETED, T0)
    entry = credited_entry(member)
    assert (entry.hours, entry.date) == (Decimal("1"), datetime.date(2026, 3, 5))


def test_a_text_lesson_is_not_done_before_it_is_opened(member):
    course = course_of(0, hours=Decimal("1"))
    lesson = course.lessons().get()
    enrollment = enrol(member, course)
    progress = LessonProgress.objects.create(person=member, lesson=lesson)

    done = lesson_completion_check(
        progress=progress, enrollment=enrollment, facts=live_lesson_facts(lesson.pk), at=T0
    )

    assert done is False
    progress.refresh_from_db()
    assert progress.completed_at is None
    assert not StudyHoursEntry.objects.filter(person=member).exists()


def test_the_finished_reading_button_completes_a_text_lesson(client, member):
    course = course_of(0, 0, hours=Decimal("1"))
    first, second = course.lessons()
    enrol(member, course)
    client.force_login(member.user)

    def finished_reading(lesson):
        return post_beat(client, member, lesson, playing=False).json()

    assert finished_reading(first) == {
        "lesson_id": first.pk,
        "credited_seconds": 0,
        "seconds_credited": 0,
        "media_seconds": 0,
        "position_seconds": 0,
        "lesson_completed": True,
        "course_completed": False,
        "quiz_pending": False,
    }
    assert finished_reading(second)["course_completed"] is True
    assert credited_entry(member).hours == Decimal("1")


TRUE_FALSE = [
    (
        "question",
        {
            "kind": "true_false",
            "text": "党员应当按期交纳党费。",
            "options": [{"text": "对", "correct": True}, {"text": "错", "correct": False}],
        },
    )
]


def test_a_text_lesson_with_a_quiz_completes_when_read_and_passed(member):
    course = build.course(hours=Decimal("1"))
    lesson = build.lesson(course, media_seconds=0, quiz=TRUE_FALSE)
    lesson = LessonPage.objects.get(pk=lesson.pk)
    enrollment = enrol(member, course)

    read = heartbeat_record(
        person_id=member.pk, lesson_id=lesson.pk, position_seconds=0, playing=False, at=T0
    )
    assert (read.media_watched, read.progress.completed_at) == (True, None)

    passed_at = T0 + datetime.timedelta(minutes=5)
    attempt = quiz_attempt_start(person=member, lesson=lesson)
    question = lesson.quiz[0].id
    quiz_attempt_submit(
        attempt=attempt, answers={question: [option_key(question, 0)]}, at=passed_at
    )

    assert LessonProgress.objects.get(person=member, lesson=lesson).completed_at == passed_at
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.completed_at) == (Enrollment.Status.COMPLETED, passed_at)


# --- Hours credited once, on the local completion date ----------------------------------------


def test_a_completed_course_credits_its_hours_once_even_if_completed_twice(member):
    minutes_per_study_hour(45)
    course = course_of(2700, 2700)  # 1.5 h of media: 2 study hours at 45 minutes
    enrollment = enrol(member, course)
    first_time = T0
    second_time = T0 + datetime.timedelta(days=40)

    finish_every_lesson(member, course, at=first_time)
    finish_every_lesson(member, course, at=second_time)
    enrollment.refresh_from_db()
    assert course_completion_check(enrollment=enrollment, at=second_time) is True
    enrol(member, course)  # assigned again by an organizer

    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.completed_at) == (
        Enrollment.Status.COMPLETED,
        first_time,
    )
    entries = StudyHoursEntry.objects.filter(person=member)
    assert [(e.hours, e.date, e.source_id) for e in entries] == [
        (Decimal("2"), datetime.date(2026, 3, 5), enrollment.pk)
    ]


def test_recomputing_a_completed_course_replaces_its_hours_not_adds_to_them(member):
    minutes_per_study_hour(45)
    course = course_of(2700, 2700)
    enrollment = enrol(member, course)
    finish_every_lesson(member, course, at=T0)

    minutes_per_study_hour(60)
    enrollment.refresh_from_db()
    enrollment_ledger_sync(enrollment)

    entries = StudyHoursEntry.objects.filter(person=member)
    assert [(e.hours, e.date) for e in entries] == [(Decimal("1.5"), datetime.date(2026, 3, 5))]


def test_a_course_is_not_completed_while_a_lesson_is_left(member):
    course = course_of(600, 600)
    enrollment = enrol(member, course)
    first = course.lessons().first()
    heartbeat_record(
        person_id=member.pk, lesson_id=first.pk, position_seconds=0, playing=False, at=T0
    )
    LessonProgress.objects.filter(person=member, lesson=first).update(seconds_credited=600)
    heartbeat_record(
        person_id=member.pk, lesson_id=first.pk, position_seconds=0, playing=False, at=T0
    )

    assert course_completion_check(enrollment=enrollment, at=T0) is False
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.completed_at) == (Enrollment.Status.ENROLLED, None)
    assert not StudyHoursEntry.objects.filter(person=member).exists()


def test_a_course_with_no_lessons_is_never_completed(member):
    course = build.course(hours=Decimal("2"))
    enrollment = enrol(member, course)

    assert course_completion_check(enrollment=enrollment, at=T0) is False
    assert not StudyHoursEntry.objects.filter(person=member).exists()


@pytest.mark.parametrize(
    "completed_at, ledger_date",
    [
        # 23:30 on 31 December in Asia/Shanghai is 15:30 UTC: it belongs to 2025.
        (datetime.datetime(2025, 12, 31, 15, 30, tzinfo=UTC), datetime.date(2025, 12, 31)),
        # 00:10 on 1 January in Asia/Shanghai is still 31 December in UTC: it belongs to 2026.
        (datetime.datetime(2025, 12, 31, 16, 10, tzinfo=UTC), datetime.date(2026, 1, 1)),
        # 07:59 in Asia/Shanghai, the previous day in UTC.
        (datetime.datetime(2026, 3, 4, 23, 59, tzinfo=UTC), datetime.date(2026, 3, 5)),
    ],
)
def test_the_ledger_date_is_the_completion_date_in_shanghai(member, completed_at, ledger_date):
    course = course_of(600, hours=Decimal("2"))
    enrollment = enrol(member, course)

    finish_every_lesson(member, course, at=completed_at)

    enrollment.refresh_from_db()
    assert enrollment.completed_at == completed_at
    entry = credited_entry(member)
    assert (entry.date, entry.date.year, entry.hours) == (
        ledger_date,
        ledger_date.year,
        Decimal("2"),
    )


def test_the_media_must_reach_the_completion_share_to_complete(member):
    course = course_of(1000, hours=Decimal("1"))
    lesson = course.lessons().get()
    enrol(member, course)

    def beat_with_credit(seconds):
        LessonProgress.objects.filter(person=member, lesson=lesson).update(seconds_credited=seconds)
        return heartbeat_record(
            person_id=member.pk, lesson_id=lesson.pk, position_seconds=0, playing=False, at=T0
        )

    heartbeat_record(
        person_id=member.pk, lesson_id=lesson.pk, position_seconds=0, playing=False, at=T0
    )
    assert beat_with_credit(899).progress.completed_at is None  # 89.9 % of the default 90 %
    assert beat_with_credit(900).progress.completed_at == T0
