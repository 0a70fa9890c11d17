"""Importing a roster in the Wagtail admin: a preview first, and nothing written until the
user confirms a file without errors."""

import re
from io import BytesIO

import pytest
from django.contrib.messages import get_messages
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from lms.people.models import Person
from tests.factories.people import PersonFactory, UserFactory, make_id_number

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/people/import/"
CONFIRM_URL = "/admin/people/import/confirm/"
PEOPLE_URL = "/admin/people/"
HEADER = "姓名,性别,村,手机号,身份证号,党员"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Each test keeps its uploads to itself, so it can see what is stored."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def client(client, admin_in_english):
    return client


def roster(*lines: str, name: str = "roster.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, "\n".join([HEADER, *lines]).encode("utf-8"), "text/csv")


def upload(client, file, **data):
    response = client.post(IMPORT_URL, {"file": file, **data})
    assert response.status_code == 200
    return response


def preview_actions(response) -> dict[int, str]:
    """Sheet row number → the action the preview announces for it."""
    return {
        int(number): action
        for number, action in re.findall(r'data-row="(\d+)" data-action="(\w+)"', response.text)
    }


def preview_errors(response) -> dict[int, str]:
    """Sheet row number → the reason the preview gives for refusing it."""
    return {error.number: "；".join(error.messages) for error in response.context["errors"]}


def stored_uploads() -> list[str]:
    if not default_storage.exists("imports"):
        return []
    return default_storage.listdir("imports")[1]


def message_texts(response) -> list[str]:
    return [str(message).strip() for message in get_messages(response.wsgi_request)]


# --- Preview ------------------------------------------------------------------------------------


def test_preview_shows_what_each_row_would_do_and_writes_nothing(
    client, township_staff, village_a, village_b
):
    PersonFactory(name="张三", village=village_a, phone="13800000001", id_number="")
    PersonFactory(name="李四", village=village_b, phone="13800000002", id_number="")
    client.force_login(township_staff)

    response = upload(
        client,
        roster(
            "张三,男,东沟村,13800000001,,是",  # row 2: now a party member
            "李四,,西沟村,13800000002,,",  # row 3: as recorded
            "王五,女,东沟村,13800000003,,否",  # row 4: new
        ),
    )

    assert preview_actions(response) == {2: "update", 3: "unchanged", 4: "create"}
    assert "1 new, 1 updated, 1 unchanged" in response.text
    assert Person.objects.count() == 2
    assert not Person.objects.get(name="张三").is_party_member
    assert 'name="token"' in response.text  # the confirmation is offered
    assert len(stored_uploads()) == 1


def test_preview_masks_phone_and_id_number_for_non_administrators(
    client, secretary_a, administrator, village_a
):
    id_number = make_id_number()
    file_line = f"赵六,男,东沟村,13912345678,{id_number},否"

    client.force_login(secretary_a)
    response = upload(client, roster(file_line))
    assert "139****5678" in response.text
    assert "13912345678" not in response.text
    assert id_number not in response.text
    assert id_number[:6] + "********" + id_number[-4:] in response.text

    client.force_login(administrator)
    response = upload(client, roster(file_line))
    assert "13912345678" in response.text
    assert id_number in response.text


def test_preview_lists_bad_rows_by_sheet_row_number_and_offers_no_confirmation(
    client, township_staff, village_a
):
    client.force_login(township_staff)
    file = SimpleUploadedFile(
        "roster.csv",
        "\n".join(
            [
                "东沟乡花名册",  # a title above the header: the header is sheet row 2
                HEADER,
                "张三,男,东沟村,13800000001,,否",  # row 3
                "李四,男,东沟村,12345,,否",  # row 4: not a phone number
                "王五,男,北沟村,,,否",  # row 5: no such village
                ",女,东沟村,,,",  # row 6: no name
            ]
        ).encode("utf-8"),
        "text/csv",
    )

    response = upload(client, file)

    errors = preview_errors(response)
    assert sorted(errors) == [4, 5, 6]
    assert "phone" in errors[4]
    assert "北沟村" in errors[5]
    for number in (4, 5, 6):
        assert f'data-row-error="{number}"' in response.text
    assert "nothing will be written" in response.text
    assert 'name="token"' not in response.text
    assert "Confirm import" not in response.text
    assert stored_uploads() == []  # nothing to confirm, so nothing kept
    assert Person.objects.count() == 0


def test_unreadable_file_is_refused_on_the_upload_form(client, township_staff, village_a):
    client.force_login(township_staff)
    file = SimpleUploadedFile("roster.csv", "名字以外,什么,都没有\n1,2,3".encode(), "text/csv")

    response = upload(client, file)

    assert response.context["form"].errors["file"]
    assert "token" not in response.context
    assert stored_uploads() == []


# --- Confirming ---------------------------------------------------------------------------------


def test_confirm_writes_the_roster_and_reports_the_counts(client, township_staff, village_a):
    PersonFactory(name="张三", village=village_a, phone="13800000001", id_number="")
    client.force_login(township_staff)
    preview = upload(
        client,
        roster("张三,男,东沟村,13800000001,,是", "王五,女,东沟村,13800000003,,否"),
    )

    response = client.post(CONFIRM_URL, {"token": preview.context["token"], "confirm": "1"})

    assert response.status_code == 302
    assert response["Location"] == PEOPLE_URL
    assert message_texts(response) == ["Roster imported: 1 new, 1 updated, 0 unchanged."]
    assert Person.objects.get(name="张三").is_party_member
    new = Person.objects.get(name="王五")
    assert (new.village, new.phone, new.gender) == (village_a, "13800000003", "F")
    assert stored_uploads() == []  # the kept upload is gone once written


def test_confirm_reads_an_xlsx_roster_kept_since_the_preview(client, administrator, village_b):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "村", "手机号"])
    sheet.append(["钱七", "西沟村", "13800000007"])
    buffer = BytesIO()
    workbook.save(buffer)
    client.force_login(administrator)
    preview = upload(client, SimpleUploadedFile("roster.xlsx", buffer.getvalue()))
    assert stored_uploads()[0].endswith(".xlsx")

    client.post(CONFIRM_URL, {"token": preview.context["token"], "confirm": "1"})

    assert Person.objects.filter(name="钱七", village=village_b).exists()


