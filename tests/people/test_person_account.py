"""Staff give villagers a login account (they log in by phone) or reset its password."""

import pytest
from django.urls import reverse

from lms.people.models import RoleAssignment
from lms.people.services import person_account_create, role_assign
from tests.factories.people import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "mountain-road-42"


def _post(client, person, password=NEW_PASSWORD, again=None):
    return client.post(
        reverse("people_admin:account", args=[person.pk]),
        {"password1": password, "password2": again or password},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_secretary_creates_an_account_and_the_villager_logs_in_by_phone(
    client, secretary_a, village_a
):
    person = PersonFactory(name="王秀兰", village=village_a, phone="13912345678")
    client.force_login(secretary_a)

    response = _post(client, person)

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.user is not None
    villager = type(client)()
    assert villager.login(username="+86 139 1234 5678", password=NEW_PASSWORD)


def test_reset_replaces_the_old_password(client, secretary_a, village_a):
    person = PersonFactory(village=village_a, phone="13912345670")
    person_account_create(person=person, password="old-password-1")
    client.force_login(secretary_a)

    _post(client, person)

    villager = type(client)()
    assert not villager.login(username="13912345670", password="old-password-1")
    assert villager.login(username="13912345670", password=NEW_PASSWORD)


def test_weak_or_mismatched_passwords_are_refused_with_a_reason(
    client, secretary_a, village_a, admin_in_english
):
    person = PersonFactory(village=village_a)
    client.force_login(secretary_a)

    weak = _post(client, person, password="12345678")
    mismatch = _post(client, person, again="something-else-9")

    assert weak.status_code == 200 and "entirely numeric" in weak.content.decode()
    assert "The two passwords differ." in mismatch.content.decode()
    person.refresh_from_db()
    assert person.user is None


def test_secretary_cannot_reach_another_villages_person(client, secretary_a, village_b):
    person = PersonFactory(village=village_b)
    client.force_login(secretary_a)

    assert client.get(reverse("people_admin:account", args=[person.pk])).status_code == 404
    assert _post(client, person).status_code == 404
    person.refresh_from_db()
    assert person.user is None


def test_secretary_cannot_take_over_a_staff_account(
    client, secretary_a, township, village_a, admin_in_english
):
    """A secretary must not reset the password of the township staff who lives in her village."""
    staff_user = UserFactory(username="township-staff-member")
    role_assign(user=staff_user, role=RoleAssignment.Role.TOWNSHIP_STAFF, township=township)
    PersonFactory(village=village_a, phone="13900000001", user=staff_user)
    person = staff_user.person
    client.force_login(secretary_a)

    response = _post(client, person)

    assert response.status_code == 200
    assert "only an administrator may reset it" in response.content.decode()
    staff_user.refresh_from_db()
    assert staff_user.check_password("secret-pass-123")


def test_administrator_may_reset_a_staff_account(client, administrator, township, village_a):
    staff_user = UserFactory(username="township-staff-member")
    role_assign(user=staff_user, role=RoleAssignment.Role.TOWNSHIP_STAFF, township=township)
    PersonFactory(village=village_a, user=staff_user)
    client.force_login(administrator)

    _post(client, staff_user.person)

    staff_user.refresh_from_db()
    assert staff_user.check_password(NEW_PASSWORD)


def test_learner_has_no_access(client, village_a):
    learner_person = PersonFactory(village=village_a)
    learner = person_account_create(person=learner_person, password="learner-pass-1")
    other = PersonFactory(village=village_a)
    client.force_login(learner)

    response = _post(client, other)

    assert response.status_code == 302 and response.url.startswith("/admin/login/")
    other.refresh_from_db()
    assert other.user is None


def test_person_page_offers_the_account_button_to_staff(client, secretary_a, village_a):
    person = PersonFactory(village=village_a)
    client.force_login(secretary_a)

    page = client.get(reverse("people:inspect", args=[person.pk]), HTTP_ACCEPT_LANGUAGE="en")

    assert reverse("people_admin:account", args=[person.pk]) in page.content.decode()


def test_person_page_shows_that_an_account_exists_but_not_its_phone_user_name(
    client, secretary_a, village_a
):
    person = PersonFactory(village=village_a, phone="13912345699")
    person_account_create(person=person, password="learner-pass-1")
    client.force_login(secretary_a)

    page = client.get(reverse("people:inspect", args=[person.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")

    html = page.content.decode()
    assert "已开通" in html
    assert "13912345699" not in html
    assert "139****5699" in html
