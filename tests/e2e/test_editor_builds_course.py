"""An editor builds a course in the Wagtail admin without a developer, and a party member
studies it on a 360-px phone, in Chromium.

The editor (desktop, admin UI only) adds a required 党性教育 course worth 2 study hours for
all party members under the catalogue and publishes it; then adds a lesson with an audio
file uploaded through the document chooser's upload tab, a text block and a one-question
single-choice quiz, and publishes it. A party member then logs in on a phone, finds the
course under 我的学习, enrols, plays the audio until its time is credited, passes the
quiz, and sees the course completed with its 2 study hours credited exactly once, however
often she reloads or plays again.
"""

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from courses.models import CoursePage, Enrollment, LessonPage, LessonProgress
from lms.ledger.models import AnnualRequirement, StudyHoursEntry
from lms.people.services import person_account_create
from tests.conftest import PASSWORD
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_organizer_journey import DESKTOP
from tests.e2e.test_organizer_journey import _log_in as staff_log_in
from tests.e2e.test_study_on_phone import _log_in as member_log_in
from tests.e2e.test_study_on_phone import site_tree  # noqa: F401  (autouse fixture)
from tests.factories import courses as build
from tests.factories.media import silent_mp3
from tests.factories.people import PersonFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


COURSE = "学习党章 做合格党员"
LESSON = "第一课 党章总纲"
QUESTION = "中国共产党是谁的先锋队？"
RIGHT = "中国工人阶级的先锋队"
WRONG = "某一地区的群众组织"
SEE = 15_000  # ms for a page the member navigates to
PLAY = "() => { const a = document.querySelector('audio'); a.muted = true; a.play(); }"
PAUSE = "() => document.querySelector('audio').pause()"
ENDED = "() => document.querySelector('audio').ended"
# Seconds the server says it has credited, from the last heartbeat's reply ("" before one).
CREDITED = "() => document.querySelector('[data-heartbeat-url]').dataset.credited || ''"


def _shot(page, name):
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _publish(desk):
    """发布 sits in the dropdown of the footer's 保存草稿 button.

    Wagtail autosaves the form about a second after each change (the first autosave of a
    new page creates it as a draft); like a person pausing before publishing, let the last
    one land (the form says it has no unsaved edits) so that publishing does not race it."""
    expect(desk.locator("form[data-w-unsaved-has-edits-value=true]")).to_have_count(
        0, timeout=15_000
    )
    desk.wait_for_load_state("networkidle")
    desk.locator("footer [data-w-dropdown-target=toggle]").click()
    desk.get_by_role("button", name="发布", exact=True).click()
    desk.wait_for_load_state()


def _editor_adds_course(desk, url, catalogue):
    desk.goto(f"{url}/admin/pages/{catalogue.pk}/")
    desk.get_by_role("link", name="添加子页面").click()
    # The catalogue takes only courses, so Wagtail opens the course form directly.
    desk.wait_for_url("**/add/courses/coursepage/**")
    desk.get_by_placeholder("页面标题*").fill(COURSE)
    desk.get_by_role("combobox", name="类别").select_option(label="党性教育")
    desk.get_by_role("spinbutton", name="学时").fill("2")
    desk.get_by_role("checkbox", name="必修").check()
    desk.get_by_role("combobox", name="对象").select_option(label="全体党员")
    _shot(desk, "editor-course-form")
    _publish(desk)
    desk.wait_for_url(f"{url}/admin/pages/{catalogue.pk}/")
    expect(desk.get_by_role("link", name=COURSE).first).to_be_visible()
    _shot(desk, "editor-course-published")
    return CoursePage.objects.get(title=COURSE)


