"""Counting failed logins per (account, address) pair in the shared cache (in the database
while it is away: lms.outages.counters).

Villagers reach the internet through one carrier address, so the address alone is never
locked out: only the pair of an account and the address it is being guessed from.
"""

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError

from lms.outages.counters import failure_count_add, failure_counts, failure_counts_clear

from .auth import users_for_identifier
from .identity import normalize_phone


def _account_keys(identifier: str) -> list[str]:
    """What the failures are counted against: each account the identifier names.

    Counting per account rather than per typed identifier means "+86 138 0013 8000", its
    other spellings and the account's user name all share one count. An identifier that
    names no account gets a count of its own, so the answer does not tell which exist.
    """
    users = users_for_identifier(identifier)
    if users:
        return [f"user:{user.pk}" for user in users]
    identifier = (identifier or "").strip()
    try:
        return ["name:" + (normalize_phone(identifier) or identifier)]
    except ValidationError:  # not a phone: a user name
        return ["name:" + identifier.lower()]


def _cache_keys(identifier: str, address: str) -> list[str]:
    return [
        "login-fail:" + hashlib.sha256(f"{account}|{address or '-'}".encode()).hexdigest()
        for account in _account_keys(identifier)
    ]


def client_address(request) -> str:
    if request is None:
        return ""
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            # The right-most entry is the one our own proxy appended.
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def login_is_locked(identifier: str, address: str) -> bool:
    """Locked when any account the identifier names has too many failures from the address.

    A phone shared by a household is locked when one of its accounts is: guessing through
    the phone is guessing that account's password too.
    """
    counts = failure_counts(_cache_keys(identifier, address)).values()
    return any(count >= settings.LOGIN_FAILURE_LIMIT for count in counts)


def login_failure_record(identifier: str, address: str) -> int:
    """Count one failure against every account the identifier names; the highest count."""
    timeout = settings.LOGIN_FAILURE_WINDOW_SECONDS
    return max(failure_count_add(key, seconds=timeout) for key in _cache_keys(identifier, address))


def login_failures_clear(identifier: str, address: str) -> None:
    failure_counts_clear(_cache_keys(identifier, address))
