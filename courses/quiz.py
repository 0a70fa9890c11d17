"""Taking a lesson's quiz: attempts, shuffling, scoring, and the pass that completes a lesson.

Questions and options are shown in a random order, stored on the attempt. Answers are kept
and scored by stable keys — the question block's id and the option's index in the editor's
order (``"<block id>:<index>"``) — so the shuffle can never change what was chosen.
"""

import random

from django.db import transaction
from django.utils import timezone

from .exceptions import NoAttemptsLeft
from .models import LessonPage, LessonProgress, QuizAttempt
from .services import enrollment_required, lesson_completion_check, live_lesson_facts


def option_key(question_id: str, index: int) -> str:
    return f"{question_id}:{index}"


def quiz_questions(lesson: LessonPage) -> dict[str, dict]:
    """{question block id: {"kind", "text", "options": [{"text", "correct"}, …]}}."""
    questions = {}
    for block in lesson.quiz:  # a quiz holds questions only (QuizBlock)
        value = block.value
        questions[block.id] = {
            "kind": value["kind"],
            "text": value["text"],
            "options": [
                {"text": option["text"], "correct": bool(option["correct"])}
                for option in value["options"]
            ],
        }
    return questions


def quiz_attempts_submitted(*, person, lesson: LessonPage) -> int:
    return QuizAttempt.objects.filter(
        person=person, lesson=lesson, submitted_at__isnull=False
    ).count()


def quiz_attempts_left(*, person, lesson: LessonPage) -> int | None:
    """None when the lesson allows unlimited attempts."""
    if not lesson.max_attempts:
        return None
    return max(lesson.max_attempts - quiz_attempts_submitted(person=person, lesson=lesson), 0)


def quiz_attempt_start(*, person, lesson: LessonPage, rng: random.Random | None = None):
    """The person's open attempt at this quiz, or a new one in a fresh random order.

    Reopening the quiz page resumes the open attempt rather than spending another.
    """
    with transaction.atomic():
        enrollment_required(person_id=person.pk, course_id=live_lesson_facts(lesson.pk).course_id)
        # One row per person and lesson: locking it serialises two starts from two tabs.
        LessonProgress.objects.get_or_create(person=person, lesson=lesson)
        LessonProgress.objects.select_for_update().filter(person=person, lesson=lesson).first()
        open_attempt = QuizAttempt.objects.filter(
            person=person, lesson=lesson, submitted_at__isnull=True
        ).first()
        if open_attempt is not None:
            return open_attempt
        if quiz_attempts_left(person=person, lesson=lesson) == 0:
            raise NoAttemptsLeft()
        rng = rng or random.SystemRandom()
        order = []
        for question_id, question in quiz_questions(lesson).items():
            options = list(range(len(question["options"])))
            rng.shuffle(options)
            order.append({"question": question_id, "options": options})
        rng.shuffle(order)
        return QuizAttempt.objects.create(person=person, lesson=lesson, question_order=order)


def quiz_attempt_questions(attempt: QuizAttempt) -> list[dict]:
    """The attempt's questions as shown: text, kind, and options with their stable keys.

    A question the editor has since removed is left out.
    """
    questions = quiz_questions(attempt.lesson)
    shown = []
    for entry in attempt.question_order:
        question = questions.get(entry["question"])
        if question is None:
            continue
        chosen = set(attempt.answers.get(entry["question"], []))
        shown.append(
            {
                "id": entry["question"],
                "kind": question["kind"],
                "text": question["text"],
                "options": [
                    {
                        "key": option_key(entry["question"], index),
                        "text": question["options"][index]["text"],
                        "chosen": index in chosen,
                    }
                    for index in entry["options"]
                    if index < len(question["options"])
                ],
            }
        )
    return shown


def _chosen_indexes(raw, shown_order: list[int], question_id: str) -> list[int]:
    """Editor's indexes from what was posted: shown positions (ints) or option keys."""
    if raw is None:
        return []
    if isinstance(raw, (str, int)):
        raw = [raw]
    chosen = set()
    for item in raw:
        if isinstance(item, int) and not isinstance(item, bool):
            if 0 <= item < len(shown_order):
                chosen.add(shown_order[item])
        elif isinstance(item, str):
            prefix, _sep, index = item.rpartition(":")
            if prefix == question_id and index.isdigit() and int(index) in shown_order:
                chosen.add(int(index))
    return sorted(chosen)


def quiz_attempt_submit(*, attempt: QuizAttempt, answers: dict, at=None) -> QuizAttempt:
    """Score an attempt once; a pass records the quiz and may complete the lesson and course.

    `answers` maps a question id to the options chosen, either as positions in the order
    shown or as option keys. A question is right only when exactly its correct options are
    chosen. Submitting again returns the attempt unchanged.
    """
    with transaction.atomic():
        attempt = (
            QuizAttempt.objects.select_for_update().select_related("lesson").get(pk=attempt.pk)
        )
        if attempt.submitted_at is not None:
            return attempt
        lesson = attempt.lesson.specific
        facts = live_lesson_facts(lesson.pk)
        enrollment = enrollment_required(person_id=attempt.person_id, course_id=facts.course_id)
        questions = quiz_questions(lesson)
        stored, asked, right = {}, 0, 0
        for entry in attempt.question_order:
            question = questions.get(entry["question"])
            if question is None:
                continue
            chosen = _chosen_indexes(
                answers.get(entry["question"]), entry["options"], entry["question"]
            )
            stored[entry["question"]] = chosen
            correct = [i for i, option in enumerate(question["options"]) if option["correct"]]
            asked += 1
            right += chosen == correct
        at = at or timezone.now()
        attempt.answers = stored
        attempt.score = round(right * 100 / asked) if asked else 0
        attempt.passed = asked > 0 and attempt.score >= lesson.pass_mark
        attempt.submitted_at = at
        attempt.save(update_fields=["answers", "score", "passed", "submitted_at"])
        if attempt.passed:
            progress, _created = LessonProgress.objects.select_for_update().get_or_create(
                person_id=attempt.person_id, lesson=lesson
            )
            if not progress.quiz_passed:
                progress.quiz_passed = True
                progress.save(update_fields=["quiz_passed"])
            lesson_completion_check(progress=progress, enrollment=enrollment, facts=facts, at=at)
        return attempt