def test_posting_confirm_for_a_file_with_a_bad_row_writes_nothing(
    client, township_staff, village_a
):
    client.force_login(township_staff)
    preview = upload(client, roster("张三,男,东沟村,13800000001,,否", "李四,男,东沟村,123,,否"))
    assert preview.context["token"] == ""
    assert 'name="token"' not in preview.text

    for token in ["", "forged"]:
        response = client.post(CONFIRM_URL, {"token": token, "confirm": "1"})
        assert response.status_code == 302
        assert response["Location"] == IMPORT_URL

    assert Person.objects.count() == 0


def test_confirm_uses_the_records_as_they_are_at_confirmation(client, township_staff, village_a):
    """Someone added the person meanwhile: the row no longer creates, so the user is shown the
    new preview instead of a duplicate being written."""
    id_number = make_id_number()
    client.force_login(township_staff)
    preview = upload(client, roster(f"张三,男,东沟村,13800000001,{id_number},否"))
    assert preview_actions(preview) == {2: "create"}
    PersonFactory(name="张三", village=village_a, phone="", id_number=id_number)

    response = client.post(CONFIRM_URL, {"token": preview.context["token"], "confirm": "1"})

    assert response.status_code == 200
    assert preview_actions(response) == {2: "update"}
    assert "changed since your preview" in response.text
    assert Person.objects.get(id_number=id_number).phone == ""  # not yet written

    client.post(CONFIRM_URL, {"token": response.context["token"], "confirm": "1"})
    assert Person.objects.get(id_number=id_number).phone == "13800000001"
    assert Person.objects.count() == 1


def test_a_row_made_ambiguous_before_confirmation_blocks_the_whole_file(
    client, township_staff, village_a
):
    client.force_login(township_staff)
    preview = upload(client, roster("张三,男,东沟村,,,否", "王五,女,东沟村,,,否"))
    PersonFactory(name="张三", village=village_a, phone="13800000001")
    PersonFactory(name="张三", village=village_a, phone="13800000002")

    response = client.post(CONFIRM_URL, {"token": preview.context["token"], "confirm": "1"})

    assert sorted(preview_errors(response)) == [2]
    assert 'name="token"' not in response.text
    assert not Person.objects.filter(name="王五").exists()
    assert stored_uploads() == []


def test_cancel_discards_the_upload(client, township_staff, village_a):
    client.force_login(township_staff)
    preview = upload(client, roster("王五,女,东沟村,13800000003,,否"))

    response = client.post(CONFIRM_URL, {"token": preview.context["token"], "cancel": "1"})

    assert response["Location"] == PEOPLE_URL
    assert stored_uploads() == []
    assert Person.objects.count() == 0


