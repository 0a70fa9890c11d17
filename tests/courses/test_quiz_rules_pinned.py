"""The quiz's pass mark and attempt limit, pinned exactly (issue 14)."""

from decimal import Decimal

import pytest

from courses.exceptions import NoAttemptsLeft
from courses.models import LessonProgress
from courses.quiz import (
    quiz_attempt_start,
    quiz_attempts_left,
)
from tests.courses.study_support import (
    FOUR_QUESTIONS,
    T0,
    THREE_QUESTIONS,
    enrol,
    quiz_lesson,
    submit,
)
from tests.factories import courses as build
from tests.factories.people import PersonFactory

pytestmark = pytest.mark.django_db


# --- The quiz's pass mark and attempt limit ---------------------------------------------------


@pytest.fixture
def quiz_course(member):
    course = build.course(hours=Decimal("2"))
    enrol(member, course)
    return course


@pytest.mark.parametrize(
    "questions, right, pass_mark, score, passed",
    [
        (FOUR_QUESTIONS, 3, 75, 75, True),  # exactly the pass mark passes
        (FOUR_QUESTIONS, 3, 76, 75, False),  # one below it fails
        (THREE_QUESTIONS, 2, 67, 67, True),  # 66.67 % is rounded to 67
        (THREE_QUESTIONS, 2, 68, 67, False),
        (THREE_QUESTIONS, 1, 33, 33, True),  # 33.33 % is rounded to 33
        (THREE_QUESTIONS, 1, 34, 33, False),
        (THREE_QUESTIONS, 3, 100, 100, True),
        (FOUR_QUESTIONS, 0, 1, 0, False),
    ],
)
def test_a_quiz_passes_at_exactly_the_pass_mark(
    member, quiz_course, questions, right, pass_mark, score, passed
):
    lesson = quiz_lesson(quiz_course, questions, pass_mark=pass_mark, max_attempts=0)

    attempt = submit(member, lesson, right)

    assert (attempt.score, attempt.passed, attempt.submitted_at) == (score, passed, T0)
    progress = LessonProgress.objects.get(person=member, lesson=lesson)
    assert progress.quiz_passed is passed


def test_the_last_allowed_attempt_may_still_be_taken_and_passed(member, quiz_course):
    lesson = quiz_lesson(quiz_course, FOUR_QUESTIONS, pass_mark=75, max_attempts=3)

    assert quiz_attempts_left(person=member, lesson=lesson) == 3
    assert submit(member, lesson, 2).passed is False
    assert quiz_attempts_left(person=member, lesson=lesson) == 2
    assert submit(member, lesson, 2).passed is False
    assert quiz_attempts_left(person=member, lesson=lesson) == 1
    assert submit(member, lesson, 3).passed is True
    assert quiz_attempts_left(person=member, lesson=lesson) == 0
    with pytest.raises(NoAttemptsLeft):
        quiz_attempt_start(person=member, lesson=lesson)


def test_one_attempt_allowed_means_one(member, quiz_course):
    lesson = quiz_lesson(quiz_course, FOUR_QUESTIONS, max_attempts=1)

    submit(member, lesson, 0)

    assert quiz_attempts_left(person=member, lesson=lesson) == 0
    with pytest.raises(NoAttemptsLeft):
        quiz_attempt_start(person=member, lesson=lesson)


def test_an_attempt_opened_but_not_submitted_spends_nothing(member, quiz_course):
    lesson = quiz_lesson(quiz_course, FOUR_QUESTIONS, max_attempts=1)

    opened = quiz_attempt_start(person=member, lesson=lesson)

    assert quiz_attempts_left(person=member, lesson=lesson) == 1
    assert quiz_attempt_start(person=member, lesson=lesson).pk == opened.pk


def test_attempts_are_counted_per_person_and_lesson(member, quiz_course, village_a):
    lesson = quiz_lesson(quiz_course, FOUR_QUESTIONS, max_attempts=1)
    other_lesson = quiz_lesson(quiz_course, FOUR_QUESTIONS, max_attempts=1)
    neighbour = PersonFactory(village=village_a, is_party_member=True)
    enrol(neighbour, quiz_course)

    submit(member, lesson, 0)

    assert quiz_attempts_left(person=member, lesson=other_lesson) == 1
    assert quiz_attempts_left(person=neighbour, lesson=lesson) == 1
    submit(neighbour, lesson, 4)


def test_no_limit_means_attempts_are_never_counted_down(member, quiz_course):
    lesson = quiz_lesson(quiz_course, FOUR_QUESTIONS, max_attempts=0)
    for _attempt in range(5):
        submit(member, lesson, 0)
    assert quiz_attempts_left(person=member, lesson=lesson) is None
    assert submit(member, lesson, 4).passed is True
