"""The people API answers only about the villages the caller may see, by session or token."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lms.people.services import api_token_create
from tests.conftest import PASSWORD
from tests.factories.people import PersonFactory, TownshipFactory, UserFactory, VillageFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/people/"


@pytest.fixture
def person_a(village_a):
    return PersonFactory(name="张东沟", village=village_a)


@pytest.fixture
def person_b(village_b):
    return PersonFactory(name="李西沟", village=village_b)


@pytest.fixture
def person_elsewhere(db):
    other_village = VillageFactory(township=TownshipFactory(name="南山乡"), name="南山村")
    return PersonFactory(name="王南山", village=other_village)


@pytest.fixture
def learner(person_a):
    user = UserFactory(username="learner")
    person_a.user = user
    person_a.save()
    return user


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user)}"}


def listed_names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(person["name"] for person in response.json()["items"])


# --- Listing and detail -----------------------------------------------------------------------


def test_secretary_lists_only_own_village(client, secretary_a, person_a, person_b):
    assert listed_names(client.get(LIST_URL, **bearer(secretary_a))) == ["张东沟"]


def test_secretary_list_count_is_own_village_only(client, secretary_a, person_a, person_b):
    assert client.get(LIST_URL, **bearer(secretary_a)).json()["count"] == 1


def test_secretary_filter_by_other_village_is_empty(client, secretary_a, village_b, person_b):
    response = client.get(LIST_URL, {"village_id": village_b.pk}, **bearer(secretary_a))
    assert listed_names(response) == []


def test_secretary_search_does_not_reach_other_village(client, secretary_a, person_a, person_b):
    headers = bearer(secretary_a)
    for query in ("李西沟", "西沟", person_b.phone):
        assert listed_names(client.get(LIST_URL, {"q": query}, **headers)) == []
    assert listed_names(client.get(LIST_URL, {"q": "沟"}, **headers)) == ["张东沟"]


def test_secretary_cannot_read_other_village_person(client, secretary_a, person_a, person_b):
    headers = bearer(secretary_a)
    assert client.get(f"{LIST_URL}{person_a.pk}", **headers).json()["name"] == "张东沟"
    response = client.get(f"{LIST_URL}{person_b.pk}", **headers)
    assert response.status_code == 404
    assert "李西沟" not in response.text


def test_secretary_by_session_is_scoped_too(client, secretary_a, person_a, person_b):
    client.force_login(secretary_a)
    assert listed_names(client.get(LIST_URL)) == ["张东沟"]
    assert client.get(f"{LIST_URL}{person_b.pk}").status_code == 404


def test_township_staff_list_their_township(
    client, township_staff, person_a, person_b, person_elsewhere
):
    headers = bearer(township_staff)
    assert listed_names(client.get(LIST_URL, **headers)) == ["张东沟", "李西沟"]
    assert client.get(f"{LIST_URL}{person_elsewhere.pk}", **headers).status_code == 404


@pytest.mark.parametrize("user_fixture", ["administrator", "superuser"])
def test_administrators_list_everyone(
    request, client, user_fixture, person_a, person_b, person_elsewhere
):
    headers = bearer(request.getfixturevalue(user_fixture))
    assert listed_names(client.get(LIST_URL, **headers)) == ["张东沟", "李西沟", "王南山"]
    assert client.get(f"{LIST_URL}{person_elsewhere.pk}", **headers).status_code == 200


def test_learner_may_not_list_people(client, learner, person_a):
    response = client.get(LIST_URL, **bearer(learner))
    assert response.status_code == 403
    assert "张东沟" not in response.text
    assert client.get(f"{LIST_URL}{person_a.pk}", **bearer(learner)).status_code == 403


def test_learner_reads_own_record(client, learner):
    response = client.get(f"{LIST_URL}me", **bearer(learner))
    assert response.status_code == 200
    assert response.json()["name"] == "张东沟"


def test_staff_without_roster_record_has_no_me(client, secretary_a):
    assert client.get(f"{LIST_URL}me", **bearer(secretary_a)).status_code == 404


def test_anonymous_visitor_is_refused(client, person_a):
    assert client.get(LIST_URL).status_code == 401
    assert client.get(f"{LIST_URL}{person_a.pk}").status_code == 401
    assert client.get(f"{LIST_URL}me").status_code == 401


# --- Tokens -----------------------------------------------------------------------------------


def test_token_from_login_authenticates_the_api(client, secretary_a, person_a):
    response = client.post(
        "/api/v1/auth/token",
        {"username": "secretary_a", "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    response = client.get(LIST_URL, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert listed_names(response) == ["张东沟"]


def test_learner_gets_token_by_phone(client, learner, person_a):
    response = client.post(
        "/api/v1/auth/token",
        {"username": f"+86 {person_a.phone}", "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200
    me = client.get(f"{LIST_URL}me", HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}")
    assert me.json()["name"] == "张东沟"


def test_wrong_password_gets_no_token(client, secretary_a):
    response = client.post(
        "/api/v1/auth/token",
        {"username": "secretary_a", "password": "wrong"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert "token" not in response.json()


def test_wrong_token_is_401(client, person_a):
    response = client.get(LIST_URL, HTTP_AUTHORIZATION="Bearer not-a-real-token")
    assert response.status_code == 401


def test_wrong_token_is_401_even_with_a_session(client, secretary_a, person_a):
    """A bad token is not silently replaced by the browser's session."""
    client.force_login(secretary_a)
    response = client.get(LIST_URL, HTTP_AUTHORIZATION="Bearer not-a-real-token")
    assert response.status_code == 401


def test_token_of_deactivated_user_is_401(client, secretary_a, person_a):
    headers = bearer(secretary_a)
    secretary_a.is_active = False
    secretary_a.save()
    assert client.get(LIST_URL, **headers).status_code == 401


# --- Query counts -----------------------------------------------------------------------------


@pytest.mark.parametrize("user_fixture", ["secretary_a", "township_staff", "administrator"])
@pytest.mark.parametrize("params", [{}, {"q": "村民"}, {"limit": 100}])
def test_people_list_queries_do_not_grow_with_people(
    request, client, django_assert_max_num_queries, village_a, user_fixture, params
):
    headers = bearer(request.getfixturevalue(user_fixture))
    PersonFactory.create_batch(5, village=village_a)
    client.get(LIST_URL, params, **headers)  # the token's last-used time is written once
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST_URL, params, **headers).status_code == 200
    PersonFactory.create_batch(35, village=village_a)
    with django_assert_max_num_queries(len(few)):
        response = client.get(LIST_URL, params, **headers)
    assert response.json()["count"] == 40