def _editor_adds_lesson(desk, url, course):
    desk.goto(f"{url}/admin/pages/{course.pk}/")
    desk.get_by_role("link", name="添加子页面").click()
    desk.wait_for_url("**/add/courses/lessonpage/**")
    desk.get_by_placeholder("页面标题*").fill(LESSON)

    # Content: "+" → 视频或音频, an audio file uploaded in the chooser, its length.
    body = desk.locator("[data-contentpath=body]")
    body.locator("button.c-sf-add-button").first.click()
    desk.get_by_role("option", name="视频或音频").click()
    media = body.locator("[data-streamfield-child]").first
    media.get_by_role("combobox", name="类型").select_option(label="音频")
    media.get_by_role("button", name="选择一个文档").click()
    dialog = desk.get_by_role("dialog").filter(has_text="选择一个文档")
    dialog.get_by_role("tab", name="上传").click()
    dialog.get_by_label("标题").fill("党章总纲朗读")
    dialog.locator("input[type=file]").set_input_files(
        files=[{"name": "dangzhang.mp3", "mimeType": "audio/mpeg", "buffer": silent_mp3(12)}]
    )
    _shot(desk, "editor-document-upload")
    dialog.get_by_role("button", name="上传", exact=True).click()
    dialog.wait_for(state="hidden")
    expect(media.get_by_text("党章总纲朗读")).to_be_visible()
    media.get_by_role("spinbutton", name="时长（秒）").fill("6")
    media.get_by_role("textbox", name="说明").fill("党章总纲朗读")

    # Content: "+" → 文字, typed into the rich-text editor.
    body.locator("button.c-sf-add-button").last.click()
    desk.get_by_role("option", name="文字").click()
    editor = body.locator("[contenteditable=true]").last
    editor.click()
    desk.keyboard.insert_text("中国共产党是中国工人阶级的先锋队。")

    # Quiz: "+" adds a 题目 (the only block type), which starts with the two options a question
    # needs; the right one ticked.
    quiz = desk.locator("[data-contentpath=quiz]")
    quiz.locator("button.c-sf-add-button").first.click()
    question = quiz.locator("[data-streamfield-child]").first
    question.get_by_role("combobox", name="类型").select_option(label="单选题")
    question.get_by_role("textbox", name="题干").fill(QUESTION)
    options = question.get_by_role("textbox", name="选项")
    options.nth(0).fill(RIGHT)
    options.nth(1).fill(WRONG)
    question.get_by_role("checkbox", name="正确答案").first.check()
    desk.get_by_role("spinbutton", name="及格线（%）").fill("100")
    _shot(desk, "editor-lesson-form")
    _publish(desk)
    desk.wait_for_url(f"{url}/admin/pages/{course.pk}/")
    expect(desk.get_by_role("link", name=LESSON).first).to_be_visible()
    _shot(desk, "editor-lesson-published")
    return LessonPage.objects.get(title=LESSON)


def _fits_phone(page):
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360, page.url


