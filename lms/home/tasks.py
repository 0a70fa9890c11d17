"""Platform-level tasks."""

import socket

from celery import shared_task


@shared_task(name="lms.home.service_health")
def service_health_task() -> dict:
    """Answer from whichever worker runs it, having reached the database.

    `manage.py check_services` and the CI's worker test use it to prove that the broker,
    a worker and the database are connected end to end.
    """
    from lms.people.models import Township

    return {"worker": socket.gethostname(), "townships": Township.objects.count()}
