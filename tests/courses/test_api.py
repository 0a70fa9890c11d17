"""The study API: my courses and progress, enrolling, heartbeats, my hours; token or session."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from courses.models import CoursePage, Enrollment, LessonProgress, StudyClock
from courses.services import enrollment_create
from lms.ledger.models import Track
from lms.people.services import api_token_create
from tests.conftest import PASSWORD, beijing
from tests.factories import courses as build
from tests.factories.people import PartyBranchFactory, PersonFactory, UserFactory

# The clock stands still at 20:00 on 5 March 2026: a heartbeat credits exactly the seconds a
# test lets pass (`time_machine.shift`), and "this year" is 2026 from setup to assertion.
NOW = beijing(2026, 3, 5, 20, 0)
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=False)]


@pytest.fixture
def member(village_a):
    person = PersonFactory(name="党员甲", village=village_a, is_party_member=True)
    person.user = UserFactory(username="member")
    person.save()
    return person


def bearer(person) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=person.user)}"}


def test_course_list_shows_enrolled_and_open_courses_with_progress(client, member):
    required = build.course("党章学习", is_required=True, hours=Decimal("2"))
    first = build.lesson(required, "第一课", media_seconds=60)
    build.lesson(required, "第二课", media_seconds=60)
    build.course("大棚蔬菜", track=Track.SKILLS, hours=None)
    build.course("别村课程", audience=CoursePage.Audience.VILLAGE)  # no village: not for me
    enrollment_create(person=member, course=required, source=Enrollment.Source.SELF)
    LessonProgress.objects.create(person=member, lesson=first, completed_at=timezone.now())

    response = client.get("/api/v1/study/courses", **bearer(member))

    assert response.status_code == 200, response.content
    rows = {row["title"]: row for row in response.json()}
    assert set(rows) == {"党章学习", "大棚蔬菜"}
    assert rows["党章学习"]["progress"] == 50
    assert rows["党章学习"]["is_required"] and rows["党章学习"]["enrolled"]
    assert Decimal(rows["党章学习"]["hours"]) == Decimal("2")
    assert rows["大棚蔬菜"]["enrolled"] is False and rows["大棚蔬菜"]["track"] == "skills"


def test_course_list_query_count_does_not_grow_with_courses(
    client, member, django_assert_max_num_queries
):
    def add_course(n):
        course = build.course(f"课程{n}", hours=None)
        build.lesson(course, media_seconds=2700)
        build.lesson(course, media_seconds=300)
        enrollment_create(person=member, course=course, source=Enrollment.Source.SELF)

    add_course(0)
    headers = bearer(member)
    client.get("/api/v1/study/courses", **headers)  # warm the site and settings caches
    with django_assert_max_num_queries(12) as few:
        client.get("/api/v1/study/courses", **headers)
    queries = len(few.captured_queries)  # before the next request empties Django's log
    for n in range(1, 6):
        add_course(n)
    client.get("/api/v1/study/courses", **headers)  # the live courses read again, once
    with django_assert_max_num_queries(queries):
        response = client.get("/api/v1/study/courses", **headers)
    assert len(response.json()) == 6
    assert Decimal(response.json()[0]["hours"]) == Decimal("1")  # 50 min at 45 min an hour


def test_course_detail_gives_each_lesson_my_resume_position(client, member):
    course = build.course()
    first = build.lesson(course, "第一课", media_seconds=300)
    second = build.lesson(course, "第二课", media_seconds=300)
    enrollment_create(person=member, course=course, source=Enrollment.Source.SELF)
    LessonProgress.objects.create(
        person=member, lesson=first, position_seconds=280, completed_at=timezone.now()
    )
    LessonProgress.objects.create(person=member, lesson=second, position_seconds=95)

    body = client.get(f"/api/v1/study/courses/{course.pk}", **bearer(member)).json()

    assert [lesson["position_seconds"] for lesson in body["lessons"]] == [280, 95]
    assert [lesson["completed"] for lesson in body["lessons"]] == [True, False]
    assert body["next_lesson_id"] == second.pk
    assert body["progress"] == 50


def test_course_for_another_village_is_not_found(client, member, village_b):
    course = build.course(audience=CoursePage.Audience.VILLAGE, audience_village=village_b)
    assert client.get(f"/api/v1/study/courses/{course.pk}", **bearer(member)).status_code == 404


def test_enrol_then_enrol_again_keeps_one_enrollment(client, member):
    course = build.course()
    headers = bearer(member)
    assert client.post(f"/api/v1/study/courses/{course.pk}/enrol", **headers).status_code == 200
    response = client.post(f"/api/v1/study/courses/{course.pk}/enrol", **headers)
    assert response.json()["enrolled"] is True
    assert Enrollment.objects.filter(person=member, course=course).count() == 1


def test_enrol_in_a_branch_course_of_another_branch_is_refused_with_the_reason(
    client, member, village_b
):
    course = build.course(
        audience=CoursePage.Audience.BRANCH,
        audience_branch=PartyBranchFactory(village=village_b),
    )
    response = client.post(
        f"/api/v1/study/courses/{course.pk}/enrol", HTTP_ACCEPT_LANGUAGE="zh-hans", **bearer(member)
    )
    assert response.status_code == 409
    assert response.json()["detail"] == "这门课程面向其他学员，如有疑问请咨询支部书记。"


def test_heartbeat_credits_wall_clock_time_and_reports_completion(client, member):
    course = build.course(hours=Decimal("1"))
    lesson = build.lesson(course, media_seconds=40)
    enrollment_create(person=member, course=course, source=Enrollment.Source.SELF)
    StudyClock.objects.create(person=member, last_credit_at=NOW - datetime.timedelta(seconds=50))

    response = _beat(client, member, lesson, position=40)

    body = response.json()
    assert response.status_code == 200, body
    assert body["credited_seconds"] == 40  # 50 s passed, but the media is 40 s long
    assert body["lesson_completed"] and body["course_completed"]
    hours = client.get("/api/v1/study/hours", **bearer(member)).json()
    assert hours["year"] == 2026
    assert Decimal(hours["party"]) == Decimal("1") and Decimal(hours["total"]) == Decimal("1")


def test_replayed_heartbeat_earns_nothing(client, member, time_machine):
    course = build.course()
    lesson = build.lesson(course, media_seconds=600)
    enrollment_create(person=member, course=course, source=Enrollment.Source.SELF)
    ticket = _ticket(client, member, lesson)

    def credited_seconds() -> int:
        response = _beat(client, member, lesson, position=10, ticket=ticket)
        assert response.status_code == 200, response.content
        return response.json()["credited_seconds"]

    started = credited_seconds()  # the first heartbeat starts the clock
    time_machine.shift(30)
    played = credited_seconds()  # 30 s of playing
    replayed = credited_seconds()  # the same heartbeat sent again at the same instant

    assert (started, played, replayed) == (0, 30, 0)
    assert LessonProgress.objects.get(person=member, lesson=lesson).seconds_credited == 30


def test_heartbeat_without_enrolment_is_refused_with_409(client, member):
    lesson = build.lesson(build.course(), media_seconds=600)
    response = _beat(client, member, lesson)
    assert response.status_code == 409
    assert response.json()["detail"] == "请先报名这门课程。"


def test_hours_of_another_year_are_zero_and_session_login_works(client, member):
    client.login(username="member", password=PASSWORD)
    body = client.get("/api/v1/study/hours?year=2001").json()
    assert body["year"] == 2001 and Decimal(body["total"]) == 0
    assert body["standing"]["has_requirement"] is False and body["standing"]["met"] is True


def test_staff_without_a_roster_record_get_404(client, secretary_a):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=secretary_a)}"}
    assert client.get("/api/v1/study/courses", **headers).status_code == 404


def test_anonymous_is_refused(client):
    assert client.get("/api/v1/study/courses").status_code == 401


def test_hours_show_my_standing_against_the_requirement(client, member, township):
    from lms.ledger.models import AnnualRequirement
    from lms.ledger.services import ledger_record

    AnnualRequirement.objects.create(
        township=township, year=2026, total_hours=Decimal("32"), party_hours=Decimal("16")
    )
    ledger_record(
        person_id=member.pk,
        on=datetime.date(2026, 3, 5),
        hours=Decimal("6"),
        track=Track.PARTY,
        source_kind="course",
        source_id=1,
    )

    standing = client.get("/api/v1/study/hours", **bearer(member)).json()["standing"]

    assert standing["has_requirement"] and not standing["met"]
    assert Decimal(standing["party"]["remaining"]) == Decimal("10")
    assert Decimal(standing["total"]["remaining"]) == Decimal("26")


def test_study_endpoints_are_in_the_openapi_schema(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/study/courses",
        "/api/v1/study/courses/{course_id}",
        "/api/v1/study/courses/{course_id}/enrol",
        "/api/v1/study/lessons/{lesson_id}/ticket",
        "/api/v1/study/hours",
    } <= set(paths)


def test_a_heartbeat_costs_the_same_queries_however_long_the_course(client, member):
    """The hot path of 万人在线: a read and a write (on SQLite the write is two updates), the
    same for every course; no session, account, token, page or media document is read."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    short = build.course("短课")
    short_lesson = build.lesson(short, media_seconds=60)
    long = build.course("长课")
    long_lessons = [build.lesson(long, title=f"第{n}课", media_seconds=60) for n in range(8)]
    for course in (short, long):
        enrollment_create(person=member, course=course, source=Enrollment.Source.SELF)

    def queries_of_a_heartbeat(lesson) -> list[str]:
        ticket = _ticket(client, member, lesson)
        _beat(client, member, lesson, position=5, ticket=ticket)
        with CaptureQueriesContext(connection) as captured:
            response = _beat(client, member, lesson, position=5, ticket=ticket)
        assert response.status_code == 200
        return [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]

    short_sql = queries_of_a_heartbeat(short_lesson)
    long_sql = queries_of_a_heartbeat(long_lessons[-1])
    assert len(short_sql) == len(long_sql) <= (2 if connection.vendor == "postgresql" else 3)
    for table in ("django_session", "people_user", "people_apitoken", "people_person"):
        assert not any(table in q for q in long_sql), table
    assert not any("wagtaildocs_document" in q or "wagtailcore_page" in q for q in long_sql)


