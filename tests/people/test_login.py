"""Logging in by phone number or user name, with failures limited per account and address."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.forms.forms import NON_FIELD_ERRORS
from django.utils import translation
from django.utils.html import escape

from lms.people.exceptions import LoginLocked
from tests.conftest import PASSWORD
from tests.factories.people import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

PHONE = "13800138000"
SITE_LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
HOME = "10.0.0.1"  # the carrier address a whole village shares
ELSEWHERE = "10.0.0.2"
LIMIT = settings.LOGIN_FAILURE_LIMIT


@pytest.fixture(autouse=True)
def clear_failure_counts():
    """Failures are counted in the cache, which outlives each test's database."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def learner(village_a):
    user = UserFactory(username="learner")
    PersonFactory(name="张东沟", village=village_a, phone=PHONE, user=user)
    return user


@pytest.fixture
def neighbour(village_a):
    """Another villager, logging in through the same carrier address."""
    user = UserFactory(username="neighbour")
    PersonFactory(name="李邻居", village=village_a, phone="13900139000", user=user)
    return user


@pytest.fixture
def secretary_with_phone(secretary_a, village_a):
    PersonFactory(name="王书记", village=village_a, phone="13700137000", user=secretary_a)
    return secretary_a


def log_in(client, url, username, password=PASSWORD, address=HOME):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


def locked_message() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return escape(str(LoginLocked.default_message))


def fail_until_locked(client, username, url=SITE_LOGIN, address=HOME):
    for _attempt in range(LIMIT):
        response = log_in(client, url, username, "wrong-password", address)
        assert response.status_code == 200
        assert logged_in_user_id(client) is None


# --- Phone and user name ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    [
        PHONE,
        "+86 138 0013 8000",
        "+8613800138000",
        "0086 13800138000",
        "86 138 0013 8000",
        "138-0013-8000",
        " 138 0013 8000 ",
        "１３８００１３８０００",  # typed on a full-width keyboard
    ],
)
def test_learner_logs_in_on_the_site_by_phone_in_any_spelling(client, learner, spelling):
    response = log_in(client, SITE_LOGIN, spelling)
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(learner.pk)


def test_learner_logs_in_on_the_site_by_user_name(client, learner):
    response = log_in(client, SITE_LOGIN, "learner")
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(learner.pk)


@pytest.mark.parametrize("spelling", ["13700137000", "+86 137 0013 7000", "secretary_a"])
def test_staff_log_in_to_the_admin_by_phone_or_user_name(client, secretary_with_phone, spelling):
    response = log_in(client, ADMIN_LOGIN, spelling)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert logged_in_user_id(client) == str(secretary_with_phone.pk)
    assert client.get("/admin/people/").status_code == 200


def test_wrong_password_is_refused_with_a_message(client, learner):
    response = log_in(client, SITE_LOGIN, PHONE, "wrong-password")
    assert response.status_code == 200
    assert logged_in_user_id(client) is None
    assert response.context["form"].has_error(NON_FIELD_ERRORS, "invalid_login")


def test_unknown_phone_is_refused(client, learner):
    response = log_in(client, SITE_LOGIN, "13911112222")
    assert response.status_code == 200
    assert logged_in_user_id(client) is None


def test_deactivated_account_cannot_log_in(client, learner):
    learner.is_active = False
    learner.save()
    log_in(client, SITE_LOGIN, PHONE)
    assert logged_in_user_id(client) is None


def test_household_sharing_a_phone_each_log_in_with_their_own_password(client, learner, village_a):
    spouse = UserFactory(username="spouse")
    spouse.set_password("spouse-pass-456")
    spouse.save()
    PersonFactory(name="张妻", village=village_a, phone=PHONE, user=spouse)
    log_in(client, SITE_LOGIN, PHONE, "spouse-pass-456")
    assert logged_in_user_id(client) == str(spouse.pk)
    client.logout()
    log_in(client, SITE_LOGIN, PHONE)
    assert logged_in_user_id(client) == str(learner.pk)


# --- Failure limit ----------------------------------------------------------------------------


@pytest.mark.parametrize("url", [SITE_LOGIN, ADMIN_LOGIN])
def test_after_too_many_failures_even_the_right_password_is_refused(client, learner, url):
    fail_until_locked(client, PHONE, url)
    response = log_in(client, url, PHONE)
    assert response.status_code == 200
    assert logged_in_user_id(client) is None
    assert response.context["form"].has_error(NON_FIELD_ERRORS, "login_locked")
    assert locked_message() in response.text


def test_failures_below_the_limit_do_not_lock(client, learner):
    for _attempt in range(LIMIT - 1):
        log_in(client, SITE_LOGIN, PHONE, "wrong-password")
    log_in(client, SITE_LOGIN, PHONE)
    assert logged_in_user_id(client) == str(learner.pk)


