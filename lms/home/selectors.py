"""Reads for the learner's own pages."""

from .models import Notification


def notifications_unread(*, person, limit: int = 5) -> list[Notification]:
    return list(Notification.objects.filter(person=person, read_at=None)[:limit])
