"""The WSGI application as gunicorn calls it: the heartbeat through its short middleware chain
(lms/wsgi.py) answers as the full chain does, with the security headers and the request log
line, and every other path still gets the whole chain."""

import io
import json
import logging

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import reverse

from courses.models import Enrollment, LessonProgress
from courses.services import enrollment_create
from courses.tickets import study_ticket
from lms import wsgi
from tests.factories import courses as build

pytestmark = pytest.mark.django_db


@pytest.fixture
def call():
    """Call lms.wsgi.application in the test's transaction: as Django's test client does, the
    connection is not closed at the end of the request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)

    def send(method: str, path: str, body: bytes = b"", **headers):
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
            "wsgi.errors": io.StringIO(),
            **{f"HTTP_{name.upper()}": value for name, value in headers.items()},
        }
        answer = {}

        def start_response(status, response_headers, exc_info=None):
            answer["status"] = int(status.split()[0])
            answer["headers"] = dict(response_headers)

        chunks = wsgi.application(environ, start_response)
        answer["body"] = b"".join(chunks)
        chunks.close()
        return answer

    yield send
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_the_short_chain_serves_the_path_the_url_conf_gives_the_heartbeat():
    assert reverse("heartbeat") == wsgi.HEARTBEAT_PATH


def test_a_heartbeat_through_the_short_chain_is_credited_with_headers_and_a_log_line(
    call, member, caplog
):
    course = build.course()
    lesson = build.lesson(course, media_seconds=600)
    enrollment_create(person=member, course=course, source=Enrollment.Source.SELF)
    body = json.dumps(
        {
            "ticket": study_ticket(person_id=member.pk, lesson_id=lesson.pk),
            "position_seconds": 12,
            "playing": True,
        }
    ).encode()

    with caplog.at_level(logging.INFO, logger="shuangyu.requests"):
        answer = call("POST", wsgi.HEARTBEAT_PATH, body)

    assert answer["status"] == 200, answer["body"]
    assert json.loads(answer["body"])["position_seconds"] == 12
    assert LessonProgress.objects.get(person=member, lesson=lesson).position_seconds == 12
    assert answer["headers"]["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in answer["headers"]  # no session, CSRF or messages cookie
    logged = [record for record in caplog.records if record.name == "shuangyu.requests"]
    assert [(record.route, record.status) for record in logged] == [("api/v1/study/heartbeat", 200)]


def test_a_forged_ticket_is_refused_in_chinese_through_the_short_chain(call):
    body = json.dumps({"ticket": "1.2.9999999999.forged", "position_seconds": 0}).encode()

    answer = call("POST", wsgi.HEARTBEAT_PATH, body)

    assert answer["status"] == 401
    detail = json.loads(answer["body"])["detail"]
    assert any("\u4e00" <= letter <= "\u9fff" for letter in detail), detail


def test_other_paths_still_get_the_whole_chain(call):
    beat = call("POST", wsgi.HEARTBEAT_PATH, b"{}")
    page = call("GET", "/healthz")

    assert page["status"] == 200 and page["body"] == b"ok"
    assert page["headers"]["X-Frame-Options"] == "DENY"  # the clickjacking middleware ran
    assert "X-Frame-Options" not in beat["headers"]  # a JSON answer is never framed
