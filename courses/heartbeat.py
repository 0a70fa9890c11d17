"""POST /api/v1/study/heartbeat: the one heartbeat of the lesson page and the app, with two
doors onto one answer.

`heartbeat_answer` turns a beat's body into its status and JSON reply. The body is
{"ticket": …, "position_seconds": …, "playing": true|false}; the ticket (courses/tickets.py;
the lesson page carries one, the app asks /api/v1/study/lessons/{id}/ticket) names the person
and the lesson, so no session, account or token is loaded, and the service decides what is
credited. Errors answer {"detail": …}: 401 for a ticket that is forged or expired, 404 for a
lesson that is gone, 409 when a rule refuses (not enrolled), 422 for a body without a ticket
and a position.

The doors: `heartbeat` is the Django view (the URL conf, the test client, runserver), and
`heartbeat_wsgi` is what lms/wsgi.py gives the app server for this one path. At 万人在线 nearly
every request is a beat and Django's request cycle (request object, middleware, URL resolution,
response object) cost as much as the beat's own work, so the WSGI door does only what a beat
needs around the same answer: the request signals (the database connection's lifecycle, as
Django runs them), the language of error messages, the security headers, the request log
line; an exception goes to Django's own handling (handler500's 503 when the database is away).
"""

import json
import time
from http import HTTPStatus

from django.conf import settings
from django.core import signals
from django.core.handlers.exception import response_for_exception
from django.core.handlers.wsgi import WSGIRequest
from django.http import JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import (
    get_supported_language_variant,
    parse_accept_lang_header,
)
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from lms.people.request_log import request_log

from .exceptions import LessonNotFound, StudyError
from .services import heartbeat_record
from .tickets import TicketInvalid, study_ticket, study_ticket_read

ROUTE = "api/v1/study/heartbeat"
# A beat's body is about 150 bytes; a larger one is not a beat (and is not read into memory).
BODY_LIMIT = 4096


def heartbeat_answer(body: bytes) -> tuple[int, dict]:
    """The status and reply of one beat."""
    try:
        data = json.loads(body)
        position = int(float(data.get("position_seconds", 0)))
        playing = data.get("playing", True)
        if position < 0 or not isinstance(playing, bool):
            raise ValueError
        ticket = study_ticket_read(data.get("ticket"))
    except TicketInvalid as error:
        return 401, {"detail": str(error)}
    except (AttributeError, TypeError, ValueError, OverflowError):
        return 422, {"detail": _("A heartbeat needs a ticket and a position.")}
    try:
        beat = heartbeat_record(
            person_id=ticket.person_id,
            lesson_id=ticket.lesson_id,
            position_seconds=position,
            playing=playing,
        )
    except LessonNotFound as error:
        return 404, {"detail": str(error)}
    except StudyError as error:
        return 409, {"detail": str(error)}
    reply = {
        "lesson_id": ticket.lesson_id,
        "credited_seconds": beat.credited_now,
        "seconds_credited": beat.progress.seconds_credited,
        "media_seconds": beat.media_seconds,
        "position_seconds": beat.progress.position_seconds,
        "lesson_completed": beat.progress.completed_at is not None,
        "quiz_pending": beat.media_watched and beat.progress.completed_at is None,
        "course_completed": beat.course_completed,
    }
    now = time.time()
    if ticket.needs_renewal(now):
        reply["ticket"] = study_ticket(
            person_id=ticket.person_id, lesson_id=ticket.lesson_id, now=now
        )
    return 200, reply


@csrf_exempt  # the signed ticket is the credential; no cookie is read
@require_POST
def heartbeat(request):
    status, reply = heartbeat_answer(request.body)
    return JsonResponse(reply, status=status)


def heartbeat_wsgi(environ, start_response, *, otherwise):
    """The WSGI door: a POST with a body of a beat's size is answered here; anything else
    (another method, no or a large body) goes to `otherwise`, Django's application."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if environ.get("REQUEST_METHOD") != "POST" or not 0 < length <= BODY_LIMIT:
        return otherwise(environ, start_response)
    started = time.perf_counter()
    signals.request_started.send(sender=heartbeat_wsgi, environ=environ)
    try:
        body = environ["wsgi.input"].read(length)
        with translation.override(_language(environ)):
            try:
                status, reply = heartbeat_answer(body)
            except Exception as error:  # noqa: BLE001  Django answers it, as for any view
                response = response_for_exception(WSGIRequest(environ), error)
                status, content = response.status_code, response.content
                headers = [*response.items()]
            else:
                content = json.dumps(reply).encode()
                headers = _headers()
        start_response(
            f"{status} {HTTPStatus(status).phrase}",
            [*headers, ("Content-Length", str(len(content)))],
        )
        request_log(
            method="POST",
            path=environ.get("PATH_INFO", ""),
            route=ROUTE,
            status=status,
            ms=round((time.perf_counter() - started) * 1000, 1),
            who={"user": None},
        )
        return [content]
    finally:
        signals.request_finished.send(sender=heartbeat_wsgi)


def _headers() -> list[tuple[str, str]]:
    """A JSON answer's headers, with the security headers SecurityMiddleware would send."""
    headers = [("Content-Type", "application/json"), ("Cache-Control", "no-store")]
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers.append(("X-Content-Type-Options", "nosniff"))
    if policy := settings.SECURE_REFERRER_POLICY:
        policy = policy if isinstance(policy, str) else ",".join(policy)
        headers.append(("Referrer-Policy", policy))
    return headers


def _language(environ) -> str:
    """The learner's language for error messages: the browser's first supported choice."""
    header = environ.get("HTTP_ACCEPT_LANGUAGE")
    if header:
        for code, _quality in parse_accept_lang_header(header):
            if code == "*":
                break
            try:
                return get_supported_language_variant(code)
            except LookupError:
                continue
    return settings.LANGUAGE_CODE
