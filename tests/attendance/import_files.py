"""Spreadsheets as organizers send them, and the two import commands run on them."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook


def write_csv(path: Path, rows, *, encoding="utf-8") -> Path:
    """Rows (the header first) as a CSV file."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows, *, title="Sheet1") -> Path:
    """Rows (the header first) as the first sheet; cells keep their Python types, so a
    datetime is a date cell and an int phone a number cell, as Excel makes them."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def run_command(name: str, *args) -> tuple[str, str]:
    """Run a management command; returns (stdout, stderr). CommandError propagates."""
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command(name, *[str(arg) for arg in args], stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def run_refused(name: str, *args) -> tuple[str, str, str]:
    """Run a command that must refuse; returns (its error message, stdout, stderr)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as refusal:
        call_command(name, *[str(arg) for arg in args], stdout=stdout, stderr=stderr)
    return str(refusal.value), stdout.getvalue(), stderr.getvalue()
