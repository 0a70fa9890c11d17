"""The Wagtail admin shows and changes only the people of the villages a user may see."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lms.people.models import Person
from tests.exports.support import export_rows
from tests.factories.people import (
    PersonFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db

PEOPLE_URL = "/admin/people/"


@pytest.fixture
def person_a(village_a):
    return PersonFactory(name="张东沟", village=village_a)


@pytest.fixture
def person_b(village_b):
    return PersonFactory(name="李西沟", village=village_b)


@pytest.fixture
def person_elsewhere(db):
    """Someone in a village of another township."""
    other_village = VillageFactory(township=TownshipFactory(name="南山乡"), name="南山村")
    return PersonFactory(name="王南山", village=other_village)


def listed_names(response) -> list[str]:
    """The names in the listing's rows (the search box echoes the query, so not response.text)."""
    assert response.status_code == 200
    return [person.name for person in response.context["object_list"]]


# --- Listing ----------------------------------------------------------------------------------


def test_secretary_lists_only_own_village(client, secretary_a, person_a, person_b):
    client.force_login(secretary_a)
    response = client.get(PEOPLE_URL)
    assert response.status_code == 200
    assert "张东沟" in response.text
    assert "李西沟" not in response.text


def test_secretary_search_does_not_reach_other_village(client, secretary_a, person_a, person_b):
    client.force_login(secretary_a)
    for query in ["李西沟", "西沟", person_b.phone]:
        assert listed_names(client.get(PEOPLE_URL, {"q": query})) == []
    assert listed_names(client.get(PEOPLE_URL, {"q": "沟"})) == ["张东沟"]


def test_secretary_filter_by_other_village_shows_none_of_its_people(
    client, secretary_a, village_b, person_a, person_b
):
    client.force_login(secretary_a)
    for url in (PEOPLE_URL, PEOPLE_URL + "results/"):
        assert "李西沟" not in listed_names(client.get(url, {"village": village_b.pk}))


def test_secretary_village_filter_offers_only_own_village(client, secretary_a, village_b):
    client.force_login(secretary_a)
    response = client.get(PEOPLE_URL)
    filter_field = response.context["filters"].form.fields["village"]
    assert [village.name for village in filter_field.queryset] == ["东沟村"]


def test_township_staff_list_their_township_only(
    client, township_staff, person_a, person_b, person_elsewhere
):
    client.force_login(township_staff)
    response = client.get(PEOPLE_URL)
    assert "张东沟" in response.text
    assert "李西沟" in response.text
    assert "王南山" not in response.text


@pytest.mark.parametrize("user_fixture", ["administrator", "superuser"])
def test_administrators_list_everyone(
    request, client, user_fixture, person_a, person_b, person_elsewhere
):
    client.force_login(request.getfixturevalue(user_fixture))
    response = client.get(PEOPLE_URL)
    for name in ("张东沟", "李西沟", "王南山"):
        assert name in response.text


