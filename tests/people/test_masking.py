"""ID numbers and phones are masked wherever they are shown, except to administrators."""

import pytest

from lms.people.services import api_token_create
from tests.exports.support import export_rows
from tests.factories.people import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"
ID_MASKED = "110105********002X"
PHONE = "13800138000"
PHONE_MASKED = "138****8000"
PEOPLE_URL = "/admin/people/"


@pytest.fixture
def person(village_a):
    return PersonFactory(name="张东沟", village=village_a, phone=PHONE, id_number=ID_NUMBER)


def assert_masked(text: str):
    assert ID_MASKED in text
    assert PHONE_MASKED in text
    assert ID_NUMBER not in text
    assert PHONE not in text


def export_text(response) -> str:
    """What the user sees on opening the exported file, as one text."""
    return "\n".join(",".join(row) for row in export_rows(response))


# --- Wagtail admin ----------------------------------------------------------------------------


@pytest.mark.parametrize("user_fixture", ["secretary_a", "organizer_a", "township_staff"])
def test_non_administrators_see_masked_identifiers_in_listing(
    request, client, person, user_fixture
):
    client.force_login(request.getfixturevalue(user_fixture))
    response = client.get(PEOPLE_URL)
    assert response.status_code == 200
    assert_masked(response.text)


def test_listing_search_results_are_masked(client, secretary_a, person):
    client.force_login(secretary_a)
    response = client.get(PEOPLE_URL + "results/", {"q": "张东沟"})
    assert response.status_code == 200
    assert_masked(response.text)


@pytest.mark.parametrize("user_fixture", ["secretary_a", "township_staff"])
def test_non_administrators_see_masked_identifiers_on_inspect(
    request, client, person, user_fixture
):
    client.force_login(request.getfixturevalue(user_fixture))
    response = client.get(f"/admin/people/inspect/{person.pk}/")
    assert response.status_code == 200
    assert_masked(response.text)


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
@pytest.mark.parametrize("user_fixture", ["secretary_a", "township_staff"])
def test_non_administrators_export_masked_identifiers(
    request, client, person, user_fixture, export_format
):
    client.force_login(request.getfixturevalue(user_fixture))
    assert_masked(export_text(client.get(PEOPLE_URL, {"export": export_format})))


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
@pytest.mark.parametrize("user_fixture", ["administrator", "superuser"])
def test_administrators_export_full_identifiers(
    request, client, person, user_fixture, export_format
):
    client.force_login(request.getfixturevalue(user_fixture))
    text = export_text(client.get(PEOPLE_URL, {"export": export_format}))
    assert ID_NUMBER in text
    assert PHONE in text


def test_secretary_edit_form_does_not_contain_full_identifiers(client, secretary_a, person):
    client.force_login(secretary_a)
    response = client.get(f"/admin/people/edit/{person.pk}/")
    assert response.status_code == 200
    assert ID_NUMBER not in response.text
    assert PHONE not in response.text
    # The masked values are there as placeholders, so the secretary knows one is saved.
    assert ID_MASKED in response.text
    assert PHONE_MASKED in response.text


def _edit_data(person, **changes):
    data = {
        "name": person.name,
        "gender": person.gender,
        "birth_date": person.birth_date.isoformat() if person.birth_date else "",
        "ethnicity": "",
        "phone": "",
        "id_number": "",
        "village": person.village_id,
        "household": "",
        "branch": "",
    }
    data.update(changes)
    return data


def test_secretary_saving_with_identifiers_left_empty_keeps_them(client, secretary_a, person):
    client.force_login(secretary_a)
    response = client.post(f"/admin/people/edit/{person.pk}/", _edit_data(person, ethnicity="汉族"))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.ethnicity == "汉族"
    assert person.phone == PHONE
    assert person.id_number == ID_NUMBER