def _beat(client, member, lesson, position=0, *, ticket=None, playing=True):
    """One heartbeat as the app sends it: the ticket, where the player is, playing or not."""
    return client.post(
        "/api/v1/study/heartbeat",
        {
            "ticket": ticket or _ticket(client, member, lesson),
            "position_seconds": position,
            "playing": playing,
        },
        content_type="application/json",
    )


def _ticket(client, member, lesson) -> str:
    """The app's way: ask the API for the lesson's study ticket with the bearer token."""
    response = client.post(f"/api/v1/study/lessons/{lesson.pk}/ticket", **bearer(member))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["heartbeat_url"] == "/api/v1/study/heartbeat"
    return body["ticket"]


def test_a_lesson_republished_with_new_media_is_credited_by_its_new_length(client, member):
    course = build.course()
    lesson = build.lesson(course, media_seconds=600)
    enrollment_create(person=member, course=course, source=Enrollment.Source.SELF)
    assert _beat(client, member, lesson, position=5000).json()["media_seconds"] == 600

    lesson.body[0].value["duration_seconds"] = 1200
    lesson.save_revision().publish()

    body = _beat(client, member, lesson, position=5000).json()
    assert body["media_seconds"] == 1200 and body["position_seconds"] == 1200


def test_an_unpublished_lesson_takes_no_more_heartbeats(client, member):
    course = build.course()
    lesson = build.lesson(course, media_seconds=600)
    enrollment_create(person=member, course=course, source=Enrollment.Source.SELF)
    ticket = _ticket(client, member, lesson)
    assert _beat(client, member, lesson, ticket=ticket).status_code == 200

    lesson.unpublish()

    response = _beat(client, member, lesson, ticket=ticket)  # a ticket handed out before
    assert response.status_code == 404
    assert client.post(f"/api/v1/study/lessons/{lesson.pk}/ticket", **bearer(member)).json() == {
        "detail": "未找到该课时。"
    }
    assert response.json()["detail"] == "未找到该课时。"


