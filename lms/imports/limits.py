"""How much a spreadsheet import reads: the one place every entrance asks (the admin's upload
form, the import commands, read_table for every other caller).

A file is refused by its size before it is read; an XLSX, by what its zip directory says it
unpacks to, before it is opened; and any file, by the rows and cells counted while it is
read, at the first one past the limit, never after a whole sheet has been expanded. A county
roster of 100,000 people (about 7 MB as CSV, 5 MB as XLSX, 800,000 cells) fits the defaults
with room to spare; a 49 MB CSV of 2.5 million rows or a 400 KB zip bomb of 2.4 million cells
does not.
"""

from dataclasses import dataclass

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .exceptions import TableTooLarge

# A CSV line longer than this is not a row of a table (a roster's line is about 100
# characters; one cell may hold at most csv's 131,072).
CSV_MAX_LINE_CHARS = 1_000_000
# An XLSX part openpyxl reads whole into objects, other than the shared strings: the
# workbook, its styles, theme and relations. Real ones are well under a megabyte, and
# openpyxl makes tens of times their size of objects of them.
XLSX_MAX_PART_BYTES = 4 * 1024 * 1024
# Sheets of a workbook: each is looked at for the header. A workbook of a sheet per village
# of a county stays under it (only one sheet is imported anyway).
XLSX_MAX_SHEETS = 500
# Runs of one string's text (rich text, phonetic guides): openpyxl holds a string's runs at
# once, as objects, however many there are. A formatted cell has a few.
XLSX_MAX_RUNS_PER_STRING = 1000


@dataclass(frozen=True)
class ImportLimits:
    upload_bytes: int
    unpacked_bytes: int
    rows: int
    cells: int


def import_limits() -> ImportLimits:
    """The limits as configured now (read each time, so a test or an operator may change them)."""
    return ImportLimits(
        upload_bytes=settings.IMPORT_MAX_UPLOAD_BYTES,
        unpacked_bytes=settings.IMPORT_MAX_UNPACKED_BYTES,
        rows=settings.IMPORT_MAX_ROWS,
        cells=settings.IMPORT_MAX_CELLS,
    )


def upload_size_check(size: int) -> None:
    """Refuse a file of `size` bytes larger than an import reads; call it before reading."""
    limit = import_limits().upload_bytes
    if size > limit:
        raise TableTooLarge(
            _(
                "The file is %(size)s; an import reads files of at most %(limit)s. Split it"
                " into several files and import each."
            )
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )


def unpacked_size_check(*, total: int, shared_strings: int = 0, other_part: int = 0) -> None:
    """Refuse an XLSX whose parts unpack to more than an import reads: `total` of all its
    parts, `shared_strings` of the shared strings openpyxl holds whole in memory, and
    `other_part` of the largest other part it reads whole; the sheets themselves are read
    row by row."""
    limits = import_limits()
    for size, limit in (
        (total, limits.unpacked_bytes),
        (shared_strings, limits.upload_bytes),
        (other_part, XLSX_MAX_PART_BYTES),
    ):
        if size > limit:
            raise TableTooLarge(
                _(
                    "The XLSX file unpacks to %(size)s, more than an import reads (%(limit)s)."
                    " Delete what the workbook does not need, or save the sheet as CSV."
                )
                % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
            )


def sheet_count_check(count: int) -> None:
    if count > XLSX_MAX_SHEETS:
        raise TableTooLarge(
            _(
                "The workbook has more than %(limit)s sheets; an import reads at most"
                " %(limit)s. Save the sheet to import in a workbook of its own."
            )
            % {"limit": XLSX_MAX_SHEETS}
        )


def too_many_runs() -> TableTooLarge:
    return TableTooLarge(
        _(
            "A cell of the workbook holds text formatted in more than %(limit)s pieces; an"
            " import reads at most %(limit)s. Clear the formatting of the cells, or save the"
            " sheet as CSV."
        )
        % {"limit": f"{XLSX_MAX_RUNS_PER_STRING:,}"}
    )


def too_many_rows(limit: int) -> TableTooLarge:
    return TableTooLarge(
        _(
            "The file has more than %(limit)s rows; an import reads at most %(limit)s. Split"
            " it into several files and import each."
        )
        % {"limit": f"{limit:,}"}
    )


def too_many_cells(limit: int) -> TableTooLarge:
    return TableTooLarge(
        _(
            "The sheet has more than %(limit)s cells; an import reads at most %(limit)s."
            " Delete the rows and columns it does not need (empty ones too), or split it into"
            " several files."
        )
        % {"limit": f"{limit:,}"}
    )


class RowCounter:
    """Counts the rows and cells of one sheet as they are read and stops at the first past a
    limit. A filled row counts as a row; every row, empty or not, counts its cells (at least
    one), so a sheet of a million empty rows is refused too, not read for minutes."""

    def __init__(self, limits: ImportLimits | None = None):
        self.limits = limits or import_limits()
        self.rows = 0
        self.cells = 0

    def count(self, cells: int, *, filled: bool) -> None:
        self.cells += max(cells, 1)
        if self.cells > self.limits.cells:
            raise too_many_cells(self.limits.cells)
        if filled:
            self.rows += 1
            if self.rows > self.limits.rows:
                raise too_many_rows(self.limits.rows)