def test_secretary_can_replace_a_phone(client, secretary_a, person):
    client.force_login(secretary_a)
    response = client.post(
        f"/admin/people/edit/{person.pk}/", _edit_data(person, phone="+86 139 0000 1111")
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.phone == "13900001111"
    assert person.id_number == ID_NUMBER


def test_secretary_edit_form_with_errors_does_not_reveal_identifiers(client, secretary_a, person):
    client.force_login(secretary_a)
    response = client.post(f"/admin/people/edit/{person.pk}/", _edit_data(person, name=""))
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert ID_NUMBER not in response.text
    assert PHONE not in response.text


def test_history_after_edit_does_not_reveal_identifiers(client, secretary_a, person):
    client.force_login(secretary_a)
    client.post(f"/admin/people/edit/{person.pk}/", _edit_data(person, ethnicity="汉族"))
    response = client.get(f"/admin/people/history/{person.pk}/")
    assert response.status_code == 200
    assert ID_NUMBER not in response.text
    assert PHONE not in response.text


def test_administrator_clearing_a_phone_removes_it(client, administrator, person):
    client.force_login(administrator)
    response = client.get(f"/admin/people/edit/{person.pk}/")
    assert PHONE in response.text  # administrators edit the real value
    data = _edit_data(person, id_number=ID_NUMBER, phone="")
    response = client.post(f"/admin/people/edit/{person.pk}/", data)
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.phone == ""
    assert person.id_number == ID_NUMBER


@pytest.mark.parametrize("hidden_part", ["1380013", "00138", "0519491231", "1949"])
def test_secretary_cannot_uncover_masked_digits_by_searching(
    client, secretary_a, person, hidden_part
):
    """Searching pieces of a number would reveal the masked digits one query at a time."""
    client.force_login(secretary_a)
    response = client.get(PEOPLE_URL, {"q": hidden_part})
    assert list(response.context["object_list"]) == []


@pytest.mark.parametrize("query", [PHONE, "+86 138 0013 8000", ID_NUMBER, ID_NUMBER.lower()])
def test_secretary_finds_person_by_whole_phone_or_id_number(client, secretary_a, person, query):
    client.force_login(secretary_a)
    response = client.get(PEOPLE_URL, {"q": query})
    assert list(response.context["object_list"]) == [person]


def test_administrator_searches_by_part_of_a_phone(client, administrator, person):
    client.force_login(administrator)
    response = client.get(PEOPLE_URL, {"q": "1380013"})
    assert list(response.context["object_list"]) == [person]


# --- API --------------------------------------------------------------------------------------


def _bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user)}"}


@pytest.mark.parametrize("user_fixture", ["secretary_a", "organizer_a", "township_staff"])
def test_api_masks_identifiers_for_non_administrators(request, client, person, user_fixture):
    headers = _bearer(request.getfixturevalue(user_fixture))
    listed = client.get("/api/v1/people/", **headers).json()["items"]
    assert [(p["phone"], p["id_number"]) for p in listed] == [(PHONE_MASKED, ID_MASKED)]
    detail = client.get(f"/api/v1/people/{person.pk}", **headers)
    assert detail.status_code == 200
    assert_masked(detail.text)


@pytest.mark.parametrize("user_fixture", ["administrator", "superuser"])
def test_api_shows_full_identifiers_to_administrators(request, client, person, user_fixture):
    client.force_login(request.getfixturevalue(user_fixture))
    listed = client.get("/api/v1/people/").json()["items"]
    assert [(p["phone"], p["id_number"]) for p in listed] == [(PHONE, ID_NUMBER)]
    detail = client.get(f"/api/v1/people/{person.pk}").json()
    assert (detail["phone"], detail["id_number"]) == (PHONE, ID_NUMBER)


def test_learner_sees_own_record_masked(client, person):
    learner = UserFactory(username="learner")
    person.user = learner
    person.save()
    response = client.get("/api/v1/people/me", **_bearer(learner))
    assert response.status_code == 200
    assert response.json()["name"] == "张东沟"
    assert_masked(response.text)


@pytest.mark.parametrize("hidden_part", ["1380013", "00138"])
def test_api_search_cannot_uncover_masked_digits(client, secretary_a, person, hidden_part):
    response = client.get("/api/v1/people/", {"q": hidden_part}, **_bearer(secretary_a))
    assert response.json()["items"] == []


def test_api_search_finds_person_by_whole_phone(client, secretary_a, person):
    response = client.get("/api/v1/people/", {"q": "+86 138 0013 8000"}, **_bearer(secretary_a))
    assert [p["id"] for p in response.json()["items"]] == [person.pk]
