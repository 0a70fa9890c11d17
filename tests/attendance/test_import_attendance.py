"""`manage.py import_attendance`: a paper sign-in sheet becomes attendance records, all rows or
none, matched to the roster by name and village, with the phone telling namesakes apart."""

import re
from decimal import Decimal

import pytest
from django.utils import translation

from attendance.models import AttendanceChange, AttendanceRecord, TrainingSession
from attendance.sheet_import import parse_status
from lms.ledger.models import StudyHoursEntry
from lms.people.models import Person
from tests.factories.attendance import TrainingSessionFactory
from tests.factories.people import PersonFactory

from .import_files import run_command, run_refused, write_csv, write_xlsx

pytestmark = pytest.mark.django_db

Status = AttendanceRecord.Status
HEADER = ["姓名", "村", "手机号", "签到状态"]


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in their English source form, whatever is translated."""
    with translation.override("en"):
        yield


@pytest.fixture
def session(village_a):
    return TrainingSessionFactory(village=village_a, study_hours=Decimal("2.5"))


@pytest.fixture
def zhang_san(village_a):
    return PersonFactory(name="张三", village=village_a, phone="13800000001")


@pytest.fixture
def li_si(village_b):
    return PersonFactory(name="李四", village=village_b, phone="13800000002")


def import_sheet(session, path, *args) -> list[list[str]]:
    stdout, _stderr = run_command("import_attendance", session.pk, path, *args)
    return [line.split("\t") for line in stdout.splitlines()]


def error_lines(stderr: str) -> dict[int, str]:
    found = {}
    for line in stderr.splitlines():
        match = re.fullmatch(r"Row (\d+): (.+)", line.strip())
        if match:
            found[int(match.group(1))] = match.group(2)
    return found


def statuses(session) -> dict[str, str]:
    return {
        f"{record.person.name}/{record.person.phone}": record.status
        for record in session.attendance.select_related("person")
    }


def hours(person) -> Decimal:
    return sum((entry.hours for entry in StudyHoursEntry.objects.filter(person=person)), Decimal(0))


# --- A sheet ----------------------------------------------------------------------------------


def test_a_sheet_records_everyone_through_the_ledger_with_history(
    session, zhang_san, li_si, village_a, tmp_path
):
    wang = PersonFactory(name="王五", village=village_a, phone="")
    zhao = PersonFactory(name="赵六", village=village_a, phone="")
    qian = PersonFactory(name="钱七", village=village_a, phone="")
    path = write_csv(tmp_path / "sheet.csv", [
        HEADER,
        ["张三", "东沟村", "13800000001", "出席"],
        ["李四", "西沟村", "13800000002", "迟到"],
        ["王五", "东沟村", "", "请假"],
        ["赵六", "东沟村", "", "缺席"],
        ["钱七", "东沟村", "", ""],  # a name and no status: came
    ])  # fmt: skip

    lines = import_sheet(session, path)

    assert lines[:5] == [
        ["2", "张三", "东沟村", "present", "new"],
        ["3", "李四", "西沟村", "late", "new"],
        ["4", "王五", "东沟村", "excused", "new"],
        ["5", "赵六", "东沟村", "absent", "new"],
        ["6", "钱七", "东沟村", "present", "new"],
    ]
    assert "5 new, 0 updated, 0 unchanged" in lines[-1][0]
    records = {record.person: record for record in session.attendance.all()}
    assert {person: record.status for person, record in records.items()} == {
        zhang_san: Status.PRESENT,
        li_si: Status.LATE,
        wang: Status.EXCUSED,
        zhao: Status.ABSENT,
        qian: Status.PRESENT,
    }
    assert {record.method for record in records.values()} == {AttendanceRecord.Method.IMPORT}
    assert AttendanceChange.objects.filter(record__session=session).count() == 5
    assert "sheet.csv, row 2" in AttendanceChange.objects.get(record=records[zhang_san]).note
    # Hours for present and late only.
    assert [hours(p) for p in (zhang_san, li_si, wang, zhao, qian)] == [
        Decimal("2.5"), Decimal("2.5"), 0, 0, Decimal("2.5"),
    ]  # fmt: skip
    session.refresh_from_db()
    assert session.status == TrainingSession.Status.HELD
    assert Person.objects.count() == 5  # nobody new


def test_two_people_of_one_name_in_one_village_are_told_apart_by_phone(
    session, village_a, tmp_path
):
    first = PersonFactory(name="张伟", village=village_a, phone="13900000001")
    second = PersonFactory(name="张伟", village=village_a, phone="13900000002")
    path = write_xlsx(tmp_path / "sheet.xlsx", [
        HEADER,
        ["张伟", "东沟村", 13900000002, "出席"],
        ["张 伟", "东沟", "+86 139 0000 0001", "缺席"],
    ])  # fmt: skip

    import_sheet(session, path)

    assert session.attendance.get(person=second).status == Status.PRESENT
    assert session.attendance.get(person=first).status == Status.ABSENT
    assert Person.objects.filter(name="张伟").count() == 2


def test_messy_spellings_match_the_roster(session, zhang_san, village_a, tmp_path):
    liu = PersonFactory(name="欧阳·娜娜", village=village_a, phone="")
    path = write_csv(tmp_path / "sheet.csv", [
        ["东沟村农民科技培训签到表"],
        [" 姓名 ", "村名", "手机号码", "签到状态"],
        ["张　三", "东沟", "+86 138-0000-0001", "√"],
        ["欧阳•娜娜", " 东沟村 ", "", "已到"],
    ])  # fmt: skip

    import_sheet(session, path)

    assert statuses(session) == {"张三/13800000001": "present", "欧阳·娜娜/": "present"}
    assert Person.objects.count() == 2
    assert session.attendance.filter(person__in=[zhang_san, liu]).count() == 2


def test_an_unknown_person_is_added_in_the_row_village_with_the_phone_and_listed(
    session, zhang_san, village_b, tmp_path
):
    path = write_csv(tmp_path / "sheet.csv", [
        HEADER,
        ["张三", "东沟村", "", "出席"],
        ["孙八", "西沟", "+86 13700000009", "出席"],
        # A 张三 with another phone than the one on record is someone else.
        ["张三", "东沟村", "13700000010", "迟到"],
    ])  # fmt: skip

    lines = import_sheet(session, path)

    sun = Person.objects.get(name="孙八")
    assert (sun.village, sun.phone) == (village_b, "13700000009")
    other_zhang = Person.objects.get(name="张三", phone="13700000010")
    assert session.attendance.get(person=sun).status == Status.PRESENT
    assert session.attendance.get(person=other_zhang).status == Status.LATE
    assert session.attendance.get(person=zhang_san).status == Status.PRESENT
    heading = lines.index(["People not on the roster, added (2):"])
    assert lines[heading + 1 : heading + 3] == [
        ["3", "孙八", "西沟村", "13700000009"],
        ["4", "张三", "东沟村", "13700000010"],
    ]


def test_an_ambiguous_row_is_refused_and_nothing_is_written(session, village_a, tmp_path):
    PersonFactory(name="张伟", village=village_a, phone="13900000001")
    PersonFactory(name="张伟", village=village_a, phone="13900000002")
    PersonFactory(name="李明", village=village_a, phone="")
    path = write_csv(tmp_path / "sheet.csv", [
        HEADER,
        ["李明", "东沟村", "", "出席"],
        ["新来的", "东沟村", "13700000001", "出席"],
        ["张伟", "东沟村", "", "出席"],  # which 张伟?
    ])  # fmt: skip

    message, stdout, stderr = run_refused("import_attendance", session.pk, path)

    errors = error_lines(stderr)
    assert list(errors) == [4]
    assert "2 people named 张伟" in errors[4]
    assert "1 invalid row(s) (rows 4)" in message
    assert stdout == ""
    assert AttendanceRecord.objects.count() == 0
    assert not Person.objects.filter(name="新来的").exists()


def test_bad_rows_are_all_named(session, zhang_san, tmp_path):
    path = write_csv(tmp_path / "sheet.csv", [
        HEADER,
        ["张三", "东沟村", "", "出席"],
        ["王五", "北沟村", "", "出席"],  # no such village
        ["张三", "东沟", "13800000001", "迟到"],  # 张三 again
        ["赵六", "东沟村", "12345", "出席"],  # not a phone number
        ["钱七", "东沟村", "", "睡觉"],  # not a status
        ["", "东沟村", "", "出席"],  # no name
        ["", "东沟村", "", ""],  # a blank line for walk-ins: skipped
    ])  # fmt: skip

    message, _stdout, stderr = run_refused("import_attendance", session.pk, path)

    errors = error_lines(stderr)
    assert sorted(errors) == [3, 4, 5, 6, 7]
    assert "北沟村" in errors[3]
    assert errors[4] == "the same person as row 2"
    assert "phone" in errors[5]
    assert "睡觉" in errors[6]
    assert "name" in errors[7]
    assert "nothing was imported" in message
    assert AttendanceRecord.objects.count() == 0
    assert Person.objects.count() == 1


def test_a_new_person_named_twice_on_one_sheet_is_one_person(session, tmp_path):
    path = write_csv(tmp_path / "sheet.csv", [
        HEADER,
        ["孙八", "东沟村", "13700000009", "出席"],
        ["孙八", "东沟村", "", "出席"],
    ])  # fmt: skip

    _message, _stdout, stderr = run_refused("import_attendance", session.pk, path)

    assert error_lines(stderr) == {3: "the same person as row 2"}


# --- Importing again --------------------------------------------------------------------------


def test_importing_the_same_sheet_again_changes_nothing(session, zhang_san, li_si, tmp_path):
    path = write_csv(tmp_path / "sheet.csv", [
        HEADER,
        ["张三", "东沟村", "13800000001", "出席"],
        ["李四", "西沟村", "", "请假"],
        ["孙八", "西沟村", "13700000009", "迟到"],
    ])  # fmt: skip
    import_sheet(session, path)
    before = (
        Person.objects.count(),
        AttendanceChange.objects.count(),
        list(AttendanceRecord.objects.values_list("pk", "status", "updated_at")),
        list(StudyHoursEntry.objects.values_list("pk", "hours")),
    )

    lines = import_sheet(session, path)

    assert [line[-1] for line in lines[:3]] == ["unchanged"] * 3
    assert not any(line[0].startswith("People not on the roster") for line in lines)
    assert (
        Person.objects.count(),
        AttendanceChange.objects.count(),
        list(AttendanceRecord.objects.values_list("pk", "status", "updated_at")),
        list(StudyHoursEntry.objects.values_list("pk", "hours")),
    ) == before


def test_a_corrected_sheet_changes_a_status_and_withdraws_the_hours(
    session, zhang_san, li_si, tmp_path
):
    import_sheet(session, write_csv(tmp_path / "sheet.csv", [
        HEADER,
        ["张三", "东沟村", "", "出席"],
        ["李四", "西沟村", "", "请假"],
    ]))  # fmt: skip
    assert hours(zhang_san) == Decimal("2.5")

    lines = import_sheet(session, write_csv(tmp_path / "corrected.csv", [
        HEADER,
        ["张三", "东沟村", "", "缺席"],
        ["李四", "西沟村", "", "到"],
    ]))  # fmt: skip

    assert [line[-1] for line in lines[:2]] == ["update", "update"]
    assert statuses(session) == {
        "张三/13800000001": Status.ABSENT,
        "李四/13800000002": Status.PRESENT,
    }
    assert not StudyHoursEntry.objects.filter(person=zhang_san).exists()
    assert hours(li_si) == Decimal("2.5")
    change = AttendanceChange.objects.filter(record__person=zhang_san).last()
    assert (change.from_status, change.to_status, change.method) == ("present", "absent", "import")


def test_dry_run_reports_and_writes_nothing(session, zhang_san, village_b, tmp_path):
    path = write_csv(tmp_path / "sheet.csv", [
        HEADER,
        ["张三", "东沟村", "", "出席"],
        ["孙八", "西沟村", "13700000009", "出席"],
    ])  # fmt: skip

    lines = import_sheet(session, path, "--dry-run")

    assert lines[0] == ["2", "张三", "东沟村", "present", "new"]
    assert ["People not on the roster, to be added (1):"] in lines
    assert lines[-1][0].startswith("Dry run: nothing was written.")
    assert AttendanceRecord.objects.count() == 0
    assert Person.objects.count() == 1


def test_an_xlsx_sheet_with_number_cells_and_every_status_word(session, village_a, tmp_path):
    words = ["到", "已到", "√", "出席", "present", "迟到", "late", "请假", "病假", "事假"]
    words += ["excused", "缺席", "未到", "absent", "早退"]
    names = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰"
    people = [PersonFactory(name=f"村民{names[index]}", village=village_a) for index in range(15)]
    rows = [[p.name, "东沟村", int(p.phone), word] for p, word in zip(people, words, strict=True)]

    import_sheet(session, write_xlsx(tmp_path / "sheet.xlsx", [HEADER, *rows]))

    got = {record.person_id: record.status for record in session.attendance.all()}
    assert [got[p.pk] for p in people] == (
        ["present"] * 5 + ["late"] * 2 + ["excused"] * 4 + ["absent"] * 3 + ["left_early"]
    )


def test_the_printed_sheet_typed_back_imports_with_its_masked_phones(session, village_a, tmp_path):
    """The printed sheet (attendance.sheet_pdf) shows a phone's last four digits only."""
    from attendance.sheet_pdf import HEADINGS

    first = PersonFactory(name="张伟", village=village_a, phone="13900000001")
    second = PersonFactory(name="张伟", village=village_a, phone="13900000002")
    path = write_xlsx(tmp_path / "typed.xlsx", [
        HEADINGS,
        [1, "张伟", "东沟村", "****0002", "出席", "张伟"],
        [2, "张伟", "东沟村", "139****0001", "请假", ""],
        [3, "孙八", "东沟村", "****0009", "出席", ""],  # a walk-in line, filled in by hand
        [4, "", "", "", "", ""],
    ])  # fmt: skip

    import_sheet(session, path)

    assert session.attendance.get(person=second).status == Status.PRESENT
    assert session.attendance.get(person=first).status == Status.EXCUSED
    assert Person.objects.get(name="孙八").phone == ""  # a masked phone is not a phone


