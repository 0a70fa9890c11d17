"""Writes of the statistics: building an export file, asked for now and made by a task."""

from django.core.files.base import ContentFile
from django.db import transaction

from lms.exports.services import queued_export_build, queued_export_retry

from . import exports
from .models import StatsExport
from .report import Report, attendance_report, stats_overview
from .selectors import GROUPINGS, StatsFilter, attendance_totals

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
    """Build a queued export's file (lms.exports: safe to run twice, errors recorded)."""

    def build(export, progress):
        f = StatsFilter.from_params(export.params)
        by = export.params.get("by") or "village"
        content = export_content(f=f, format=export.format, by=by, progress=progress)
        name = export_filename(f, export.format, export.params.get("by", ""))
        return name, ContentFile(content)

    return queued_export_build(model=StatsExport, export_id=export_id, build=build)


def stats_export_retry(*, export: StatsExport) -> StatsExport:
    """Queue a failed export again."""
    from .tasks import stats_export_task

    return queued_export_retry(export=export, task=stats_export_task)
