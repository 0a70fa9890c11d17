"""Spreadsheets too large to import, built small: a sheet's XML written by hand and deflated,
so thousands of repeated cells pack into a few kilobytes, as a zip bomb does with millions."""

import io
import zipfile
from xml.sax.saxutils import escape

from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"
SHARED_STRINGS_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)


def _cells(values) -> str:
    return "".join(f'<c t="inlineStr"><is><t>{escape(str(value))}</t></is></c>' for value in values)


def _runs(count: int) -> str:
    return "<r><t>满</t></r>" * count


def _rich(count: int) -> str:
    """A cell whose inline string is `count` runs of rich text."""
    return f'<c t="inlineStr"><is>{_runs(count)}</is></c>'


def xlsx_bomb(
    header,
    row,
    *,
    rows: int,
    dimension: str | None = None,
    merge: str | None = None,
    after: str = "",
    shared_strings_bytes: int = 0,
    styles_bytes: int = 0,
    runs: int = 0,
    shared_string_runs: int = 0,
) -> bytes:
    """An XLSX whose first sheet holds `header`, then `row` `rows` times.

    `dimension`: the size the sheet records (none by default: a forged file leaves it out);
    `merge`: a merged range such as "A2:A9"; `after`: XML after the rows, inside sheetData
    (broken XML there shows whether a reader went past the rows before it); and
    `shared_strings_bytes`, `styles_bytes`: a shared-strings part, styles, of about that
    size, which openpyxl reads whole; `runs`: each row's first cell a string of that many
    runs of rich text, and `shared_string_runs`: a shared string of that many runs.
    """
    workbook = Workbook()
    workbook.active.append(["x"])
    template = io.BytesIO()
    workbook.save(template)
    source = zipfile.ZipFile(template)
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + (f'<dimension ref="{dimension}"/>' if dimension else "")
        + f'<sheetData><row r="1">{_cells(header)}</row>'
        + f"<row>{_rich(runs) if runs else ''}{_cells(row[1:] if runs else row)}</row>" * rows
        + after
        + "</sheetData>"
        + (f'<mergeCells count="1"><mergeCell ref="{merge}"/></mergeCells>' if merge else "")
        + "</worksheet>"
    )
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == SHEET:
                content = sheet.encode()
            elif item.filename == "xl/styles.xml" and styles_bytes:
                content = content.replace(b"<", b" " * styles_bytes + b"<", 1)
            elif item.filename == "[Content_Types].xml" and (
                shared_strings_bytes or shared_string_runs
            ):
                content = content.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="'
                    + SHARED_STRINGS_TYPE.encode()
                    + b'"/></Types>',
                )
            target.writestr(item.filename, content)
        if shared_strings_bytes or shared_string_runs:
            string = "<si><t>村民</t></si>"
            count = shared_strings_bytes // len(string.encode())
            target.writestr(
                "xl/sharedStrings.xml",
                '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                + string * count
                + (f"<si>{_runs(shared_string_runs)}</si>" if shared_string_runs else "")
                + "</sst>",
            )
    return packed.getvalue()


def csv_bytes(lines) -> bytes:
    return "\r\n".join(lines).encode("utf-8")
