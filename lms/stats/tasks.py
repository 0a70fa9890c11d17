"""Celery tasks of the statistics."""

from celery import shared_task

from .services import stats_export_build


@shared_task(name="stats.export", acks_late=True)
def stats_export_task(export_id: int) -> str:
    """Build one export's file (idempotent: a ready export is left alone)."""
    return stats_export_build(export_id=export_id).status
