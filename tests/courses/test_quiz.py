"""Quizzes: shuffled questions and options, stable scoring, attempts, and the pass that counts."""

import datetime
import random
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.exceptions import NoAttemptsLeft, NotEnrolled
from courses.models import Enrollment, LessonPage, LessonProgress, QuizAttempt
from courses.quiz import option_key, quiz_attempt_start, quiz_attempt_submit
from courses.services import enrollment_create
from lms.ledger.models import StudyHoursEntry
from tests.courses.study_support import play, ticket_for
from tests.factories import courses as build
from tests.factories.people import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db
T0 = timezone.make_aware(datetime.datetime(2026, 3, 5, 20, 0))

QUIZ = [
    (
        "question",
        {
            "kind": "single",
            "text": "党的最高理想是什么？",
            "options": [
                {"text": "实现共产主义", "correct": True},
                {"text": "发家致富", "correct": False},
                {"text": "外出打工", "correct": False},
            ],
        },
    ),
    (
        "question",
        {
            "kind": "multiple",
            "text": "哪些是党员的义务？",
            "options": [
                {"text": "认真学习", "correct": True},
                {"text": "密切联系群众", "correct": True},
                {"text": "不交党费", "correct": False},
                {"text": "遵守纪律", "correct": True},
            ],
        },
    ),
    (
        "question",
        {
            "kind": "true_false",
            "text": "党员应当按期交纳党费。",
            "options": [{"text": "对", "correct": True}, {"text": "错", "correct": False}],
        },
    ),
    (
        "question",
        {
            "kind": "single",
            "text": "党的基层组织是？",
            "options": [
                {"text": "村委会", "correct": False},
                {"text": "党支部", "correct": True},
            ],
        },
    ),
]
CORRECT = [[0], [0, 1, 3], [0], [1]]


@pytest.fixture
def member(village_a):
    return PersonFactory(
        village=village_a, is_party_member=True, user=UserFactory(username="learner")
    )


@pytest.fixture
def course():
    return build.course(hours=Decimal("2"))


@pytest.fixture
def lesson(course):
    page = build.lesson(course, media_seconds=60, quiz=QUIZ, pass_mark=75, max_attempts=2)
    return LessonPage.objects.get(pk=page.pk)


@pytest.fixture
def enrolled(member, course):
    return enrollment_create(person=member, course=course, source=Enrollment.Source.SELF)


def question_ids(lesson):
    return [block.id for block in lesson.quiz]


def keyed_answers(lesson, picks):
    """Answers as option keys, from editor's indexes per question in the editor's order."""
    return {
        qid: [option_key(qid, index) for index in chosen]
        for qid, chosen in zip(question_ids(lesson), picks, strict=True)
    }


def watch_all(member, lesson):
    play(member, lesson, start=T0, seconds=90)


def test_attempt_shows_questions_and_options_in_a_stored_random_order(member, lesson, enrolled):
    attempt = quiz_attempt_start(person=member, lesson=lesson, rng=random.Random(7))

    shown = [entry["question"] for entry in attempt.question_order]
    assert sorted(shown) == sorted(question_ids(lesson))
    for entry, (_kind, question) in zip(
        sorted(attempt.question_order, key=lambda e: question_ids(lesson).index(e["question"])),
        QUIZ,
        strict=True,
    ):
        assert sorted(entry["options"]) == list(range(len(question["options"])))
    attempt.refresh_from_db()
    assert attempt.question_order  # stored, so a reload shows the same order


def test_orders_differ_between_attempts(member, lesson, enrolled):
    orders = set()
    for seed in range(6):
        attempt = quiz_attempt_start(person=member, lesson=lesson, rng=random.Random(seed))
        orders.add(repr(attempt.question_order))
        attempt.delete()
    assert len(orders) > 1


def test_shuffle_cannot_confuse_scoring_by_shown_positions(member, lesson, enrolled):
    attempt = quiz_attempt_start(person=member, lesson=lesson, rng=random.Random(3))
    correct_by_id = dict(zip(question_ids(lesson), CORRECT, strict=True))
    # The learner answers by position on screen; the service maps back to the editor's options.
    answers = {
        entry["question"]: [
            entry["options"].index(index) for index in correct_by_id[entry["question"]]
        ]
        for entry in attempt.question_order
    }

    attempt = quiz_attempt_submit(attempt=attempt, answers=answers)

    assert attempt.score == 100
    assert attempt.passed
    assert attempt.answers == correct_by_id


