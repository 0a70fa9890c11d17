"""What the pinned study-rule tests share: the moment, the township's minutes per study
hour, courses of given media lengths, finishing them, and quizzes of known answers. The
`member` fixture is in tests/courses/conftest.py."""

import datetime

from wagtail.models import Site

from courses.models import Enrollment, LessonPage, LessonProgress, StudySettings
from courses.quiz import (
    option_key,
    quiz_attempt_start,
    quiz_attempt_submit,
)
from courses.services import (
    enrollment_create,
    heartbeat_record,
)
from courses.tickets import study_ticket
from lms.ledger.models import StudyHoursEntry
from tests.factories import courses as build

UTC = datetime.UTC
# 20:00 in Asia/Shanghai on 5 March 2026.
T0 = datetime.datetime(2026, 3, 5, 12, 0, tzinfo=UTC)


def minutes_per_study_hour(minutes: int) -> None:
    """Set the township's rule on the site the course catalogue lives in."""
    study = StudySettings.for_site(Site.objects.get(is_default_site=True))
    study.minutes_per_study_hour = minutes
    study.save()


def course_of(*media_seconds: int, hours=None, **fields):
    """A course with one lesson per media length (0: a text lesson), hours derived by default."""
    course = build.course(hours=hours, **fields)
    for number, seconds in enumerate(media_seconds, start=1):
        build.lesson(course, f"第{number}课", media_seconds=seconds)
    return course


def enrol(person, course) -> Enrollment:
    return enrollment_create(person=person, course=course, source=Enrollment.Source.ASSIGNED)


def play(person, lesson, *, start: datetime.datetime, seconds: int, every: int = 30) -> None:
    """Heartbeats while the media plays: one every `every` seconds from `start`, for `seconds`."""
    for second in range(0, seconds + 1, every):
        heartbeat_record(
            person_id=person.pk,
            lesson_id=lesson.pk,
            playing=True,
            position_seconds=second,
            at=start + datetime.timedelta(seconds=second),
        )


def finish_lesson(person, lesson, *, at: datetime.datetime) -> None:
    """The lesson opened, its media credited in full, and one more heartbeat at `at`."""
    heartbeat_record(
        person_id=person.pk, lesson_id=lesson.pk, position_seconds=0, playing=False, at=at
    )
    LessonProgress.objects.filter(person=person, lesson=lesson).update(
        seconds_credited=lesson.media_seconds
    )
    heartbeat_record(
        person_id=person.pk, lesson_id=lesson.pk, position_seconds=0, playing=False, at=at
    )


def finish_every_lesson(person, course, *, at: datetime.datetime) -> None:
    """Each lesson finished (finish_lesson) at `at`."""
    for lesson in course.lessons():
        finish_lesson(person, lesson, at=at)


def credited_entry(person) -> StudyHoursEntry:
    return StudyHoursEntry.objects.get(person=person, source_kind=StudyHoursEntry.Source.COURSE)


def single(text, correct_index, options=3):
    return (
        "question",
        {
            "kind": "single",
            "text": text,
            "options": [
                {"text": f"{text}-{i}", "correct": i == correct_index} for i in range(options)
            ],
        },
    )


THREE_QUESTIONS = [single("一", 0), single("二", 1), single("三", 2)]
FOUR_QUESTIONS = [*THREE_QUESTIONS, single("四", 0)]


def quiz_lesson(course, quiz, **fields) -> LessonPage:
    page = build.lesson(course, f"测验{LessonPage.objects.count() + 1}", quiz=quiz, **fields)
    return LessonPage.objects.get(pk=page.pk)


def answer(lesson, right: int) -> dict:
    """The first `right` questions (editor's order) answered right, the rest wrong."""
    answers = {}
    for number, block in enumerate(lesson.quiz):
        correct = next(i for i, o in enumerate(block.value["options"]) if o["correct"])
        chosen = correct if number < right else (correct + 1) % len(block.value["options"])
        answers[block.id] = [option_key(block.id, chosen)]
    return answers


def submit(member, lesson, right: int, at=T0):
    attempt = quiz_attempt_start(person=member, lesson=lesson)
    return quiz_attempt_submit(attempt=attempt, answers=answer(lesson, right), at=at)


def ticket_for(person, lesson) -> str:
    """The study ticket the lesson page (or the API) hands this person for this lesson."""
    return study_ticket(person_id=person.pk, lesson_id=lesson.pk)


def post_beat(client, person, lesson, position=0, playing=True):
    """One heartbeat as the lesson page sends it: JSON with the ticket, no cookie needed."""
    return client.post(
        "/api/v1/study/heartbeat",
        {"ticket": ticket_for(person, lesson), "position_seconds": position, "playing": playing},
        content_type="application/json",
    )