def test_editor_builds_a_course_in_the_admin_and_a_member_earns_its_hours_on_a_phone(
    browser, live_server, phone_page, township_staff, township, village_a, settings
):
    # The page reports every 2 s so the 6-second lesson completes within the test.
    settings.STUDY_HEARTBEAT_SECONDS = 2
    url = live_server.url
    SCREENSHOTS.mkdir(exist_ok=True)
    catalogue = build.catalogue()
    AnnualRequirement.objects.create(
        township=township,
        year=timezone.localdate().year,
        total_hours=Decimal("32"),
        party_hours=Decimal("16"),
        skills_hours=Decimal("8"),
    )

    # 1. The editor builds the course and its lesson in the admin, on a desktop screen.
    # The editor is township staff (乡党委), the role that writes courses: no superuser.
    desk_context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    try:
        desk = desk_context.new_page()
        desk.set_default_timeout(20_000)
        staff_log_in(desk, url, township_staff.username, admin=True)
        course = _editor_adds_course(desk, url, catalogue)
        lesson = _editor_adds_lesson(desk, url, course)
    finally:
        desk_context.close()
    assert course.live and course.is_required and course.track == "party"
    assert course.study_hours == Decimal("2") and course.audience == "all_members"
    assert lesson.live and lesson.get_parent().pk == course.pk
    assert [block.block_type for block in lesson.body] == ["media", "text"]
    assert lesson.body[0].value["kind"] == "audio" and lesson.media_seconds == 6
    assert lesson.body[0].value["file"].filename == "dangzhang.mp3"
    assert lesson.pass_mark == 100 and len(lesson.quiz) == 1
    question = lesson.quiz[0].value
    assert question["kind"] == "single" and question["text"] == QUESTION
    assert [(o["text"], o["correct"]) for o in question["options"]] == [
        (RIGHT, True),
        (WRONG, False),
    ]

    # 2. A party member logs in on her phone and opens 我的学习.
    member = PersonFactory(
        name="王秀兰", village=village_a, phone="13800005555", is_party_member=True
    )
    person_account_create(person=member, password=PASSWORD)
    page = phone_page
    member_log_in(page, url, "13800005555")
    page.goto(f"{url}/")
    page.click("a[href='/study/']")
    page.wait_for_url(f"{url}/study/")
    required = page.locator("section", has=page.get_by_role("heading", name="必修课程"))
    row = required.locator(".course-row", has_text=COURSE)
    for text in ("必修", "党性教育", "2 学时", "尚未报名"):
        expect(row).to_contain_text(text)
    _fits_phone(page)
    _shot(page, "editor-journey-dashboard-360")

    # 3. She opens the course, enrols, and starts the lesson.
    row.locator("a.course-link").click()
    expect(page.get_by_role("heading", name=COURSE)).to_be_visible(timeout=SEE)
    _fits_phone(page)
    _shot(page, "editor-journey-course-360")
    page.get_by_role("button", name="报名学习").click()
    start = page.locator("main a.button", has_text="开始学习")
    expect(start).to_be_visible(timeout=SEE)
    assert Enrollment.objects.filter(person=member, course=course).exists()
    start.click()
    expect(page.get_by_role("heading", name=LESSON)).to_be_visible(timeout=SEE)
    expect(page.locator("main")).to_contain_text("中国共产党是中国工人阶级的先锋队。")
    expect(page.locator("figcaption")).to_contain_text("6 秒")
    _fits_phone(page)

    # 4. She plays the audio; the heartbeats credit its 6 seconds. Credit follows the server's
    # clock from its first beat to its last: on busy cores a late first beat leaves a second
    # short, and she plays it again, as a learner would (at most three times).
    for _play in range(3):
        page.evaluate(PLAY)
        page.wait_for_function(ENDED, timeout=40_000)
        page.wait_for_load_state("networkidle")
        if page.evaluate(CREDITED) == "6":
            break
    page.wait_for_function(f"() => Number(({CREDITED})()) >= 6", timeout=SEE)
    page.evaluate(PAUSE)
    page.wait_for_load_state("networkidle")
    # Watched; the page says the quiz is what is left.
    expect(page.get_by_text("已看完，通过本课测验即可完成本课。")).to_be_visible()
    _shot(page, "editor-journey-lesson-played-360")
    assert LessonProgress.objects.get(person=member, lesson=lesson).seconds_credited == 6
    assert not StudyHoursEntry.objects.filter(person=member).exists()  # the quiz is still due

    # 5. She takes the quiz and passes it.
    page.get_by_role("link", name="参加测验").click()
    expect(page.get_by_text(QUESTION)).to_be_visible(timeout=SEE)
    page.get_by_label(RIGHT).check()
    _fits_phone(page)
    _shot(page, "editor-journey-quiz-360")
    page.get_by_role("button", name="提交答案").click()
    result = page.locator("[data-quiz-result]")
    expect(result).to_contain_text("100%", timeout=SEE)
    expect(result).to_contain_text("已通过")
    _fits_phone(page)
    _shot(page, "editor-journey-quiz-passed-360")

    # 6. The lesson and the course show completed, with the hours credited.
    page.get_by_role("link", name="返回本课").click()
    expect(page.locator("[data-lesson-state]")).to_be_visible(timeout=SEE)
    page.goto(f"{url}{course.url}")
    state = page.locator("[data-course-state=completed]")
    expect(state).to_contain_text("已记 2 学时")
    expect(page.locator(".lesson-list li.is-done")).to_have_count(1)
    _fits_phone(page)
    _shot(page, "editor-journey-course-completed-360")
    page.goto(f"{url}/study/")
    row = page.locator(".course-row", has_text=COURSE)
    expect(row).to_contain_text("已完成")
    party = page.locator(".standing-line", has_text="党性教育")
    expect(party.locator("strong")).to_have_text("2 / 16")
    _fits_phone(page)
    _shot(page, "editor-journey-dashboard-after-360")

    # 7. Playing again and reloading credit nothing more: one ledger row, 2 hours, party.
    page.goto(f"{url}{lesson.url}")
    page.evaluate(PLAY)
    page.wait_for_function(ENDED, timeout=40_000)
    page.wait_for_load_state("networkidle")
    assert page.evaluate(CREDITED) == "6"  # the server answered, and credited no more
    page.reload()
    page.goto(f"{url}{course.url}")
    page.goto(f"{url}/study/")
    expect(party.locator("strong")).to_have_text("2 / 16")
    assert LessonProgress.objects.get(person=member, lesson=lesson).seconds_credited == 6
    rows = StudyHoursEntry.objects.filter(person=member)
    assert [(row.hours, row.track, row.source_kind) for row in rows] == [
        (Decimal("2.00"), "party", StudyHoursEntry.Source.COURSE)
    ]
    enrollment = Enrollment.objects.get(person=member, course=course)
    assert enrollment.status == Enrollment.Status.COMPLETED
    assert rows.get().source_id == enrollment.pk