def test_multiple_choice_is_right_only_with_exactly_the_correct_set(member, lesson, enrolled):
    attempt = quiz_attempt_start(person=member, lesson=lesson)
    # Two of three correct options on the multiple-choice question; the rest right.
    answers = keyed_answers(lesson, [[0], [0, 1], [0], [1]])

    attempt = quiz_attempt_submit(attempt=attempt, answers=answers)

    assert attempt.score == 75
    assert attempt.passed  # pass mark 75 %


def test_choosing_every_option_does_not_win_a_multiple_choice_question(member, lesson, enrolled):
    attempt = quiz_attempt_start(person=member, lesson=lesson)
    attempt = quiz_attempt_submit(
        attempt=attempt, answers=keyed_answers(lesson, [[1], [0, 1, 2, 3], [1], [0]])
    )
    assert attempt.score == 0
    assert not attempt.passed


def test_a_key_from_another_question_is_ignored(member, lesson, enrolled):
    attempt = quiz_attempt_start(person=member, lesson=lesson)
    first, second, *_rest = question_ids(lesson)
    attempt = quiz_attempt_submit(attempt=attempt, answers={first: [option_key(second, 0)]})
    assert attempt.answers[first] == []
    assert attempt.score == 0


def test_passing_completes_the_watched_lesson_and_credits_hours_once(
    member, course, lesson, enrolled
):
    watch_all(member, lesson)
    progress = LessonProgress.objects.get(person=member, lesson=lesson)
    assert progress.completed_at is None  # the course asks for the quiz pass

    attempt = quiz_attempt_start(person=member, lesson=lesson)
    attempt = quiz_attempt_submit(attempt=attempt, answers=keyed_answers(lesson, CORRECT))

    progress.refresh_from_db()
    enrolled.refresh_from_db()
    assert progress.quiz_passed
    assert progress.completed_at is not None
    assert enrolled.status == Enrollment.Status.COMPLETED
    assert StudyHoursEntry.objects.get(person=member).hours == Decimal("2")

    again = quiz_attempt_start(person=member, lesson=lesson)
    quiz_attempt_submit(attempt=again, answers=keyed_answers(lesson, CORRECT))
    assert StudyHoursEntry.objects.filter(person=member).count() == 1


def test_a_failed_quiz_leaves_the_lesson_open(member, lesson, enrolled):
    watch_all(member, lesson)
    attempt = quiz_attempt_start(person=member, lesson=lesson)
    quiz_attempt_submit(attempt=attempt, answers=keyed_answers(lesson, [[1], [], [1], [0]]))
    progress = LessonProgress.objects.get(person=member, lesson=lesson)
    assert not progress.quiz_passed
    assert progress.completed_at is None


def test_submitting_twice_changes_nothing(member, lesson, enrolled):
    attempt = quiz_attempt_start(person=member, lesson=lesson)
    first = quiz_attempt_submit(attempt=attempt, answers=keyed_answers(lesson, [[1], [], [], []]))
    second = quiz_attempt_submit(attempt=attempt, answers=keyed_answers(lesson, CORRECT))

    assert (second.score, second.passed, second.answers) == (0, False, first.answers)
    assert second.submitted_at == first.submitted_at
    assert not LessonProgress.objects.get(person=member, lesson=lesson).quiz_passed


def test_reopening_resumes_the_open_attempt(member, lesson, enrolled):
    first = quiz_attempt_start(person=member, lesson=lesson)
    again = quiz_attempt_start(person=member, lesson=lesson)
    assert again.pk == first.pk
    assert QuizAttempt.objects.count() == 1


def test_attempts_run_out(member, lesson, enrolled):
    for _attempt in range(2):
        attempt = quiz_attempt_start(person=member, lesson=lesson)
        quiz_attempt_submit(attempt=attempt, answers={})
    with pytest.raises(NoAttemptsLeft):
        quiz_attempt_start(person=member, lesson=lesson)


def test_unlimited_attempts(member, course, enrolled):
    lesson = build.lesson(course, "第二课", quiz=QUIZ, max_attempts=0)
    for _attempt in range(4):
        attempt = quiz_attempt_start(person=member, lesson=lesson)
        quiz_attempt_submit(attempt=attempt, answers={})
    assert QuizAttempt.objects.filter(submitted_at__isnull=False).count() == 4


def test_only_enrolled_learners_take_the_quiz(member, lesson):
    with pytest.raises(NotEnrolled):
        quiz_attempt_start(person=member, lesson=lesson)


# --- The quiz page ------------------------------------------------------------------------


def quiz_url(lesson):
    return f"/study/lessons/{lesson.pk}/quiz/"


