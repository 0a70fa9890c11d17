"""Chromium enforces the Content-Security-Policy (lms/csp.py) and nothing breaks: a lesson
plays and sends its heartbeat, the projector screen polls and draws its QR code, the
language menu still sends its form, and the admin, Wagtail's inline scripts included, runs;
no page reports a policy violation."""

import pytest
from playwright.sync_api import expect

from courses.models import Enrollment
from lms.people.services import person_account_create
from tests.conftest import PASSWORD
from tests.e2e.test_editor_builds_course import PLAY
from tests.e2e.test_organizer_journey import DESKTOP
from tests.e2e.test_organizer_journey import _log_in as staff_log_in
from tests.e2e.test_study_on_phone import _log_in as member_log_in
from tests.e2e.test_study_on_phone import (
    audio_lesson,
    site_tree,  # noqa: F401  (autouse fixture)
)
from tests.factories import courses as build
from tests.factories.attendance import TrainingSessionFactory
from tests.factories.people import PersonFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Runs in every document before its own scripts: each violation the browser reports.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  const { effectiveDirective, blockedURI, sourceFile, lineNumber } = event;
  window.__violations.push(`${effectiveDirective} ${blockedURI} ${sourceFile}:${lineNumber}`);
});
"""


def watched(context):
    """A page whose console messages about the policy are collected in `page.csp_console`."""
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.csp_console = []
    page.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text and page.csp_console.append(message.text)
        ),
    )
    return page


def assert_no_violation(page):
    assert page.evaluate("window.__violations") == [], page.url
    assert page.csp_console == [], page.url


def test_pages_run_under_the_policy_without_a_violation(
    browser, live_server, village_a, organizer_a, settings
):
    settings.STUDY_HEARTBEAT_SECONDS = 1
    url = live_server.url
    member = PersonFactory(village=village_a, phone="13800007777", is_party_member=True)
    person_account_create(person=member, password=PASSWORD)
    course = build.course("学习党章")
    lesson = audio_lesson(course, duration_seconds=3, file_seconds=5)
    Enrollment.objects.create(person=member, course=course, source=Enrollment.Source.SELF)
    session = TrainingSessionFactory(village=village_a, topic="冬季大棚管理")

    # A learner plays a lesson: the media loads and the heartbeat reaches the server.
    phone = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    page = watched(phone)
    member_log_in(page, url, "13800007777")
    assert_no_violation(page)
    page.goto(f"{url}{lesson.url}")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/study/heartbeat")) as beat:
        page.evaluate(PLAY)
    assert beat.value.ok
    assert_no_violation(page)
    # The language menu (site.js, no onchange=) still sends its form.
    page.select_option("select[name=language]", "en")
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    assert_no_violation(page)
    phone.close()

    # The organizer's projector screen polls and draws its QR code; the scan page and the
    # admin (the dashboard, and a session's form with Wagtail's inline date pickers) run.
    desk = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = watched(desk)
    staff_log_in(page, url, "organizer_a")
    with page.expect_response(lambda r: "/screen" in r.url and "/api/" in r.url, timeout=15_000):
        page.goto(f"{url}/training/sessions/{session.pk}/screen/")
    assert page.locator("#qr svg").is_visible()
    assert_no_violation(page)
    for path in [
        f"/training/sessions/{session.pk}/scan/",
        "/admin/",
        f"/admin/attendance/sessions/edit/{session.pk}/",
    ]:
        page.goto(f"{url}{path}")
        page.wait_for_load_state("networkidle")
        assert_no_violation(page)
    # Wagtail's inline script set up the date picker: the field opens its calendar.
    page.locator("#id_starts_at").click()
    expect(page.locator(".xdsoft_datetimepicker:visible")).to_have_count(1)
    desk.close()