def test_a_changed_completion_share_applies_to_the_next_heartbeat(client, member):
    from wagtail.models import Site

    from courses.models import StudySettings

    course = build.course()
    lesson = build.lesson(course, media_seconds=100)
    enrollment_create(person=member, course=course, source=Enrollment.Source.SELF)
    _beat(client, member, lesson)
    LessonProgress.objects.filter(person=member, lesson=lesson).update(seconds_credited=60)
    assert _beat(client, member, lesson).json()["lesson_completed"] is False  # 90 % needed

    study = StudySettings.for_site(Site.objects.get(is_default_site=True))
    study.completion_share = 50
    study.save()

    assert _beat(client, member, lesson).json()["lesson_completed"] is True


def test_the_lesson_page_carries_the_ticket_its_heartbeats_present(client, member, time_machine):
    """The browser's heartbeat: the page hands out the ticket; the beat sends no cookie and
    is credited like the app's."""
    import re

    course = build.course()
    lesson = build.lesson(course, media_seconds=600)
    enrollment_create(person=member, course=course, source=Enrollment.Source.SELF)
    client.force_login(member.user)
    page = client.get(lesson.url).content.decode()
    ticket = re.search(r'data-ticket="([^"]+)"', page).group(1)
    assert 'data-heartbeat-url="/api/v1/study/heartbeat"' in page
    client.logout()

    first = _beat(client, member, lesson, ticket=ticket)
    time_machine.shift(30)
    second = _beat(client, member, lesson, position=30, ticket=ticket)

    assert first.status_code == second.status_code == 200
    assert second.json()["credited_seconds"] == 30


def test_course_detail_queries_do_not_grow_with_lessons(client, member):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    headers = bearer(member)

    def queries_of_detail(lessons: int) -> int:
        course = build.course(f"{lessons}课之课程", hours=None)
        for n in range(lessons):
            build.lesson(course, f"第{n + 1}课", media_seconds=600, quiz=[])
        enrollment_create(person=member, course=course, source=Enrollment.Source.SELF)
        client.get(f"/api/v1/study/courses/{course.pk}", **headers)
        with CaptureQueriesContext(connection) as captured:
            body = client.get(f"/api/v1/study/courses/{course.pk}", **headers).json()
        assert len(body["lessons"]) == lessons
        return len(captured.captured_queries)

    assert queries_of_detail(1) == queries_of_detail(6)