def test_learner_gets_no_admin_access(client, person_a, person_b):
    learner = UserFactory(username="learner")
    person_a.user = learner
    person_a.save()
    client.force_login(learner)
    for url in (PEOPLE_URL, f"/admin/people/inspect/{person_a.pk}/", "/admin/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_staff_role_without_villages_lists_nobody(client, township, person_a):
    from lms.people.models import RoleAssignment
    from lms.people.services import role_assign

    staff = UserFactory(username="staff_without_township")
    role_assign(user=staff, role=RoleAssignment.Role.TOWNSHIP_STAFF, township=None)
    client.force_login(staff)
    response = client.get(PEOPLE_URL)
    assert response.status_code == 200
    assert "张东沟" not in response.text


# --- Export -----------------------------------------------------------------------------------


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_secretary_cannot_export_other_village(
    client, secretary_a, person_a, person_b, export_format
):
    client.force_login(secretary_a)
    rows = export_rows(client.get(PEOPLE_URL, {"export": export_format}))
    assert rows[0][0] == "姓名"
    assert [row[0] for row in rows[1:]] == ["张东沟"]


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_secretary_export_filtered_by_other_village_is_still_own_village_only(
    client, secretary_a, village_b, person_a, person_b, export_format
):
    client.force_login(secretary_a)
    response = client.get(PEOPLE_URL, {"export": export_format, "village": village_b.pk})
    assert "李西沟" not in [row[0] for row in export_rows(response)]


def test_township_staff_export_their_township_only(
    client, township_staff, person_a, person_b, person_elsewhere
):
    client.force_login(township_staff)
    rows = export_rows(client.get(PEOPLE_URL, {"export": "csv"}))
    assert sorted(row[0] for row in rows[1:]) == sorted(["张东沟", "李西沟"])


# --- Viewing one person -----------------------------------------------------------------------


@pytest.mark.parametrize("view", ["inspect", "edit", "delete", "history", "usage"])
def test_secretary_cannot_open_other_village_person(client, secretary_a, person_b, view):
    client.force_login(secretary_a)
    response = client.get(f"/admin/people/{view}/{person_b.pk}/")
    assert response.status_code in (403, 404)
    assert "李西沟" not in response.text


@pytest.mark.parametrize("view", ["inspect", "edit", "history"])
def test_secretary_opens_own_village_person(client, secretary_a, person_a, view):
    client.force_login(secretary_a)
    response = client.get(f"/admin/people/{view}/{person_a.pk}/")
    assert response.status_code == 200
    assert "张东沟" in response.text


def test_out_of_scope_person_looks_like_a_missing_one(client, secretary_a, person_b):
    """The response does not tell a secretary that the record exists elsewhere."""
    client.force_login(secretary_a)
    missing = client.get("/admin/people/inspect/999999/")
    other = client.get(f"/admin/people/inspect/{person_b.pk}/")
    assert missing.status_code == other.status_code == 404


def test_township_staff_cannot_open_person_of_another_township(
    client, township_staff, person_a, person_elsewhere
):
    client.force_login(township_staff)
    assert client.get(f"/admin/people/inspect/{person_a.pk}/").status_code == 200
    response = client.get(f"/admin/people/inspect/{person_elsewhere.pk}/")
    assert response.status_code == 404


# --- Changing ---------------------------------------------------------------------------------


def _edit_data(person, **changes):
    data = {
        "name": person.name,
        "gender": person.gender,
        "birth_date": "",
        "ethnicity": "",
        "phone": "",
        "id_number": "",
        "village": person.village_id,
        "household": "",
        "branch": "",
    }
    data.update(changes)
    return data


def test_secretary_cannot_edit_other_village_person(client, secretary_a, village_a, person_b):
    client.force_login(secretary_a)
    response = client.post(
        f"/admin/people/edit/{person_b.pk}/",
        _edit_data(person_b, name="改名", village=village_a.pk),
    )
    assert response.status_code in (403, 404)
    person_b.refresh_from_db()
    assert person_b.name == "李西沟"
    assert person_b.village.name == "西沟村"


def test_secretary_edits_own_village_person(client, secretary_a, person_a):
    client.force_login(secretary_a)
    response = client.post(f"/admin/people/edit/{person_a.pk}/", _edit_data(person_a, name="张新"))
    assert response.status_code == 302
    person_a.refresh_from_db()
    assert person_a.name == "张新"


def test_secretary_cannot_move_own_person_to_other_village(
    client, secretary_a, village_b, person_a
):
    client.force_login(secretary_a)
    response = client.post(
        f"/admin/people/edit/{person_a.pk}/", _edit_data(person_a, village=village_b.pk)
    )
    assert response.status_code == 200  # the form comes back with an error
    assert response.context["form"].errors["village"]
    person_a.refresh_from_db()
    assert person_a.village.name == "东沟村"


def test_secretary_cannot_delete_other_village_person_even_with_delete_permission(
    client, secretary_a, person_a, person_b
):
    secretary_a.user_permissions.add(Permission.objects.get(codename="delete_person"))
    client.force_login(secretary_a)
    response = client.post(f"/admin/people/delete/{person_b.pk}/")
    assert response.status_code in (403, 404)
    assert Person.objects.filter(pk=person_b.pk).exists()
    # The permission itself works inside the secretary's own village.
    response = client.post(f"/admin/people/delete/{person_a.pk}/")
    assert response.status_code == 302
    assert not Person.objects.filter(pk=person_a.pk).exists()


def test_secretary_without_delete_permission_cannot_delete_own_person(
    client, secretary_a, person_a
):
    client.force_login(secretary_a)
    client.post(f"/admin/people/delete/{person_a.pk}/")
    assert Person.objects.filter(pk=person_a.pk).exists()


# --- Adding -----------------------------------------------------------------------------------


def test_secretary_add_form_offers_only_own_village(client, secretary_a, village_b):
    client.force_login(secretary_a)
    response = client.get("/admin/people/new/")
    assert response.status_code == 200
    village_field = response.context["form"].fields["village"]
    assert [village.name for village in village_field.queryset] == ["东沟村"]
    assert "西沟村" not in response.text


def test_secretary_cannot_add_person_to_other_village(client, secretary_a, village_b):
    client.force_login(secretary_a)
    response = client.post(
        "/admin/people/new/",
        {"name": "赵新人", "gender": "", "phone": "", "id_number": "", "village": village_b.pk},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["village"]
    assert not Person.objects.filter(name="赵新人").exists()


def test_secretary_adds_person_to_own_village(client, secretary_a, village_a):
    client.force_login(secretary_a)
    response = client.post(
        "/admin/people/new/",
        {"name": "赵新人", "gender": "", "phone": "", "id_number": "", "village": village_a.pk},
    )
    assert response.status_code == 302
    assert Person.objects.get(name="赵新人").village == village_a


# --- Villages ---------------------------------------------------------------------------------


def test_township_staff_see_only_their_township_villages(
    client, township_staff, village_a, village_b, person_elsewhere
):
    client.force_login(township_staff)
    response = client.get("/admin/villages/")
    assert response.status_code == 200
    assert "东沟村" in response.text
    assert "南山村" not in response.text
    other = person_elsewhere.village
    assert client.get(f"/admin/villages/edit/{other.pk}/").status_code in (302, 403, 404)


# --- Query counts -----------------------------------------------------------------------------


def _get_all(client, url, params):
    response = client.get(url, params)
    assert response.status_code == 200
    if response.streaming:
        b"".join(response.streaming_content)
    return response


@pytest.mark.parametrize("user_fixture", ["secretary_a", "township_staff", "administrator"])
@pytest.mark.parametrize("params", [{}, {"q": "村民"}, {"export": "csv"}, {"export": "xlsx"}])
def test_people_index_queries_do_not_grow_with_people(
    request, client, django_assert_max_num_queries, village_a, user_fixture, params
):
    client.force_login(request.getfixturevalue(user_fixture))
    PersonFactory.create_batch(5, village=village_a)
    _get_all(client, PEOPLE_URL, params)  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as few:
        _get_all(client, PEOPLE_URL, params)
    PersonFactory.create_batch(35, village=village_a)
    with django_assert_max_num_queries(len(few)):
        _get_all(client, PEOPLE_URL, params)
