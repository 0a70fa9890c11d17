"""Honest progress: the server credits wall-clock study time, once, never past the media."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from courses.exceptions import NotEnrolled
from courses.models import Enrollment, LessonProgress
from courses.services import enrollment_create, heartbeat_record
from lms.ledger.models import StudyHoursEntry
from tests.factories import courses as build
from tests.factories.people import PersonFactory

pytestmark = pytest.mark.django_db
T0 = timezone.make_aware(datetime.datetime(2026, 3, 5, 20, 0))


def at(seconds: float) -> datetime.datetime:
    return T0 + datetime.timedelta(seconds=seconds)


@pytest.fixture
def member(village_a):
    return PersonFactory(village=village_a, is_party_member=True)


@pytest.fixture
def course_and_lesson(member):
    course = build.course(hours=Decimal("2"))
    lesson = build.lesson(course, media_seconds=300)
    enrollment_create(person=member, course=course, source=Enrollment.Source.SELF)
    return course, lesson


def watch(member, lesson, *, start: float, until: float, every: float = 30, position=None):
    """Heartbeats while playing from `start` to `until` seconds after T0."""
    t = start
    while t <= until:
        heartbeat_record(
            person_id=member.pk,
            lesson_id=lesson.pk,
            playing=True,
            at=at(t),
            position_seconds=int(position if position is not None else t - start),
        )
        t += every


def credited(member, lesson) -> int:
    return LessonProgress.objects.get(person=member, lesson=lesson).seconds_credited


def test_watching_credits_the_wall_clock_time(member, course_and_lesson):
    _course, lesson = course_and_lesson
    watch(member, lesson, start=0, until=120)
    assert credited(member, lesson) == 120


def test_replayed_heartbeats_earn_nothing_extra(member, course_and_lesson):
    _course, lesson = course_and_lesson
    watch(member, lesson, start=0, until=60)
    for _ in range(20):
        heartbeat_record(
            person_id=member.pk, lesson_id=lesson.pk, playing=True, at=at(60), position_seconds=60
        )
    assert credited(member, lesson) == 60


def test_skipping_to_the_end_moves_the_resume_point_not_the_credit(member, course_and_lesson):
    _course, lesson = course_and_lesson
    watch(member, lesson, start=0, until=30)
    heartbeat_record(
        person_id=member.pk, lesson_id=lesson.pk, playing=True, at=at(35), position_seconds=299
    )

    progress = LessonProgress.objects.get(person=member, lesson=lesson)
    assert progress.position_seconds == 299
    assert progress.seconds_credited == 35
    assert progress.completed_at is None


def test_ten_tabs_or_a_second_phone_earn_what_one_would(member, course_and_lesson):
    course, lesson = course_and_lesson
    other = build.lesson(course, title="第二课", media_seconds=300)
    for t in range(0, 121, 30):
        for tab in range(10):  # ten tabs of the same lesson, a second of each other apart
            heartbeat_record(
                person_id=member.pk,
                lesson_id=lesson.pk,
                playing=True,
                at=at(t + tab),
                position_seconds=t,
            )
        heartbeat_record(
            person_id=member.pk, lesson_id=other.pk, playing=True, at=at(t + 10), position_seconds=t
        )  # and a phone on another lesson, a second after the last tab

    # From the first heartbeat (0 s) to the last (130 s): 130 s in all, not ten or eleven times
    # that. Each heartbeat earns the time since the one before it, whichever lesson it came from.
    assert credited(member, lesson) == 9 + 4 * (20 + 9)  # each round after the first: 20 + 9 × 1 s
    assert credited(member, other) == 5 * 1  # the second after the last tab, each round
    assert credited(member, lesson) + credited(member, other) == 130


def test_a_long_silence_is_not_study(member, course_and_lesson):
    _course, lesson = course_and_lesson
    watch(member, lesson, start=0, until=30)
    heartbeat_record(
        person_id=member.pk, lesson_id=lesson.pk, playing=True, at=at(3600), position_seconds=40
    )
    assert credited(member, lesson) == 30 + 45  # at most one heartbeat's worth after a gap


def test_pausing_credits_the_stretch_played_then_stops_the_clock(member, course_and_lesson):
    _course, lesson = course_and_lesson
    watch(member, lesson, start=0, until=30)
    heartbeat_record(
        person_id=member.pk, lesson_id=lesson.pk, playing=False, at=at(40), position_seconds=40
    )
    heartbeat_record(
        person_id=member.pk, lesson_id=lesson.pk, playing=False, at=at(500), position_seconds=40
    )
    heartbeat_record(
        person_id=member.pk, lesson_id=lesson.pk, playing=True, at=at(600), position_seconds=40
    )
    heartbeat_record(
        person_id=member.pk, lesson_id=lesson.pk, playing=True, at=at(630), position_seconds=70
    )
    assert credited(member, lesson) == 30 + 10 + 30  # the paused 560 s earn nothing


def test_credit_never_exceeds_the_media_length(member, course_and_lesson):
    _course, lesson = course_and_lesson
    watch(member, lesson, start=0, until=900)
    assert credited(member, lesson) == 300


def test_the_course_credits_its_hours_once_on_completion(member, course_and_lesson):
    course, lesson = course_and_lesson
    watch(member, lesson, start=0, until=330)
    watch(member, lesson, start=400, until=800)  # watching again earns nothing more

    entry = StudyHoursEntry.objects.get(person=member)
    assert (entry.hours, entry.track, entry.source_kind) == (Decimal("2"), "party", "course")
    assert entry.date == datetime.date(2026, 3, 5)  # the completion date, local time
    enrollment = Enrollment.objects.get(person=member, course=course)
    assert enrollment.status == Enrollment.Status.COMPLETED


def test_heartbeats_need_an_enrollment(village_a):
    stranger = PersonFactory(village=village_a)
    course = build.course()
    lesson = build.lesson(course)
    with pytest.raises(NotEnrolled):
        heartbeat_record(
            person_id=stranger.pk, lesson_id=lesson.pk, playing=True, position_seconds=0
        )


def test_fractions_of_a_second_carry_to_the_next_beat(member, course_and_lesson):
    """62.4 s of playing in beats 10.4 s apart earns 62 s, not 6 × 10 s."""
    _course, lesson = course_and_lesson
    beats = [
        heartbeat_record(
            person_id=member.pk,
            lesson_id=lesson.pk,
            position_seconds=0,
            playing=True,
            at=at(10.4 * n),
        )
        for n in range(7)
    ]

    assert sum(beat.credited_now for beat in beats) == 62
    assert LessonProgress.objects.get(person=member, lesson=lesson).seconds_credited == 62


def test_two_tabs_on_two_lessons_share_one_clock_and_lose_no_fractions(member):
    """Tabs on two lessons beat alternately every 5.5 s: the 60.5 s of wall clock between the
    first beat and the last is credited once, 60 s across the two lessons (dropping each
    beat's half second would give 55 s)."""
    course = build.course()
    lessons = [build.lesson(course, title=f"第{n}课", media_seconds=600) for n in (1, 2)]
    enrollment_create(person=member, course=course, source=Enrollment.Source.SELF)
    for n in range(12):
        heartbeat_record(
            person_id=member.pk,
            lesson_id=lessons[n % 2].pk,
            position_seconds=0,
            playing=True,
            at=at(5.5 * n + 1.5),
        )
    credited = LessonProgress.objects.filter(person=member).values_list(
        "seconds_credited", flat=True
    )
    assert sum(credited) == 60


def test_a_gap_longer_than_a_beat_restarts_the_clock_without_a_carry(member, course_and_lesson):
    _course, lesson = course_and_lesson

    def beat(seconds):
        return heartbeat_record(
            person_id=member.pk,
            lesson_id=lesson.pk,
            position_seconds=0,
            playing=True,
            at=at(seconds),
        ).credited_now

    # 100.7 s of silence earns the 45 s cap; the next beat counts from 100.7 s, not from a
    # clock left behind at 45 s.
    assert [beat(0), beat(100.7), beat(110.9)] == [0, 45, 10]
