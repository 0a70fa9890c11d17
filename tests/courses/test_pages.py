"""What a learner sees on the catalogue, course and lesson pages, and enrolling themselves."""

import datetime
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from attendance.models import SessionKind, TrainingSession
from courses.models import CoursePage, Enrollment, LessonProgress
from courses.services import enrollment_create
from lms.people.services import person_account_create
from tests.conftest import PASSWORD, beijing
from tests.courses.study_support import post_beat, ticket_for
from tests.factories import courses as build
from tests.factories.people import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(village_a):
    person = PersonFactory(name="王秀兰", village=village_a, is_party_member=True)
    person_account_create(person=person, password=PASSWORD)
    return person


@pytest.fixture
def learner(client, member, settings):
    """A logged-in member reading in English, so tests read the source strings."""
    client.force_login(member.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_catalogue_lists_open_courses_required_first_with_progress(learner, member):
    build.course("电商入门", track="skills", hours=Decimal("1.5"))
    required = build.course("学习党章", is_required=True)
    build.course("已结束的课", closes_on=timezone.localdate() - datetime.timedelta(days=1))
    build.course("别村的课", audience=CoursePage.Audience.VILLAGE)
    lesson = build.lesson(required, media_seconds=0)
    enrollment_create(person=member, course=required, source=Enrollment.Source.SELF)
    LessonProgress.objects.create(person=member, lesson=lesson, completed_at=timezone.now())

    html = learner.get(build.catalogue().url).content.decode()

    assert html.index("学习党章") < html.index("电商入门")
    assert "已结束的课" not in html and "别村的课" not in html
    assert "1.5" in html
    assert "1 of 1 lessons done" in html


def test_course_page_shows_hours_lessons_done_and_continue_to_the_next(learner, member):
    course = build.course("学习党章", is_required=True, hours=Decimal("2"))
    first = build.lesson(course, "第一课")
    second = build.lesson(course, "第二课")
    enrollment_create(person=member, course=course, source=Enrollment.Source.SELF)
    LessonProgress.objects.create(person=member, lesson=first, completed_at=timezone.now())

    html = learner.get(course.url).content.decode()

    assert "第一课" in html and "✓" in html
    assert 'aria-valuenow="50"' in html
    assert f'<a class="button" href="{second.url}">Continue studying</a>' in html
    catalogue = build.catalogue()
    assert f'<a href="{catalogue.url}">{catalogue.title}</a>' in html  # the way back up


def test_course_page_offers_enrolment_and_enrolling_takes_the_learner_in(learner, member):
    course = build.course("学习党章")
    build.lesson(course)

    page = learner.get(course.url).content.decode()
    assert reverse("courses:enrol", args=[course.pk]) in page

    response = learner.post(reverse("courses:enrol", args=[course.pk]))

    assert response.status_code == 302 and response.url == course.url
    assert Enrollment.objects.filter(person=member, course=course).exists()
    assert "Start studying" in learner.get(course.url).content.decode()


def test_enrolling_in_a_closed_course_is_refused_with_the_reason(learner, member):
    course = build.course("明年的课", opens_on=timezone.localdate() + datetime.timedelta(days=30))

    response = learner.post(reverse("courses:enrol", args=[course.pk]), follow=True)

    assert not Enrollment.objects.filter(person=member, course=course).exists()
    assert [str(m) for m in response.context["messages"]] == [
        "This course is not open for study now."
    ]


def test_enrolling_in_another_groups_course_is_refused(learner, member):
    course = build.course("别村的课", audience=CoursePage.Audience.VILLAGE)

    response = learner.post(reverse("courses:enrol", args=[course.pk]), follow=True)

    assert not Enrollment.objects.filter(person=member, course=course).exists()
    assert "another group" in " ".join(str(m) for m in response.context["messages"])


def test_enrolment_needs_a_post_and_a_login(client, member):
    course = build.course()
    assert client.post(reverse("courses:enrol", args=[course.pk])).status_code == 302
    client.force_login(member.user)
    assert client.get(reverse("courses:enrol", args=[course.pk])).status_code == 405


def test_course_page_lists_its_upcoming_in_person_sessions(learner, village_a):
    course = build.course("大棚蔬菜种植")
    kind, _ = SessionKind.objects.get_or_create(name=SessionKind.DEFAULT)
    soon = timezone.now() + datetime.timedelta(days=3)
    for topic, starts in (("下周实地培训", soon), ("上月培训", soon - datetime.timedelta(days=40))):
        TrainingSession.objects.create(
            kind=kind,
            topic=topic,
            track="skills",
            village=village_a,
            course=course,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=2),
        )

    html = learner.get(course.url).content.decode()

    assert "下周实地培训" in html and "上月培训" not in html
    # The course's sessions are kept by the process: one planned or cancelled shows at once.
    planned = TrainingSession.objects.create(
        kind=kind,
        topic="新安排的培训",
        track="skills",
        village=village_a,
        course=course,
        starts_at=soon,
        ends_at=soon + datetime.timedelta(hours=2),
    )
    assert "新安排的培训" in learner.get(course.url).content.decode()
    planned.status = TrainingSession.Status.CANCELLED
    planned.save()
    assert "新安排的培训" not in learner.get(course.url).content.decode()


