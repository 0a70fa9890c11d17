"""Every way into an import refuses a file past the limits, with the reason in Chinese, and
writes nothing (issue 13): the admin's roster, training-plan and sign-in-sheet uploads, a
confirmation, and the import commands. Each test lowers a limit with the `settings` fixture,
so the files stay small."""

import io
import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import translation

from attendance.models import AttendanceRecord, TrainingSession
from attendance.services import attendance_mark
from lms.imports.forms import SpreadsheetUploadForm
from lms.people.models import Person
from tests.factories.attendance import TrainingSessionFactory
from tests.factories.people import PersonFactory
from tests.imports.spreadsheets import csv_bytes, xlsx_bomb

pytestmark = pytest.mark.django_db

ROSTER_URL = "/admin/people/import/"
ROSTER_CONFIRM_URL = "/admin/people/import/confirm/"
PLAN_URL = "/admin/attendance/sessions/import/"
ROSTER_HEADER = ["姓名", "性别", "村", "手机号", "身份证号", "党员"]
PLAN_HEADER = ["编号", "培训主题", "类别", "村", "地点", "开始时间", "结束时间", "学时", "讲师"]
SHEET_HEADER = ["姓名", "村", "手机号", "签到状态"]
STEMS = "甲乙丙丁戊己庚辛壬癸"

TOO_LARGE = re.compile(r"文件大小为 [\d.]+\xa0(?:字节|KB)，导入的文件最大为 200\xa0字节")
TOO_MANY_ROWS = "文件超过 2 行，一次导入最多读取 2 行。请把它拆成几个文件分别导入。"
TOO_MANY_CELLS = "表格超过 1,000 个单元格，一次导入最多读取 1,000 个。"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Each test keeps its uploads to itself, so it can see what is stored."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def zhang(village_a):
    """On the roster before the import: not a party member."""
    return PersonFactory(name="张三", village=village_a, phone="13800000001", id_number="")


@pytest.fixture
def plan_session(village_a):
    return TrainingSessionFactory(village=village_a, code="P-1", topic="大棚蔬菜")


def roster_lines(count: int) -> list[str]:
    """The header, 张三 become a party member, then new people."""
    return [
        ",".join(ROSTER_HEADER),
        "张三,男,东沟村,13800000001,,是",
        *[f"李{STEMS[n % 10]}{STEMS[n // 10]},女,东沟村,139{n:08d},,否" for n in range(count - 1)],
    ]


def plan_lines() -> list[str]:
    return [
        ",".join(PLAN_HEADER),
        "P-1,改过的题目,技能培训,东沟村,,2026-03-05 09:00,11:00,2,",
        "P-2,党课,党性教育,东沟村,,2026-04-01 09:00,11:00,2,",
        "P-3,养殖,技能培训,东沟村,,2026-04-02 09:00,11:00,2,",
    ]


def stored_uploads() -> list[str]:
    if not default_storage.exists("imports"):
        return []
    return default_storage.listdir("imports")[1]


def message_texts(response) -> list[str]:
    return [str(message).strip() for message in get_messages(response.wsgi_request)]


def assert_roster_unchanged(zhang) -> None:
    assert Person.objects.count() == 1
    zhang.refresh_from_db()
    assert zhang.is_party_member is False


