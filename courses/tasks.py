"""Background work for online study (Celery). Thin: ids in, one service call each."""

from celery import shared_task
from django.contrib.auth import get_user_model

from .assignment import course_assign
from .models import CoursePage
from .services import course_ledger_resync


@shared_task(name="courses.assign")
def course_assign_task(course_id: int, person_ids: list[int], by_id: int) -> dict | str:
    """Enrol a large group in a course; safe to run twice (the service is idempotent)."""
    course = CoursePage.objects.filter(pk=course_id).first()
    by = get_user_model().objects.filter(pk=by_id).first()
    if course is None or by is None:
        return "gone"
    return course_assign(course=course, people_ids=person_ids, by=by)


@shared_task(name="courses.ledger_resync")
def course_ledger_resync_task(course_id: int) -> int:
    """Work out again what a course's completions credit, after the editor published it."""
    return course_ledger_resync(course_id=course_id)
