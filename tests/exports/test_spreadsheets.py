"""The files as Excel, WPS and the imports read them: CSV with a byte-order mark, XLSX that
openpyxl opens, text never run as a formula, and a last line without which the file is
known to be cut short."""

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from lms.exports.spreadsheets import csv_chunks, end_line_rows, write_xlsx
from tests.exports.support import complete_rows, export_file_rows

HEADINGS = ["姓名", "村", "学时", "出生日期"]
ROWS = [
    ['=HYPERLINK("http://x")', "东沟村", Decimal("2.5"), datetime.date(1980, 5, 17)],
    ["@SUM(A1)", "  西沟村 ", 3, None],
    ["李\x07四", "-1", True, datetime.datetime(2026, 3, 5, 9, 30)],
]


def csv_bytes(rows) -> bytes:
    return b"".join(csv_chunks(HEADINGS, iter(rows)))


def xlsx_bytes(rows) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(buffer, HEADINGS, iter(rows))
    return buffer.getvalue()


def test_csv_starts_with_a_byte_order_mark_and_keeps_formulas_as_text():
    lines = export_file_rows("text/csv", csv_bytes(ROWS))

    assert complete_rows(lines) == [
        HEADINGS,
        ['\'=HYPERLINK("http://x")', "东沟村", "2.5", "1980-05-17"],
        ["'@SUM(A1)", "  西沟村 ", "3", ""],
        ["李\x07四", "'-1", "True", "2026-03-05 09:30:00"],
    ]


def test_xlsx_opens_with_text_numbers_and_dates_as_such():
    sheet = load_workbook(io.BytesIO(xlsx_bytes(ROWS))).worksheets[0]

    assert [cell.value for cell in sheet[1]][:4] == HEADINGS
    assert sheet["A1"].font.b and sheet.freeze_panes == "A2"
    formula = sheet["A2"]
    assert (formula.value, formula.data_type) == ('=HYPERLINK("http://x")', "s")
    assert sheet["C2"].value == 2.5 and sheet["C3"].value == 3
    assert sheet["D2"].value == datetime.datetime(1980, 5, 17)
    assert sheet["D2"].number_format == "yyyy-mm-dd"
    assert sheet["D4"].value == datetime.datetime(2026, 3, 5, 9, 30)
    assert sheet["B3"].value == "  西沟村 "  # spaces kept
    assert sheet["A4"].value == "李\ufffd四"  # a character XML cannot carry is replaced
    assert sheet["B4"].value == "-1" and sheet["C4"].value is True


@pytest.mark.parametrize("writer", [csv_bytes, xlsx_bytes])
def test_the_last_line_counts_the_rows(writer):
    data = writer(ROWS * 400)
    content_type = "text/csv" if writer is csv_bytes else "application/xlsx"

    lines = export_file_rows(content_type, data)

    assert len(complete_rows(lines)) == 1 + 1200
    assert end_line_rows(lines[-1][:5], 4) == 1200


def test_a_csv_cut_short_is_told_from_a_whole_one():
    data = csv_bytes(ROWS * 400)
    cut = data[: len(data) * 2 // 3]

    lines = export_file_rows("text/csv", cut)

    assert end_line_rows(lines[-1], 4) is None
    with pytest.raises(AssertionError):
        complete_rows(lines)


def test_a_data_row_is_never_taken_for_an_end_line():
    assert end_line_rows(["张三", "东沟村", "2", "", "12"], 4) is None
    assert end_line_rows(["", "", "", "", "导出完毕：以上共 12 行"], 4) == 12
    assert end_line_rows(["", "", "", "", ""], 4) is None


def test_an_empty_listing_still_ends_with_its_line():
    assert complete_rows(export_file_rows("text/csv", csv_bytes([]))) == [HEADINGS]
    assert complete_rows(export_file_rows("xlsx", xlsx_bytes([]))) == [HEADINGS]
