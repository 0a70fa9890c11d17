"""Reading the spreadsheets people really send: CSV (UTF-8, UTF-16 or GBK) and XLSX.

Rows keep their sheet row numbers so every error can name the row a person sees in Excel.
A title row above the header ("东沟乡党员花名册") is skipped: the header is the first row
that names the required columns.

A file is read one row at a time and only within the limits of limits.py: its size is
checked before it is read, its rows and cells as they come, so a file far too large is
refused at the first row past a limit, never after it has filled the worker's memory. Only
the first rows of each sheet (or each way to split a CSV) are read to find the header; then
only the chosen sheet, keeping only the columns the import knows.
"""

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from functools import partial
from itertools import islice

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .cells import strip_invisible
from .exceptions import TableError
from .limits import (
    CSV_MAX_LINE_CHARS,
    RowCounter,
    import_limits,
    too_many_cells,
    upload_size_check,
)

# How far down a title and notes may push the header row.
HEADER_SEARCH_ROWS = 10
# Delimiters a CSV may use: Excel's comma, tab-separated text, European Excel's semicolon,
# and a full-width comma typed by hand.
CSV_DELIMITERS = (",", "\t", ";", "，")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the container of old .xls (and .et) workbooks
# How much of a file is decoded or scanned at a time.
_DECODE_CHUNK = 1024 * 1024


@dataclass
class TableRow:
    number: int  # the row number shown by the spreadsheet program (header is usually 1)
    values: dict[str, object]


def header_key(text) -> str:
    """'手机号码 ' → '手机号码'; '党员(是/否)' → '党员'; 'ID_Number' → 'id_number'."""
    key = unicodedata.normalize("NFKC", str(text or "")).strip().lower()
    key = strip_invisible(key)
    key = re.sub(r"[(\[].*?[)\]]", "", key)
    return re.sub(r"[\s*:：]+", "", key)


@dataclass
class _Sheet:
    """A sheet to read, or a way to split a CSV: `rows()` starts reading its rows (a list of
    cells each); `declared_cells()` reads the size an XLSX sheet records, if any."""

    rows: Callable[[], Iterator[list[object]]]
    declared_cells: Callable[[], int | None] = lambda: None


def _csv_encoding(data: bytes) -> str:
    """The encoding of a CSV: UTF-16 and UTF-8 by their byte-order mark, else UTF-8, else
    GB18030, tried a megabyte at a time, so no decoded copy of the whole file is made.

    Chinese Excel saves "CSV" in GBK (a subset of GB18030) and "Unicode text" in UTF-16.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    view = memoryview(data)
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for start in range(0, len(data), _DECODE_CHUNK):
                decoder.decode(view[start : start + _DECODE_CHUNK])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise TableError(_("The file's text encoding was not recognised; save it as UTF-8."))


def _csv_lines(data: bytes, encoding: str) -> Iterator[str]:
    """The file's lines, decoded as they are read."""
    for line in io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline=""):
        if len(line) > CSV_MAX_LINE_CHARS:
            raise TableError(
                _("A line of the file is longer than %(limit)s characters; it is not a table.")
                % {"limit": f"{CSV_MAX_LINE_CHARS:,}"}
            )
        yield line


