"""Reading the spreadsheets people really send: CSV (UTF-8 or GBK) and XLSX.

Rows keep their sheet row numbers so every error can name the row a person sees in Excel.
A title row above the header ("东沟乡党员花名册") is skipped: the header is the first row
that names the required columns.
"""

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _


class TableError(Exception):
    """The file as a whole cannot be read (not a row error)."""


@dataclass
class TableRow:
    number: int  # the row number shown by the spreadsheet program (header is usually 1)
    values: dict[str, object]


def header_key(text) -> str:
    """'手机号码 ' → '手机号码'; '党员(是/否)' → '党员'; 'ID_Number' → 'id_number'."""
    key = unicodedata.normalize("NFKC", str(text or "")).strip().lower()
    key = re.sub(r"[(\[].*?[)\]]", "", key)
    return re.sub(r"[\s*:：]+", "", key)


def _cells_from_csv(data: bytes) -> list[list[object]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise TableError(_("The file's text encoding was not recognised; save it as UTF-8."))
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;，")
    except csv.Error:
        dialect = csv.excel
    return [list(row) for row in csv.reader(io.StringIO(text), dialect)]


def _cells_from_xlsx(data: bytes) -> list[list[object]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise TableError(
            _("The XLSX file could not be opened: %(error)s") % {"error": error}
        ) from error
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def read_table(
    data: bytes, filename: str, *, aliases: dict[str, str], required: Iterable[str]
) -> list[TableRow]:
    """Rows of the first sheet, keyed by canonical column name.

    `aliases` maps header_key(column title) → canonical name. Raises TableError when the
    file cannot be read or a required column is missing.
    """
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        cells = _cells_from_xlsx(data)
    elif lower.endswith((".csv", ".txt")):
        cells = _cells_from_csv(data)
    elif lower.endswith(".xls"):
        raise TableError(_("Old .xls files are not supported; save the sheet as .xlsx or .csv."))
    else:
        raise TableError(_("Unsupported file type; use .csv or .xlsx."))

    required = list(required)
    header_index = None
    for index, row in enumerate(cells[:10]):
        names = {aliases.get(header_key(cell)) for cell in row}
        if all(name in names for name in required):
            header_index = index
            break
    if header_index is None:
        raise TableError(
            _("No header row with the required columns was found: %(columns)s")
            % {"columns": ", ".join(required)}
        )

    columns: dict[int, str] = {}
    for position, cell in enumerate(cells[header_index]):
        name = aliases.get(header_key(cell))
        if name is None:
            continue
        if name in columns.values():
            raise TableError(_("The column %(column)s appears twice.") % {"column": cell})
        columns[position] = name

    rows = []
    for index, row in enumerate(cells[header_index + 1 :], start=header_index + 2):
        values = {name: (row[pos] if pos < len(row) else None) for pos, name in columns.items()}
        if all(value is None or str(value).strip() == "" for value in values.values()):
            continue
        rows.append(TableRow(number=index, values=values))
    return rows
