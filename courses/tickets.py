"""Study tickets: what lets a heartbeat be credited without loading a session or an account.

The lesson page (for the browser) and the API (for the app) hand an enrolled learner a short
signed ticket naming the person and the lesson, valid for TICKET_SECONDS. A heartbeat
presents it; checking it is one HMAC over a few bytes, so the hot path of 万人在线 never
reads the session, the user or the token table. A ticket proves who studies which lesson,
nothing more: every rule of honest credit still runs on each beat (courses/services.py), and
an enrolment withdrawn meanwhile is refused there. A heartbeat answers a fresh ticket once
the one it presented is past half its life, so a learner who studies for hours never sees
one expire.
"""

import base64
import functools
import hashlib
import hmac
import time
from dataclasses import dataclass

from django.conf import settings
from django.utils.encoding import force_bytes
from django.utils.translation import gettext_lazy as _

from .exceptions import StudyError

TICKET_SECONDS = 4 * 3600
_SALT = b"courses.tickets.study"


class TicketInvalid(StudyError):
    default_message = _("Your study session has expired; reload the lesson page.")


@dataclass(frozen=True)
class Ticket:
    person_id: int
    lesson_id: int
    expires: int  # Unix time

    def needs_renewal(self, now: float) -> bool:
        return self.expires - now < TICKET_SECONDS / 2


@functools.lru_cache(maxsize=8)
def _key(secret: str) -> bytes:
    return hashlib.sha256(_SALT + force_bytes(secret)).digest()


def _signature(body: str, secret: str) -> str:
    digest = hmac.new(_key(secret), body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()  # 144 bits, 24 characters


def study_ticket(*, person_id: int, lesson_id: int, now: float | None = None) -> str:
    """A ticket for the person to study the lesson: "person.lesson.expires.signature"."""
    expires = int((time.time() if now is None else now) + TICKET_SECONDS)
    body = f"{int(person_id)}.{int(lesson_id)}.{expires}"
    return f"{body}.{_signature(body, settings.SECRET_KEY)}"


def study_ticket_read(ticket: str, *, now: float | None = None) -> Ticket:
    """The person and lesson a genuine, unexpired ticket names; TicketInvalid otherwise.
    Tickets signed with a key of SECRET_KEY_FALLBACKS still count while it is rotated."""
    parts = str(ticket or "").split(".")
    if len(parts) != 4 or not all(part.isdigit() for part in parts[:3]):
        raise TicketInvalid()
    body = ".".join(parts[:3])
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    if not any(hmac.compare_digest(parts[3], _signature(body, secret)) for secret in secrets):
        raise TicketInvalid()
    found = Ticket(int(parts[0]), int(parts[1]), int(parts[2]))
    if found.expires <= (time.time() if now is None else now):
        raise TicketInvalid()
    return found
