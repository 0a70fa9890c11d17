"""`manage.py import_people` telling people apart: by ID number, phone, name and village."""

import io

import pytest
from django.core.management import call_command
from django.utils import translation
from openpyxl import Workbook

from lms.people.models import Person
from tests.factories.people import (
    PersonFactory,
    TownshipFactory,
    VillageFactory,
)
from tests.people.import_support import error_lines

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in their English source form, whatever is translated."""
    with translation.override("en"):
        yield


@pytest.fixture
def villages(village_a, village_b):
    return village_a, village_b


# --- Telling people apart ---------------------------------------------------------------------


def test_same_name_in_two_villages_is_two_people_on_every_import(
    villages, roster_csv, import_people
):
    rows = [["姓名", "村", "手机号"], ["王芳", "东沟村", ""], ["王芳", "西沟村", ""]]
    import_people(roster_csv(rows))
    import_people(roster_csv(rows, name="again.csv"))

    assert sorted(Person.objects.filter(name="王芳").values_list("village__name", flat=True)) == [
        "东沟村",
        "西沟村",
    ]


def test_same_name_in_two_villages_sharing_a_contact_phone_is_two_people(
    villages, roster_csv, import_people
):
    rows = [
        ["姓名", "村", "手机号"],
        ["王芳", "东沟村", "13800000081"],
        ["王芳", "西沟村", "13800000081"],
    ]
    import_people(roster_csv(rows))
    stdout, _stderr = import_people(roster_csv(rows, name="again.csv"))

    assert "2 unchanged" in stdout
    assert Person.objects.filter(name="王芳").count() == 2


def test_same_name_in_one_village_is_told_apart_by_phone(villages, roster_csv, import_people):
    rows = [
        ["姓名", "村", "手机号", "党员"],
        ["李强", "东沟村", "13800000091", "是"],
        ["李强", "东沟村", "13800000092", "否"],
    ]
    import_people(roster_csv(rows))
    rows[2][3] = "是"
    import_people(roster_csv(rows, name="again.csv"))

    assert sorted(Person.objects.filter(name="李强").values_list("phone", "is_party_member")) == [
        ("13800000091", True),
        ("13800000092", True),
    ]


def test_same_name_in_one_village_without_phone_or_id_is_refused_as_ambiguous(
    villages, roster_csv, import_refused
):
    PersonFactory(name="刘洋", village=villages[0], phone="13800000101", id_number="")
    PersonFactory(name="刘洋", village=villages[0], phone="13800000102", id_number="")
    path = roster_csv([["姓名", "村", "党员"], ["刘洋", "东沟村", "是"]])

    _message, stderr = import_refused(path)

    assert "2 people named 刘洋" in error_lines(stderr)[2]
    assert not Person.objects.filter(is_party_member=True).exists()


def test_one_person_listed_twice_is_refused(villages, roster_csv, import_refused):
    path = roster_csv([["姓名", "村"], ["马超", "东沟村"], ["马超", "东沟村"]])

    _message, stderr = import_refused(path)

    assert error_lines(stderr) == {3: "the same person as row 2"}
    assert Person.objects.count() == 0


def test_township_option_chooses_between_villages_of_the_same_name(
    villages, roster_csv, import_people, import_refused
):
    other = VillageFactory(township=TownshipFactory(name="南山乡"), name="东沟村")
    path = roster_csv([["姓名", "村"], ["石磊", "东沟村"]])

    _message, stderr = import_refused(path)
    assert "choose the township" in error_lines(stderr)[2]

    import_people(path, "--township", "南山乡")
    assert Person.objects.get(name="石磊").village == other


def test_person_who_moved_village_is_found_by_name_and_phone(villages, roster_csv, import_people):
    moved = PersonFactory(name="欧阳娜", village=villages[0], phone="13800000111", id_number="")

    import_people(roster_csv([["姓名", "村", "手机号"], ["欧阳娜", "西沟村", "13800000111"]]))

    assert list(Person.objects.values_list("pk", "village__name")) == [(moved.pk, "西沟村")]


def test_village_written_with_its_township_name_is_found(villages, roster_csv, import_people):
    import_people(roster_csv([["姓名", "村"], ["钟南", "东沟乡西沟村"], ["钟北", "东沟"]]))

    assert sorted(Person.objects.values_list("name", "village__name")) == [
        ("钟北", "东沟村"),
        ("钟南", "西沟村"),
    ]


def test_xlsx_whose_first_sheet_is_instructions_reads_the_roster_sheet(villages, tmp_path):
    workbook = Workbook()
    workbook.active.append(["填表说明：身份证号请设为文本格式"])
    roster = workbook.create_sheet("名单")
    roster.append(["姓名", "村", "手机号"])
    roster.append(["贺兰", "东沟村", 13800000121])
    path = tmp_path / "roster.xlsx"
    workbook.save(path)

    call_command("import_people", str(path), stdout=io.StringIO())

    assert Person.objects.get(name="贺兰").phone == "13800000121"


def test_id_number_excel_wrote_in_scientific_notation_to_csv_is_explained(
    villages, roster_csv, import_refused
):
    path = roster_csv([["姓名", "村", "身份证号"], ["朱军", "东沟村", "1.40121E+17"]])

    _message, stderr = import_refused(path)

    assert "format the column as text" in error_lines(stderr)[2]


def test_header_repeated_where_two_lists_were_pasted_together_is_skipped(
    villages, roster_csv, import_people
):
    path = roster_csv(
        [
            ["姓名", "村", "手机号码"],
            ["雷鸣", "东沟村", "13800000131"],
            ["姓名", "村名", "手机号"],
            ["雷电", "西沟村", "13800000132"],
        ]
    )

    import_people(path)

    assert sorted(Person.objects.values_list("name", flat=True)) == ["雷电", "雷鸣"]


def test_summary_of_a_file_with_many_bad_rows_stays_one_readable_line():
    from lms.imports.reporting import row_numbers

    assert row_numbers([3, 5, 9]) == "3, 5, 9"
    assert row_numbers(list(range(2, 3002))) == ", ".join(str(n) for n in range(2, 22)) + "…"
