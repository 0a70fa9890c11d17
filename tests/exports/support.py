"""Reading an admin listing's export as the user opens it, and checking it is whole."""

import codecs
import csv
import io

from openpyxl import load_workbook

from lms.exports.spreadsheets import end_line_rows


def export_file_rows(content_type: str, data: bytes) -> list[list[str]]:
    """Every line of the file, the end line included, cells as text ("" for empty)."""
    if content_type.startswith("text/csv"):
        assert data.startswith(codecs.BOM_UTF8), "Excel needs the BOM to read Chinese"
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return [
        ["" if cell is None else str(cell) for cell in row]
        for row in sheet.iter_rows(values_only=True)
    ]


def complete_rows(lines: list[list[str]]) -> list[list[str]]:
    """The header and the rows, after checking the end line counts exactly those rows."""
    header, *rows, last = lines
    width = len(header)
    if len(last) > width + 1:  # openpyxl pads every row to the sheet's widest
        assert all(cell == "" for cell in last[width + 1 :])
        last = last[: width + 1]
    assert end_line_rows(last, width) == len(rows), f"not an end line of {len(rows)}: {last}"
    # (An XLSX row ends at its last filled cell.)
    return [header, *[(row + [""] * width)[:width] for row in rows]]


def export_rows(response) -> list[list[str]]:
    """The rows of a CSV or XLSX export, header first, without its end line (checked)."""
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    return complete_rows(export_file_rows(response["Content-Type"], data))