def upload(client, url: str, data: bytes, name: str):
    response = client.post(url, {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 200
    return response


def run_command(name: str, *args) -> str:
    """The message a command refuses with."""
    with pytest.raises(CommandError) as refusal:
        call_command(name, *map(str, args), stdout=io.StringIO(), stderr=io.StringIO())
    return str(refusal.value)


# --- The admin ----------------------------------------------------------------------------------


def test_roster_upload_over_the_size_limit_is_refused_and_writes_nothing(
    client, settings, township_staff, zhang
):
    settings.IMPORT_MAX_UPLOAD_BYTES = 200
    client.force_login(township_staff)

    response = upload(client, ROSTER_URL, csv_bytes(roster_lines(10)), "roster.csv")

    assert TOO_LARGE.search(response.text)
    assert 'name="token"' not in response.text
    assert stored_uploads() == []
    assert_roster_unchanged(zhang)


def test_upload_form_refuses_an_oversize_file_without_reading_it(settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 200

    class Unread(SimpleUploadedFile):
        def read(self, *args):
            raise AssertionError("the file was read")

    form = SpreadsheetUploadForm(files={"file": Unread("roster.csv", b"x" * 201)})

    assert not form.is_valid()
    assert TOO_LARGE.search(form.errors["file"][0])


def test_roster_upload_of_an_xlsx_zip_bomb_is_refused_and_writes_nothing(
    client, settings, township_staff, zhang
):
    settings.IMPORT_MAX_CELLS = 1000
    client.force_login(township_staff)
    bomb = xlsx_bomb(ROSTER_HEADER, ["张三", "男", "东沟村", "13800000001", "", "是"], rows=500)

    response = upload(client, ROSTER_URL, bomb, "roster.xlsx")

    assert TOO_MANY_CELLS in response.text
    assert 'name="token"' not in response.text
    assert stored_uploads() == []
    assert_roster_unchanged(zhang)


def test_roster_confirmation_of_a_file_past_the_limit_writes_nothing(
    client, settings, township_staff, zhang
):
    """The confirmation reads the stored file again, through the same limits."""
    client.force_login(township_staff)
    preview = upload(client, ROSTER_URL, csv_bytes(roster_lines(3)), "roster.csv")
    settings.IMPORT_MAX_ROWS = 2

    response = client.post(ROSTER_CONFIRM_URL, {"token": preview.context["token"]})

    assert response.status_code == 302
    assert TOO_MANY_ROWS in message_texts(response)
    assert stored_uploads() == []
    assert_roster_unchanged(zhang)


def test_plan_upload_past_the_row_limit_is_refused_and_writes_nothing(
    client, settings, township_staff, plan_session
):
    settings.IMPORT_MAX_ROWS = 2
    client.force_login(township_staff)

    response = upload(client, PLAN_URL, csv_bytes(plan_lines()), "plan.csv")

    assert TOO_MANY_ROWS in response.text
    assert 'name="token"' not in response.text
    assert list(TrainingSession.objects.values_list("code", "topic")) == [("P-1", "大棚蔬菜")]


def test_sheet_upload_of_an_xlsx_zip_bomb_is_refused_and_writes_nothing(
    client, settings, township_staff, village_a, zhang
):
    settings.IMPORT_MAX_CELLS = 1000
    session = TrainingSessionFactory(village=village_a, study_hours=Decimal("2"))
    attendance_mark(session=session, person=zhang, status="late", method="roll_call")
    client.force_login(township_staff)
    bomb = xlsx_bomb(SHEET_HEADER, ["张三", "东沟村", "13800000001", "缺席"], rows=500)

    response = upload(
        client, f"/admin/attendance/sessions/{session.pk}/import-sheet/", bomb, "s.xlsx"
    )

    assert TOO_MANY_CELLS in response.text
    assert 'name="token"' not in response.text
    assert list(AttendanceRecord.objects.values_list("person", "status")) == [(zhang.pk, "late")]
    assert Person.objects.count() == 1


def test_a_header_only_roster_upload_says_so_and_offers_no_confirmation(
    client, township_staff, zhang
):
    client.force_login(township_staff)

    response = upload(client, ROSTER_URL, csv_bytes([",".join(ROSTER_HEADER)]), "roster.csv")

    assert "文件只有表头，下面没有数据行，没有可导入的内容。" in response.text
    assert 'name="token"' not in response.text
    assert "确认导入" not in response.text
    assert stored_uploads() == []


# --- The commands -------------------------------------------------------------------------------


def test_import_people_refuses_a_file_over_the_size_limit_and_writes_nothing(
    settings, tmp_path, zhang
):
    settings.IMPORT_MAX_UPLOAD_BYTES = 200
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes(roster_lines(10)))

    assert TOO_LARGE.search(run_command("import_people", path))
    assert_roster_unchanged(zhang)


def test_import_people_refuses_a_zip_bomb_with_merged_cells_and_writes_nothing(
    settings, tmp_path, zhang
):
    """Merged cells once made the whole sheet load at once; now they are read as it goes."""
    settings.IMPORT_MAX_CELLS = 1000
    path = tmp_path / "roster.xlsx"
    row = ["张三", "男", "东沟村", "13800000001", "", "是"]
    path.write_bytes(xlsx_bomb(ROSTER_HEADER, row, rows=500, merge="C2:C501"))

    assert TOO_MANY_CELLS in run_command("import_people", path)
    assert_roster_unchanged(zhang)


def test_import_sessions_refuses_a_plan_past_the_row_limit_and_writes_nothing(
    settings, tmp_path, plan_session
):
    settings.IMPORT_MAX_ROWS = 2
    path = tmp_path / "plan.csv"
    path.write_bytes(csv_bytes(plan_lines()))

    assert TOO_MANY_ROWS in run_command("import_sessions", path)
    assert list(TrainingSession.objects.values_list("code", "topic")) == [("P-1", "大棚蔬菜")]


def test_import_attendance_refuses_a_zip_bomb_and_writes_nothing(
    settings, tmp_path, village_a, zhang
):
    settings.IMPORT_MAX_CELLS = 1000
    session = TrainingSessionFactory(village=village_a)
    attendance_mark(session=session, person=zhang, status="late", method="roll_call")
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(xlsx_bomb(SHEET_HEADER, ["张三", "东沟村", "13800000001", "缺席"], rows=500))

    assert TOO_MANY_CELLS in run_command("import_attendance", session.pk, path)
    assert list(AttendanceRecord.objects.values_list("person", "status")) == [(zhang.pk, "late")]
