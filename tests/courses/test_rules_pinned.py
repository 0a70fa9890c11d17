"""The study rules a learner notices, pinned exactly (issue 14): the hours a course is worth
under the township's own minutes per study hour, text lessons completing when read, hours
credited once on the local completion date, and the quiz's pass mark and attempt limit.
"""

import datetime
import json
from decimal import Decimal

import pytest
from wagtail.models import Site

from courses.exceptions import NoAttemptsLeft
from courses.models import CoursePage, Enrollment, LessonPage, LessonProgress, StudySettings
from courses.quiz import (
    option_key,
    quiz_attempt_start,
    quiz_attempt_submit,
    quiz_attempts_left,
)
from courses.selectors import course_rows
from courses.services import (
    course_completion_check,
    course_is_open,
    course_ledger_resync,
    enrollment_create,
    enrollment_ledger_sync,
    heartbeat_record,
    lesson_completion_check,
    live_lesson_facts,
    person_in_audience,
)
from lms.ledger.models import StudyHoursEntry
from tests.factories import courses as build
from tests.factories.people import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
# 20:00 in Asia/Shanghai on 5 March 2026.
T0 = datetime.datetime(2026, 3, 5, 12, 0, tzinfo=UTC)


@pytest.fixture
def member(village_a):
    return PersonFactory(
        village=village_a, is_party_member=True, user=UserFactory(username="learner")
    )


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


def finish_every_lesson(person, course, *, at: datetime.datetime) -> None:
    """Each lesson opened, its media credited in full, and one more heartbeat at `at`."""
    for lesson in course.lessons():
        heartbeat_record(
            person=person, lesson_id=lesson.pk, position_seconds=0, playing=False, at=at
        )
        LessonProgress.objects.filter(person=person, lesson=lesson).update(
            seconds_credited=lesson.media_seconds
        )
        heartbeat_record(
            person=person, lesson_id=lesson.pk, position_seconds=0, playing=False, at=at
        )


def credited_entry(person) -> StudyHoursEntry:
    return StudyHoursEntry.objects.get(person=person, source_kind=StudyHoursEntry.Source.COURSE)


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
    assert response.context["row"].hours == Decimal("3")


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
        person=member, lesson_id=lesson.pk, position_seconds=0, playing=False, at=T0
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
        return client.post(
            "/study/heartbeat/",
            json.dumps({"lesson": lesson.pk, "position": 0, "playing": False}),
            content_type="application/json",
        ).json()

    assert finished_reading(first) == {
        "credited": 0,
        "position": 0,
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
        person=member, lesson_id=lesson.pk, position_seconds=0, playing=False, at=T0
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
    heartbeat_record(person=member, lesson_id=first.pk, position_seconds=0, playing=False, at=T0)
    LessonProgress.objects.filter(person=member, lesson=first).update(seconds_credited=600)
    heartbeat_record(person=member, lesson_id=first.pk, position_seconds=0, playing=False, at=T0)

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
            person=member, lesson_id=lesson.pk, position_seconds=0, playing=False, at=T0
        )

    heartbeat_record(person=member, lesson_id=lesson.pk, position_seconds=0, playing=False, at=T0)
    assert beat_with_credit(899).progress.completed_at is None  # 89.9 % of the default 90 %
    assert beat_with_credit(900).progress.completed_at == T0


# --- The quiz's pass mark and attempt limit ---------------------------------------------------


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


# --- What the completion checks answer, and the editor's later changes -----------------------


def test_the_checks_say_a_lesson_and_its_course_are_done_once_they_are(member):
    course = course_of(0, hours=Decimal("1"))
    lesson = course.lessons().get()
    enrollment = enrol(member, course)
    progress = LessonProgress.objects.create(person=member, lesson=lesson, last_heartbeat_at=T0)
    facts = live_lesson_facts(lesson.pk)

    first = lesson_completion_check(progress=progress, enrollment=enrollment, facts=facts, at=T0)
    again = lesson_completion_check(progress=progress, enrollment=enrollment, facts=facts, at=T0)

    assert (first, again) == (True, True)
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.COMPLETED


