"""Background work for attendance (Celery). Thin: ids in, one service call each."""

from celery import shared_task

from .models import TrainingSession
from .selectors import sessions_to_close
from .services import session_close


@shared_task(name="attendance.close_session")
def session_close_task(session_id: int) -> str:
    session = TrainingSession.objects.filter(pk=session_id).first()
    if session is None:
        return "gone"
    return session_close(session=session).status


@shared_task(name="attendance.close_ended_sessions")
def sessions_close_ended_task() -> int:
    """Beat, every few minutes: ended sessions become held; sign-out sessions settle who left.

    Safe to run twice: session_close changes nothing on a session already closed.
    """
    count = 0
    for session_id in sessions_to_close().values_list("pk", flat=True):
        session_close_task.delay_on_commit(session_id)
        count += 1
    return count