def test_quiz_page_needs_login(client, lesson):
    response = client.get(quiz_url(lesson))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_quiz_page_sends_the_unenrolled_back_to_the_lesson(client, member, lesson):
    client.force_login(member.user)
    response = client.get(quiz_url(lesson))
    assert response.status_code == 302
    assert not QuizAttempt.objects.exists()


def test_learner_takes_the_quiz_on_the_page(client, member, lesson, enrolled):
    client.force_login(member.user)

    page = client.get(quiz_url(lesson))

    assert page.status_code == 200
    html = page.content.decode()
    attempt = QuizAttempt.objects.get()
    ids = question_ids(lesson)
    assert html.count('type="radio"') == 3 + 2 + 2
    assert html.count('type="checkbox"') == 4
    assert f'value="{option_key(ids[1], 3)}"' in html
    # The questions appear in the attempt's order.
    positions = [html.index(f'name="{entry["question"]}"') for entry in attempt.question_order]
    assert positions == sorted(positions)

    data = {"attempt": attempt.pk}
    for qid, chosen in keyed_answers(lesson, CORRECT).items():
        data[qid] = chosen
    result = client.post(quiz_url(lesson), data)

    assert result.status_code == 200
    assert "data-quiz-result" in result.content.decode()
    attempt.refresh_from_db()
    assert attempt.score == 100
    assert attempt.passed
    assert result.context["attempts_left"] == 1
    assert "还剩" not in result.content.decode()  # a pass needs no talk of attempts left
    assert LessonProgress.objects.get(person=member, lesson=lesson).quiz_passed


def test_quiz_page_when_attempts_are_used(client, member, lesson, enrolled):
    client.force_login(member.user)
    for _attempt in range(2):
        attempt = quiz_attempt_start(person=member, lesson=lesson)
        quiz_attempt_submit(attempt=attempt, answers={})

    page = client.get(quiz_url(lesson))

    assert page.status_code == 200
    assert page.context["no_attempts_left"]
    assert 'type="radio"' not in page.content.decode()


def test_a_learner_cannot_submit_another_persons_attempt(
    client, member, lesson, enrolled, village_a
):
    other = PersonFactory(village=village_a, is_party_member=True)
    enrollment_create(person=other, course=enrolled.course, source=Enrollment.Source.SELF)
    theirs = quiz_attempt_start(person=other, lesson=lesson)
    client.force_login(member.user)

    response = client.post(quiz_url(lesson), {"attempt": theirs.pk})

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.submitted_at is None


def test_a_garbled_attempt_id_is_not_found(client, member, lesson, enrolled):
    client.force_login(member.user)
    assert client.post(quiz_url(lesson), {"attempt": "abc"}).status_code == 404