def test_a_successful_login_starts_the_count_again(client, learner):
    for _attempt in range(LIMIT - 1):
        log_in(client, SITE_LOGIN, PHONE, "wrong-password")
    log_in(client, SITE_LOGIN, PHONE)
    client.logout()
    for _attempt in range(LIMIT - 1):
        log_in(client, SITE_LOGIN, PHONE, "wrong-password")
    log_in(client, SITE_LOGIN, PHONE)
    assert logged_in_user_id(client) == str(learner.pk)


def test_locked_account_still_logs_in_from_another_address(client, learner):
    fail_until_locked(client, PHONE, address=HOME)
    log_in(client, SITE_LOGIN, PHONE, address=ELSEWHERE)
    assert logged_in_user_id(client) == str(learner.pk)


def test_neighbour_on_the_same_address_still_logs_in(client, learner, neighbour):
    fail_until_locked(client, PHONE, address=HOME)
    log_in(client, SITE_LOGIN, "13900139000", address=HOME)
    assert logged_in_user_id(client) == str(neighbour.pk)


def test_failures_with_unknown_accounts_do_not_lock_the_address(client, learner):
    for number in range(LIMIT * 2):
        log_in(client, SITE_LOGIN, f"1391111{number:04d}", "wrong-password")
    log_in(client, SITE_LOGIN, PHONE)
    assert logged_in_user_id(client) == str(learner.pk)


def test_failures_in_different_spellings_count_for_one_account(client, learner):
    spellings = [PHONE, "+86 138 0013 8000", "138-0013-8000", "+8613800138000", "0086 13800138000"]
    for spelling in spellings[:LIMIT]:
        log_in(client, SITE_LOGIN, spelling, "wrong-password")
    log_in(client, SITE_LOGIN, PHONE)
    assert logged_in_user_id(client) is None


def test_failures_by_user_name_lock_the_phone_of_the_same_account(client, learner):
    """Guessing by user name and then by phone is still guessing one account's password."""
    fail_until_locked(client, "learner")
    log_in(client, SITE_LOGIN, PHONE)
    assert logged_in_user_id(client) is None


def test_failures_by_phone_lock_the_user_name_of_the_same_account(client, secretary_with_phone):
    fail_until_locked(client, "13700137000", ADMIN_LOGIN)
    log_in(client, ADMIN_LOGIN, "secretary_a")
    assert logged_in_user_id(client) is None


def test_site_and_admin_failures_count_together(client, secretary_with_phone):
    for attempt in range(LIMIT):
        url = SITE_LOGIN if attempt % 2 else ADMIN_LOGIN
        log_in(client, url, "secretary_a", "wrong-password")
    log_in(client, ADMIN_LOGIN, "secretary_a")
    assert logged_in_user_id(client) is None


def test_forwarded_address_is_ignored_unless_trusted(client, learner, settings):
    """Without a trusted proxy, a forged X-Forwarded-For cannot buy fresh attempts."""
    settings.TRUST_X_FORWARDED_FOR = False
    for attempt in range(LIMIT):
        client.post(
            SITE_LOGIN,
            {"username": PHONE, "password": "wrong-password"},
            REMOTE_ADDR=HOME,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}",
        )
    log_in(client, SITE_LOGIN, PHONE, address=HOME)
    assert logged_in_user_id(client) is None


def test_behind_a_trusted_proxy_the_forwarded_address_counts(client, learner, settings):
    settings.TRUST_X_FORWARDED_FOR = True
    for _attempt in range(LIMIT):
        client.post(
            SITE_LOGIN,
            {"username": PHONE, "password": "wrong-password"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"198.51.100.7, {HOME}",
        )
    other_villager = client.post(
        SITE_LOGIN,
        {"username": PHONE, "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR=ELSEWHERE,
    )
    assert other_villager.status_code == 302
    assert logged_in_user_id(client) == str(learner.pk)


# --- Token endpoint ---------------------------------------------------------------------------


def request_token(client, username, password=PASSWORD, address=HOME):
    return client.post(
        "/api/v1/auth/token",
        {"username": username, "password": password},
        content_type="application/json",
        REMOTE_ADDR=address,
    )


def test_token_endpoint_is_limited_the_same_way(client, learner, neighbour):
    for _attempt in range(LIMIT):
        assert request_token(client, "+86 138 0013 8000", "wrong-password").status_code == 401
    response = request_token(client, PHONE)
    assert response.status_code == 429
    assert "token" not in response.json()
    assert response.json()["detail"]
    assert request_token(client, PHONE, address=ELSEWHERE).status_code == 200
    assert request_token(client, "13900139000").status_code == 200


def test_token_and_page_failures_count_together(client, learner):
    for _attempt in range(LIMIT):
        request_token(client, PHONE, "wrong-password")
    log_in(client, SITE_LOGIN, PHONE)
    assert logged_in_user_id(client) is None
