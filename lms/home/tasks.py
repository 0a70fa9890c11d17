"""Platform-level tasks."""

import socket

from celery import shared_task
from django.utils import timezone

from lms.ledger.models import AnnualRequirement
from lms.people.models import Township

from .services import study_reminders_send


@shared_task(name="lms.home.service_health")
def service_health_task() -> dict:
    """Answer from whichever worker runs it, having reached the database.

    `manage.py check_services` and the CI's worker test use it to prove that the broker,
    a worker and the database are connected end to end.
    """
    from lms.people.models import Township

    return {"worker": socket.gethostname(), "townships": Township.objects.count()}


@shared_task(name="home.study_reminders")
def study_reminders_task() -> int:
    """Beat, weekly: remind party members who are behind this year's pace.

    Safe to run twice: the service reminds a person at most once a week.
    """
    today = timezone.localdate()
    township_ids = AnnualRequirement.objects.filter(year=today.year).values_list(
        "township_id", flat=True
    )
    reminded = 0
    for township in Township.objects.filter(pk__in=township_ids).order_by("pk"):
        reminded += study_reminders_send(township=township, year=today.year, on=today)
    return reminded
