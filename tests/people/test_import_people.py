"""`manage.py import_people`: a roster in CSV or XLSX becomes people, all rows or none."""

import pytest
from django.utils import translation

from lms.people.models import Household, PartyBranch, Person, Village
from tests.factories.people import (
    PersonFactory,
    make_id_number,
)
from tests.people.import_support import error_lines, id_ending_in_x

from .conftest import HEADER

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in their English source form, whatever is translated."""
    with translation.override("en"):
        yield


@pytest.fixture
def villages(village_a, village_b):
    return village_a, village_b


# --- Reading files ----------------------------------------------------------------------------


def test_csv_with_the_template_columns_creates_people_with_every_field(
    villages, roster_csv, import_people
):
    id_number = make_id_number(male=False)
    path = roster_csv(
        [
            HEADER,
            ["王秀英", "女", "东沟村", "13800138000", id_number, "是", "0012", "东沟村党支部"],
            ["李建国", "男", "西沟村", "", "", "否", "", ""],
        ]
    )

    stdout, _stderr = import_people(path)

    assert "2 new, 0 updated, 0 unchanged" in stdout
    wang = Person.objects.get(name="王秀英")
    assert (wang.village.name, wang.gender, wang.phone, wang.id_number) == (
        "东沟村",
        "F",
        "13800138000",
        id_number,
    )
    assert wang.is_party_member is True
    assert wang.household.number == "0012" and wang.household.village.name == "东沟村"
    assert wang.branch.name == "东沟村党支部"
    li = Person.objects.get(name="李建国")
    assert (li.village.name, li.gender, li.phone, li.id_number, li.is_party_member) == (
        "西沟村",
        "M",
        "",
        "",
        False,
    )
    assert li.household is None and li.branch is None


def test_xlsx_with_english_headers_and_number_cells_is_imported(
    villages, roster_xlsx, import_people
):
    path = roster_xlsx(
        [
            [
                "name",
                "gender",
                "village",
                "phone",
                "id_number",
                "party_member",
                "household",
                "branch",
            ],
            # Excel stores a typed phone or household number as a number cell.
            ["赵大勇", "男", "东沟村", 13800138000, None, "是", 12, "东沟村党支部"],
            ["钱小红", "女", "西沟村", 13900139000.0, None, "否", None, None],
        ]
    )

    import_people(path)

    zhao = Person.objects.get(name="赵大勇")
    assert zhao.phone == "13800138000"
    assert zhao.household.number == "12"
    assert zhao.is_party_member is True
    assert Person.objects.get(name="钱小红").phone == "13900139000"


def test_csv_saved_by_chinese_excel_in_gbk_with_title_and_header_variants(
    villages, roster_csv, import_people
):
    path = roster_csv(
        [
            ["东沟乡党员花名册", "", "", "", "", "", "", ""],
            # Another column order, longer titles, a remark and an empty column at the end.
            ["序号", "村", "姓名", "手机号码", "身份证号码", "党员(是/否)", "性别", "备注", ""],
            ["1", "东沟村", "孙丽", "13700137000", "", "是", "女", "", ""],
            [],
            ["2", "西沟村", "周强", "13600136000", "", "否", "男", "外出务工", ""],
            ["", "", "", "", "", "", "", "", ""],
        ],
        encoding="gbk",
    )

    stdout, _stderr = import_people(path)

    assert "2 new" in stdout
    sun = Person.objects.get(name="孙丽")
    assert (sun.village.name, sun.phone, sun.is_party_member, sun.gender) == (
        "东沟村",
        "13700137000",
        True,
        "F",
    )
    assert Person.objects.get(name="周强").village.name == "西沟村"


def test_utf8_csv_with_byte_order_mark_is_imported(villages, roster_csv, import_people):
    path = roster_csv([HEADER, ["吴敏", "女", "东沟村", "", "", "", "", ""]], encoding="utf-8-sig")

    import_people(path)

    assert Person.objects.filter(name="吴敏", village__name="东沟村").exists()


def test_tab_separated_unicode_text_from_excel_is_imported(villages, roster_csv, import_people):
    path = roster_csv(
        [["姓名", "村", "手机号"], ["郑伟", "西沟村", "13500135000"]],
        name="roster.txt",
        encoding="utf-16",
        delimiter="\t",
    )

    import_people(path)

    assert Person.objects.get(name="郑伟").phone == "13500135000"


def test_title_row_and_blank_rows_keep_the_sheet_row_numbers_in_errors(
    villages, roster_xlsx, import_refused
):
    path = roster_xlsx(
        [
            ["东沟乡人员名单"],
            HEADER,
            ["王一", "男", "东沟村", "", "", "", "", ""],
            [None] * 8,
            ["王二", "男", "南沟村", "", "", "", "", ""],
        ]
    )

    _message, stderr = import_refused(path)

    assert list(error_lines(stderr)) == [5]
    assert "南沟村" in error_lines(stderr)[5]


def test_village_cell_merged_over_several_rows_applies_to_each(
    villages, roster_xlsx, import_people
):
    path = roster_xlsx(
        [
            ["姓名", "村", "手机号"],
            ["冯一", "西沟村", "13800000001"],
            ["冯二", None, "13800000002"],
            ["冯三", None, "13800000003"],
        ],
        merge=["B2:B4"],
    )

    import_people(path)

    assert sorted(Person.objects.filter(village__name="西沟村").values_list("name", flat=True)) == [
        "冯一",
        "冯三",
        "冯二",
    ]


def test_file_without_a_village_column_is_refused(villages, roster_csv, import_refused):
    path = roster_csv([["姓名", "手机号"], ["张三", "13800138000"]])

    message, _stderr = import_refused(path)

    assert "No header row" in message and "村" in message
    assert Person.objects.count() == 0


def test_old_xls_file_is_refused_with_a_reason(villages, tmp_path, import_refused):
    path = tmp_path / "roster.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)

    message, _stderr = import_refused(path)

    assert ".xlsx" in message


# --- Normalising what people type -------------------------------------------------------------


def test_names_are_trimmed_including_full_width_spaces(villages, roster_csv, import_people):
    path = roster_csv(
        [
            ["姓名", "村"],
            ["\u3000陈  静\u3000", " 东沟村 "],
            ["  Ayşe  Kaya ", "西沟村"],
        ]
    )

    import_people(path)

    assert sorted(Person.objects.values_list("name", flat=True)) == ["Ayşe Kaya", "陈静"]


@pytest.mark.parametrize(
    "phone",
    [
        "+86 138-0013-8000",
        "138 0013 8000",
        "１３８００１３８０００",
        "0086 13800138000",
        "13800138000.0",
        '="13800138000"',
    ],
)
def test_messy_phone_spellings_are_stored_as_eleven_digits(
    villages, roster_csv, import_people, phone
):
    path = roster_csv([["姓名", "村", "手机号"], ["褚红", "东沟村", phone]])

    import_people(path)

    assert Person.objects.get(name="褚红").phone == "13800138000"


def test_landline_keeps_a_three_digit_area_code(villages, roster_csv, import_people):
    path = roster_csv([["姓名", "村", "联系电话"], ["卫东", "东沟村", "010 1234 5678"]])

    import_people(path)

    assert Person.objects.get(name="卫东").phone == "010-12345678"


def test_id_number_with_lower_case_x_spaces_and_full_width_digits_is_normalised(
    villages, roster_csv, import_people
):
    id_number = id_ending_in_x()
    messy = (
        " "
        + id_number[:6]
        + " "
        + id_number[6:14].translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        + " "
        + id_number[14:].lower()
    )
    path = roster_csv([["姓名", "村", "身份证号"], ["蒋华", "东沟村", messy]])

    import_people(path)

    jiang = Person.objects.get(name="蒋华")
    assert jiang.id_number == id_number
    assert jiang.birth_date.isoformat() == "1980-05-17"


@pytest.mark.parametrize(
    "yes, no",
    [("是", "否"), ("Y", "N"), ("√", "×"), ("中共党员", "群众"), ("ｙｅｓ", "no"), ("1", "0")],
)
def test_party_member_spellings(villages, roster_csv, import_people, yes, no):
    path = roster_csv([["姓名", "村", "是否党员"], ["沈一", "东沟村", yes], ["沈二", "东沟村", no]])

    import_people(path)

    assert Person.objects.get(name="沈一").is_party_member is True
    assert Person.objects.get(name="沈二").is_party_member is False


# --- Refusing broken rows ---------------------------------------------------------------------


def test_file_with_several_bad_rows_writes_nothing_and_names_each_row(
    villages, roster_csv, import_refused
):
    existing = PersonFactory(name="韩梅", village=villages[0])
    taken_id = make_id_number()
    good_id = make_id_number()
    bad_checksum = good_id[:17] + ("0" if good_id[17] != "0" else "1")
    path = roster_csv(
        [
            HEADER,
            ["好人甲", "男", "东沟村", "13800000011", "", "是", "", ""],  # row 2: fine
            ["坏电话", "男", "东沟村", "1380013800", "", "", "", ""],  # row 3
            ["坏身份证", "女", "西沟村", "", bad_checksum, "", "", ""],  # row 4
            ["", "男", "东沟村", "13800000012", "", "", "", ""],  # row 5
            ["错村", "男", "东钩村", "", "", "", "", ""],  # row 6
            ["好人乙", "女", "西沟村", "", taken_id, "否", "", ""],  # row 7: fine
            ["坏党员", "女", "西沟村", "", "", "也许", "", ""],  # row 8
            ["重复", "男", "东沟村", "", taken_id, "", "", ""],  # row 9: row 7's ID
            ["韩梅", "外星", "东沟村", "", "", "", "", ""],  # row 10
        ]
    )

    message, stderr = import_refused(path)

    errors = error_lines(stderr)
    assert sorted(errors) == [3, 4, 5, 6, 8, 9, 10]
    assert "phone" in errors[3]
    assert "check digit" in errors[4]
    assert "name is empty" in errors[5]
    assert "东钩村" in errors[6]
    assert "也许" in errors[8]
    assert "row 7" in errors[9]
    assert "外星" in errors[10]
    assert "3, 4, 5, 6, 8, 9, 10" in message
    assert list(Person.objects.all()) == [existing]
    assert not Household.objects.exists() and not PartyBranch.objects.exists()


def test_unknown_village_is_refused_and_never_created(villages, roster_csv, import_refused):
    path = roster_csv([["姓名", "村"], ["杨帆", "北沟村"]])

    _message, stderr = import_refused(path)

    assert "北沟村" in error_lines(stderr)[2]
    assert not Village.objects.filter(name__contains="北沟").exists()
    assert Person.objects.count() == 0


def test_id_number_excel_turned_into_a_number_is_refused_with_the_fix(
    villages, roster_xlsx, import_refused
):
    path = roster_xlsx([["姓名", "村", "身份证号"], ["朱军", "东沟村", 1.40121198005171e17]])

    _message, stderr = import_refused(path)

    assert "format the column as text" in error_lines(stderr)[2]
    assert Person.objects.count() == 0


def test_dry_run_reports_the_plan_and_writes_nothing(villages, roster_csv, import_people):
    PersonFactory(name="秦岭", village=villages[0], phone="13800000021", is_party_member=False)
    path = roster_csv(
        [
            ["姓名", "村", "手机号", "党员"],
            ["秦岭", "东沟村", "13800000021", "是"],
            ["尤佳", "西沟村", "13800000022", "否"],
        ]
    )

    stdout, _stderr = import_people(path, "--dry-run")

    assert "Dry run" in stdout and "1 new, 1 updated, 0 unchanged" in stdout
    assert Person.objects.count() == 1
    assert Person.objects.get(name="秦岭").is_party_member is False


# --- Importing again --------------------------------------------------------------------------


def test_importing_the_same_file_twice_creates_nobody_twice(villages, roster_xlsx, import_people):
    rows = [
        HEADER,
        ["许诺", "女", "东沟村", "13800000031", make_id_number(male=False), "是", "7", "一支部"],
        ["何平", "男", "东沟村", "13800000032", "", "否", "8", ""],
        ["吕梁", "男", "西沟村", "", "", "", "", ""],
    ]
    import_people(roster_xlsx(rows))

    stdout, _stderr = import_people(roster_xlsx(rows, name="again.xlsx"))

    assert "0 new, 0 updated, 3 unchanged" in stdout
    assert Person.objects.count() == 3
    assert Household.objects.count() == 2 and PartyBranch.objects.count() == 1


def test_reimport_updates_the_people_it_finds(villages, roster_csv, import_people):
    id_number = make_id_number()
    import_people(
        roster_csv(
            [HEADER, ["施工", "男", "东沟村", "13800000041", id_number, "否", "", ""]],
        )
    )

    stdout, _stderr = import_people(
        roster_csv(
            [
                HEADER,
                ["施工", "男", "西沟村", "13800000041", id_number, "是", "21", "西沟村党支部"],
            ],
            name="second.csv",
        )
    )

    assert "0 new, 1 updated" in stdout
    shi = Person.objects.get()
    assert (shi.village.name, shi.is_party_member, shi.household.number, shi.branch.name) == (
        "西沟村",
        True,
        "21",
        "西沟村党支部",
    )


def test_blank_cells_on_reimport_keep_what_is_recorded(villages, roster_csv, import_people):
    id_number = make_id_number(male=False)
    import_people(
        roster_csv(
            [HEADER, ["张兰", "女", "东沟村", "13800000051", id_number, "是", "3", "党支部"]]
        )
    )

    stdout, _stderr = import_people(
        roster_csv([HEADER, ["张兰", "", "东沟村", "", id_number, "", "", ""]], name="sparse.csv")
    )

    assert "1 unchanged" in stdout
    zhang = Person.objects.get()
    assert (zhang.gender, zhang.phone, zhang.is_party_member) == ("F", "13800000051", True)
    assert (zhang.household.number, zhang.branch.name) == ("3", "党支部")


def test_changed_phone_of_a_person_with_an_id_number_updates_that_person(
    villages, roster_csv, import_people
):
    id_number = make_id_number()
    import_people(
        roster_csv(
            [["姓名", "村", "手机号", "身份证号"], ["孔明", "东沟村", "13800000061", id_number]]
        )
    )

    import_people(
        roster_csv(
            [["姓名", "村", "手机号", "身份证号"], ["孔明", "东沟村", "139 0000 0062", id_number]],
            name="new-phone.csv",
        )
    )

    assert list(Person.objects.values_list("name", "phone")) == [("孔明", "13900000062")]


def test_person_first_known_by_name_gains_phone_and_id_number(villages, roster_csv, import_people):
    PersonFactory(name="曹操", village=villages[1], phone="", id_number="")
    id_number = make_id_number()

    import_people(
        roster_csv(
            [["姓名", "村", "手机号", "身份证号"], ["曹操", "西沟村", "13800000071", id_number]]
        )
    )

    cao = Person.objects.get()
    assert (cao.phone, cao.id_number) == ("13800000071", id_number)
