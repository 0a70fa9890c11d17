"""Redis away: the cache and the broker pointed at a port nobody listens on (the machine's
own Redis is shared and is never stopped), with small connection timeouts."""

import pytest

DEAD_CACHE = "redis://127.0.0.1:6390/1"
DEAD_BROKER = "redis://127.0.0.1:6390/0"
TIMEOUTS = {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}


def redis_cache(location: str, **settings) -> dict:
    return {
        "default": {
            "BACKEND": "lms.cache.RedisCache",
            "LOCATION": location,
            "OPTIONS": TIMEOUTS,
            **settings,
        }
    }


@pytest.fixture
def cache_down(settings):
    """The production cache settings (CACHE_URL set: sessions cached_db), Redis away."""
    settings.CACHES = redis_cache(DEAD_CACHE)
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"


@pytest.fixture
def broker_down(monkeypatch):
    """Tasks go to a broker (not in-process), and the broker is away."""
    from lms.celery import app
    from lms.outages.deferred import broker_outage

    changes = {
        "task_always_eager": False,
        "broker_url": DEAD_BROKER,
        "broker_connection_timeout": 0.2,
        "broker_transport_options": dict(TIMEOUTS),
    }
    # Celery reads CELERY_BROKER_URL from the environment before its settings (CI sets it).
    monkeypatch.setenv("CELERY_BROKER_URL", DEAD_BROKER)
    before = {key: app.conf.get(key) for key in changes}
    app.conf.update(changes)
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    monkeypatch.setattr(broker_outage, "retry_at", 0.0)
    yield
    app.conf.update(before)
    broker_outage.retry_at = 0.0


@pytest.fixture
def redis_down(cache_down, broker_down):
    """Both: the one Redis server the cache and the broker share is stopped."""
