"""The shared cache while Redis is away: misses instead of errors, one line in the log, and
nothing stale once it returns."""

import os
import uuid

import pytest
import redis
from django.core.cache import caches

import lms.cache
from lms.cache import CacheUnavailable, strict_cache
from tests.outages.conftest import redis_cache

LIVE_REDIS = "redis://127.0.0.1:6379/1"


def test_an_unreachable_cache_answers_misses_and_is_logged_once(settings, caplog, monkeypatch):
    settings.CACHES = redis_cache("redis://127.0.0.1:6390/7")  # a server of its own
    monkeypatch.setattr(lms.cache, "RETRY_SECONDS", 0)  # try Redis again on every call
    cache = caches["default"]

    cache.set("lesson", {"seconds": 600})
    cache.delete_many(["a", "b"])
    answers = [cache.get("lesson"), cache.get_many(["a"]), cache.add("c", 1), cache.has_key("a")]

    assert answers == [None, {}, False, False]
    with pytest.raises(ValueError):
        cache.incr("lesson")
    with pytest.raises(CacheUnavailable):
        strict_cache().get_many(["a"])
    unreachable = [
        r for r in caplog.records if r.name == "lms.cache" and "unreachable" in r.message
    ]
    assert len(unreachable) == 1


@pytest.fixture
def live_cache(settings):
    try:
        redis.Redis.from_url(LIVE_REDIS, socket_connect_timeout=0.2).ping()
    except redis.RedisError:
        if os.environ.get("CI") == "true":  # in CI a missing service is a failure
            raise
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.CACHES = redis_cache(LIVE_REDIS, KEY_PREFIX=f"test-{uuid.uuid4().hex}")
    cache = caches["default"]
    yield cache
    cache.delete_many(["session", "account"])


def test_keys_changed_while_redis_was_away_are_forgotten_when_it_returns(live_cache, monkeypatch):
    live_cache.set("session", {"_auth_user_id": "7"})
    live_cache.set("account", "before")
    monkeypatch.setattr(lms.cache, "RETRY_SECONDS", 0)
    with monkeypatch.context() as away:
        away.setattr(
            redis.Redis,
            "execute_command",
            lambda *a, **k: (_ for _ in ()).throw(redis.ConnectionError()),
        )
        live_cache.delete("session")  # logged out during the outage
        live_cache.set("account", "after")  # changed during the outage

    # Redis answers again, still holding its old copies: they are not served.
    assert live_cache.get("session") is None
    assert live_cache.get("account") is None
    live_cache.set("account", "after")
    assert live_cache.get("account") == "after"
