"""axe-core on the pages of a training: the code entry a villager types into, and the
organizer's session page, roll-call, card scanner and projector screen. No serious or
critical finding."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from attendance.registrations import registration_invite
from tests.conftest import PASSWORD
from tests.factories.attendance import TrainingSessionFactory
from tests.factories.people import PersonFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _serious(page) -> list:
    return [
        (violation["id"], violation["impact"], [node["target"] for node in violation["nodes"]])
        for violation in Axe().run(page).response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def test_the_sign_in_and_organizer_pages_pass_axe(browser, live_server, organizer_a, village_a):
    organizer_a.set_password(PASSWORD)
    organizer_a.save()
    session = TrainingSessionFactory(village=village_a, topic="冬季大棚管理")
    registration_invite(
        session=session, people=[PersonFactory(village=village_a) for _ in range(3)]
    )
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    page = context.new_page()

    page.goto(f"{live_server.url}/training/code/")
    assert _serious(page) == [], "code entry"

    page.goto(f"{live_server.url}/accounts/login/")
    assert _serious(page) == [], "login"
    page.fill("input[name=username]", organizer_a.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    for name, path in [
        ("session", f"/training/sessions/{session.pk}/"),
        ("roll-call", f"/training/sessions/{session.pk}/roll-call/"),
        ("scanner", f"/training/sessions/{session.pk}/scan/"),
        ("screen", f"/training/sessions/{session.pk}/screen/"),
        ("sessions", "/training/"),
    ]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state()
        assert _serious(page) == [], name
    context.close()