def test_finishing_the_last_lesson_answers_that_the_course_is_completed(member):
    course = course_of(600)
    lesson = course.lessons().get()
    enrollment = enrol(member, course)
    LessonProgress.objects.create(person=member, lesson=lesson, completed_at=T0)

    assert course_completion_check(enrollment=enrollment, at=T0) is True


def test_a_lesson_opened_but_not_finished_keeps_the_course_open(member):
    course = course_of(600, 600)
    enrollment = enrol(member, course)
    first, second = course.lessons()
    LessonProgress.objects.create(person=member, lesson=first, completed_at=T0)
    LessonProgress.objects.create(person=member, lesson=second, seconds_credited=300)

    assert course_completion_check(enrollment=enrollment, at=T0) is False
    assert not StudyHoursEntry.objects.filter(person=member).exists()


@pytest.mark.parametrize("sent, kept", [(0, 0), (-20, 0), (250, 250), (9999, 600)])
def test_the_resume_position_is_where_the_learner_is_within_the_media(member, sent, kept):
    course = course_of(600, 600)
    enrol(member, course)
    lesson = course.lessons().first()

    beat = heartbeat_record(
        person=member, lesson_id=lesson.pk, position_seconds=sent, playing=True, at=T0
    )

    assert beat.progress.position_seconds == kept
    assert LessonProgress.objects.get(person=member, lesson=lesson).position_seconds == kept


def test_an_enrolment_no_longer_completed_gives_back_its_hours(member):
    course = course_of(0, hours=Decimal("1"))
    enrollment = enrol(member, course)
    finish_every_lesson(member, course, at=T0)
    other = course_of(0, hours=Decimal("2"))
    enrol(member, other)
    finish_every_lesson(member, other, at=T0)
    enrollment.refresh_from_db()

    enrollment.status = Enrollment.Status.WITHDRAWN
    enrollment.save()
    enrollment_ledger_sync(enrollment)

    entries = StudyHoursEntry.objects.filter(person=member)
    assert [(e.hours, e.source_id) for e in entries] == [
        (Decimal("2"), Enrollment.objects.get(course=other).pk)
    ]


def test_the_editor_changing_a_courses_hours_changes_what_completions_credit(
    member, village_a, tasks_run_here
):
    neighbour = PersonFactory(village=village_a, is_party_member=True)
    course = course_of(0, hours=Decimal("1"))
    for person in (member, neighbour):
        enrol(person, course)
        finish_every_lesson(person, course, at=T0)

    with tasks_run_here():
        course.study_hours = Decimal("2.5")
        course.save_revision().publish()

    entries = StudyHoursEntry.objects.filter(source_kind=StudyHoursEntry.Source.COURSE)
    assert sorted((e.person_id, e.hours, e.date) for e in entries) == sorted(
        (person.pk, Decimal("2.5"), datetime.date(2026, 3, 5)) for person in (member, neighbour)
    )


def test_a_lesson_added_later_changes_what_a_derived_course_credits(member, tasks_run_here):
    minutes_per_study_hour(60)
    course = course_of(3600)  # 1 study hour of media
    enrol(member, course)
    finish_every_lesson(member, course, at=T0)

    with tasks_run_here():
        lesson = build.lesson(course, "补充课", media_seconds=1800)
        lesson.save_revision().publish()

    assert credited_entry(member).hours == Decimal("1.5")


# --- Who a course is open to, and enrolments assigned again -----------------------------------


def test_a_course_is_open_on_its_first_and_last_day_only(member):
    first, last = datetime.date(2026, 3, 1), datetime.date(2026, 3, 31)
    course = build.course(opens_on=first, closes_on=last)
    one_day = datetime.timedelta(days=1)

    assert [
        course_is_open(course, on=day) for day in (first - one_day, first, last, last + one_day)
    ] == [False, True, True, False]


def test_a_village_course_is_for_that_villages_people_only(member, village_b):
    course = build.course(audience=CoursePage.Audience.VILLAGE, audience_village=member.village)
    elsewhere = PersonFactory(village=village_b, is_party_member=True)

    assert person_in_audience(member, course) is True
    assert person_in_audience(elsewhere, course) is False


