"""Completion and enrolment rules, pinned exactly (issue 14): what the completion checks
answer, who a course is open to, enrolments assigned again, beats after completion, and the
ledger worked out again after the editor publishes."""

import datetime
from decimal import Decimal

import pytest

from courses.audience import course_is_open, person_in_audience
from courses.models import CoursePage, Enrollment, LessonProgress
from courses.services import (
    course_completion_check,
    course_ledger_resync,
    enrollment_create,
    enrollment_ledger_sync,
    heartbeat_record,
    lesson_completion_check,
    live_lesson_facts,
)
from lms.ledger.models import StudyHoursEntry
from tests.courses.study_support import (
    T0,
    THREE_QUESTIONS,
    course_of,
    credited_entry,
    enrol,
    finish_every_lesson,
    minutes_per_study_hour,
)
from tests.factories import courses as build
from tests.factories.people import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


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
        person_id=member.pk, lesson_id=lesson.pk, position_seconds=sent, playing=True, at=T0
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
    heartbeat_record(
        person_id=member.pk, lesson_id=lesson.pk, position_seconds=0, playing=False, at=T0
    )
    LessonProgress.objects.filter(person=member, lesson=lesson).update(
        seconds_credited=600, completed_at=T0
    )

    later = heartbeat_record(
        person_id=member.pk,
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
    heartbeat_record(
        person_id=member.pk, lesson_id=lesson.pk, position_seconds=0, playing=False, at=T0
    )
    LessonProgress.objects.filter(person=member, lesson=lesson).update(quiz_passed=True)
    LessonProgress.objects.filter(person=member, lesson=lesson).update(seconds_credited=60)

    beat = heartbeat_record(
        person_id=member.pk, lesson_id=lesson.pk, position_seconds=60, playing=False, at=T0
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