def _csv_rows(data: bytes, encoding: str, delimiter: str | None) -> Iterator[list[object]]:
    if delimiter is None:  # one column: each line is a cell
        for line in _csv_lines(data, encoding):
            yield [line.rstrip("\r\n")]
        return
    reader = csv.reader(_csv_lines(data, encoding), csv.excel, delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as error:
        raise TableError(
            _("The CSV file could not be read: %(error)s") % {"error": error}
        ) from error


@contextmanager
def _csv_sheets(data: bytes) -> Iterator[list[_Sheet]]:
    """The file's cells as split by each delimiter it may use; read_table picks one."""
    encoding = _csv_encoding(data)
    start = ""
    for line in _csv_lines(data, encoding):
        start += line
        if len(start) >= 10000:
            break
    start = start[:10000]
    delimiters = [delimiter for delimiter in CSV_DELIMITERS if delimiter in start] or [None]
    yield [_Sheet(partial(_csv_rows, data, encoding, delimiter)) for delimiter in delimiters]


@contextmanager
def _sheets(data: bytes, filename: str) -> Iterator[list[_Sheet]]:
    """Candidate sheets of the file, by its content first and its extension second: each a
    function that starts reading that sheet's rows."""
    lower = filename.lower()
    if data.startswith(_ZIP_MAGIC) or lower.endswith(".xlsx"):
        from .xlsx import xlsx_sheets  # openpyxl is loaded when a workbook comes

        with xlsx_sheets(data) as sheets:
            yield [_Sheet(rows, declared_cells) for rows, declared_cells in sheets]
    elif data.startswith(_OLE_MAGIC) or lower.endswith(".xls"):
        raise TableError(_("Old .xls files are not supported; save the sheet as .xlsx or .csv."))
    elif lower.endswith((".csv", ".txt")):
        with _csv_sheets(data) as sheets:
            yield sheets
    else:
        raise TableError(_("Unsupported file type; use .csv or .xlsx."))


def _counted(rows: Iterator[list[object]], counter: RowCounter) -> Iterator[list[object]]:
    for row in rows:
        counter.count(len(row), filled=not _is_blank_cells(row))
        yield row


def _find_header(
    cells: list[list[object]], aliases: dict[str, str], required: list[str]
) -> tuple[int, int] | None:
    """(row index, number of known columns) of the first row naming every required column."""
    for index, row in enumerate(cells[:HEADER_SEARCH_ROWS]):
        names = {aliases.get(header_key(cell)) for cell in row} - {None}
        if all(name in names for name in required):
            return index, len(names)
    return None


def _missing_header_message(aliases: dict[str, str], required: list[str]) -> str:
    titles = []
    for name in required:
        # The first alias is the column title the template uses (姓名 for name).
        title = next((key for key, value in aliases.items() if value == name), name)
        titles.append(title if title == name else f"{title} ({name})")
    return _("No header row with the required columns was found: %(columns)s") % {
        "columns": ", ".join(titles)
    }


NO_ROWS_MESSAGE = gettext_lazy("The file has a header row but no rows below it; nothing to import.")


def read_table(
    data: bytes, filename: str, *, aliases: dict[str, str], required: Iterable[str]
) -> list[TableRow]:
    """Rows of the roster's sheet (the first with a header row), keyed by canonical column name.

    `aliases` maps header_key(column title) → canonical name. Raises TableError when the
    file cannot be read or a required column is missing, TableTooLarge (one) when it is
    larger than an import reads (limits.py): checked by its size before it is read and by
    its rows and cells as they are read. Rows with nothing in any known column (blank lines,
    a trailing total of another column) are left out, and so is the header repeated below
    (sheets pasted one under another). Only the known columns of the chosen sheet are kept.
    """
    upload_size_check(len(data))
    limits = import_limits()
    required = list(required)
    with _sheets(data, filename) as sheets:
        # Of the sheets, or the ways to split a CSV, the one whose header names most columns:
        # only the first rows of each are read to choose.
        best = None
        for sheet in sheets:
            with closing(_counted(sheet.rows(), RowCounter(limits))) as rows:
                head = list(islice(rows, HEADER_SEARCH_ROWS))
            found = _find_header(head, aliases, required)
            if found and (best is None or found[1] > best[2][1]):
                best = (sheet, head, found)
        if best is None:
            raise TableError(_missing_header_message(aliases, required))
        sheet, head, (header_index, _count) = best
        columns = _columns(head[header_index], aliases)
        # A sheet that says it is larger than the limit is refused before it is read; one
        # that says less is still counted as it is read (the size recorded may be wrong).
        if (sheet.declared_cells() or 0) > limits.cells:
            raise too_many_cells(limits.cells)
        table = []
        with closing(_counted(sheet.rows(), RowCounter(limits))) as rows:
            for number, row in enumerate(rows, start=1):
                if number <= header_index + 1:
                    continue
                values = {
                    name: (row[pos] if pos < len(row) else None) for pos, name in columns.items()
                }
                if _is_blank(values) or _repeats_header(values, aliases):
                    continue
                table.append(TableRow(number=number, values=values))
    if not table:
        # A header alone imports nothing: say so, rather than offer to confirm nothing.
        raise TableError(str(NO_ROWS_MESSAGE))
    return table


def _columns(header: list[object], aliases: dict[str, str]) -> dict[int, str]:
    """Position → canonical name of each known column of the header row."""
    columns: dict[int, str] = {}
    for position, cell in enumerate(header):
        name = aliases.get(header_key(cell))
        if name is None:
            continue
        if name in columns.values():
            raise TableError(_("The column %(column)s appears twice.") % {"column": cell})
        columns[position] = name
    return columns


def _is_blank_cells(row: list[object]) -> bool:
    return all(value is None or str(value).strip() == "" for value in row)


def _is_blank(values: dict[str, object]) -> bool:
    return all(value is None or str(value).strip() == "" for value in values.values())


def _repeats_header(values: dict[str, object], aliases: dict[str, str]) -> bool:
    """Every filled cell is a title of its own column: 姓名 under 姓名, 村 under 村名."""
    filled = {name: value for name, value in values.items() if value not in (None, "")}
    return all(aliases.get(header_key(value)) == name for name, value in filled.items())
