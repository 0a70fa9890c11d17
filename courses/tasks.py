"""Background work for online study (Celery). Thin: ids in, one service call each."""

from celery import shared_task

from .assignment import course_assignment_run
from .services import course_ledger_resync


@shared_task(name="courses.assign")
def course_assign_task(assignment_id: int) -> str:
    """Enrol a large group in a course, a chunk per transaction, each counted as it commits.
    A worker lost mid-way (acks late, rejected on worker loss) leaves the message to be
    delivered again, and the next run goes on from the last chunk counted; a done assignment
    is left alone."""
    return course_assignment_run(assignment_id=assignment_id).status


@shared_task(name="courses.ledger_resync")
def course_ledger_resync_task(course_id: int) -> int:
    """Work out again what a course's completions credit, after the editor published it."""
    return course_ledger_resync(course_id=course_id)