def test_a_preview_cannot_be_confirmed_by_another_user(
    client, township_staff, secretary_a, village_a
):
    client.force_login(township_staff)
    preview = upload(client, roster("王五,女,东沟村,13800000003,,否"))

    client.force_login(secretary_a)
    response = client.post(CONFIRM_URL, {"token": preview.context["token"], "confirm": "1"})

    assert response["Location"] == IMPORT_URL
    assert Person.objects.count() == 0


# --- Who may import -----------------------------------------------------------------------------


def test_secretary_cannot_import_into_another_village(client, secretary_a, village_a, village_b):
    client.force_login(secretary_a)

    response = upload(
        client, roster("张三,男,东沟村,13800000001,,否", "李四,男,西沟村,13800000002,,否")
    )

    assert preview_actions(response) == {2: "create"}
    errors = preview_errors(response)
    assert list(errors) == [3]
    assert "西沟村" in errors[3]
    assert 'name="token"' not in response.text
    assert Person.objects.count() == 0


def test_secretary_cannot_take_over_someone_of_another_village(
    client, secretary_a, village_a, village_b
):
    """A row may name the secretary's own village and still be, by its ID number or its
    name and phone, someone recorded in another: importing it would move them into the
    secretary's village, and hand them their record. It is refused, and nothing moves."""
    neighbour = PersonFactory(
        name="李四", village=village_b, phone="13800000002", id_number=make_id_number()
    )
    client.force_login(secretary_a)

    response = upload(
        client,
        roster(
            f"李四,男,东沟村,13900000009,{neighbour.id_number},否",
            "李四,男,东沟村,13800000002,,否",
        ),
    )

    errors = preview_errors(response)
    assert list(errors) == [2, 3]
    assert all("a village you do not manage" in reason for reason in errors.values())
    assert 'name="token"' not in response.text
    neighbour.refresh_from_db()
    assert (neighbour.village, neighbour.phone) == (village_b, "13800000002")


def test_township_staff_move_someone_between_their_villages(
    client, township_staff, village_a, village_b
):
    moving = PersonFactory(name="李四", village=village_b, id_number=make_id_number())
    client.force_login(township_staff)
    preview = upload(client, roster(f"李四,男,东沟村,,{moving.id_number},否"))
    assert preview_actions(preview) == {2: "update"}

    client.post(CONFIRM_URL, {"token": preview.context["token"], "confirm": "1"})

    moving.refresh_from_db()
    assert moving.village == village_a


def test_secretary_imports_into_own_village(client, secretary_a, village_a):
    client.force_login(secretary_a)
    preview = upload(client, roster("张三,男,东沟村,13800000001,,否"))

    client.post(CONFIRM_URL, {"token": preview.context["token"], "confirm": "1"})

    assert Person.objects.get().village == village_a


def test_learner_and_anonymous_visitor_cannot_import(client, village_a):
    learner = UserFactory(username="learner")
    PersonFactory(village=village_a, user=learner)

    for user in [None, learner]:
        if user:
            client.force_login(user)
        assert client.get(IMPORT_URL).status_code == 302  # to the login page
        response = client.post(IMPORT_URL, {"file": roster("王五,女,东沟村,13800000003,,否")})
        assert response.status_code == 302
    assert Person.objects.count() == 1
    assert stored_uploads() == []


def test_people_list_offers_the_import_to_staff(client, secretary_a):
    client.force_login(secretary_a)
    assert IMPORT_URL in client.get(PEOPLE_URL).text


def test_preview_of_a_long_roster_takes_a_fixed_number_of_queries(
    client, township_staff, village_a, django_assert_max_num_queries
):
    given = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许"
    for number, name in enumerate(given):
        PersonFactory(name=f"老{name}", village=village_a, phone=f"1380000{number:04d}")
    lines = [f"老{name},男,东沟村,1380000{number:04d},,是" for number, name in enumerate(given)]
    lines += [f"新{name},女,东沟村,1390000{number:04d},,否" for number, name in enumerate(given)]
    client.force_login(township_staff)

    with django_assert_max_num_queries(20):
        response = upload(client, roster(*lines))

    assert list(preview_actions(response).values()) == ["update"] * 20 + ["create"] * 20
