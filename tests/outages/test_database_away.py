"""While the database restarts, a request that loses its connection is answered 503 with
Retry-After in the user's words (JSON for the API and the heartbeat), not a bare 500; any
other error is still Django's 500."""

import json

import pytest
from django.db import OperationalError

from courses import heartbeat as course_heartbeat
from lms.home import study
from lms.people.services import person_account_create
from tests.conftest import PASSWORD
from tests.factories.people import PersonFactory

pytestmark = pytest.mark.django_db
BUSY = "服务暂时繁忙，请几秒钟后再试。"


@pytest.fixture
def client_no_raise(client):
    client.raise_request_exception = False
    return client


def _gone(*args, **kwargs):
    raise OperationalError("terminating connection due to administrator command")


def test_a_page_that_loses_the_database_says_try_again_with_503(
    client_no_raise, village_a, monkeypatch
):
    member = PersonFactory(village=village_a)
    person_account_create(person=member, password=PASSWORD)
    client_no_raise.force_login(member.user)
    monkeypatch.setattr(study, "notifications_unread", _gone)

    response = client_no_raise.get("/study/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert BUSY in response.content.decode()


def test_a_heartbeat_that_loses_the_database_gets_503_json(client_no_raise, monkeypatch):
    monkeypatch.setattr(course_heartbeat, "study_ticket_read", _gone)

    response = client_no_raise.post(
        "/api/v1/study/heartbeat", "{}", content_type="application/json"
    )

    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert json.loads(response.content) == {"detail": BUSY}


def test_any_other_error_is_still_a_500(client_no_raise, village_a, monkeypatch):
    member = PersonFactory(village=village_a)
    person_account_create(person=member, password=PASSWORD)
    client_no_raise.force_login(member.user)

    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(study, "notifications_unread", broken)

    assert client_no_raise.get("/study/").status_code == 500
