"""Counts that a guessing limit relies on (wrong passwords, wrong sign-in codes).

They live in the shared cache; while it cannot be reached they are kept in the database
instead, so a limit never silently becomes unlimited during an outage. Counts made during
an outage stay in the database when Redis returns and are no longer consulted: a guesser
gains at most one more limit's worth, once per outage.
"""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from lms.cache import CacheUnavailable, strict_cache

from .models import FailureCount


def failure_counts(keys: list[str]) -> dict[str, int]:
    """The current count of each key that has one."""
    try:
        return strict_cache().get_many(keys)
    except CacheUnavailable:
        return dict(
            FailureCount.objects.filter(key__in=keys, expires_at__gt=timezone.now()).values_list(
                "key", "count"
            )
        )


def failure_count_add(key: str, *, seconds: int) -> int:
    """One more failure; the count lapses `seconds` after its first. Returns the count."""
    cache = strict_cache()
    try:
        if cache.add(key, 1, seconds):
            return 1
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, seconds)
            return 1
    except CacheUnavailable:
        return _database_count_add(key, seconds)


def failure_counts_clear(keys: list[str]) -> None:
    """Forget the counts (a successful login)."""
    try:
        strict_cache().delete_many(keys)
    except CacheUnavailable:
        FailureCount.objects.filter(key__in=keys).delete()


@transaction.atomic
def _database_count_add(key: str, seconds: int) -> int:
    now = timezone.now()
    # Rows are written only during outages, so the lapsed ones are few.
    FailureCount.objects.filter(expires_at__lte=now).delete()
    if not FailureCount.objects.filter(key=key).update(count=F("count") + 1):
        try:
            with transaction.atomic():
                FailureCount.objects.create(
                    key=key, count=1, expires_at=now + datetime.timedelta(seconds=seconds)
                )
            return 1
        except IntegrityError:  # another request counted the first failure meanwhile
            FailureCount.objects.filter(key=key).update(count=F("count") + 1)
    return FailureCount.objects.values_list("count", flat=True).get(key=key)
