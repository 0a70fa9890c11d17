"""On a 360-px phone: a villager logs in with their phone number; a secretary sees their village."""

import pytest

from lms.people.services import person_account_create
from tests.factories.people import PersonFactory

# serialized_rollback: the home page comes from a data migration, which an earlier
# transactional test would otherwise have flushed away.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_member_logs_in_with_phone_number_in_any_spelling(
    live_server, phone_page, screenshot, village_a
):
    person = PersonFactory(name="张秀英", village=village_a, phone="13800138000")
    person_account_create(person=person, password="secret-pass-123")

    phone_page.goto(f"{live_server.url}/accounts/login/")
    assert _fits_the_screen(phone_page)
    phone_page.fill("input[name=username]", "+86 138 0013 8000")
    phone_page.fill("input[name=password]", "wrong-password")
    phone_page.click("button[type=submit]")
    assert phone_page.get_by_role("alert").is_visible()
    screenshot("login-error-360")

    phone_page.fill("input[name=username]", "+86 138 0013 8000")
    phone_page.fill("input[name=password]", "secret-pass-123")
    phone_page.click("button[type=submit]")

    phone_page.wait_for_url(f"{live_server.url}/study/")  # a member lands on 我的学习
    assert "张秀英" in phone_page.inner_text("header")
    assert "我的学习" in phone_page.inner_text("main h1")
    assert _fits_the_screen(phone_page)
    screenshot("home-logged-in-360")


def test_secretary_sees_only_their_village_in_the_admin_on_a_phone(
    live_server, phone_page, screenshot, secretary_a, village_a, village_b
):
    PersonFactory(name="东沟人甲", village=village_a)
    PersonFactory(name="西沟人乙", village=village_b)

    phone_page.goto(f"{live_server.url}/admin/login/")
    phone_page.fill("input[name=username]", "secretary_a")
    phone_page.fill("input[name=password]", "secret-pass-123")
    phone_page.click("button[type=submit]")
    phone_page.wait_for_url(f"{live_server.url}/admin/")

    phone_page.goto(f"{live_server.url}/admin/people/")
    listing = phone_page.inner_text("main")
    assert "东沟人甲" in listing
    assert "西沟人乙" not in listing
    screenshot("admin-people-secretary-360")
