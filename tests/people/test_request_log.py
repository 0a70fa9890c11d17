"""The operator's log: one line per request saying what was asked, the answer, how long it
took, and who asked with the villages their role reaches."""

import json
import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lms.logs import JsonFormatter
from lms.people.services import person_account_create
from tests.factories.people import PersonFactory

pytestmark = pytest.mark.django_db
PASSWORD = "kaimen-2026"


def _lines(caplog):
    return [record for record in caplog.records if record.name == "shuangyu.requests"]


@pytest.fixture
def requests_logged(caplog):
    caplog.set_level(logging.INFO, logger="shuangyu.requests")
    return caplog


def test_a_learners_request_is_logged_with_their_village_and_costs_no_query(
    client, village_a, requests_logged
):
    person = PersonFactory(name="王秀兰", village=village_a)
    person_account_create(person=person, password=PASSWORD)
    client.force_login(person.user)
    client.get("/study/")  # warm: the site kept

    with CaptureQueriesContext(connection) as logged:
        client.get("/study/")
    logging.getLogger("shuangyu.requests").setLevel(logging.WARNING)
    with CaptureQueriesContext(connection) as unlogged:
        client.get("/study/")

    line = _lines(requests_logged)[-1]
    assert (line.method, line.path, line.route, line.status) == ("GET", "/study/", "study/", 200)
    assert (line.user, line.villages) == (person.user.pk, [village_a.pk])
    assert line.ms > 0
    assert len(logged.captured_queries) == len(unlogged.captured_queries)


def test_a_secretarys_request_names_her_township_and_village(
    client, secretary_a, township, village_a, requests_logged
):
    client.force_login(secretary_a)

    client.get("/admin/attendance/records/")

    line = _lines(requests_logged)[-1]
    assert (line.role, line.township, line.villages) == ("secretary", township.pk, [village_a.pk])
    assert line.status == 200


def test_a_heartbeat_and_the_health_check_name_nobody(client, requests_logged):
    client.get("/healthz")
    client.post("/api/v1/study/heartbeat", "{}", content_type="application/json")

    healthz, beat = _lines(requests_logged)[-2:]
    assert (healthz.user, healthz.status) == (None, 200)
    assert (beat.user, beat.status) == (None, 401)


def test_json_lines_carry_the_fields_and_chinese_as_it_is():
    record = logging.LogRecord("shuangyu.requests", logging.INFO, "", 0, "GET %s", ("/村/",), None)
    record.user, record.villages, record.ms = 7, [3], 12.5

    line = json.loads(JsonFormatter().format(record))

    assert line["message"] == "GET /村/" and line["level"] == "INFO"
    assert (line["user"], line["villages"], line["ms"]) == (7, [3], 12.5)
    assert "村" in JsonFormatter().format(record)  # not \\u6751: readable in a terminal
