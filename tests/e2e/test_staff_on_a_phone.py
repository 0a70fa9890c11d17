"""An organizer and a village secretary log in on a 360-px phone and land on 工作台: Chinese
text, today's session with its actions a thumb's width, no sideways scroll, and nothing
serious for axe."""

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from tests.conftest import PASSWORD
from tests.e2e.test_learner_way_around import MEASURE
from tests.factories.attendance import TrainingSessionFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PHONE_AGENT = "Mozilla/5.0 (Linux; Android 12; Redmi Note) AppleWebKit/537.36 Mobile Safari/537.36"


@pytest.mark.parametrize("who", ["organizer_a", "secretary_a"])
def test_staff_on_a_phone_land_on_their_desk(browser, live_server, village_a, who, request):
    user = request.getfixturevalue(who)
    user.set_password(PASSWORD)
    user.save()
    starts = timezone.now() + datetime.timedelta(minutes=20)
    TrainingSessionFactory(village=village_a, topic="冬季大棚管理", starts_at=starts)
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="zh-CN", user_agent=PHONE_AGENT
    )
    page = context.new_page()

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/desk/")

    assert page.locator("main h1").inner_text() == "工作台"
    for action in ("签到大屏", "点名", "扫码", "培训详情"):
        assert page.get_by_role("link", name=action, exact=True).is_visible()
    assert "冬季大棚管理" in page.inner_text("main")
    assert page.evaluate(MEASURE) == {"small": [], "tiny": [], "scrolls": False}
    serious = [
        (violation["id"], violation["impact"])
        for violation in Axe().run(page).response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    assert serious == []
    context.close()
