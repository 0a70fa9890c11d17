"""What a secretary relies on from the roster (花名册) import plan, pinned exactly.

tests/people/test_import_people.py drives the whole command; these call roster_plan
directly and pin what the preview shows: how cells are read, the exact reason a row is
refused, which existing person a row is matched to, and which fields it would change.
"""

import csv
import io
import re
import zipfile

import pytest
from django.utils import translation
from openpyxl import Workbook

from lms.people.models import Person
from lms.people.roster import roster_plan
from tests.factories.people import (
    HouseholdFactory,
    PartyBranchFactory,
    PersonFactory,
    TownshipFactory,
    VillageFactory,
    make_id_number,
)

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "性别", "村", "手机号", "身份证号", "党员", "户号", "党支部"]
VALID_ID = "11010519491231002X"


@pytest.fixture(autouse=True)
def chinese():
    """The township reads every reason in Chinese."""
    with translation.override("zh-hans"):
        yield


def csv_bytes(rows) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def plan_of(rows, **options):
    """The plan of a CSV roster: `rows` start with the header."""
    return roster_plan(csv_bytes(rows), "roster.csv", **options)


def xlsx_bytes(rows, *, stored_as: dict[int, str] | None = None) -> bytes:
    """An XLSX roster. `stored_as` maps a number cell's value to the text the file keeps for
    it, as a program other than Excel may write it (12 kept as "12.0")."""
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    if not stored_as:
        return buffer.getvalue()
    source = zipfile.ZipFile(buffer)
    patched = io.BytesIO()
    with zipfile.ZipFile(patched, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = content.decode("utf-8")
                for number, kept in stored_as.items():
                    text, replaced = re.subn(f"<v>{number}</v>", f"<v>{kept}</v>", text)
                    assert replaced == 1
                content = text.encode("utf-8")
            target.writestr(item, content)
    return patched.getvalue()


def reasons(plan) -> dict[int, str]:
    """Row number → the line the secretary reads for that row."""
    return {error.number: str(error) for error in plan.errors}


def actions(plan) -> dict[int, str]:
    return {row.number: row.action for row in plan.rows}


# --- Reading cells ----------------------------------------------------------------------------


def test_true_and_false_cells_of_a_workbook_answer_the_party_member_column(village_a):
    data = xlsx_bytes([["姓名", "村", "党员"], ["王一", "东沟村", True], ["王二", "东沟村", False]])

    plan = roster_plan(data, "roster.xlsx")

    assert plan.errors == []
    assert [(row.name, row.is_party_member) for row in plan.rows] == [
        ("王一", True),
        ("王二", False),
    ]


def test_a_number_cell_kept_with_a_decimal_point_is_read_as_the_whole_number(village_a):
    data = xlsx_bytes(
        [["姓名", "村", "手机号", "户号"], ["赵一", "东沟村", 13800138000, 12]],
        stored_as={13800138000: "13800138000.0", 12: "12.0"},
    )

    plan = roster_plan(data, "roster.xlsx")

    assert plan.errors == []
    [row] = plan.rows
    assert (row.phone, row.household_number) == ("13800138000", "12")


@pytest.mark.parametrize("typed", ["'0012", "`0012", '="0012"', '= " 0012 "'])
def test_marks_that_keep_excel_from_dropping_leading_zeros_are_not_part_of_the_value(
    village_a, typed
):
    plan = plan_of([["姓名", "村", "户号"], ["钱一", "东沟村", typed]])

    assert [row.household_number for row in plan.rows] == ["0012"]


@pytest.mark.parametrize("typed", [f"'{VALID_ID}", f'="{VALID_ID}"', f"`{VALID_ID.lower()}"])
def test_an_id_number_kept_as_text_with_an_excel_mark_is_read(village_a, typed):
    plan = plan_of([["姓名", "村", "身份证号"], ["孙一", "东沟村", typed]])

    assert plan.errors == []
    assert [row.id_number for row in plan.rows] == [VALID_ID]


def test_a_full_width_space_inside_a_household_number_becomes_a_plain_space(village_a):
    plan = plan_of([["姓名", "村", "户号"], ["李一", "东沟村", "\u30003\u3000组\u3000"]])

    assert [row.household_number for row in plan.rows] == ["3 组"]


def test_spaces_inside_a_party_member_or_gender_answer_are_ignored(village_a):
    plan = plan_of(
        [
            ["姓名", "村", "性别", "党员"],
            ["周一", "东沟村", "男 性", "中共 党员"],
            ["周二", "东沟村", "女\u3000性", "非 党员"],
        ]
    )

    assert plan.errors == []
    assert [(row.gender, row.is_party_member) for row in plan.rows] == [
        ("M", True),
        ("F", False),
    ]


# --- What a refused row says ------------------------------------------------------------------


def test_a_row_wrong_in_every_column_lists_each_reason_with_its_column(village_a):
    plan = plan_of(
        [HEADER, ["吴三", "外星", "东沟村", "12345", "110105194912310021", "也许", "", ""]]
    )

    assert plan.rows == []
    assert reasons(plan) == {
        2: "第 2 行：手机号：请输入 11 位手机号，或带区号的固定电话。"
        "；身份证号：身份证号校验位不正确，请检查是否有输错的数字。"
        "；性别：“性别”应填“男”或“女”，而不是“外星”。"
        "；党员：“党员”应填“是”或“否”，而不是“也许”。"
    }


def test_a_name_and_village_that_cannot_be_used_are_both_reported(village_a):
    plan = plan_of([["姓名", "村", "手机号"], ["郑2", "北沟村", ""], ["", "", "13800000001"]])

    assert reasons(plan) == {
        2: "第 2 行：姓名“郑2”中含有数字；没有名为“北沟村”的村（村需先用 setup_township 建立）",
        3: "第 3 行：姓名为空；村为空",
    }


def test_a_name_may_have_64_characters_and_no_more(village_a):
    plan = plan_of([["姓名", "村"], ["王" * 64, "东沟村"], ["王" * 65, "东沟村"]])

    assert [row.name for row in plan.rows] == ["王" * 64]
    assert reasons(plan) == {3: "第 3 行：姓名超过 64 个字"}


def test_a_household_number_may_have_32_characters_and_a_branch_name_100(village_a):
    plan = plan_of(
        [
            ["姓名", "村", "户号", "党支部"],
            ["冯一", "东沟村", "1" * 32, "支" * 100],
            ["冯二", "东沟村", "1" * 33, "支" * 100],
            ["冯三", "东沟村", "1" * 32, "支" * 101],
            ["冯四", "东沟村", "1" * 33, "支" * 101],
        ]
    )

    assert [row.name for row in plan.rows] == ["冯一"]
    assert reasons(plan) == {
        3: "第 3 行：户号超过 32 个字",
        4: "第 4 行：党支部超过 100 个字",
        5: "第 5 行：户号超过 32 个字；党支部超过 100 个字",
    }


def test_a_village_of_a_name_several_townships_have_must_be_chosen_by_township(village_a):
    VillageFactory(township=TownshipFactory(name="南山乡"), name="东沟村")

    plan = plan_of([["姓名", "村"], ["陈一", "东沟村"]])

    assert reasons(plan) == {2: "第 2 行：多个乡镇都有“东沟村”，请指定乡镇"}


def test_a_secretary_may_not_import_people_of_another_village(village_a, village_b):
    plan = plan_of(
        [["姓名", "村"], ["褚一", "东沟村"], ["褚二", "西沟村"]],
        allowed_village_ids={village_a.pk},
    )

    assert [row.name for row in plan.rows] == ["褚一"]
    assert reasons(plan) == {3: "第 3 行：您无权导入西沟村的人员"}


def test_a_village_recorded_without_its_trailing_cun_is_found_with_it(township):
    shimen = VillageFactory(township=township, name="石门")

    plan = plan_of([["姓名", "村"], ["卫一", "石门村"], ["卫二", "石门"]])

    assert plan.errors == []
    assert [row.village for row in plan.rows] == [shimen, shimen]


# --- Which person a row is --------------------------------------------------------------------


def test_two_people_of_one_name_sharing_a_phone_in_one_village_are_ambiguous(village_a):
    PersonFactory(name="王芳", village=village_a, phone="13800000081")
    PersonFactory(name="王芳", village=village_a, phone="13800000081")

    plan = plan_of([["姓名", "村", "手机号"], ["王芳", "东沟村", "13800000081"]])

    assert reasons(plan) == {2: "第 2 行：有多个叫王芳的人使用这个手机号"}


def test_a_shared_phone_finds_the_person_of_the_rows_village(village_a, village_b):
    PersonFactory(name="王芳", village=village_a, phone="13800000081")
    west = PersonFactory(name="王芳", village=village_b, phone="13800000081")

    plan = plan_of([["姓名", "村", "手机号"], ["王芳", "西沟村", "13800000081"]])

    assert plan.errors == []
    [row] = plan.rows
    assert (row.person, row.action, row.changes) == (west, "unchanged", [])


def test_people_of_one_name_and_village_without_phone_or_id_are_ambiguous(village_a):
    PersonFactory(name="刘洋", village=village_a, phone="13800000101", id_number="")
    PersonFactory(name="刘洋", village=village_a, phone="13800000102", id_number="")

    plan = plan_of([["姓名", "村", "党员"], ["刘洋", "东沟村", "是"]])

    assert reasons(plan) == {2: "第 2 行：东沟村有 2 个叫刘洋的人，请填写手机号或身份证号加以区分"}


def test_a_person_found_by_name_and_phone_gains_the_id_number_of_the_row(village_a):
    known = PersonFactory(name="孔明", village=village_a, phone="13800000061", id_number="")
    id_number = make_id_number()

    plan = plan_of(
        [["姓名", "村", "手机号", "身份证号"], ["孔明", "东沟村", "13800000061", id_number]]
    )

    [row] = plan.rows
    assert (row.person, row.action, row.changes) == (known, "update", ["id_number"])


def test_one_name_in_one_village_with_another_id_number_is_another_person(village_a):
    PersonFactory(name="曹操", village=village_a, phone="13800000071")

    plan = plan_of([["姓名", "村", "身份证号"], ["曹操", "东沟村", make_id_number()]])

    assert plan.errors == []
    assert actions(plan) == {2: "create"}


def test_a_row_without_a_phone_leaves_the_recorded_phone_to_tell_later_rows_apart(village_a):
    known = PersonFactory(name="张三", village=village_a, phone="13800000011")

    plan = plan_of(
        [
            ["姓名", "村", "手机号"],
            ["张三", "东沟村", ""],  # the 张三 on record
            ["张三", "东沟村", "13800000012"],  # another phone: another 张三
        ]
    )

    assert plan.errors == []
    assert actions(plan) == {2: "unchanged", 3: "create"}
    assert plan.rows[0].person == known


def test_a_row_without_an_id_number_leaves_the_recorded_one_to_tell_later_rows_apart(village_a):
    known = PersonFactory(name="张三", village=village_a)

    plan = plan_of(
        [
            ["姓名", "村", "身份证号"],
            ["张三", "东沟村", ""],  # the 张三 on record
            ["张三", "东沟村", make_id_number()],  # another ID number: another 张三
        ]
    )

    assert plan.errors == []
    assert actions(plan) == {2: "unchanged", 3: "create"}
    assert plan.rows[0].person == known


def test_a_person_on_record_listed_twice_is_refused_as_the_same_person(village_a):
    PersonFactory(name="马超", village=village_a)

    plan = plan_of([["姓名", "村"], ["马超", "东沟村"], ["马超", "东沟村"]])

    assert actions(plan) == {2: "unchanged"}
    assert reasons(plan) == {3: "第 3 行：与第 2 行是同一个人"}


def test_rows_after_a_refused_row_are_still_planned(village_a):
    PersonFactory(name="刘洋", village=village_a, id_number="")
    PersonFactory(name="刘洋", village=village_a, id_number="")

    plan = plan_of(
        [
            ["姓名", "村"],
            ["马超", "东沟村"],
            ["马超", "东沟村"],  # row 2 again
            ["张飞", "东沟村"],
            ["刘洋", "东沟村"],  # which 刘洋?
            ["关羽", "东沟村"],
        ]
    )

    assert actions(plan) == {2: "create", 4: "create", 6: "create"}
    assert sorted(reasons(plan)) == [3, 5]
    assert (plan.count("create"), plan.count("update"), plan.count("unchanged")) == (3, 0, 0)


def test_a_long_roster_finds_everyone_on_record(village_a):
    """The people on record are looked up 500 names at a time; the 501st is not forgotten."""
    digits = str.maketrans("0123456789", "〇一二三四五六七八九")
    names = [f"村民{number:03d}".translate(digits) for number in range(501)]
    last = PersonFactory(name=max(names), village=village_a, phone="13800000501")

    plan = plan_of([["姓名", "村"], *([name, "东沟村"] for name in names)])

    assert plan.errors == []
    assert (plan.count("create"), plan.count("unchanged")) == (500, 1)
    assert [row.person for row in plan.rows if row.name == last.name] == [last]


# --- What a row would change ------------------------------------------------------------------


def test_a_row_names_every_field_it_would_change(village_a, village_b):
    id_number = make_id_number()
    known = PersonFactory(
        name="张三",
        village=village_a,
        gender="M",
        phone="13800000021",
        id_number=id_number,
        is_party_member=False,
        household=HouseholdFactory(village=village_a, number="0012"),
        branch=PartyBranchFactory(village=village_a, name="东沟村党支部"),
    )

    plan = plan_of(
        [HEADER, ["张三丰", "女", "西沟村", "13800000022", id_number, "是", "0012", "西沟村党支部"]]
    )

    [row] = plan.rows
    assert row.person == known
    assert row.changes == [
        "name",
        "gender",
        "phone",
        "is_party_member",
        "village",
        "household",
        "branch",
    ]


def test_the_same_row_again_changes_nothing(village_a):
    id_number = make_id_number()
    PersonFactory(
        name="张三",
        village=village_a,
        gender="M",
        phone="13800000021",
        id_number=id_number,
        is_party_member=True,
        household=HouseholdFactory(village=village_a, number="0012"),
        branch=PartyBranchFactory(village=village_a, name="东沟村党支部"),
    )

    plan = plan_of(
        [HEADER, ["张三", "男", "东沟村", "13800000021", id_number, "是", "0012", "东沟村党支部"]]
    )

    assert [(row.action, row.changes) for row in plan.rows] == [("unchanged", [])]


@pytest.mark.parametrize(
    "village, household, changes",
    [
        ("东沟村", "0012", []),
        ("东沟村", "0013", ["household"]),  # another household of the same village
        ("西沟村", "0012", ["village", "household"]),  # 0012 of 西沟村 is another household
        ("西沟村", "", ["village"]),
    ],
)
def test_a_household_is_the_number_within_the_rows_village(
    village_a, village_b, village, household, changes
):
    id_number = make_id_number()
    PersonFactory(
        name="张三",
        village=village_a,
        id_number=id_number,
        household=HouseholdFactory(village=village_a, number="0012"),
    )

    plan = plan_of([["姓名", "村", "身份证号", "户号"], ["张三", village, id_number, household]])

    assert [row.changes for row in plan.rows] == [changes]


def test_a_household_or_branch_for_someone_without_one_is_a_change(village_a):
    id_number = make_id_number()
    PersonFactory(name="张三", village=village_a, id_number=id_number)
    PartyBranchFactory(village=village_a, name="东沟村党支部")

    plan = plan_of(
        [
            ["姓名", "村", "身份证号", "户号", "党支部"],
            ["张三", "东沟村", id_number, "0012", "东沟村党支部"],
        ]
    )

    assert [row.changes for row in plan.rows] == [["household", "branch"]]
    assert Person.objects.get().household is None  # a plan writes nothing
