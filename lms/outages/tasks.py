"""Celery tasks of the outages app."""

from celery import shared_task

from .deferred import deferred_tasks_send


@shared_task(name="outages.send_deferred_tasks")
def send_deferred_tasks_task() -> int:
    """Beat, every minute: queue the tasks kept while the broker was away (usually none)."""
    return deferred_tasks_send()
