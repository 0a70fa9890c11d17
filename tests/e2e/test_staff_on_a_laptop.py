"""Township staff on a laptop: the admin's login says 登录双育, the dashboard, the session
list and the record list speak Chinese as the browser renders them (English browser or
not), fit the screen, and axe finds nothing serious."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.conftest import PASSWORD
from tests.test_translations import english_ui_words

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _serious(page) -> list:
    return [
        (violation["id"], [node["target"] for node in violation["nodes"]][:3])
        for violation in Axe().run(page).response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def test_township_staff_meet_an_admin_in_chinese(browser, live_server, township_staff):
    township_staff.set_password(PASSWORD)
    township_staff.save()
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    page = context.new_page()

    page.goto(f"{live_server.url}/admin/login/")
    assert "登录双育" in page.inner_text("body")
    page.fill("input[name=username]", township_staff.username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/admin/")

    for path in ["/admin/", "/admin/attendance/sessions/", "/admin/attendance/records/"]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state()
        assert english_ui_words(page.content()) == [], path
        assert page.title().endswith("双育"), path
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), path
        assert _serious(page) == [], path
    context.close()
