"""Counting failed logins per (account, address) pair in the shared cache.

Villagers reach the internet through one carrier address, so the address alone is never
locked out: only the pair of an account and the address it is being guessed from.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache

from .identity import normalize_phone


def _account_key(identifier: str) -> str:
    identifier = (identifier or "").strip()
    try:
        identifier = normalize_phone(identifier) or identifier
    except Exception:  # noqa: BLE001 - not a phone: a user name
        identifier = identifier.lower()
    return identifier


def _cache_key(identifier: str, address: str) -> str:
    raw = f"{_account_key(identifier)}|{address or '-'}"
    return "login-fail:" + hashlib.sha256(raw.encode()).hexdigest()


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
    return cache.get(_cache_key(identifier, address), 0) >= settings.LOGIN_FAILURE_LIMIT


def login_failure_record(identifier: str, address: str) -> int:
    key = _cache_key(identifier, address)
    timeout = settings.LOGIN_FAILURE_WINDOW_SECONDS
    if cache.add(key, 1, timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout)
        return 1


def login_failures_clear(identifier: str, address: str) -> None:
    cache.delete(_cache_key(identifier, address))
