"""我的学习: what a member sees of their own study on one phone screen."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from attendance.models import Registration, SessionKind, TrainingSession
from courses.models import Enrollment, LessonProgress
from courses.services import enrollment_create
from lms.home.models import Notification
from lms.ledger.models import AnnualRequirement, StudyHoursEntry
from lms.people.services import person_account_create
from tests.conftest import PASSWORD, beijing
from tests.factories import courses as build
from tests.factories.people import PersonFactory

# The clock stands still at 20:00 on 5 March 2026: "this year" is 2026 from setup to page.
NOW = beijing(2026, 3, 5, 20, 0)
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=False)]
URL = "/study/"


@pytest.fixture
def member(village_a):
    person = PersonFactory(name="王秀兰", village=village_a, is_party_member=True)
    person_account_create(person=person, password=PASSWORD)
    return person


@pytest.fixture
def learner(client, member, settings):
    client.force_login(member.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _session(topic, village, starts, **fields):
    kind, _ = SessionKind.objects.get_or_create(name=SessionKind.DEFAULT)
    return TrainingSession.objects.create(
        kind=kind,
        topic=topic,
        track="party",
        village=village,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        **fields,
    )


def test_dashboard_is_at_study_and_needs_a_login(client):
    assert reverse("home:my_study") == URL
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_home_page_links_members_to_my_study(learner):
    assert f'href="{URL}"' in learner.get("/").content.decode()


def test_dashboard_shows_required_courses_with_progress_and_resume(learner, member):
    required = build.course("学习党章", is_required=True)
    first = build.lesson(required, "第一课")
    second = build.lesson(required, "第二课")
    elective = build.course("电商入门", track="skills")
    elective_lesson = build.lesson(elective, "开网店")
    enrollment_create(person=member, course=required, source=Enrollment.Source.SELF)
    enrollment_create(person=member, course=elective, source=Enrollment.Source.SELF)
    LessonProgress.objects.create(person=member, lesson=first, completed_at=timezone.now())

    html = learner.get(URL).content.decode()

    required_part = html.split("Required courses")[1].split("Courses in progress")[0]
    assert "学习党章" in required_part and 'aria-valuenow="50"' in required_part
    assert f'href="{second.url}">Continue</a>' in required_part
    in_progress = html.split("Courses in progress")[1]
    assert (
        "电商入门" in in_progress and f'href="{elective_lesson.url}">Start studying' in in_progress
    )


def test_dashboard_shows_hours_this_year_against_the_requirement(learner, member, township):
    AnnualRequirement.objects.create(
        township=township,
        year=2026,
        total_hours=Decimal("32"),
        party_hours=Decimal("16"),
        skills_hours=Decimal("8"),
    )
    for n, (track, hours) in enumerate((("party", "6"), ("skills", "8"), ("party", "2"))):
        StudyHoursEntry.objects.create(
            person=member,
            date=datetime.date(2026, 1, 10),
            hours=Decimal(hours),
            track=track,
            source_kind="course",
            source_id=1000 + n,
        )
    StudyHoursEntry.objects.create(
        person=member,
        date=datetime.date(2025, 12, 31),
        hours=Decimal("5"),
        track="party",
        source_kind="course",
        source_id=999,
    )

    response = learner.get(URL)

    lines = {line["label"]: line for line in response.context["standing"]["lines"]}
    assert lines["In total"]["hours"] == 16 and lines["In total"]["percent"] == 50
    assert lines["party education"]["hours"] == 8
    assert lines["skills training"]["met"] is True
    assert "16 / 32" in response.content.decode()


def test_dashboard_shows_upcoming_sessions_registered_or_in_my_village(
    learner, member, village_a, village_b
):
    soon = NOW + datetime.timedelta(days=2)
    _session("本村党课", village_a, soon)
    invited = _session("乡里集中培训", village_b, soon + datetime.timedelta(days=1))
    Registration.objects.create(session=invited, person=member)
    _session("别村培训", village_b, soon)
    _session("已取消", village_a, soon, status=TrainingSession.Status.CANCELLED)
    called_off = _session("别村取消", village_b, soon, status=TrainingSession.Status.CANCELLED)
    Registration.objects.create(session=called_off, person=member)
    _session("上周的课", village_a, soon - datetime.timedelta(days=9))

    html = learner.get(URL).content.decode()

    assert "本村党课" in html and "乡里集中培训" in html
    assert "别村培训" not in html and "已取消" not in html and "上周的课" not in html
    assert "别村取消" not in html
    assert html.index("本村党课") < html.index("乡里集中培训")


def test_a_session_planned_in_my_village_shows_on_my_next_visit(learner, village_a):
    """Each process keeps a village's next sessions for a few seconds: the process that plans
    one forgets them at once."""
    soon = NOW + datetime.timedelta(days=2)
    _session("本村党课", village_a, soon)
    assert "本村党课" in learner.get(URL).content.decode()

    _session("新排的培训", village_a, soon + datetime.timedelta(days=1))

    assert "新排的培训" in learner.get(URL).content.decode()


def test_dashboard_shows_unread_notifications_only(learner, member):
    Notification.objects.create(person=member, kind="behind", title="学时不足提醒", url="/study/")
    Notification.objects.create(
        person=member, kind="behind", title="旧消息", read_at=timezone.now()
    )

    html = learner.get(URL).content.decode()

    assert "学时不足提醒" in html and "旧消息" not in html


def test_dashboard_for_an_account_without_a_person_explains(client, secretary_a):
    client.force_login(secretary_a)
    response = client.get(URL)
    assert response.status_code == 200 and response.context["person"] is None


@pytest.mark.parametrize("courses", [1, 10])
def test_dashboard_queries_do_not_grow_with_courses_or_enrollments(
    learner, member, village_a, courses, django_assert_max_num_queries
):
    soon = NOW + datetime.timedelta(days=2)
    for n in range(courses):
        course = build.course(f"课程{n}", is_required=bool(n % 2), hours=None)
        for m in range(3):
            lesson = build.lesson(course, f"第{m}课", media_seconds=900)
            if m == 0:
                LessonProgress.objects.create(
                    person=member, lesson=lesson, completed_at=timezone.now()
                )
        enrollment_create(person=member, course=course, source=Enrollment.Source.SELF)
        Registration.objects.create(session=_session(f"培训{n}", village_a, soon), person=member)
        Notification.objects.create(person=member, kind="news", title=f"消息{n}")
    learner.get(URL)  # warm-up: the site and its settings are kept
    # the session, enrolments, lessons done, hours this year, sessions, notifications,
    # certificates (the courses and their lessons are kept)
    with django_assert_max_num_queries(7):
        response = learner.get(URL)
    assert response.status_code == 200
    assert "课程0" in response.content.decode()
