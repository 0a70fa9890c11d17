"""On a 360-px phone: a villager follows the screen's QR code and signs in with the walk-in
form; a forwarded (stale) code is refused; the organizer's screen shows the arrival."""

import datetime

import pytest
from django.utils import timezone
from django.utils.translation import override

from attendance import sign_in
from attendance.exceptions import SignInExpired
from attendance.models import AttendanceRecord, Registration
from lms.people.services import person_account_create
from tests.conftest import PASSWORD
from tests.e2e.conftest import PHONE, SCREENSHOTS
from tests.factories.attendance import TrainingSessionFactory
from tests.factories.people import PersonFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PROJECTOR = {"width": 1280, "height": 720}


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _log_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)  # members: 我的学习; staff: /


@pytest.fixture
def session(village_a):
    return TrainingSessionFactory(village=village_a, topic="设施蔬菜栽培技术", venue="村委会议室")


@pytest.fixture
def projector(browser, live_server, organizer_a):
    context = browser.new_context(viewport=PROJECTOR, locale="zh-CN")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    _log_in(page, live_server.url, "organizer_a")
    yield page
    context.close()
    assert errors == [], "the screen's script failed"


def test_a_villager_signs_in_from_the_qr_code_and_appears_on_the_screen(
    live_server, projector, phone_page, screenshot, session, village_a
):
    for name in ("王秀兰", "刘建国"):
        Registration.objects.create(
            session=session, person=PersonFactory(name=name, village=village_a)
        )
    projector.goto(f"{live_server.url}/training/sessions/{session.pk}/screen/")
    qr_url = projector.get_attribute("#qr", "data-url")
    assert qr_url.startswith(f"{live_server.url}/training/s/")
    assert projector.inner_text("#invited") == "2"
    projector.screenshot(path=str(SCREENSHOTS / "sign-in-screen-projector.png"))

    # A villager without an account scans the code with their phone.
    phone_page.goto(qr_url)
    phone_page.wait_for_url(f"{live_server.url}/training/sign-in/")
    assert _fits_the_screen(phone_page)
    screenshot("sign-in-walk-in-form-360")
    phone_page.fill("input[name=name]", "赵大勇")
    phone_page.select_option("select[name=village]", str(village_a.pk))
    phone_page.fill("input[name=phone]", "139 0000 1234")
    phone_page.click("form.walk-in button[type=submit]")
    phone_page.wait_for_url(f"{live_server.url}/training/done/")
    assert phone_page.locator(".result-ok").is_visible()
    assert "赵大勇" in phone_page.inner_text("main")
    assert _fits_the_screen(phone_page)
    screenshot("sign-in-done-360")
    record = AttendanceRecord.objects.get(session=session)
    assert (record.person.name, record.person.phone, record.method) == (
        "赵大勇",
        "13900001234",
        AttendanceRecord.Method.WALK_IN,
    )

    # After the talk, they rate it from the same phone.
    phone_page.click("a.button-quiet")
    phone_page.wait_for_url(f"{live_server.url}/training/sessions/{session.pk}/rate/")
    assert _fits_the_screen(phone_page)
    screenshot("rate-360")
    phone_page.check("input[name=satisfaction][value='5']")
    phone_page.click("main button[type=submit]")
    phone_page.wait_for_selector(".stars")
    assert record.person.evaluations.get().satisfaction == 5

    # A photo of the code sent to a friend at home, two minutes later.
    stale = sign_in.sign_in_token_make(
        session=session, at=timezone.now() - datetime.timedelta(minutes=2)
    )
    phone_page.goto(f"{live_server.url}/training/s/{stale}/")
    with override("zh-hans"):
        expected = str(SignInExpired.default_message)
    assert phone_page.get_by_role("alert").is_visible()
    assert phone_page.inner_text(".result-message").strip() == expected
    assert _fits_the_screen(phone_page)
    screenshot("sign-in-expired-360")
    assert AttendanceRecord.objects.filter(session=session).count() == 1

    # The organizer's screen shows the arrival without being reloaded.
    projector.wait_for_function(
        "() => document.getElementById('arrivals').innerText.includes('赵大勇')", timeout=10_000
    )
    assert projector.inner_text("#came") == "1"
    projector.screenshot(path=str(SCREENSHOTS / "sign-in-screen-arrival-projector.png"))