def test_a_branch_course_is_for_that_branchs_members_only(member, village_a):
    from tests.factories.people import PartyBranchFactory

    branch = PartyBranchFactory(village=village_a, name="第一党支部")
    other = PartyBranchFactory(village=village_a, name="第二党支部")
    member.branch = branch
    member.save()
    course = build.course(audience=CoursePage.Audience.BRANCH, audience_branch=branch)
    outsider = PersonFactory(village=village_a, is_party_member=True, branch=other)

    assert person_in_audience(member, course) is True
    assert person_in_audience(outsider, course) is False


def test_an_assigned_enrolment_records_who_assigned_it_and_a_withdrawn_one_comes_back(member):
    from django.contrib.auth.models import AnonymousUser

    organizer = UserFactory(username="organizer_assigns")
    course, other = build.course(), build.course("另一门课")
    assigned = enrollment_create(
        person=member, course=course, source=Enrollment.Source.ASSIGNED, by=organizer
    )
    anonymous = enrollment_create(
        person=member, course=other, source=Enrollment.Source.ASSIGNED, by=AnonymousUser()
    )
    Enrollment.objects.filter(pk=assigned.pk).update(status=Enrollment.Status.WITHDRAWN)

    again = enrollment_create(person=member, course=course, source=Enrollment.Source.ASSIGNED)

    assert (assigned.assigned_by, anonymous.assigned_by) == (organizer, None)
    again.refresh_from_db()
    assert (again.pk, again.status) == (assigned.pk, Enrollment.Status.ENROLLED)


# --- A heartbeat after completion, and the quiz passed before the video ends ------------------


def test_beats_after_completion_keep_the_completion_time_and_say_so(member):
    course = course_of(600, 600)
    enrol(member, course)
    lesson = course.lessons().first()
    heartbeat_record(person=member, lesson_id=lesson.pk, position_seconds=0, playing=False, at=T0)
    LessonProgress.objects.filter(person=member, lesson=lesson).update(
        seconds_credited=600, completed_at=T0
    )

    later = heartbeat_record(
        person=member,
        lesson_id=lesson.pk,
        position_seconds=30,
        playing=False,
        at=T0 + datetime.timedelta(days=2),
    )

    assert later.progress.completed_at == T0
    assert later.course_completed is False  # the second lesson is still to do
    assert LessonProgress.objects.get(person=member, lesson=lesson).completed_at == T0


def test_a_quiz_passed_before_the_video_ends_completes_the_lesson_when_it_does(member):
    course = build.course(hours=Decimal("1"), requires_quiz_pass=True)
    lesson = build.lesson(course, media_seconds=60, quiz=THREE_QUESTIONS)
    enrol(member, course)
    heartbeat_record(person=member, lesson_id=lesson.pk, position_seconds=0, playing=False, at=T0)
    LessonProgress.objects.filter(person=member, lesson=lesson).update(quiz_passed=True)
    LessonProgress.objects.filter(person=member, lesson=lesson).update(seconds_credited=60)

    beat = heartbeat_record(
        person=member, lesson_id=lesson.pk, position_seconds=60, playing=False, at=T0
    )

    assert beat.progress.completed_at == T0
    assert beat.course_completed is True


# --- Working the ledger out again after the editor publishes ----------------------------------


def test_resyncing_a_course_touches_only_its_own_completions_and_counts_them(member, village_a):
    neighbour = PersonFactory(village=village_a, is_party_member=True)
    course, other = course_of(0, hours=Decimal("1")), course_of(0, hours=Decimal("3"))
    for person in (member, neighbour):
        enrol(person, course)
        finish_every_lesson(person, course, at=T0)
    enrol(member, other)
    finish_every_lesson(member, other, at=T0)
    still_studying = PersonFactory(village=village_a, is_party_member=True)
    enrol(still_studying, course)
    CoursePage.objects.filter(pk=course.pk).update(study_hours=Decimal("2"))

    looked_at = course_ledger_resync(course_id=course.pk)

    assert looked_at == 2
    assert course_ledger_resync(course_id=999999) == 0
    hours = {
        (entry.person_id, entry.source_id): entry.hours
        for entry in StudyHoursEntry.objects.filter(source_kind=StudyHoursEntry.Source.COURSE)
    }
    other_enrolment = Enrollment.objects.get(person=member, course=other)
    assert hours[(member.pk, other_enrolment.pk)] == Decimal("3")
    assert sorted(hours.values()) == [Decimal("2"), Decimal("2"), Decimal("3")]
