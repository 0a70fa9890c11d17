"""Writing a roster: thousands of rows in a few statements, still all or nothing.

A secretary confirms the preview of a township's roster (tens of thousands of rows); what
is checked while writing (an ID number someone else saved meanwhile) still refuses the
whole file and names the row, and what a saved person sets off (a logged-in member's cached
account forgotten) still happens.
"""

import csv
import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from lms.people import services
from lms.people.models import Household, PartyBranch, Person
from lms.people.roster import roster_plan
from lms.people.services import person_account_create, roster_import_apply
from tests.conftest import PASSWORD
from tests.factories.people import PersonFactory, VillageFactory, make_id_number

from .conftest import HEADER

pytestmark = pytest.mark.django_db

BRANCH = "东沟村党支部"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def plan_of(rows):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([HEADER, *rows])
    return roster_plan(buffer.getvalue().encode("utf-8"), "roster.csv")


GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉红梅建国志成福贵春生海燕文"


def villager(number: int) -> str:
    """A name of its own for each number (names have no digits)."""
    return "王" + GIVEN[number // len(GIVEN) % len(GIVEN)] + GIVEN[number % len(GIVEN)]


def township_roster(count: int) -> list[list[str]]:
    """`count` people of 东沟村 and 西沟村 (alternately) in households of four numbered alike
    in both villages, each with a phone and an ID number; every third names a branch."""
    return [
        [
            villager(number),
            "",
            "东沟村" if number % 2 else "西沟村",
            f"139{number:08d}",
            make_id_number(born=datetime.date(1960, 1, 1) + datetime.timedelta(days=number)),
            "否",
            f"{number // 4:04d}",
            "东沟村党支部" if number % 3 == 0 else "",
        ]
        for number in range(count)
    ]


# --- All or nothing, while writing ------------------------------------------------------------


def test_an_id_number_saved_by_someone_else_after_the_preview_refuses_the_file_by_row(
    village_a, village_b
):
    taken, also_taken = make_id_number(), make_id_number()
    plan = plan_of(
        [
            ["王秀英", "女", "东沟村", "13800138000", make_id_number(), "是", "0012", BRANCH],
            ["李建国", "男", "东沟村", "13800138001", taken, "否", "0013", ""],
            ["赵红梅", "女", "西沟村", "13800138002", also_taken, "否", "0001", ""],
        ]
    )
    assert plan.is_valid and plan.count("create") == 3
    # Meanwhile another import saves both ID numbers, to people of another village.
    elsewhere = VillageFactory(name="南沟村", township=village_a.township)
    PersonFactory(name="李建军", village=elsewhere, id_number=also_taken)
    PersonFactory(name="李建", village=elsewhere, id_number=taken)

    with pytest.raises(ValidationError) as refused:
        roster_import_apply(plan=plan)

    assert refused.value.messages == ["Row 3: This ID number already belongs to another person."]
    assert sorted(Person.objects.values_list("name", flat=True)) == ["李建", "李建军"]
    assert not Household.objects.exists() and not PartyBranch.objects.exists()


def test_an_id_number_saved_between_the_check_and_the_insert_still_names_the_row(
    village_a, monkeypatch
):
    """The unique constraint is the last word: someone saving the same ID number after the
    import checked it makes the insert fail, and the row is named all the same."""
    taken = make_id_number()
    plan = plan_of(
        [
            ["王秀英", "女", "东沟村", "13800138000", make_id_number(), "是", "0012", BRANCH],
            ["李建国", "男", "东沟村", "13800138001", taken, "否", "0013", ""],
        ]
    )
    check = services._id_numbers_taken
    calls = []

    def someone_saves_after_the_check(rows, people):
        found = check(rows, people)
        if not calls:
            PersonFactory(name="李建", village=village_a, id_number=taken)
        calls.append(found)
        return found

    monkeypatch.setattr(services, "_id_numbers_taken", someone_saves_after_the_check)

    with pytest.raises(ValidationError) as refused:
        roster_import_apply(plan=plan)

    assert calls[0] == []  # the check itself found nothing: the insert was refused
    assert refused.value.messages == ["Row 3: This ID number already belongs to another person."]
    assert not Person.objects.filter(name__in=["王秀英", "李建国"]).exists()
    assert not Household.objects.exists() and not PartyBranch.objects.exists()


def test_a_person_deleted_after_the_preview_refuses_the_file(village_a, village_b):
    """An administrator merged away a person the file updates: the import cannot say what
    that row now means, so nothing is written and the file is to be imported again."""
    gone = PersonFactory(name="李建国", village=village_a, phone="13800138001", id_number="")
    plan = plan_of(
        [
            ["王秀英", "女", "东沟村", "13800138000", make_id_number(), "是", "0012", BRANCH],
            ["李建国", "男", "西沟村", "13800138001", "", "否", "", ""],
        ]
    )
    assert [row.action for row in plan.rows] == ["create", "update"]
    gone.delete()

    with pytest.raises(ValidationError) as refused:
        roster_import_apply(plan=plan)

    assert refused.value.messages == [
        "The roster changed while it was being imported; import the file again."
    ]
    assert not Person.objects.exists()
    assert not Household.objects.exists() and not PartyBranch.objects.exists()


def test_the_import_command_reports_a_row_refused_while_writing(
    village_a, roster_csv, import_refused, monkeypatch
):
    taken = make_id_number()
    path = roster_csv([HEADER, ["李建国", "男", "东沟村", "13800138001", taken, "否", "0013", ""]])
    apply = services.roster_import_apply

    def someone_saved_meanwhile(**kwargs):
        PersonFactory(name="李建", village=village_a, id_number=taken)
        return apply(**kwargs)

    monkeypatch.setattr(
        "lms.people.management.commands.import_people.roster_import_apply",
        someone_saved_meanwhile,
    )

    message, _stderr = import_refused(path)

    assert message == (
        "Row 2: This ID number already belongs to another person. Nothing was imported."
    )
    assert list(Person.objects.values_list("name", flat=True)) == ["李建"]


# --- At database speed ------------------------------------------------------------------------


def test_a_thousand_new_rows_are_written_in_a_few_dozen_statements(
    village_a, village_b, django_assert_max_num_queries
):
    rows = township_roster(1000)

    # Reads in chunks of 500 and writes in batches (SQLite's limit on parameters makes its
    # INSERTs of people the most: 14 for 1,000 rows; PostgreSQL sends one).
    with django_assert_max_num_queries(40):
        plan = plan_of(rows)
        counts = roster_import_apply(plan=plan)

    assert counts == {"create": 1000, "update": 0, "unchanged": 0}
    assert Person.objects.count() == 1000
    assert Household.objects.filter(village=village_a).count() == 250
    assert Household.objects.filter(village=village_b).count() == 250
    # The branch is placed in the village of the first row naming it (row 2: 西沟村).
    branch = PartyBranch.objects.get()
    assert branch.name == "东沟村党支部" and branch.village == village_b
    person = Person.objects.get(name=villager(3))
    assert (person.village, person.household.number, person.household.village) == (
        village_a,
        "0000",
        village_a,
    )
    assert person.branch == branch and person.gender == "M" and person.birth_date is not None


def test_importing_the_same_thousand_rows_again_reads_in_chunks_and_writes_nothing(
    village_a, village_b, django_assert_max_num_queries
):
    rows = township_roster(1000)
    roster_import_apply(plan=plan_of(rows))

    with django_assert_max_num_queries(12):
        plan = plan_of(rows)
        counts = roster_import_apply(plan=plan)

    assert counts == {"create": 0, "update": 0, "unchanged": 1000}


def test_a_thousand_changed_rows_are_updated_in_a_few_dozen_statements(
    village_a, village_b, django_assert_max_num_queries
):
    rows = township_roster(1000)
    roster_import_apply(plan=plan_of(rows))
    before = dict(Person.objects.values_list("pk", "updated_at"))

    with django_assert_max_num_queries(25):
        plan = plan_of([[*row[:5], "是", *row[6:]] for row in rows])
        counts = roster_import_apply(plan=plan)

    assert counts == {"create": 0, "update": 1000, "unchanged": 0}
    assert Person.objects.filter(is_party_member=True).count() == 1000
    assert Person.objects.count() == 1000
    after = dict(Person.objects.values_list("pk", "updated_at"))
    assert all(after[pk] > before[pk] for pk in before)


def test_an_updated_person_keeps_what_the_import_does_not_write(village_a, village_b):
    person = PersonFactory(
        name="王秀英", village=village_a, phone="13800138000", ethnicity="回族", id_number=""
    )
    person_account_create(person=person, password=PASSWORD)
    id_number = make_id_number(male=False)

    roster_import_apply(
        plan=plan_of([["王秀英", "", "西沟村", "13800138000", id_number, "是", "0012", ""]])
    )

    person.refresh_from_db()
    assert (person.village, person.id_number, person.is_party_member) == (
        village_b,
        id_number,
        True,
    )
    assert person.gender == "F" and person.birth_date is not None  # from the ID number
    assert person.ethnicity == "回族" and person.user is not None
    assert person.household.number == "0012" and person.household.village == village_b


# --- What saving a person sets off ------------------------------------------------------------


def test_a_logged_in_member_moved_by_an_import_sees_the_new_village_at_once(
    client, village_a, township
):
    """The logged-in account is read from the cache (lms/people/auth.py); a person written by
    the import forgets it as a person saved one by one does."""
    from courses.models import CoursePage
    from tests.factories import courses as build

    member = PersonFactory(name="王秀兰", village=village_a, phone="13800005555", id_number="")
    person_account_create(person=member, password=PASSWORD)
    south = VillageFactory(township=township, name="南沟村")
    build.course(
        "南沟村花椒种植",
        is_required=True,
        audience=CoursePage.Audience.VILLAGE,
        audience_village=south,
    )
    client.force_login(member.user)
    assert "南沟村花椒种植" not in client.get("/study/").content.decode()

    roster_import_apply(plan=plan_of([["王秀兰", "", "南沟村", "13800005555", "", "", "", ""]]))

    assert "南沟村花椒种植" in client.get("/study/").content.decode()
