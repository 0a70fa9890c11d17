"""The figures as files in the county's forms: XLSX and CSV tables, a printable PDF.

A form has a title, the 填报单位 and 填报时间 lines, Chinese column names and a totals row
(合计). Numbers are numbers; text a spreadsheet could execute (a name starting with `=`,
`+`, `-` or `@`) stays text.
"""

import csv
import io

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lms.exports.spreadsheets import spreadsheet_safe

from . import charts
from .report import COLUMNS, GROUPING_LABELS, Overview, Report, filter_description, reporting_body


def report_title(report: Report) -> str:
    return _("Training statistics by %(grouping)s") % {"grouping": GROUPING_LABELS[report.by]}


def _header_lines(report: Report) -> list[str]:
    made = timezone.localtime(report.made_at)
    return [
        _("Reporting body: %(body)s") % {"body": reporting_body(report.filter)},
        _("Reported on: %(date)s") % {"date": f"{made:%Y-%m-%d}"},
        _("Range: %(range)s") % {"range": filter_description(report.filter)},
    ]


def _table(report: Report) -> tuple[list[str], list[list], list]:
    heading = [str(GROUPING_LABELS[report.by]), *[str(label) for _key, label in COLUMNS]]
    rows = [[row.label, *[getattr(row, key) for key, _label in COLUMNS]] for row in report.rows]
    totals = [_("Total"), *[getattr(report.totals, key) for key, _label in COLUMNS]]
    return heading, rows, totals


# --- CSV ----------------------------------------------------------------------------------------


def report_csv(report: Report) -> bytes:
    """UTF-8 with a byte-order mark, so Chinese Excel opens it right; heading, rows, 合计."""
    with translation.override(settings.LANGUAGE_CODE):
        heading, rows, totals = _table(report)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(heading)
        for row in rows:
            writer.writerow([spreadsheet_safe(str(row[0])), *row[1:]])
        writer.writerow(totals)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --- XLSX ---------------------------------------------------------------------------------------


def _form_styles(book) -> None:
    """The cell styles of a form, registered once per workbook: styling each of 9,000 rows'
    cells with its own Border object is what made a county-year export slow."""
    from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side

    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    for name, font, alignment in (
        ("sy_cell", Font(), Alignment()),
        ("sy_heading", Font(bold=True), Alignment(horizontal="center", wrap_text=True)),
        ("sy_total", Font(bold=True), Alignment()),
    ):
        book.add_named_style(NamedStyle(name=name, font=font, border=box, alignment=alignment))


def _write_form(sheet, report: Report, *, title: str) -> None:
    """Title, the 填报 lines, the heading, one row a line, 合计: rows are numbered as they are
    written (openpyxl's max_row scans every cell, which made a long sheet quadratic)."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    heading, rows, totals = _table(report)
    width = len(heading)
    lines = [title, *_header_lines(report)]
    for number, line in enumerate(lines, start=1):
        sheet.cell(row=number, column=1, value=line)
        sheet.merge_cells(start_row=number, start_column=1, end_row=number, end_column=width)
    sheet["A1"].font = Font(size=14, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center")

    def write(number: int, values: list, style: str) -> None:
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=number, column=column, value=value)
            if column == 1 and isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the name starts with
            cell.style = style

    heading_row = len(lines) + 1
    write(heading_row, heading, "sy_heading")
    for number, row in enumerate(rows, start=heading_row + 1):
        write(number, row, "sy_cell")
    write(heading_row + len(rows) + 1, totals, "sy_total")
    sheet.column_dimensions["A"].width = 28 if report.by == "session" else 16
    for column in range(2, width + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 14
    sheet.freeze_panes = sheet.cell(row=heading_row + 1, column=2)


def reports_xlsx(reports: list[Report]) -> bytes:
    """One sheet per report (按村, 按月, …), each in the county's form."""
    from openpyxl import Workbook

    with translation.override(settings.LANGUAGE_CODE):
        book = Workbook()
        book.remove(book.active)
        _form_styles(book)
        for report in reports:
            sheet = book.create_sheet(str(GROUPING_LABELS[report.by])[:31])
            _write_form(sheet, report, title=report_title(report))
        buffer = io.BytesIO()
        book.save(buffer)
    return buffer.getvalue()


def report_xlsx(report: Report) -> bytes:
    return reports_xlsx([report])


# --- PDF ----------------------------------------------------------------------------------------


def overview_charts(overview: Overview) -> dict:
    """The page's three charts, drawn once for the page, the phone and the PDF."""
    villages = overview.breakdowns.get("village", [])
    months = overview.breakdowns.get("month", [])
    return {
        "by_village": charts.bar_chart(
            title=_("Person-times by village"),
            items=[(row.label, row.person_times) for row in villages],
            unit=_("person-times"),
        ),
        "by_month": charts.trend_chart(
            title=_("Person-times by month"),
            points=[(row.label, row.person_times) for row in months],
            unit=_("person-times"),
        ),
        "by_track": charts.grouped_bar_chart(
            title=_("The two tracks"),
            categories=[str(label) for _key, label in COLUMNS],
            series=[
                (row.label, [getattr(row, key) for key, _label in COLUMNS])
                for row in overview.by_track
            ],
        ),
    }


def _refuse_fetch(url, *args, **kwargs):
    raise ValueError(f"the statistics PDF fetches nothing: {url}")


def overview_pdf(overview: Overview, reports: list[Report]) -> bytes:
    """An A4 report: the totals, the charts and the tables, in the site's language."""
    from weasyprint import HTML  # Pango is loaded only when a PDF is made

    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string(
            "stats/pdf/overview.html",
            {
                "overview": overview,
                "charts": overview_charts(overview),
                "tables": [(report_title(report), _table(report)) for report in reports],
                "header_lines": _header_lines(reports[0]) if reports else [],
                "columns": COLUMNS,
            },
        )
    return HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()
