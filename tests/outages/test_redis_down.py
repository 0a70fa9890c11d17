"""With Redis away (cache and broker), learners keep logging in, studying and signing in,
limits on guessing still hold, and tasks wait in the database (hardening issue 13)."""

import pytest
from django.conf import settings
from django.urls import reverse
from kombu.exceptions import OperationalError

from attendance import sign_in
from attendance.models import AttendanceRecord
from courses.models import Enrollment, LessonProgress
from courses.services import enrollment_create
from lms.outages.deferred import deferred_tasks_send
from lms.outages.models import DeferredTask, FailureCount
from lms.people.services import api_token_create, person_account_create
from tests.conftest import PASSWORD, beijing
from tests.courses.study_support import post_beat
from tests.factories import courses as build
from tests.factories.attendance import TrainingSessionFactory
from tests.factories.people import PersonFactory

pytestmark = pytest.mark.django_db
NOW = beijing(2026, 3, 5, 9, 0, 10)  # 10 s into a window of the screen's codes
PHONE = "13800138000"
GUESSING_BLOCKED = "签到码输错次数过多，请十分钟后再试，或直接扫描屏幕上的二维码。"
LOGIN_LOCKED_PART = "登录失败次数过多"


@pytest.fixture
def member(village_a):
    person = PersonFactory(name="张秀英", village=village_a, phone=PHONE, is_party_member=True)
    person_account_create(person=person, password=PASSWORD)
    return person


def log_in(client, password=PASSWORD):
    return client.post(
        reverse("accounts:login"), {"username": PHONE, "password": password}, REMOTE_ADDR="10.0.0.1"
    )


def _wrong_code(session) -> str:
    right = {sign_in.sign_in_code_make(session=session)}
    return next(f"{n:06d}" for n in range(10**6) if f"{n:06d}" not in right)


def test_a_learner_logs_in_and_opens_my_study_while_redis_is_down(client, member, redis_down):
    logged_in = log_in(client)
    my_study = client.get("/study/")

    assert logged_in.status_code == 302
    assert my_study.status_code == 200
    assert my_study.context["user"] == member.user


def test_a_lesson_page_opens_and_heartbeats_count_while_redis_is_down(client, member, redis_down):
    course = build.course()
    lesson = build.lesson(course, media_seconds=600)
    enrollment_create(person=member, course=course, source=Enrollment.Source.SELF)
    log_in(client)

    page = client.get(lesson.url)
    first = post_beat(client, member, lesson, position=0)
    second = post_beat(client, member, lesson, position=5)

    assert page.status_code == 200
    assert (first.status_code, second.status_code) == (200, 200)
    assert LessonProgress.objects.filter(person=member, lesson=lesson).exists()


@pytest.mark.time_machine(NOW, tick=False)
def test_signing_in_with_a_code_works_while_redis_is_down(
    client, member, village_a, redis_down, django_capture_on_commit_callbacks
):
    by_form_session = TrainingSessionFactory(village=village_a, study_hours=2)
    by_api_session = TrainingSessionFactory(village=village_a, study_hours=2)
    log_in(client)

    with django_capture_on_commit_callbacks(execute=True):
        by_form = client.post(
            reverse("attendance:code"), {"code": sign_in.sign_in_code_make(session=by_form_session)}
        )
    with django_capture_on_commit_callbacks(execute=True):
        by_api = client.post(
            "/api/v1/attendance/sign-in",
            {"code": sign_in.sign_in_code_make(session=by_api_session)},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=member.user)}",
        )

    assert by_form.status_code == 302
    assert by_api.status_code == 200 and by_api.json()["method"] == "code"
    assert AttendanceRecord.objects.filter(person=member).count() == 2
    # The ledger's change queued certificate work: kept until the broker returns.
    assert DeferredTask.objects.filter(name="certificates.on_ledger_change").count() == 2


@pytest.mark.time_machine(NOW, tick=False)
def test_the_code_guessing_limit_holds_while_the_cache_is_down(
    client, member, village_a, cache_down
):
    session = TrainingSessionFactory(village=village_a)
    log_in(client)
    wrong = _wrong_code(session)
    for _ in range(sign_in.CODE_FAILURES_PER_CLIENT):
        client.post(reverse("attendance:code"), {"code": wrong})

    blocked = client.post(
        reverse("attendance:code"), {"code": sign_in.sign_in_code_make(session=session)}
    )

    assert blocked.status_code == 200
    assert blocked.context["form"].non_field_errors() == [GUESSING_BLOCKED]
    assert not AttendanceRecord.objects.filter(person=member).exists()
    assert FailureCount.objects.filter(count=sign_in.CODE_FAILURES_PER_CLIENT).count() == 2


def test_the_login_limit_holds_while_the_cache_is_down(client, member, cache_down):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        log_in(client, password="wrong-password")

    locked = log_in(client)

    assert locked.status_code == 200
    assert LOGIN_LOCKED_PART in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_counts_stay_in_the_cache_while_it_answers(client, member):
    log_in(client, password="wrong-password")

    assert not FailureCount.objects.exists()


@pytest.mark.time_machine(NOW, tick=False)
def test_a_task_kept_while_the_broker_was_down_is_sent_when_it_returns(
    client, member, village_a, broker_down, django_capture_on_commit_callbacks, monkeypatch
):
    session = TrainingSessionFactory(village=village_a, study_hours=2)
    client.force_login(member.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("attendance:code"), {"code": sign_in.sign_in_code_make(session=session)}
        )
    kept = DeferredTask.objects.get()

    with pytest.raises(OperationalError):  # still down: nothing is lost
        deferred_tasks_send()
    assert DeferredTask.objects.count() == 1

    sent = []
    monkeypatch.setattr(
        "lms.outages.deferred.current_app.send_task",
        lambda name, **fields: sent.append((name, fields["args"], fields["task_id"])),
    )
    assert deferred_tasks_send() == 1
    assert sent == [(kept.name, kept.args, kept.task_id)]
    assert not DeferredTask.objects.exists()


def test_deep_healthz_says_which_service_is_down(client, redis_down):
    response = client.get("/healthz?deep=1")

    assert response.status_code == 503
    assert response.json() == {
        "database": "ok",
        "cache": "down",
        "broker": "down",
        "deferred_tasks": 0,
        "status": "down",
    }


def test_deep_healthz_is_ok_when_every_service_answers(client):
    response = client.get("/healthz?deep=1")
    broker = "ok" if settings.CELERY_BROKER_URL else "in-process"  # CI: Redis

    assert response.status_code == 200
    assert response.json() == {
        "database": "ok",
        "cache": "ok",
        "broker": broker,
        "deferred_tasks": 0,
        "status": "ok",
    }
