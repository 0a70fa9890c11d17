"""Which of the services the site needs answers now: `/healthz?deep=1`.

For monitoring, not for the load balancer: with Redis away the site keeps answering
(lms.cache, lms.outages), so taking app servers out of rotation for it would turn a
degraded site into a dead one.
"""

from celery import current_app
from django.core.cache import cache
from django.db import DatabaseError, connection

from .models import DeferredTask

OK = "ok"
DOWN = "down"


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return DOWN
    return OK


def cache_status() -> str:
    """The shared cache asked now; per-process memory (no CACHE_URL) is always there."""
    reachable = getattr(cache, "reachable", None)
    if reachable is None:
        return OK
    return OK if reachable() else DOWN


def broker_status() -> str:
    """The broker asked now; without one, tasks run in-process."""
    if current_app.conf.task_always_eager:
        return "in-process"
    try:
        with current_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0)
    except Exception:  # kombu raises the transport's own errors as well as OperationalError
        return DOWN
    return OK


def services_status() -> dict:
    """Each service's status, tasks waiting for the broker, and "ok" or "down" overall."""
    status = {
        "database": database_status(),
        "cache": cache_status(),
        "broker": broker_status(),
    }
    if status["database"] == OK:
        status["deferred_tasks"] = DeferredTask.objects.count()
    status["status"] = DOWN if DOWN in status.values() else OK
    return status