def test_an_ambiguous_walk_in_is_sent_to_the_desk_and_waits_on_the_screen(
    browser, live_server, projector, phone_page, screenshot, session, village_a
):
    PersonFactory(name="张伟", village=village_a, phone="")
    second = PersonFactory(name="张伟", village=village_a, phone="")
    projector.goto(f"{live_server.url}/training/sessions/{session.pk}/screen/")

    phone_page.goto(projector.get_attribute("#qr", "data-url"))
    phone_page.fill("input[name=name]", "张伟")
    phone_page.click("form.walk-in button[type=submit]")
    phone_page.wait_for_url(f"{live_server.url}/training/done/")
    assert phone_page.locator(".result-wait").is_visible()
    screenshot("sign-in-ask-the-desk-360")

    projector.wait_for_selector("#pending-box:not([hidden])", timeout=10_000)
    assert "张伟" in projector.inner_text("#pending")
    assert not AttendanceRecord.objects.exists()

    # The organizer, at the desk with their own phone, asks and picks the right 张伟.
    desk = browser.new_context(viewport=PHONE, locale="zh-CN")
    organizer_phone = desk.new_page()
    _log_in(organizer_phone, live_server.url, "organizer_a")
    organizer_phone.goto(live_server.url + projector.get_attribute("#pending a", "href"))
    assert _fits_the_screen(organizer_phone)
    organizer_phone.screenshot(path=str(SCREENSHOTS / "walk-in-resolve-360.png"), full_page=True)
    organizer_phone.click(f"button[name=person][value='{second.pk}']")
    organizer_phone.wait_for_url(f"{live_server.url}/training/sessions/{session.pk}/screen/")
    desk.close()
    assert AttendanceRecord.objects.get().person == second
    projector.wait_for_function(
        "() => document.getElementById('arrivals').innerText.includes('张伟')", timeout=10_000
    )
    assert projector.locator("#pending-box").is_hidden()


def test_the_organizer_runs_the_screen_and_roll_call_from_a_phone(
    live_server, phone_page, screenshot, session, village_a, organizer_a
):
    late_comer = PersonFactory(name="周小红", village=village_a)
    Registration.objects.create(session=session, person=late_comer)
    _log_in(phone_page, live_server.url, "organizer_a")

    phone_page.goto(f"{live_server.url}/training/sessions/{session.pk}/screen/")
    assert phone_page.locator("#qr svg").is_visible()
    assert _fits_the_screen(phone_page)
    screenshot("sign-in-screen-360")

    later = TrainingSessionFactory(
        village=village_a, starts_at=timezone.now() + datetime.timedelta(hours=2)
    )
    phone_page.goto(f"{live_server.url}/training/sessions/{later.pk}/screen/")
    assert phone_page.locator("#screen-message").is_visible()
    assert not phone_page.locator("#code-box").is_visible()
    assert not phone_page.locator("#qr").is_visible()
    screenshot("sign-in-screen-not-open-360")

    phone_page.goto(f"{live_server.url}/training/sessions/{session.pk}/roll-call/")
    row = phone_page.locator(f"#person-{late_comer.pk}")
    row.locator("button[value=late]").click()
    phone_page.wait_for_selector(f"#person-{late_comer.pk}.status-late")
    assert row.locator("button[value=late]").get_attribute("aria-pressed") == "true"
    assert _fits_the_screen(phone_page)
    screenshot("roll-call-360")
    record = AttendanceRecord.objects.get(person=late_comer)
    assert (record.status, record.recorded_by) == ("late", organizer_a)

    phone_page.goto(f"{live_server.url}/training/sessions/{session.pk}/scan/")
    code = sign_in.person_code_make(PersonFactory(name="吴老伯", village=village_a))
    phone_page.fill("input[name=code]", code)
    phone_page.click("#scan-form button[type=submit]")
    phone_page.wait_for_selector(".scan-ok")
    assert "吴老伯" in phone_page.inner_text("#scan-results")
    screenshot("scan-person-code-360")


def test_a_learner_shows_their_own_code_and_types_the_screen_code(
    live_server, phone_page, screenshot, session, village_a
):
    person = PersonFactory(name="郑学员", village=village_a, phone="13800138001")
    person_account_create(person=person, password=PASSWORD)
    _log_in(phone_page, live_server.url, "13800138001")

    phone_page.goto(f"{live_server.url}/training/my-code/")
    assert phone_page.locator(".person-qr svg").is_visible()
    assert _fits_the_screen(phone_page)
    screenshot("my-code-360")

    phone_page.goto(f"{live_server.url}/training/code/")
    screenshot("sign-in-code-360")
    phone_page.fill("input[name=code]", sign_in.sign_in_code_make(session=session))
    phone_page.click("main button[type=submit]")
    phone_page.wait_for_url(f"{live_server.url}/training/done/")
    assert "郑学员" in phone_page.inner_text("main")
    assert AttendanceRecord.objects.get(person=person).method == "code"