def test_lesson_page_plays_media_without_preloading_and_resumes(learner, member):
    course = build.course()
    first = build.lesson(course, "第一课", media_seconds=600)
    second = build.lesson(course, "第二课")
    enrollment_create(person=member, course=course, source=Enrollment.Source.SELF)
    LessonProgress.objects.create(person=member, lesson=first, position_seconds=125)

    html = learner.get(first.url).content.decode()

    assert 'preload="none"' in html and "<video" in html
    assert 'data-resume="125"' in html
    assert f'href="{second.url}" rel="next"' in html
    assert "study-heartbeat.js" in html and 'data-enrolled="1"' in html


def test_lesson_page_links_its_quiz(learner, member):
    course = build.course()
    quiz = [
        (
            "question",
            {
                "kind": "true_false",
                "text": "党员应按时交纳党费",
                "options": [{"text": "对", "correct": True}, {"text": "错", "correct": False}],
            },
        )
    ]
    lesson = build.lesson(course, quiz=quiz)

    html = learner.get(lesson.url).content.decode()

    assert f"/study/lessons/{lesson.pk}/quiz/" in html


def test_text_lesson_offers_i_have_finished_reading(learner, member):
    course = build.course()
    lesson = build.lesson(course, media_seconds=0)
    enrollment_create(person=member, course=course, source=Enrollment.Source.SELF)

    html = learner.get(lesson.url).content.decode()

    assert "data-read-done" in html


@pytest.mark.time_machine(beijing(2026, 3, 5, 20, 0), tick=False)
def test_heartbeat_from_the_page_credits_and_reports_completion(client, member, time_machine):
    course = build.course(hours=Decimal("1"))
    lesson = build.lesson(course, media_seconds=20)
    enrollment_create(person=member, course=course, source=Enrollment.Source.SELF)

    assert post_beat(client, member, lesson).json()["credited_seconds"] == 0
    progress = LessonProgress.objects.get(person=member, lesson=lesson)
    time_machine.shift(20)  # 20 s of playing: the clock allows 20 s
    reply = post_beat(client, member, lesson, position=20).json()

    assert reply == {
        "lesson_id": lesson.pk,
        "credited_seconds": 20,
        "seconds_credited": 20,
        "media_seconds": 20,
        "position_seconds": 20,
        "lesson_completed": True,
        "course_completed": True,
        "quiz_pending": False,
    }
    progress.refresh_from_db()
    assert progress.completed_at is not None


def test_heartbeat_for_a_course_not_enrolled_is_refused(client, member):
    lesson = build.lesson(build.course())

    response = post_beat(client, member, lesson)

    assert response.status_code == 409
    assert response.json()["detail"] == "请先报名这门课程。"


def test_heartbeat_without_a_genuine_ticket_is_refused(client, member):
    lesson = build.lesson(build.course())
    enrollment_create(person=member, course=lesson.get_parent().specific, source="self")
    genuine = ticket_for(member, lesson)
    person, lesson_id, expires, signature = genuine.split(".")
    forged = [
        f"{int(person) + 1}.{lesson_id}.{expires}.{signature}",  # someone else's study
        f"{person}.{lesson_id}.{int(expires) + 86400}.{signature}",  # a longer life
        "",
        "1.2.3",
    ]
    for ticket in forged:
        response = client.post(
            "/api/v1/study/heartbeat",
            {"ticket": ticket, "position_seconds": 0, "playing": True},
            content_type="application/json",
        )
        assert response.status_code == 401, ticket
        assert response.json()["detail"] == "学习凭证已过期，请刷新课时页面。"
    assert not LessonProgress.objects.filter(lesson=lesson).exists()


