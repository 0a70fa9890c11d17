"""Writes of the statistics: building an export file, asked for now and made by a task."""

import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import exports
from .models import StatsExport
from .report import Report, attendance_report, stats_overview
from .selectors import GROUPINGS, StatsFilter, attendance_totals

logger = logging.getLogger(__name__)

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}
# Longer ranges are built by a Celery task with progress; shorter ones are answered at once.
DIRECT_EXPORT_MAX_DAYS = 92


def export_filename(f: StatsFilter, format: str, by: str = "") -> str:
    suffix = f"-{by}" if by and format == "csv" else ""
    return f"shuangyu-stats-{f.date_from:%Y%m%d}-{f.date_to:%Y%m%d}{suffix}.{format}"


def export_is_direct(f: StatsFilter) -> bool:
    return (f.date_to - f.date_from).days < DIRECT_EXPORT_MAX_DAYS


def export_content(*, f: StatsFilter, format: str, by: str = "village", progress=None) -> bytes:
    """The file's bytes. XLSX: one sheet per grouping; CSV: one grouping; PDF: the overview
    with its charts and the tables by village, month and kind."""
    progress = progress or (lambda percent: None)
    if format == "csv":
        return exports.report_csv(attendance_report(f, by=by))
    if format == "pdf":
        overview = stats_overview(f)
        progress(60)
        reports = [
            Report(filter=f, by=grouping, totals=overview.totals, rows=rows)
            for grouping, rows in overview.breakdowns.items()
        ]
        return exports.overview_pdf(overview, reports)
    totals = attendance_totals(f)
    reports = []
    for done, grouping in enumerate(GROUPINGS):
        reports.append(attendance_report(f, by=grouping, totals=totals))
        progress(int(80 * (done + 1) / len(GROUPINGS)))
    return exports.reports_xlsx(reports)


@transaction.atomic
def stats_export_request(*, user, f: StatsFilter, format: str, by: str = "village") -> StatsExport:
    """Queue an export; the task builds it once this transaction commits."""
    from .tasks import stats_export_task

    export = StatsExport.objects.create(
        requested_by=user, params={**f.as_params(), "by": by}, format=format
    )
    stats_export_task.delay_on_commit(export.pk)
    return export


def stats_export_build(*, export_id: int) -> StatsExport:
    """Build a queued export's file. Safe to run twice: a ready export is left alone, a
    failed one is tried again; an error is recorded, never lost in a log."""
    with transaction.atomic():
        export = StatsExport.objects.select_for_update().get(pk=export_id)
        if export.status == StatsExport.Status.READY:
            return export
        export.status, export.progress, export.error = StatsExport.Status.RUNNING, 0, ""
        export.save(update_fields=["status", "progress", "error"])

    def progress(percent: int) -> None:
        StatsExport.objects.filter(pk=export.pk).update(progress=percent)

    f = StatsFilter.from_params(export.params)
    try:
        content = export_content(
            f=f, format=export.format, by=export.params.get("by") or "village", progress=progress
        )
    except Exception as error:  # any failure is the user's to see and retry
        logger.exception("statistics export %s failed", export.pk)
        StatsExport.objects.filter(pk=export.pk).update(
            status=StatsExport.Status.FAILED,
            error=_("The export failed: %(error)s") % {"error": str(error)[:200]},
            finished_at=timezone.now(),
        )
        export.refresh_from_db()
        return export
    export.file.save(
        export_filename(f, export.format, export.params.get("by", "")),
        ContentFile(content),
        save=False,
    )
    export.status, export.progress, export.finished_at = (
        StatsExport.Status.READY,
        100,
        timezone.now(),
    )
    export.save(update_fields=["file", "status", "progress", "finished_at"])
    return export


def stats_export_retry(*, export: StatsExport) -> StatsExport:
    """Queue a failed export again."""
    from .tasks import stats_export_task

    if export.status == StatsExport.Status.FAILED:
        StatsExport.objects.filter(pk=export.pk).update(
            status=StatsExport.Status.QUEUED, progress=0, error=""
        )
        transaction.on_commit(lambda: stats_export_task.delay(export.pk))
    export.refresh_from_db()
    return export
