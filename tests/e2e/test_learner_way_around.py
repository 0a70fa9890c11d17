"""A member's first minutes on a 360-px phone: login lands on 我的学习, five tabs lead
everywhere a member goes, text is at least 16 px, every tap target 44×44 px, axe finds
nothing serious, and the elder mode (长辈版), switched on once, stays on."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from lms.people.services import person_account_create
from tests.conftest import PASSWORD
from tests.factories import courses as build
from tests.factories.people import PersonFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Visible elements that hold text themselves, under 16 px; links and buttons under 44 px.
MEASURE = """() => {
  const shown = (e) => e.offsetParent !== null || getComputedStyle(e).position === 'fixed';
  const holdsText = (e) => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  const small = [...document.querySelectorAll('main *, .tabbar *')]
    .filter(e => shown(e) && holdsText(e) && parseFloat(getComputedStyle(e).fontSize) < 16)
    .map(e => e.textContent.trim().slice(0, 20));
  const targets = 'main a, main button, .tabbar a, header a, header button';
  const tiny = [...document.querySelectorAll(targets)]
    .filter(shown)
    .filter(e => { const r = e.getBoundingClientRect(); return r.width < 44 || r.height < 44; })
    .map(e => e.textContent.trim().slice(0, 20));
  return {small, tiny, scrolls: document.documentElement.scrollWidth > innerWidth};
}"""
TABS = ["首页", "课程", "我的学习", "签到", "我的"]


def test_a_member_finds_her_way_around_on_a_phone(browser, live_server, village_a, screenshot):
    member = PersonFactory(name="王秀兰", village=village_a, phone="13800001111")
    person_account_create(person=member, password=PASSWORD)
    course = build.course("学习党章", is_required=True)
    lesson = build.lesson(course, "第一课 党章总纲")
    page = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN").new_page()
    axe = Axe()

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "13800001111")
    page.fill("input[name=password]", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/study/")

    for tab in TABS:
        page.locator(".tabbar").get_by_role("link", name=tab, exact=True).click()
        page.wait_for_load_state()
        current = page.locator(".tabbar [aria-current=page]")
        assert current.inner_text().strip() == tab, page.url
        seen = page.evaluate(MEASURE)
        assert seen == {"small": [], "tiny": [], "scrolls": False}, (tab, seen)
        serious = [
            (violation["id"], violation["impact"])
            for violation in axe.run(page).response["violations"]
            if violation["impact"] in ("serious", "critical")
        ]
        assert serious == [], (tab, serious)
    screenshot("learner-me-360")

    # The course and the lesson she studies pass the same checks.
    for url in (course.url, lesson.url):
        page.goto(f"{live_server.url}{url}")
        page.wait_for_load_state()
        seen = page.evaluate(MEASURE)
        assert seen == {"small": [], "tiny": [], "scrolls": False}, (url, seen)
        serious = [
            (violation["id"], violation["impact"])
            for violation in axe.run(page).response["violations"]
            if violation["impact"] in ("serious", "critical")
        ]
        assert serious == [], (url, serious)

    page.locator(".tabbar").get_by_role("link", name="我的", exact=True).click()
    page.get_by_role("button", name="开启长辈版").click()
    page.locator(".tabbar").get_by_role("link", name="我的学习", exact=True).click()
    page.wait_for_load_state()
    assert page.evaluate("getComputedStyle(document.body).fontSize") == "20px"
    assert page.evaluate(MEASURE)["scrolls"] is False
    page.reload()
    assert page.evaluate("document.documentElement.className") == "elder"  # kept
