"""Reading a whole workbook (lms.imports.tables): every row a sheet holds, whatever it says
about itself."""

import io
import re
import zipfile

import pytest
from openpyxl import Workbook

from lms.imports.tables import TableError, read_table
from tests.imports.spreadsheets import xlsx_bomb

ALIASES = {"姓名": "name", "村": "village", "手机号": "phone"}


def workbook_bytes(rows, *, dimension: str | None = None, merge=()) -> bytes:
    """An XLSX of `rows`; `dimension` replaces the size its sheet records (A1:C31), as some
    programs write it wrong."""
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    for cells in merge:
        workbook.active.merge_cells(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    if dimension is None:
        return buffer.getvalue()
    source, patched = zipfile.ZipFile(buffer), io.BytesIO()
    with zipfile.ZipFile(patched, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content, replaced = re.subn(
                    rb'<dimension ref="[^"]+"', f'<dimension ref="{dimension}"'.encode(), content
                )
                assert replaced == 1
            target.writestr(item, content)
    return patched.getvalue()


def test_a_sheet_that_records_too_small_a_size_is_read_to_its_last_row_and_column():
    rows = [["姓名", "村", "手机号"]] + [
        [f"村民{'甲乙丙丁戊己庚辛'[n % 8]}", "东沟村", f"1380000{n:04d}"] for n in range(30)
    ]

    read = read_table(
        workbook_bytes(rows, dimension="A1:B2"),
        "roster.xlsx",
        aliases=ALIASES,
        required=["name", "village"],
    )

    assert [row.number for row in read] == list(range(2, 32))
    assert read[-1].values == {"name": "村民己", "village": "东沟村", "phone": "13800000029"}


def test_a_village_cell_merged_over_its_people_fills_each_row():
    rows = [["姓名", "村", "手机号"], ["张三", "东沟村", ""], ["李四", None, ""], ["王五", None]]

    read = read_table(
        workbook_bytes(rows, merge=["B2:B4"]),
        "roster.xlsx",
        aliases=ALIASES,
        required=["name", "village"],
    )

    assert [row.values["village"] for row in read] == ["东沟村"] * 3


def test_a_sheet_whose_xml_breaks_off_is_refused_as_unreadable():
    # It records its size, so opening it reads no row: the break is met reading the rows.
    broken = xlsx_bomb(
        ["姓名", "村"], ["张三", "东沟村"], rows=20, dimension="A1:B21", after="<row><c><<<"
    )

    with pytest.raises(TableError):
        read_table(broken, "roster.xlsx", aliases=ALIASES, required=["name", "village"])
