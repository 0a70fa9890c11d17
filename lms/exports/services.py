"""Writes of the exports: building a queued export's file (any kind), and the listings' export
asked for now and made by a task."""

import logging
from collections.abc import Callable
from tempfile import TemporaryFile

from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .listing import ExportPlan, listing_view_allows, listing_view_replayed
from .models import ListingExport, QueuedExport
from .spreadsheets import csv_chunks, write_xlsx

logger = logging.getLogger(__name__)

# A build reads the export and reports progress (0–100); it returns the file's name and
# content (a django File), and may set fields of the export, saved with the file.
Build = Callable[[QueuedExport, Callable[[int], None]], tuple[str, File]]


def queued_export_build(*, model: type[QueuedExport], export_id: int, build: Build) -> QueuedExport:
    """Build a queued export's file. Safe to run twice: a ready export is left alone, a
    failed one is tried again; an error is recorded, never lost in a log."""
    with transaction.atomic():
        export = model.objects.select_for_update().get(pk=export_id)
        if export.status == QueuedExport.Status.READY:
            return export
        export.status, export.progress, export.error = QueuedExport.Status.RUNNING, 0, ""
        export.save(update_fields=["status", "progress", "error"])

    def progress(percent: int) -> None:
        model.objects.filter(pk=export.pk).update(progress=percent)

    try:
        name, content = build(export, progress)
        with content:
            export.file.save(name, content, save=False)
    except Exception as error:  # any failure is the user's to see and retry
        logger.exception("%s %s failed", model._meta.verbose_name, export.pk)
        model.objects.filter(pk=export.pk).update(
            status=QueuedExport.Status.FAILED,
            error=_("The export failed: %(error)s") % {"error": str(error)[:200]},
            finished_at=timezone.now(),
        )
        export.refresh_from_db()
        return export
    export.status, export.progress, export.finished_at = (
        QueuedExport.Status.READY,
        100,
        timezone.now(),
    )
    export.save()
    return export


def queued_export_retry(*, export: QueuedExport, task) -> QueuedExport:
    """Queue a failed export again (`task` builds it from its id)."""
    if export.status == QueuedExport.Status.FAILED:
        type(export).objects.filter(pk=export.pk).update(
            status=QueuedExport.Status.QUEUED, progress=0, error=""
        )
        transaction.on_commit(lambda: task.delay(export.pk))
    export.refresh_from_db()
    return export


# --- A listing's export -----------------------------------------------------------------------


@transaction.atomic
def listing_export_request(
    *, user, path: str, query: str, format: str, title: str, rows: int
) -> ListingExport:
    """Queue a listing's export; the task builds it once this transaction commits."""
    from .tasks import listing_export_task

    export = ListingExport.objects.create(
        requested_by=user,
        path=path,
        query=query,
        format=format,
        title=title[:100],
        language=translation.get_language() or "",
        rows=rows,
    )
    listing_export_task.delay_on_commit(export.pk)
    return export


class ListingGone(Exception):
    pass


def _build_listing(export: ListingExport, progress: Callable[[int], None]) -> tuple[str, File]:
    view = listing_view_replayed(path=export.path, query=export.query, user=export.requested_by)
    if view is None:
        raise ListingGone(_("This listing no longer exists."))
    if not listing_view_allows(view):
        raise ListingGone(_("You may no longer open this listing."))
    plan = ExportPlan(view, view.get_queryset())
    expected = max(export.rows, 1)
    written = 0
    step = max(expected // 50, 1000)

    def counted(rows):
        nonlocal written
        for row in rows:
            yield row
            written += 1
            if written % step == 0:
                progress(min(99, 100 * written // expected))

    file = TemporaryFile()  # noqa: SIM115 (closed once stored, by queued_export_build)
    if export.format == ListingExport.Format.CSV:
        for chunk in csv_chunks(plan.headings, counted(plan.rows())):
            file.write(chunk)
    else:
        write_xlsx(file, plan.headings, counted(plan.rows()))
    file.seek(0)
    export.rows = written
    return f"{view.get_filename()}.{export.format}", File(file)


def listing_export_build(*, export_id: int) -> ListingExport:
    """Build a queued listing export's file, as the user who asked, in their language."""
    export = ListingExport.objects.select_related("requested_by").get(pk=export_id)
    with translation.override(export.language or None):
        return queued_export_build(model=ListingExport, export_id=export_id, build=_build_listing)


def listing_export_retry(*, export: ListingExport) -> ListingExport:
    from .tasks import listing_export_task

    return queued_export_retry(export=export, task=listing_export_task)
