"""Tasks queued while the broker is away: kept in the database, sent when it returns.

Every task is queued through `lms.celery.ShuangyuTask.apply_async` (`delay_on_commit` and
`delay` alike). When the broker cannot be reached, the task is written here instead, under
the id its caller was given, and the request answers as usual. For BROKER_RETRY_SECONDS
after a failure this process does not try the broker at all, so a request never waits for
a dead broker more than once in that time. Beat sends `outages.send_deferred_tasks` every
minute; once the broker is back, a worker runs it and queues what was kept, oldest first.
Tasks take ids and are safe to run twice, so a task sent just before a failure and kept
again is harmless.
"""

import logging
import threading
import time

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

from .models import DeferredTask

logger = logging.getLogger(__name__)

BROKER_RETRY_SECONDS = 10.0
SEND_BATCH = 500


class _BrokerOutage:
    def __init__(self):
        self.retry_at = 0.0
        self.lock = threading.Lock()

    def resting(self) -> bool:
        return time.monotonic() < self.retry_at

    def begin(self, error: Exception) -> None:
        with self.lock:
            first = self.retry_at == 0.0
            self.retry_at = time.monotonic() + BROKER_RETRY_SECONDS
        if first:
            logger.warning(
                "Broker unreachable (%s): tasks are kept in the database until it returns",
                error_summary(error),
            )

    def end(self) -> None:
        if self.retry_at:
            with self.lock:
                self.retry_at = 0.0
            logger.warning("Broker reachable again: queueing tasks as usual")


broker_outage = _BrokerOutage()


def error_summary(error: Exception) -> str:
    """One line: Celery's result store says its piece over several."""
    cause = error.__cause__ if isinstance(error, RuntimeError) and error.__cause__ else error
    lines = [line for line in str(cause).splitlines() if line.strip()]
    return f"{type(cause).__name__}: {lines[0] if lines else ''}"


# What queueing raises when Redis is away (broker_unreachable tells which RuntimeError).
QUEUEING_ERRORS = (OperationalError, RedisError, ConnectionError, RuntimeError)


def broker_unreachable(error: Exception) -> bool:
    """Whether queueing failed because the broker (or the result store beside it) is away.

    Kombu raises OperationalError for the broker; Celery's Redis result store, subscribing
    to the task's result before it is sent, gives up with a RuntimeError whose cause is the
    connection error."""
    if isinstance(error, (OperationalError, RedisError, ConnectionError)):
        return True
    return isinstance(error, RuntimeError) and isinstance(
        error.__cause__, (RedisError, OperationalError, ConnectionError)
    )


def task_defer(*, task_id: str, name: str, args, kwargs, options: dict, reason: str) -> None:
    """Keep a task the broker could not take; `deferred_tasks_send` queues it later."""
    DeferredTask.objects.get_or_create(
        task_id=task_id,
        defaults={
            "name": name,
            "args": list(args or ()),
            "kwargs": dict(kwargs or {}),
            "options": options,
            "reason": reason[:300],
        },
    )


def deferred_tasks_send(*, batch: int = SEND_BATCH) -> int:
    """Queue the kept tasks, oldest first; returns how many were sent.

    A row is deleted in the transaction that sent it: if the broker fails halfway, the rest
    stay for the next run. Rows another worker is sending are skipped, not sent twice."""
    sent = 0
    while True:
        with transaction.atomic():
            rows = list(DeferredTask.objects.select_for_update(skip_locked=True)[:batch])
            for row in rows:
                current_app.send_task(
                    row.name, args=row.args, kwargs=row.kwargs, task_id=row.task_id, **row.options
                )
            DeferredTask.objects.filter(pk__in=[row.pk for row in rows]).delete()
        sent += len(rows)
        if len(rows) < batch:
            return sent
