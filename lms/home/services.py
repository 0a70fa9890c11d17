"""Writes of the learner's home: reminders that reach 我的学习 (and email).

lms.home reads from every app (DESIGN.md); the ledger says who is behind, this sends.
"""

import datetime
import logging
import smtplib
from decimal import Decimal

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from lms.ledger import selectors as ledger_selectors
from lms.people.models import Township

from .models import Notification

logger = logging.getLogger(__name__)

# Where a reminded member goes: 我的学习, their courses and hours.
REMINDER_URL = "/study/"
REMINDER_INTERVAL = datetime.timedelta(days=6)
REMINDER_KIND = "study_reminder"


def study_reminders_send(*, township, year: int, on: datetime.date) -> int:
    """Remind each party member behind the year's pace: one notification, and an email.

    At most one reminder per person within REMINDER_INTERVAL, so running it twice is safe.
    Returns the number of people reminded.
    """
    since = timezone.now() - REMINDER_INTERVAL
    with transaction.atomic():
        # Serialise concurrent runs for one township so none reminds a person twice.
        Township.objects.select_for_update().filter(pk=township.pk).first()
        requirement = ledger_selectors.requirement_for(township_id=township.pk, year=year)
        behind = list(
            ledger_selectors.members_behind(township=township, year=year, on=on).select_related(
                "user"
            )
        )
        reminded = set(
            Notification.objects.filter(
                kind=REMINDER_KIND,
                person__in=[person.pk for person in behind],
                created_at__gte=since,
            ).values_list("person_id", flat=True)
        )
        behind = [person for person in behind if person.pk not in reminded]
        emails = []
        with translation.override(settings.LANGUAGE_CODE):
            title = gettext("Study reminder: you are behind on your study hours")
            notifications = []
            for person in behind:
                body = gettext(
                    "You have earned %(earned)s of the %(required)s study hours required in "
                    "%(year)s; by now you should have %(pace)s. Please keep studying."
                ) % {
                    "earned": _hours(person.earned),
                    "required": _hours(requirement.total_hours),
                    "year": year,
                    "pace": _hours(person.pace),
                }
                notifications.append(
                    Notification(
                        person=person,
                        kind=REMINDER_KIND,
                        title=title,
                        body=body,
                        url=REMINDER_URL,
                    )
                )
                address = person.user.email if person.user_id else ""
                if address:
                    emails.append(
                        EmailMessage(
                            subject=title,
                            body=f"{person.name}:\n\n{body}\n\n{settings.WAGTAILADMIN_BASE_URL}{REMINDER_URL}",
                            to=[address],
                        )
                    )
        Notification.objects.bulk_create(notifications)
    if emails:
        try:
            get_connection().send_messages(emails)
        except (OSError, smtplib.SMTPException):
            # The in-app reminder stands; a mail server being down must not undo it.
            logger.exception("Study reminder emails for %s could not be sent", township)
    return len(notifications)


def _hours(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}"