def test_a_blank_village_is_the_session_village(session, zhang_san, tmp_path):
    import_sheet(
        session, write_csv(tmp_path / "sheet.csv", [["姓名", "签到状态"], ["张三", "出席"]])
    )

    assert statuses(session) == {"张三/13800000001": "present"}


def test_a_cancelled_or_missing_session_is_refused(session, zhang_san, tmp_path):
    path = write_csv(tmp_path / "sheet.csv", [HEADER, ["张三", "东沟村", "", "出席"]])
    TrainingSession.objects.filter(pk=session.pk).update(status=TrainingSession.Status.CANCELLED)

    message, _stdout, _stderr = run_refused("import_attendance", session.pk, path)
    assert "cancelled" in message

    message, _stdout, _stderr = run_refused("import_attendance", 999999, path)
    assert "999999" in message
    assert AttendanceRecord.objects.count() == 0


@pytest.mark.parametrize(
    "cell, status",
    [
        ("出席", "present"),
        (" 已到 ", "present"),
        ("✓", "present"),
        ("Present", "present"),
        ("迟到", "late"),
        ("病假", "excused"),
        ("事假", "excused"),
        ("Excused", "excused"),
        ("未到", "absent"),
        ("ABSENT", "absent"),
        ("left early", "left_early"),
        ("", "present"),
    ],
)
def test_status_words(cell, status):
    assert parse_status(cell, has_name=True) == status
