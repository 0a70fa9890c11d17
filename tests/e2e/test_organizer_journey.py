"""The organizer's whole day, in Chromium: schedule a session in the admin, project the
QR code, members sign in from 360-px phones (a forwarded code is refused), tick off the
rest at roll-call, and import the paper sheet of those who signed on paper."""

import datetime

import pytest
from django.utils import timezone

from attendance import sign_in
from attendance.models import AttendanceRecord, SessionKind, TrainingSession
from attendance.registrations import registration_invite
from lms.ledger.models import StudyHoursEntry
from lms.people.services import person_account_create
from tests.conftest import PASSWORD
from tests.e2e.conftest import PHONE, SCREENSHOTS
from tests.factories.people import PersonFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
DESKTOP = {"width": 1280, "height": 900}


def _log_in(page, url, username, *, admin=False):
    page.goto(f"{url}/admin/login/" if admin else f"{url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main button[type=submit], form button[type=submit]").first.click()
    page.wait_for_load_state()


def test_organizer_runs_a_training_from_schedule_to_paper_sheet(
    browser, live_server, organizer_a, village_a, tmp_path
):
    url = live_server.url
    member = PersonFactory(name="王秀兰", village=village_a, phone="13800001111")
    person_account_create(person=member, password=PASSWORD)
    ticked = PersonFactory(name="刘建国", village=village_a, phone="13800002222")
    on_paper = PersonFactory(name="陈桂英", village=village_a, phone="13800003333")
    SCREENSHOTS.mkdir(exist_ok=True)

    # 1. The organizer schedules today's session in the admin.
    desk = browser.new_context(viewport=DESKTOP, locale="zh-CN").new_page()
    _log_in(desk, url, "organizer_a", admin=True)
    # Earlier transactional tests may have flushed the data migration's kinds.
    kind, _created = SessionKind.objects.get_or_create(name=SessionKind.DEFAULT)
    desk.goto(f"{url}/admin/attendance/sessions/new/")
    starts = timezone.localtime() - datetime.timedelta(minutes=5)
    desk.fill("input[name=topic]", "马铃薯脱毒种薯繁育")
    desk.select_option("select[name=kind]", str(kind.pk))
    desk.select_option("select[name=track]", "skills")
    desk.select_option("select[name=village]", str(village_a.pk))
    desk.fill("input[name=venue]", "村委会议室")
    desk.fill("input[name=starts_at]", f"{starts:%Y-%m-%d %H:%M}")
    desk.fill("input[name=ends_at]", f"{starts + datetime.timedelta(hours=2):%Y-%m-%d %H:%M}")
    desk.fill("input[name=trainer_name]", "县农业技术推广站")
    desk.fill("input[name=study_hours]", "2")
    desk.locator("button.button-longrunning[type=submit]").first.click()
    desk.wait_for_load_state()
    desk.screenshot(path=str(SCREENSHOTS / "journey-session-saved.png"), full_page=True)
    session = TrainingSession.objects.get(topic="马铃薯脱毒种薯繁育")
    assert session.village == village_a and session.study_hours == 2
    registration_invite(session=session, people=[member, ticked, on_paper])

    # 2. The projector shows the rotating QR code.
    projector = browser.new_context(viewport={"width": 1280, "height": 720}, locale="zh-CN")
    screen = projector.new_page()
    _log_in(screen, url, "organizer_a")
    screen.goto(f"{url}/training/sessions/{session.pk}/screen/")
    qr_url = screen.get_attribute("#qr", "data-url")
    screen.screenshot(path=str(SCREENSHOTS / "journey-projector.png"))

    # 3. A member scans it on her phone (already logged in) and is signed in.
    phone = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    _log_in(phone, url, "13800001111")
    phone.goto(qr_url)
    phone.wait_for_url(f"{url}/training/done/")
    assert phone.locator(".result-ok").is_visible()
    phone.screenshot(path=str(SCREENSHOTS / "journey-member-signed-in-360.png"))

    # 4. A photo of the code forwarded to someone at home is refused once it has rotated.
    stale = sign_in.sign_in_token_make(
        session=session, at=timezone.now() - datetime.timedelta(minutes=2)
    )
    home = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    home.goto(f"{url}/training/s/{stale}/")
    assert "二维码已过期" in home.inner_text("main")
    home.screenshot(path=str(SCREENSHOTS / "journey-forwarded-code-refused-360.png"))

    # 5. The organizer ticks off the rest on her phone.
    organizer_phone = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    _log_in(organizer_phone, url, "organizer_a")
    organizer_phone.goto(f"{url}/training/sessions/{session.pk}/roll-call/")
    row = organizer_phone.locator(f"#person-{ticked.pk}")
    row.get_by_role("button", name="出席").click()
    organizer_phone.wait_for_selector(f"#person-{ticked.pk}.status-present")
    organizer_phone.screenshot(path=str(SCREENSHOTS / "journey-roll-call-360.png"), full_page=True)

    # 6. Back at the office: the paper sheet of the hall's corner, typed up, imported.
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("姓名,村,手机号,签到状态\n陈 桂英,东沟,+86 138 0000 3333,迟到\n", "utf-8")
    desk.goto(f"{url}/admin/attendance/sessions/{session.pk}/import-sheet/")
    desk.set_input_files("input[type=file]", str(sheet))
    desk.locator("main button[type=submit]").first.click()
    desk.wait_for_load_state()
    desk.screenshot(path=str(SCREENSHOTS / "journey-sheet-preview.png"), full_page=True)
    desk.locator("main button[type=submit][name=confirm], main button[type=submit]").first.click()
    desk.wait_for_load_state()

    records = {
        record.person.name: (record.status, record.method)
        for record in AttendanceRecord.objects.filter(session=session).select_related("person")
    }
    assert records == {
        "王秀兰": ("present", "qr"),
        "刘建国": ("present", "roll_call"),
        "陈桂英": ("late", "import"),
    }
    assert StudyHoursEntry.objects.filter(person__in=[member, ticked, on_paper]).count() == 3
    session.refresh_from_db()
    assert session.status == TrainingSession.Status.HELD
