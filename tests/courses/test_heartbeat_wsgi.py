"""The WSGI application as the app server calls it: the heartbeat through its own door (lms/wsgi.py,
courses/heartbeat.py) answers as the Django view does, with the security headers, the request
log line, the learner's language and Django's 503 when the database is away; every other path,
and anything at that path that is not a beat, still goes through Django."""

import io
import json
import logging

import pytest
from django.core.signals import request_finished, request_started
from django.db import OperationalError, close_old_connections
from django.urls import reverse

from courses import heartbeat
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
        if hasattr(chunks, "close"):  # a WSGI server closes what has close()
            chunks.close()
        return answer

    yield send
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_the_door_serves_the_path_the_url_conf_gives_the_heartbeat():
    assert reverse("heartbeat") == wsgi.HEARTBEAT_PATH


def test_a_heartbeat_through_its_door_is_credited_with_headers_and_a_log_line(call, member, caplog):
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


def test_a_forged_ticket_is_refused_in_the_learners_language(call):
    body = json.dumps({"ticket": "1.2.9999999999.forged", "position_seconds": 0}).encode()

    answer = call("POST", wsgi.HEARTBEAT_PATH, body)

    assert answer["status"] == 401
    detail = json.loads(answer["body"])["detail"]
    assert any("\u4e00" <= letter <= "\u9fff" for letter in detail), detail
    english = call("POST", wsgi.HEARTBEAT_PATH, body, accept_language="en-US,en;q=0.8")
    assert json.loads(english["body"])["detail"].startswith("Your study session has expired")


def test_a_lost_database_answers_503_with_retry_after_through_the_door(call, monkeypatch):
    def database_away(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(heartbeat, "heartbeat_record", database_away)
    body = json.dumps({"ticket": study_ticket(person_id=1, lesson_id=1), "position_seconds": 3})

    answer = call("POST", wsgi.HEARTBEAT_PATH, body.encode())

    assert answer["status"] == 503 and answer["headers"]["Retry-After"] == "5"
    assert json.loads(answer["body"])["detail"]


def test_what_is_not_a_beat_goes_to_django(call):
    assert call("GET", wsgi.HEARTBEAT_PATH)["status"] == 405
    huge = json.dumps({"ticket": "x" * 10_000, "position_seconds": 0}).encode()
    assert call("POST", wsgi.HEARTBEAT_PATH, huge)["status"] == 401  # the view reads it


def test_other_paths_still_get_the_whole_chain(call):
    beat = call("POST", wsgi.HEARTBEAT_PATH, b"{}")
    page = call("GET", "/healthz")

    assert page["status"] == 200 and page["body"] == b"ok"
    assert page["headers"]["X-Frame-Options"] == "DENY"  # the clickjacking middleware ran
    assert "X-Frame-Options" not in beat["headers"]  # a JSON answer is never framed
