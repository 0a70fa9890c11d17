"""Reading an XLSX workbook a row at a time, within the limits of an import (limits.py).

An XLSX is a zip of XML parts, and a zip bomb packs millions of cells into a few hundred
kilobytes. So, before openpyxl opens it, the sizes its zip directory declares are checked
(zipfile never unpacks more than those); the sheets are then read in openpyxl's read-only
mode, one row at a time, counted as they come (tables.read_table), never expanded whole.
Merged cells, which read-only mode cannot see, are found by scanning the sheet's XML and
filled in as the rows go by.

Built on openpyxl 3.1.5 (pinned): its read-only sheet would parse every row of a sheet that
records no size (<dimension>) just to learn it, as the workbook opens; _RowsOnlySheet skips
that, and the size a sheet records is read here from the XML before its rows.
"""

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial

from django.utils.translation import gettext as _
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from .exceptions import TableError
from .limits import (
    XLSX_MAX_RUNS_PER_STRING,
    import_limits,
    sheet_count_check,
    too_many_cells,
    too_many_rows,
    too_many_runs,
    unpacked_size_check,
)

# How much of a part is scanned at a time, and how far the size a sheet records may be from
# its start (it comes before the rows, after the sheet's properties and views).
_SCAN_CHUNK = 1024 * 1024
_WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_SHARED_STRINGS_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)
_CONTENT_TYPE_OVERRIDE = re.compile(
    r'<Override\b(?=[^>]*\bPartName="([^"]+)")(?=[^>]*\bContentType="([^"]+)")'
)
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="([^"]+)"')
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData\b")
_MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([^"]+)"')
# A run of a string's text, rich text (<r>) or phonetic (<rPh>), the start of a cell, of a
# row or of a shared string. openpyxl makes objects of each run, as it does of a cell, and
# holds a string's runs at once: a 34 KB file of one cell of a million runs took 27 s and
# 550 MB to read (and was then imported). So runs are counted before a part is parsed, and
# rows and cells too: a zip bomb of 2.4 million cells took openpyxl 20-27 s to reach the row
# limit, past the 30 s a request may take; the scan refuses it in a second or two.
_RUN_OR_STRING = re.compile(rb"<(?:\w+:)?(?:(r|rPh)|(c)|(row)|si)[\s/>]")

Rows = Callable[[], Iterator[list[object]]]


class _RowsOnlySheet(ReadOnlyWorksheet):
    """openpyxl's read-only sheet, without reading the sheet to learn its size as it opens."""

    def _get_size(self):
        pass


class _Reader(ExcelReader):
    """openpyxl's reader in read-only mode, its sheets _RowsOnlySheet (chart sheets left out:
    they hold no rows)."""

    def read_worksheets(self):
        for sheet, rel in self.parser.find_sheets():
            if rel.target not in self.valid_files or "chartsheet" in rel.Type:
                continue
            worksheet = _RowsOnlySheet(self.wb, sheet.name, rel.target, self.shared_strings)
            worksheet.sheet_state = sheet.state
            self.wb._sheets.append(worksheet)


@contextmanager
def xlsx_sheets(data: bytes) -> Iterator[list[tuple[Rows, Callable[[], int | None]]]]:
    """Each sheet of the workbook, in order (a first sheet of instructions is common): a
    function that starts reading its rows, and one that reads the cells (rows × columns) it
    says it has."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise _unreadable(error) from error
    _unpacked_check(archive)
    try:
        # Links to other workbooks are not followed: they would be read whole, and unused.
        reader = _Reader(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        reader.read()
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise _unreadable(error) from error
    workbook = reader.wb
    try:
        sheet_count_check(len(workbook.worksheets))
        yield [
            (
                partial(_xlsx_rows, sheet, archive),
                partial(_declared_cells, archive, sheet._worksheet_path),
            )
            for sheet in workbook.worksheets
        ]
    finally:
        workbook.close()


def _unreadable(error) -> TableError:
    return TableError(_("The XLSX file could not be opened: %(error)s") % {"error": error})


def _unpacked_check(archive: zipfile.ZipFile) -> None:
    """Refuse a zip bomb by the sizes its directory declares. Parts are told apart by the
    type [Content_Types].xml declares, as openpyxl finds them: worksheets are read row by
    row, the shared strings whole, and pictures never (in read-only mode); any other part
    may be read whole, so a renamed one is held to the same limit."""
    parts = archive.infolist()
    types = _declared_types(archive)
    shared_strings = other_part = 0
    shared_string_parts = []
    for part in parts:
        kind = types.get(part.filename)
        if kind == _WORKSHEET_TYPE or (kind is None and part.filename.startswith("xl/media/")):
            continue
        if kind == _SHARED_STRINGS_TYPE:
            shared_strings = max(shared_strings, part.file_size)
            shared_string_parts.append(part.filename)
        else:
            other_part = max(other_part, part.file_size)
    unpacked_size_check(
        total=sum(part.file_size for part in parts),
        shared_strings=shared_strings,
        other_part=other_part,
    )
    # openpyxl reads the shared strings whole as the workbook opens: their runs are counted
    # first (the sheets', as each is read).
    for part in shared_string_parts:
        runs = _PartCounts()
        for piece in _pieces(archive, part):
            runs.scan(piece)


class _PartCounts:
    """Counts what a part's XML holds as it is scanned: its strings' runs, all of them against
    the cell limit (each is as much work as a cell) and each string's against
    XLSX_MAX_RUNS_PER_STRING (they are held at once); and a sheet's rows and cells against
    their limits (the rows read count more: the gaps between stored rows and cells too)."""

    def __init__(self):
        self.total = self.in_string = self.cells = self.rows = 0
        limits = import_limits()
        self.limit, self.row_limit = limits.cells, limits.rows

    def scan(self, piece: bytes) -> None:
        for found in _RUN_OR_STRING.finditer(piece):
            run, cell, row = found.groups()
            if run is None:  # a cell, a row or a shared string begins
                self.in_string = 0
                if cell is not None:
                    self.cells += 1
                    if self.cells > self.limit:
                        raise too_many_cells(self.limit)
                elif row is not None:
                    self.rows += 1
                    if self.rows > self.row_limit:
                        raise too_many_rows(self.row_limit)
                continue
            self.total += 1
            self.in_string += 1
            if self.in_string > XLSX_MAX_RUNS_PER_STRING:
                raise too_many_runs()
            if self.total > self.limit:
                raise too_many_cells(self.limit)


def _pieces(archive: zipfile.ZipFile, part: str) -> Iterator[bytes]:
    """A part's XML a megabyte at a time, each piece ending at the end of a tag, so memory
    stays flat however large the part."""
    rest = b""
    with archive.open(part) as stream:
        while chunk := stream.read(_SCAN_CHUNK):
            text = rest + chunk
            end = text.rfind(b">") + 1
            yield text[:end]
            rest = text[end:][-1024:]  # an element is far shorter


def _declared_types(archive: zipfile.ZipFile) -> dict[str, str]:
    """Part name → the content type [Content_Types].xml declares for it by name."""
    try:
        manifest = archive.getinfo("[Content_Types].xml")
    except KeyError:
        return {}
    unpacked_size_check(total=manifest.file_size, other_part=manifest.file_size)
    declared = _CONTENT_TYPE_OVERRIDE.findall(archive.read(manifest).decode("utf-8", "replace"))
    return {name.lstrip("/"): kind for name, kind in declared}


def _declared_cells(archive: zipfile.ZipFile, part: str) -> int | None:
    """Rows × columns of the size the sheet records, if it records one before its rows."""
    try:
        with archive.open(part) as stream:
            start = stream.read(_SCAN_CHUNK)
    except (KeyError, OSError, zipfile.BadZipFile):
        return None
    rows_start = _SHEET_DATA.search(start)
    found = _DIMENSION.search(start, 0, rows_start.start() if rows_start else len(start))
    if found is None:
        return None
    try:
        _min_col, _min_row, max_col, max_row = range_boundaries(found.group(1).decode())
    except (ValueError, TypeError, UnicodeDecodeError):
        return None
    return (max_row or 1) * (max_col or 1)


def _sheet_scan(archive: zipfile.ZipFile, part: str, limit: int) -> tuple[list[tuple], int]:
    """(min_row, min_col, max_row, max_col) of each merged range of a worksheet part, and the
    runs of its strings' text, found by scanning its XML a megabyte at a time (the ranges
    follow the rows); more than `limit` ranges, or runs past the cell limit, is refused."""
    ranges = []
    runs = _PartCounts()
    for piece in _pieces(archive, part):
        runs.scan(piece)
        for ref in _MERGE_CELL.findall(piece):
            try:
                min_col, min_row, max_col, max_row = range_boundaries(ref.decode())
            except (ValueError, TypeError, UnicodeDecodeError):
                continue
            if min_row is None or min_col is None:  # whole rows or columns: no cell's
                continue
            ranges.append((min_row, min_col, max_row or min_row, max_col or min_col))
            if len(ranges) > limit:
                raise too_many_cells(runs.limit)
    return sorted(ranges), runs.total


def _xlsx_rows(sheet, archive: zipfile.ZipFile) -> Iterator[list[object]]:
    """Values of a sheet, every row there is: the size a sheet records is not trusted (a wrong
    one would cut rows off silently). A merged cell's value fills every cell it covers:
    rosters often merge the village cell over all of its people, and each of those rows
    belongs to that village."""
    limits = import_limits()
    pending, runs = _sheet_scan(archive, sheet._worksheet_path, limits.rows)
    active: list[tuple] = []  # (min_col, max_row, max_col, value) of the ranges on this row
    filled = runs  # the runs are work as the cells merged ranges fill are
    next_range = 0
    sheet.reset_dimensions()
    rows = sheet.iter_rows(values_only=True)
    number = 0
    while True:
        try:
            values = next(rows, None)
        except Exception as error:  # the sheet's XML breaks off: say so, as for the workbook
            raise _unreadable(error) from error
        if values is None:
            return
        number += 1
        row = list(values)
        active = [merged for merged in active if merged[1] >= number]
        while next_range < len(pending) and pending[next_range][0] <= number:
            _min_row, min_col, max_row, max_col = pending[next_range]
            next_range += 1
            value = row[min_col - 1] if min_col <= len(row) else None
            active.append((min_col, max_row, max_col, value))
        for min_col, _max_row, max_col, value in active:
            # What merged ranges fill is counted too: overlapping ones are work, not data.
            filled += max_col - min_col + 1
            if filled > limits.cells:
                raise too_many_cells(limits.cells)
            if len(row) < max_col:
                row.extend([None] * (max_col - len(row)))
            row[min_col - 1 : max_col] = [value] * (max_col - min_col + 1)
        yield row
