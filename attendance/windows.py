"""When a session can be signed into and out of: the one place for both windows.

Sign-in opens `sign_in_opens_before` minutes before the start and closes at the end; signing
out opens with sign-in and closes SIGN_OUT_GRACE after the end. A cancelled session is never
open. The refusals are in the user's words.
"""

from __future__ import annotations

import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .exceptions import SessionCancelled
from .models import TrainingSession

# Signing out stays open this long after the end, for those who leave with the last words.
SIGN_OUT_GRACE = datetime.timedelta(minutes=30)


def sign_in_window_message(session: TrainingSession, now: datetime.datetime) -> str | None:
    """Why sign-in is refused now, in the user's words; None when it is open."""
    if session.status == session.Status.CANCELLED:
        return str(SessionCancelled.default_message)
    if now < session.sign_in_opens_at:
        opens = timezone.localtime(session.sign_in_opens_at)
        return _("Sign-in opens at %(time)s.") % {
            "time": formats.date_format(opens, "DATETIME_FORMAT")
        }
    if now > session.ends_at:
        return _("This session has ended; sign-in is closed. Ask the organizer to record you.")
    return None


def sign_out_window_message(session: TrainingSession, now: datetime.datetime) -> str | None:
    """Why signing out is refused now; None when it is open."""
    if session.status == session.Status.CANCELLED:
        return str(SessionCancelled.default_message)
    if now < session.sign_in_opens_at:
        return sign_in_window_message(session, now)
    if now > session.ends_at + SIGN_OUT_GRACE:
        return _("Signing out of this session has closed.")
    return None


def sign_in_is_open(session: TrainingSession, now: datetime.datetime | None = None) -> bool:
    return sign_in_window_message(session, now or timezone.now()) is None