def test_heartbeat_rejects_nonsense(client, member):
    lesson = build.lesson(build.course())
    ticket = ticket_for(member, lesson)
    negative = json.dumps({"ticket": ticket, "position_seconds": -5})
    for body in ("{}", "[]", "not json", negative):
        response = client.post("/api/v1/study/heartbeat", body, content_type="application/json")
        assert response.status_code in (401, 422), body
    response = client.post(
        "/api/v1/study/heartbeat",
        {"ticket": ticket, "position_seconds": 0, "playing": "yes"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "心跳需要学习凭证和播放位置。"
    assert client.get("/api/v1/study/heartbeat").status_code == 405


def _course_with(member, lessons: int) -> CoursePage:
    course = build.course(f"课程{lessons}", is_required=True, hours=None)
    for n in range(lessons):
        lesson = build.lesson(course, f"第{n + 1}课", media_seconds=900)
        if n % 2:
            LessonProgress.objects.create(person=member, lesson=lesson, completed_at=timezone.now())
    enrollment_create(person=member, course=course, source=Enrollment.Source.SELF)
    return course


@pytest.mark.parametrize("lessons", [1, 12])
def test_course_page_queries_do_not_grow_with_lessons(
    learner, member, lessons, django_assert_max_num_queries
):
    course = _course_with(member, lessons)
    learner.get(course.url)  # warm-up: the site, its root page and settings are kept
    # the session, the page, lessons done, enrolment, sessions of the course (the lessons
    # come from the live courses each process keeps)
    with django_assert_max_num_queries(5):
        response = learner.get(course.url)
    assert response.status_code == 200
    assert f"第{lessons}课" in response.content.decode()


@pytest.mark.parametrize("lessons", [1, 12])
def test_lesson_page_queries_do_not_grow_with_lessons(
    learner, member, lessons, django_assert_max_num_queries
):
    course = _course_with(member, lessons)
    lesson = course.lessons().first()
    learner.get(lesson.url)  # warm-up, as above (and the lesson body is rendered once)
    # the session, the page, enrolment, progress (its course and neighbours are kept)
    with django_assert_max_num_queries(4):
        response = learner.get(lesson.url)
    assert response.status_code == 200


@pytest.mark.parametrize("courses", [1, 8])
def test_catalogue_queries_do_not_grow_with_courses(
    learner, member, courses, django_assert_max_num_queries
):
    for _n in range(courses):
        _course_with(member, 3)
    url = build.catalogue().url
    learner.get(url)  # warm-up, as above
    # the session, the page, enrolments, lessons done
    with django_assert_max_num_queries(4):
        response = learner.get(url)
    assert response.status_code == 200


def test_what_an_editor_publishes_or_unpublishes_shows_at_once(learner, member):
    """The live courses are kept by each process: a change made in it shows on the next page."""
    catalogue = build.catalogue().url
    course = build.course("学习党章", audience="everyone")
    first = build.lesson(course, "第一课")
    enrollment_create(person=member, course=course, source=Enrollment.Source.SELF)
    assert "学习党章" in learner.get(catalogue).content.decode()

    second = build.lesson(course, "第二课新")
    other = build.course("乡村振兴新课", audience="everyone")
    other.save_revision().publish()
    assert "第二课新" in learner.get(first.url).content.decode()  # the next lesson
    assert "第二课新" in learner.get(course.url).content.decode()
    assert "乡村振兴新课" in learner.get(catalogue).content.decode()

    second.unpublish()
    other.unpublish()
    assert "第二课新" not in learner.get(first.url).content.decode()
    assert "第二课新" not in learner.get(course.url).content.decode()
    assert "乡村振兴新课" not in learner.get(catalogue).content.decode()


def test_course_and_lesson_pages_are_found_by_their_address_and_drafts_are_not(learner):
    course = build.course("学习党章")
    lesson = build.lesson(course, "第一课")
    draft = build.lesson(course, "第二课")
    draft.unpublish()

    assert learner.get(course.url).status_code == 200
    assert "第一课" in learner.get(lesson.url).content.decode()
    assert learner.get(f"{course.url}{draft.slug}/").status_code == 404
    assert learner.get(f"{course.url}no-such-lesson/").status_code == 404
    assert learner.get(f"{lesson.url}deeper/").status_code == 404
    course.unpublish()
    assert learner.get(course.url).status_code == 404


def test_a_page_renamed_by_another_server_is_found_at_its_new_address(learner, member):
    """Each process keeps which page is at an address; a page renamed in another process
    (no signal reaches this one) must not be served at its old address, nor lost at its new."""
    course = build.course("学习党章")
    old_url = course.url
    assert learner.get(old_url).status_code == 200  # this process now knows the address
    new_path = course.url_path.replace(f"/{course.slug}/", "/xuexi-dangzhang-2026/")
    CoursePage.objects.filter(pk=course.pk).update(slug="xuexi-dangzhang-2026", url_path=new_path)

    assert learner.get(old_url).status_code == 404
    moved = learner.get(old_url.replace(f"/{course.slug}/", "/xuexi-dangzhang-2026/"))
    assert moved.status_code == 200 and "学习党章" in moved.content.decode()


def test_a_page_published_again_or_unpublished_by_another_server_shows_as_it_stands(learner):
    """Each process keeps the pages it served; one published again or unpublished in another
    process (no signal reaches this one) is served as it now stands."""
    course = build.course("学习党章")
    assert "学习党章" in learner.get(course.url).content.decode()  # kept now
    CoursePage.objects.filter(pk=course.pk).update(
        title="学习新党章", last_published_at=timezone.now()
    )
    assert "学习新党章" in learner.get(course.url).content.decode()
    CoursePage.objects.filter(pk=course.pk).update(live=False)
    assert learner.get(course.url).status_code == 404
