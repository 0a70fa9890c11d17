"""Celery tasks of the exports."""

from celery import shared_task

from .services import listing_export_build


@shared_task(name="exports.listing", acks_late=True)
def listing_export_task(export_id: int) -> str:
    """Build one listing export's file (idempotent: a ready export is left alone)."""
    return listing_export_build(export_id=export_id).status
