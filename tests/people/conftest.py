"""Roster files as people send them, written to a temporary folder."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

HEADER = ["姓名", "性别", "村", "手机号", "身份证号", "党员", "户号", "党支部"]


@pytest.fixture
def roster_csv(tmp_path):
    """Write rows (the header first) as a CSV file; returns its path."""

    def write(rows, *, name="roster.csv", encoding="utf-8", delimiter=",") -> Path:
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
        path = tmp_path / name
        path.write_bytes(buffer.getvalue().encode(encoding))
        return path

    return write


@pytest.fixture
def roster_xlsx(tmp_path):
    """Write rows (the header first) as the first sheet of an XLSX file; returns its path.

    Cells keep their Python types: an int phone is a number cell, as Excel makes it.
    `merge` lists ranges such as "C2:C4" to merge, as a secretary merges a village cell.
    """

    def write(rows, *, name="roster.xlsx", merge=()) -> Path:
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "花名册"
        for row in rows:
            sheet.append(row)
        for cells in merge:
            sheet.merge_cells(cells)
        path = tmp_path / name
        workbook.save(path)
        return path

    return write


@pytest.fixture
def import_people():
    """Run `manage.py import_people`; returns (stdout, stderr). CommandError propagates."""

    def run(path, *args):
        stdout, stderr = io.StringIO(), io.StringIO()
        call_command("import_people", str(path), *args, stdout=stdout, stderr=stderr)
        return stdout.getvalue(), stderr.getvalue()

    return run


@pytest.fixture
def import_refused():
    """Run `manage.py import_people` expecting a refusal; returns (error message, stderr)."""

    def run(path, *args):
        stdout, stderr = io.StringIO(), io.StringIO()
        with pytest.raises(CommandError) as refusal:
            call_command("import_people", str(path), *args, stdout=stdout, stderr=stderr)
        return str(refusal.value), stderr.getvalue()

    return run