def test_the_lesson_page_says_the_quiz_is_still_needed_once_the_media_is_watched(
    client, member, lesson, enrolled
):
    client.force_login(member.user)
    beat = {"ticket": ticket_for(member, lesson), "position_seconds": 0, "playing": True}
    first = client.post(reverse("heartbeat"), beat, content_type="application/json")
    assert first.json()["quiz_pending"] is False
    LessonProgress.objects.filter(person=member, lesson=lesson).update(seconds_credited=60)

    reply = client.post(reverse("heartbeat"), beat, content_type="application/json").json()

    assert reply["quiz_pending"] is True and reply["lesson_completed"] is False
    page = client.get(lesson.url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-msg-quiz="已看完，通过本课测验即可完成本课。"' in page


# --- The learner's answers shown back, and quizzes the editor changed meanwhile ---------------


def test_the_result_shows_each_question_with_the_learners_own_choices(
    client, member, lesson, enrolled
):
    client.force_login(member.user)
    client.get(quiz_url(lesson))
    attempt = QuizAttempt.objects.get()
    picks = [[1], [0, 1], [0], [1]]  # wrong on the first question, short on the second

    result = client.post(
        quiz_url(lesson), {"attempt": attempt.pk, **keyed_answers(lesson, picks)}
    ).content.decode()

    review = result[result.index('class="quiz-review"') :]
    assert "党的最高理想是什么？" in review and "发家致富" in review
    assert review.count('class="quiz-option chosen"') == 5
    assert review.count(" checked>") == 5
    chosen_texts = [
        piece.split("<span>")[1].split("</span>")[0]
        for piece in review.split('class="quiz-option chosen"')[1:]
    ]
    assert sorted(chosen_texts) == sorted(["发家致富", "认真学习", "密切联系群众", "对", "党支部"])


def test_another_learners_open_attempt_is_never_resumed(member, lesson, enrolled, village_a):
    neighbour = PersonFactory(village=village_a, is_party_member=True)
    enrollment_create(person=neighbour, course=enrolled.course, source=Enrollment.Source.SELF)
    second_lesson = build.lesson(enrolled.course, "第二课", media_seconds=60, quiz=QUIZ)
    theirs = quiz_attempt_start(person=neighbour, lesson=lesson)
    other_lesson = quiz_attempt_start(person=member, lesson=second_lesson)

    mine = quiz_attempt_start(person=member, lesson=lesson)

    assert mine.pk not in (theirs.pk, other_lesson.pk)
    assert (mine.person, mine.lesson_id) == (member, lesson.pk)


def test_one_answer_sent_as_a_single_key_counts(member, lesson, enrolled):
    attempt = quiz_attempt_start(person=member, lesson=lesson)
    answers = {
        qid: keys[0] if len(keys) == 1 else keys
        for qid, keys in keyed_answers(lesson, CORRECT).items()
    }

    attempt = quiz_attempt_submit(attempt=attempt, answers=answers)

    assert (attempt.score, attempt.passed) == (100, True)


def test_a_position_past_the_last_option_is_ignored(member, lesson, enrolled):
    attempt = quiz_attempt_start(person=member, lesson=lesson)
    answers = {entry["question"]: [len(entry["options"])] for entry in attempt.question_order}

    attempt = quiz_attempt_submit(attempt=attempt, answers=answers)

    assert attempt.score == 0
    assert all(chosen == [] for chosen in attempt.answers.values())


def _edit_quiz(lesson, quiz):
    page = LessonPage.objects.get(pk=lesson.pk)
    page.quiz = quiz
    page.save()


def test_a_question_removed_while_the_learner_answers_is_left_out_of_the_score(
    client, member, lesson, enrolled
):
    attempt = quiz_attempt_start(person=member, lesson=lesson)
    answers = keyed_answers(lesson, CORRECT)
    first_shown = attempt.question_order[0]["question"]
    # The editor deletes the question shown first; the other blocks keep their ids.
    page = LessonPage.objects.get(pk=lesson.pk)
    kept = [qid for qid in question_ids(lesson) if qid != first_shown]
    page.quiz = [
        {"type": "question", "value": value, "id": qid}
        for (_kind, value), qid in zip(QUIZ, question_ids(lesson), strict=True)
        if qid in kept
    ]
    page.save()

    attempt = quiz_attempt_submit(attempt=attempt, answers=answers)

    assert attempt.score == 100
    assert sorted(attempt.answers) == sorted(kept)


def test_a_quiz_whose_questions_were_all_removed_cannot_be_passed(member, lesson, enrolled):
    attempt = quiz_attempt_start(person=member, lesson=lesson)
    lesson.pass_mark = 0
    lesson.save()
    _edit_quiz(lesson, [])

    attempt = quiz_attempt_submit(attempt=attempt, answers={})

    assert (attempt.score, attempt.passed) == (0, False)
    assert not LessonProgress.objects.filter(person=member, quiz_passed=True).exists()


def test_an_option_removed_while_the_learner_answers_disappears_from_the_page(
    client, member, lesson, enrolled
):
    client.force_login(member.user)
    client.get(quiz_url(lesson))
    page = LessonPage.objects.get(pk=lesson.pk)
    page.quiz = [
        {
            "type": "question",
            "id": qid,
            "value": {**value, "options": value["options"][:2]},
        }
        for (_kind, value), qid in zip(QUIZ, question_ids(lesson), strict=True)
    ]
    page.save()

    html = client.get(quiz_url(lesson)).content.decode()

    assert "外出打工" not in html and "遵守纪律" not in html and "发家致富" in html
    assert html.count('type="radio"') + html.count('type="checkbox"') == 8


def test_a_question_removed_while_the_page_is_open_leaves_the_others_on_it(
    client, member, lesson, enrolled
):
    client.force_login(member.user)
    client.get(quiz_url(lesson))
    attempt = QuizAttempt.objects.get()
    first_shown = attempt.question_order[0]["question"]
    page = LessonPage.objects.get(pk=lesson.pk)
    page.quiz = [
        {"type": "question", "value": value, "id": qid}
        for (_kind, value), qid in zip(QUIZ, question_ids(lesson), strict=True)
        if qid != first_shown
    ]
    page.save()

    html = client.get(quiz_url(lesson)).content.decode()

    assert html.count("<fieldset") == 3
