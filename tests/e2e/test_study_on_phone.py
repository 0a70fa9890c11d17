"""A party member studies a required course on a 360-px phone, in Chromium: logs in with
their phone number, enrols, plays the lesson's audio while the page sends heartbeats, and
sees the course completed with its hours credited once in the ledger."""

import datetime
import io
import wave
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from wagtail.documents.models import Document

from attendance.models import SessionKind, TrainingSession
from courses.models import CoursePage, Enrollment, LessonPage, LessonProgress
from lms.ledger.models import AnnualRequirement, StudyHoursEntry
from lms.people.services import person_account_create
from tests.conftest import PASSWORD
from tests.e2e.conftest import SCREENSHOTS
from tests.factories import courses as build
from tests.factories.people import PersonFactory
from tests.factories.site import site_tree_ensure

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def silent_wav(seconds: int) -> bytes:
    """A small valid WAV (8 kHz, 8-bit mono silence) the browser really plays."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(8000)
        out.writeframes(b"\x80" * 8000 * seconds)
    return buffer.getvalue()


def audio_lesson(course: CoursePage, *, duration_seconds: int, file_seconds: int) -> LessonPage:
    document = Document(title="党章朗读")
    document.file.save("dangzhang.wav", ContentFile(silent_wav(file_seconds)), save=True)
    lesson = LessonPage(
        title="第一课 党章总纲",
        slug="dangzhang-1",
        body=[
            (
                "media",
                {
                    "kind": "audio",
                    "file": document,
                    "duration_seconds": duration_seconds,
                    "caption": "党章总纲朗读",
                },
            ),
            ("text", "<p>中国共产党是中国工人阶级的先锋队。</p>"),
        ],
    )
    course.add_child(instance=lesson)
    return lesson


@pytest.fixture(autouse=True)
def site_tree(db):
    site_tree_ensure()


def _log_in(page, url, phone):
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", phone)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main button[type=submit]").first.click()
    page.wait_for_load_state()


def test_member_studies_a_required_course_on_a_phone_and_earns_its_hours_once(
    live_server, phone_page, screenshot, township, village_a, settings
):
    # The page reports every 2 s so a 6-second lesson completes within the test.
    settings.STUDY_HEARTBEAT_SECONDS = 2
    url = live_server.url
    page = phone_page
    member = PersonFactory(
        name="王秀兰", village=village_a, phone="13800005555", is_party_member=True
    )
    person_account_create(person=member, password=PASSWORD)
    course = build.course("学习党章 做合格党员", is_required=True, hours=Decimal("2"))
    lesson = audio_lesson(course, duration_seconds=6, file_seconds=20)
    kind, _created = SessionKind.objects.get_or_create(name=SessionKind.DEFAULT)
    starts = timezone.now() + datetime.timedelta(days=3)
    TrainingSession.objects.create(
        kind=kind,
        topic="党课：学党章守党规",
        track="party",
        village=village_a,
        venue="村委会议室",
        course=course,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
    )
    AnnualRequirement.objects.create(
        township=township,
        year=timezone.localdate().year,
        total_hours=Decimal("32"),
        party_hours=Decimal("16"),
        skills_hours=Decimal("8"),
    )
    SCREENSHOTS.mkdir(exist_ok=True)

    # 1. She logs in with her phone number and opens 我的学习 from the home page.
    _log_in(page, url, "13800005555")
    page.goto(f"{url}/")
    page.click("a[href='/study/']")
    page.wait_for_url(f"{url}/study/")
    assert page.locator(".course-list").first.inner_text().count("学习党章") == 1
    screenshot("study-dashboard-360")

    # 2. She opens the required course and enrols.
    page.click(f"a[href='{course.url}']")
    page.wait_for_url(f"{url}{course.url}")
    assert "党课：学党章守党规" in page.inner_text("main")
    screenshot("study-course-before-enrol-360")
    page.click(f"form[action='/study/courses/{course.pk}/enrol/'] button")
    page.wait_for_url(f"{url}{course.url}")
    assert Enrollment.objects.filter(person=member, course=course).exists()
    screenshot("study-course-enrolled-360")

    # 3. "Start studying" opens the lesson; she plays the audio and the page reports it.
    page.click(f"main a.button[href='{lesson.url}']")
    page.wait_for_url(f"{url}{lesson.url}")
    audio = page.locator("audio[data-study-media]")
    assert audio.get_attribute("preload") == "none"
    page.evaluate("() => { const a = document.querySelector('audio'); a.muted = true; a.play(); }")
    page.wait_for_selector("[data-lesson-state]:not([hidden])", timeout=40_000)
    page.wait_for_function("() => document.querySelector('[data-course-done]') !== null")
    screenshot("study-lesson-completed-360")
    progress = LessonProgress.objects.get(person=member, lesson=lesson)
    assert progress.completed_at is not None and progress.seconds_credited == 6

    # 4. Playing on to the end earns nothing more: wait for the audio's end and its last beat.
    page.wait_for_function("() => document.querySelector('audio').ended", timeout=40_000)
    page.wait_for_load_state("networkidle")

    # 5. The course shows completed with its hours; the ledger holds exactly one row.
    page.goto(f"{url}{course.url}")
    assert page.locator("[data-course-state=completed]").is_visible()
    assert page.locator(".lesson-list li.is-done").count() == 1
    screenshot("study-course-completed-360")
    page.goto(f"{url}/study/")
    screenshot("study-dashboard-after-360")
    rows = StudyHoursEntry.objects.filter(person=member)
    assert [(row.hours, row.track, row.source_kind) for row in rows] == [
        (Decimal("2.00"), "party", StudyHoursEntry.Source.COURSE)
    ]
    enrollment = Enrollment.objects.get(person=member, course=course)
    assert enrollment.status == Enrollment.Status.COMPLETED
    assert rows.get().source_id == enrollment.pk
    # Nothing on the page is wider than the phone.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360


def test_member_marks_a_text_lesson_read_after_a_while(
    live_server, phone_page, screenshot, village_a, settings
):
    settings.STUDY_HEARTBEAT_SECONDS = 1
    url = live_server.url
    page = phone_page
    member = PersonFactory(
        name="李春生", village=village_a, phone="13800006666", is_party_member=True
    )
    person_account_create(person=member, password=PASSWORD)
    course = build.course("党的基本知识", hours=Decimal("1"))
    lesson = build.lesson(course, "读一读党章", media_seconds=0)
    Enrollment.objects.create(person=member, course=course, source=Enrollment.Source.SELF)

    _log_in(page, url, "13800006666")
    page.goto(f"{url}{lesson.url}")
    button = page.locator("[data-read-done]")
    assert button.is_disabled()
    page.wait_for_selector("[data-read-done]:not([disabled])", timeout=5_000)
    button.click()
    page.wait_for_selector("[data-lesson-state]:not([hidden])", timeout=5_000)
    page.wait_for_selector("[data-read-done]", state="hidden", timeout=5_000)
    screenshot("study-text-lesson-read-360")

    assert LessonProgress.objects.get(person=member, lesson=lesson).completed_at is not None
    assert StudyHoursEntry.objects.filter(person=member).count() == 1
