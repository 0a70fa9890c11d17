"""A file with a header and nothing below it is refused with a clear message, in every
import (issue 13: a header-only import offered 确认导入)."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from attendance.sheet_import import sheet_import_plan
from lms.imports.tables import TableError
from tests.factories.attendance import TrainingSessionFactory

pytestmark = pytest.mark.django_db
MESSAGE = "文件只有表头，下面没有数据行，没有可导入的内容。"


def test_a_header_only_roster_is_refused(tmp_path, township, village_a):
    path = tmp_path / "roster.csv"
    path.write_text("姓名,性别,村,手机号\n", encoding="utf-8")

    with translation.override("zh-hans"), pytest.raises(CommandError, match=MESSAGE):
        call_command("import_people", str(path), stdout=io.StringIO(), stderr=io.StringIO())


def test_a_sheet_of_blank_walk_in_lines_is_refused(village_a):
    session = TrainingSessionFactory(village=village_a)
    data = "姓名,村,手机号,签到状态\n,东沟村,,\n,东沟村,,\n".encode()

    with translation.override("zh-hans"), pytest.raises(TableError, match=MESSAGE):
        sheet_import_plan(data, "sheet.csv", session=session)
