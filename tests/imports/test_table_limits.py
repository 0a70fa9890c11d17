"""How much an import reads (lms.imports.limits): a file past a limit is refused with the
reason, by its size before it is read, and by its rows and cells while it is read, so a
49 MB CSV or a zip bomb never fills a worker's memory (issue 13)."""

import io

import pytest
from django.utils import translation
from openpyxl import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from lms.imports.exceptions import TableTooLarge
from lms.imports.tables import read_table
from tests.imports.spreadsheets import csv_bytes, xlsx_bomb

ALIASES = {"姓名": "name", "村": "village"}
BROKEN_XML = "<row><c><<<"


def read(data: bytes, filename: str):
    return read_table(data, filename, aliases=ALIASES, required=["name", "village"])


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed(settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1000
    # Not even a zip: a reader would fail on it, the size check answers first.
    data = b"PK\x03\x04" + b"\0" * 1000

    with pytest.raises(
        TableTooLarge,
        match="文件大小为 1004\xa0字节，导入的文件最大为 1000\xa0字节。请把它拆成几个文件分别导入",
    ):
        read(data, "roster.xlsx")


def test_a_csv_past_the_row_limit_is_refused_before_its_later_rows_are_read(settings):
    settings.IMPORT_MAX_ROWS = 5
    # Row 8 holds a cell larger than csv reads: reading that far would fail differently.
    lines = ["姓名,村", *[f"村民{n},东沟村" for n in range(6)], '"' + "长" * 200_000 + '",东沟村']

    with pytest.raises(TableTooLarge, match="文件超过 5 行，一次导入最多读取 5 行"):
        read(csv_bytes(lines), "roster.csv")


def test_a_csv_of_empty_lines_is_refused_at_the_cell_limit(settings):
    settings.IMPORT_MAX_CELLS = 100
    lines = ["姓名,村", "张三,东沟村", *[""] * 200]

    with pytest.raises(TableTooLarge, match="表格超过 100 个单元格"):
        read(csv_bytes(lines), "roster.csv")


def test_an_xlsx_zip_bomb_is_refused_at_the_cell_limit_as_it_is_read(settings):
    settings.IMPORT_MAX_CELLS = 1000
    # 5,000 cells in a few kilobytes, then XML no reader gets through.
    bomb = xlsx_bomb(["姓名", "村"], ["张三", "东沟村", *["满"] * 8], rows=500, after=BROKEN_XML)
    assert len(bomb) < 10_000

    with pytest.raises(TableTooLarge, match="表格超过 1,000 个单元格"):
        read(bomb, "roster.xlsx")


@pytest.fixture
def rows_never_parsed(monkeypatch):
    """openpyxl may open the workbook, but parsing a sheet's rows fails the test."""

    def parsed(*args, **kwargs):
        raise AssertionError("the sheet's rows were parsed")

    monkeypatch.setattr(ReadOnlyWorksheet, "_cells_by_row", parsed)


def test_a_zip_bomb_past_the_row_limit_is_refused_before_a_row_is_parsed(
    settings, rows_never_parsed
):
    """The 2.4-million-cell bomb took openpyxl 20-27 s to reach the row limit in a worker
    (past the 30 s a request may take); the rows are counted in the XML first."""
    settings.IMPORT_MAX_ROWS = 100
    bomb = xlsx_bomb(["姓名", "村"], ["张三", "东沟村"], rows=500)

    with pytest.raises(TableTooLarge, match="文件超过 100 行"):
        read(bomb, "roster.xlsx")


def test_a_zip_bomb_past_the_cell_limit_is_refused_before_a_row_is_parsed(
    settings, rows_never_parsed
):
    settings.IMPORT_MAX_CELLS = 1000
    bomb = xlsx_bomb(["姓名", "村"], ["张三", "东沟村", *["满"] * 18], rows=60)

    with pytest.raises(TableTooLarge, match="表格超过 1,000 个单元格"):
        read(bomb, "roster.xlsx")


def test_an_xlsx_that_records_a_size_past_the_limit_is_refused_past_its_header(settings):
    settings.IMPORT_MAX_CELLS = 1000
    # Only the first rows, where the header is looked for, are read before the size it says.
    bomb = xlsx_bomb(
        ["姓名", "村"], ["张三", "东沟村"], rows=12, dimension="A1:J200", after=BROKEN_XML
    )

    with pytest.raises(TableTooLarge, match="表格超过 1,000 个单元格"):
        read(bomb, "roster.xlsx")


def test_merged_ranges_count_the_cells_they_fill(settings):
    settings.IMPORT_MAX_CELLS = 1000
    # Twenty rows of two cells, one range filling 100 columns of each.
    bomb = xlsx_bomb(["姓名", "村"], ["张三", "东沟村"], rows=20, merge="A2:CV21")

    with pytest.raises(TableTooLarge, match="表格超过 1,000 个单元格"):
        read(bomb, "roster.xlsx")


def test_a_cell_of_many_runs_of_rich_text_is_refused_before_its_sheet_is_parsed(settings):
    settings.IMPORT_MAX_CELLS = 1000
    # Two cells a row, but openpyxl makes an object of every run: the drill's 34 KB file of
    # one cell of a million runs took 27 s and 550 MB to read, and was then imported.
    bomb = xlsx_bomb(["姓名", "村"], ["张三", "东沟村"], rows=10, runs=200, after=BROKEN_XML)

    with pytest.raises(TableTooLarge, match="表格超过 1,000 个单元格"):
        read(bomb, "roster.xlsx")


def test_a_shared_string_of_many_runs_is_refused_before_the_workbook_is_opened(settings):
    settings.IMPORT_MAX_CELLS = 500
    bomb = xlsx_bomb(["姓名", "村"], ["张三", "东沟村"], rows=1, shared_string_runs=900)

    with pytest.raises(TableTooLarge, match="表格超过 500 个单元格"):
        read(bomb, "roster.xlsx")


TOO_MANY_RUNS = "holds text formatted in more than 1,000 pieces; an import reads at most 1,000"


def test_a_cell_of_more_runs_than_a_formatted_cell_has_is_refused():
    # Within the cell limit, but its runs would be held at once, as objects.
    bomb = xlsx_bomb(["姓名", "村"], ["张三", "东沟村"], rows=1, runs=1001, after=BROKEN_XML)

    with translation.override("en"), pytest.raises(TableTooLarge, match=TOO_MANY_RUNS):
        read(bomb, "roster.xlsx")


def test_a_shared_string_of_more_runs_than_a_formatted_cell_has_is_refused():
    bomb = xlsx_bomb(["姓名", "村"], ["张三", "东沟村"], rows=1, shared_string_runs=1001)

    with translation.override("en"), pytest.raises(TableTooLarge, match=TOO_MANY_RUNS):
        read(bomb, "roster.xlsx")


def test_a_few_runs_of_rich_text_are_read_as_their_text(settings):
    settings.IMPORT_MAX_CELLS = 1000
    bomb = xlsx_bomb(["姓名", "村"], ["张三", "东沟村"], rows=2, runs=3)

    assert [row.values for row in read(bomb, "roster.xlsx")] == [
        {"name": "满满满", "village": "东沟村"}
    ] * 2


def test_an_xlsx_whose_shared_strings_unpack_past_the_limit_is_refused_before_it_is_opened(
    settings,
):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100_000
    bomb = xlsx_bomb(["姓名", "村"], ["张三", "东沟村"], rows=1, shared_strings_bytes=1_000_000)
    assert len(bomb) < 100_000

    with pytest.raises(
        TableTooLarge, match="XLSX 文件解压后为 976.6\xa0KB，超过了导入能读取的大小（97.7\xa0KB）"
    ):
        read(bomb, "roster.xlsx")


def test_an_xlsx_whose_sheets_unpack_past_the_limit_is_refused_before_it_is_opened(settings):
    settings.IMPORT_MAX_UNPACKED_BYTES = 100_000
    bomb = xlsx_bomb(["姓名", "村"], ["张三", "东沟村"], rows=5000)

    with pytest.raises(
        TableTooLarge, match=r"XLSX 文件解压后为 [\d.]+\xa0KB，超过了导入能读取的大小（97.7\xa0KB）"
    ):
        read(bomb, "roster.xlsx")


def test_an_xlsx_whose_styles_unpack_past_their_limit_is_refused_before_it_is_opened():
    """openpyxl makes tens of times a part's size of objects of the styles it reads whole."""
    bomb = xlsx_bomb(["姓名", "村"], ["张三", "东沟村"], rows=1, styles_bytes=5 * 1024 * 1024)
    assert len(bomb) < 100_000

    with pytest.raises(TableTooLarge, match="超过了导入能读取的大小（4.0\xa0MB）"):
        read(bomb, "roster.xlsx")


def test_a_workbook_of_too_many_sheets_is_refused(monkeypatch):
    monkeypatch.setattr("lms.imports.limits.XLSX_MAX_SHEETS", 2)
    workbook = Workbook()
    for title in ("说明", "东沟村", "西沟村"):
        workbook.create_sheet(title).append(["姓名", "村"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    with pytest.raises(TableTooLarge, match="工作簿超过 2 个工作表，一次导入最多读取 2 个"):
        read(buffer.getvalue(), "roster.xlsx")


def test_a_county_roster_fits_the_default_limits():
    """100,000 people, the roster's eight columns: read whole, not refused."""
    header = "姓名,性别,村,手机号,身份证号,党员,户号,党支部"
    lines = [header] + [
        f"村民{n},男,东沟村,138{n:08d},14012119800517{n % 10000:04d},否,{n:05d},"
        for n in range(100_000)
    ]

    rows = read_table(
        csv_bytes(lines), "county.csv", aliases={"姓名": "name", "村": "village"}, required=["name"]
    )

    assert len(rows) == 100_000
    assert rows[-1].number == 100_001
