"""The sign-in screen on a hall's projector, read from the back of the room: at 1024×768 and
1920×1080 the QR code fills most of the height, the count, the code and the address where
to type it are large, and arrival numbers past 9 are drawn whole."""

import pytest

from attendance.registrations import registration_invite
from attendance.services import attendance_mark
from tests.conftest import PASSWORD
from tests.e2e.conftest import SCREENSHOTS
from tests.factories.attendance import TrainingSessionFactory
from tests.factories.people import PersonFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

MEASURE = """() => {
  const box = (selector) => document.querySelector(selector).getBoundingClientRect();
  const px = (selector) => parseFloat(getComputedStyle(document.querySelector(selector)).fontSize);
  const arrivals = document.querySelector('#arrivals');
  const first = arrivals.querySelector('li').getBoundingClientRect();
  return {
    height: innerHeight, width: innerWidth, scrollWidth: document.documentElement.scrollWidth,
    qr: box('#qr').height, qrBottom: box('#qr').bottom,
    count: px('.screen-count .stat-number'), code: px('#code'), address: px('.screen-address'),
    markersInside: getComputedStyle(arrivals).listStylePosition === 'inside'
      && first.left >= arrivals.getBoundingClientRect().left,
    arrivals: arrivals.querySelectorAll('li').length,
  };
}"""


@pytest.mark.parametrize("size", [(1024, 768), (1920, 1080)], ids=["1024x768", "1920x1080"])
def test_the_projector_screen_reads_from_the_back_of_the_hall(
    browser, live_server, organizer_a, village_a, size
):
    session = TrainingSessionFactory(village=village_a, topic="冬季大棚管理")
    people = [PersonFactory(village=village_a) for _ in range(12)]
    registration_invite(session=session, people=people)
    for person in people:
        attendance_mark(session=session, person=person, status="present", method="qr")
    width, height = size
    page = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    screen = page.new_page()
    screen.goto(f"{live_server.url}/accounts/login/")
    screen.fill("input[name=username]", "organizer_a")
    screen.fill("input[name=password]", PASSWORD)
    screen.locator("form button[type=submit]").first.click()
    screen.wait_for_load_state()

    screen.goto(f"{live_server.url}/training/sessions/{session.pk}/screen/")
    seen = screen.evaluate(MEASURE)
    SCREENSHOTS.mkdir(exist_ok=True)
    screen.screenshot(path=str(SCREENSHOTS / f"projector-{width}x{height}.png"))

    assert seen["qr"] >= 0.6 * height and seen["qrBottom"] <= height  # whole, and large
    assert seen["scrollWidth"] <= width
    assert seen["count"] >= 0.09 * height  # 12/12 readable from the back row
    assert seen["code"] >= 0.08 * height
    assert seen["address"] >= 24
    assert seen["arrivals"] == 12 and seen["markersInside"]  # "10." to "12." drawn whole
    page.close()
