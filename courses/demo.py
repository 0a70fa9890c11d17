"""The demo catalogue (课程中心) for the demo township: courses in both tracks with lessons,
media and PDF placeholders the project makes itself, quizzes, enrolments and a year of study.

Deterministic (a fixed random seed) and idempotent: pages are keyed by slug, documents by
title, enrolments by (person, course); a lesson already completed is not studied again, so
running it twice adds nothing. Study goes through the services (heartbeats, completion), so
hours land in the ledger as they would for a real learner. Called by `seed_demo` after the
people and users.
"""

import datetime
import io
import math
import random
import wave
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from wagtail.documents.models import Document
from wagtail.models import Site

from lms.ledger.models import AnnualRequirement, Track
from lms.people.models import Person

from .models import CourseIndexPage, CoursePage, Enrollment, LessonPage, LessonProgress
from .quiz import option_key, quiz_attempt_start, quiz_attempt_submit, quiz_questions
from .services import enrollment_create, heartbeat_record

TONE_SECONDS = 30
TONE_RATE = 8000

# (slug, title, track, hours, required, tone Hz, intro, [(lesson title, text)], quiz)
# Each quiz question: (kind, text, [(option, correct)]).
CATALOGUE = [
    (
        "dangzhang",
        "党章学习",
        Track.PARTY,
        "4",
        True,
        440,
        "逐章学习《中国共产党章程》，明确党员的权利和义务。",
        [
            ("总纲", "党章总纲阐明党的性质、宗旨、指导思想和奋斗目标。"),
            ("党员的义务和权利", "党员必须履行八项义务，享有八项权利，按时交纳党费。"),
            ("党的纪律", "党的纪律是党的各级组织和全体党员必须遵守的行为规则。"),
        ],
        [
            ("true_false", "党员应按时交纳党费。", [("对", True), ("错", False)]),
            (
                "single",
                "党的最高理想和最终目标是什么？",
                [("实现共产主义", True), ("发展经济", False)],
            ),
            (
                "multiple",
                "党员的义务包括哪些？",
                [("认真学习", True), ("密切联系群众", True), ("只享受权利", False)],
            ),
        ],
    ),
    (
        "ershida",
        "学习贯彻党的二十大精神",
        Track.PARTY,
        "6",
        True,
        494,
        "深入学习党的二十大报告，把握中国式现代化的本质要求。",
        [
            ("大会主题", "高举中国特色社会主义伟大旗帜，全面贯彻新时代中国特色社会主义思想。"),
            ("全面推进乡村振兴", "坚持农业农村优先发展，巩固拓展脱贫攻坚成果，加快建设农业强国。"),
        ],
        [
            (
                "true_false",
                "全面推进乡村振兴是党的二十大部署的重要任务。",
                [("对", True), ("错", False)],
            ),
            (
                "single",
                "党的二十大提出以什么全面推进中华民族伟大复兴？",
                [("中国式现代化", True), ("城镇化", False), ("工业化", False)],
            ),
        ],
    ),
    (
        "lianjie",
        "廉洁自律",
        Track.PARTY,
        "2",
        True,
        523,
        "学习廉洁自律准则和中央八项规定精神，筑牢拒腐防变思想防线。",
        [
            ("廉洁自律准则", "党员要坚持公私分明，先公后私，克己奉公。"),
            ("八项规定精神", "改进工作作风、密切联系群众，反对形式主义和官僚主义。"),
        ],
        [
            ("true_false", "村干部可以收受群众的礼金。", [("对", False), ("错", True)]),
            (
                "single",
                "中央八项规定针对的是什么？",
                [("改进工作作风", True), ("农业生产", False)],
            ),
        ],
    ),
    (
        "dapeng-shucai",
        "大棚蔬菜种植技术",
        Track.SKILLS,
        "3",
        False,
        587,
        "日光温室建造、茬口安排、水肥一体化和病虫害绿色防控。",
        [
            ("温室建造与茬口安排", "冬春茬以番茄、黄瓜为主，秋冬茬可种芹菜、菠菜。"),
            ("水肥一体化", "滴灌随水施肥，少量多次，省水省肥又减少病害。"),
            ("病虫害绿色防控", "黄板诱杀、防虫网隔离，优先使用生物农药。"),
        ],
        [
            ("true_false", "大棚浇水宜选在晴天上午。", [("对", True), ("错", False)]),
            (
                "single",
                "防治蚜虫、白粉虱可以用什么物理方法？",
                [("黄板诱杀", True), ("大水漫灌", False)],
            ),
        ],
    ),
    (
        "malingshu",
        "马铃薯脱毒种薯繁育",
        Track.SKILLS,
        "3",
        False,
        659,
        "脱毒种薯的好处、原原种到大田用种的繁育体系和贮藏要点。",
        [
            ("为什么用脱毒种薯", "脱毒种薯去除了病毒，一般可增产三成以上。"),
            ("繁育与贮藏", "种薯窖温保持在二到四摄氏度，注意通风防冻。"),
        ],
        [
            ("true_false", "脱毒种薯可以连年自留种而不退化。", [("对", False), ("错", True)]),
            (
                "single",
                "种薯贮藏适宜的温度是多少？",
                [("二到四摄氏度", True), ("十五摄氏度以上", False)],
            ),
        ],
    ),
    (
        "dianshang",
        "农村电商与直播带货",
        Track.SKILLS,
        "2",
        False,
        698,
        "开网店、拍短视频、做直播，把家乡的小杂粮和土特产卖出去。",
        [
            ("开一家网店", "准备好身份证和银行卡，选好类目，拍清楚商品照片。"),
            ("直播带货入门", "讲清产地和品质，守诚信，不夸大宣传。"),
        ],
        [
            ("true_false", "直播带货可以夸大产品功效。", [("对", False), ("错", True)]),
            (
                "multiple",
                "开网店需要准备什么？",
                [("身份证", True), ("银行卡", True), ("拖拉机", False)],
            ),
        ],
    ),
]


def tone_wav(*, frequency: int, seconds: int = TONE_SECONDS, rate: int = TONE_RATE) -> bytes:
    """A quiet sine tone as 8-bit mono WAV: a media placeholder the project makes itself."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(rate)
        frames = bytes(
            128 + int(40 * math.sin(2 * math.pi * frequency * n / rate))
            for n in range(seconds * rate)
        )
        out.writeframes(frames)
    return buffer.getvalue()


def handout_pdf(*, title: str, lines: list[str]) -> bytes:
    """A one-page Chinese handout for a course (WeasyPrint, CJK font named explicitly)."""
    from django.utils.html import escape
    from weasyprint import HTML

    items = "".join(f"<li>{escape(line)}</li>" for line in lines)
    html = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>'
        "@page { size: A4; margin: 2cm; }"
        'body { font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", serif; font-size: 13pt; }'
        "h1 { font-size: 20pt; text-align: center; }"
        f"</style></head><body><h1>{escape(title)}</h1><p>学习资料（示例）</p><ol>{items}</ol>"
        "<p>东沟乡党委 · 双育工程</p></body></html>"
    )
    return HTML(string=html).write_pdf()


def _document(title: str, filename: str, make) -> Document:
    existing = Document.objects.filter(title=title).first()
    if existing:
        return existing
    document = Document(title=title)
    document.file.save(filename, ContentFile(make()), save=True)
    return document


def _catalogue() -> CourseIndexPage:
    existing = CourseIndexPage.objects.first()
    if existing:
        return existing
    home = Site.objects.get(is_default_site=True).root_page
    index = CourseIndexPage(
        title="课程中心", slug="courses", intro="<p>党性教育与技能培训在线课程。</p>"
    )
    home.add_child(instance=index)
    index.save_revision().publish()
    return index


def _quiz(questions) -> list:
    return [
        (
            "question",
            {
                "kind": kind,
                "text": text,
                "options": [{"text": option, "correct": correct} for option, correct in options],
            },
        )
        for kind, text, options in questions
    ]


def _course(index, spec) -> tuple[CoursePage, bool]:
    slug, title, track, hours, required, frequency, intro, lessons, questions = spec
    course = CoursePage.objects.child_of(index).filter(slug=slug).first()
    if course:
        return course, False
    audience = CoursePage.Audience
    audience = audience.ALL_MEMBERS if track == Track.PARTY else audience.EVERYONE
    course = CoursePage(
        title=title,
        slug=slug,
        intro=f"<p>{intro}</p>",
        track=track,
        study_hours=Decimal(hours),
        is_required=required,
        audience=(
            CoursePage.Audience.ALL_MEMBERS
            if track == Track.PARTY
            else CoursePage.Audience.EVERYONE
        ),
    )
    index.add_child(instance=course)
    course.save_revision().publish()
    tone = _document(
        f"示例音频：{title}", f"demo-{slug}.wav", lambda: tone_wav(frequency=frequency)
    )
    handout = _document(
        f"学习资料：{title}",
        f"demo-{slug}.pdf",
        lambda: handout_pdf(title=title, lines=[text for _t, text in lessons]),
    )
    for number, (lesson_title, text) in enumerate(lessons, start=1):
        body = [
            ("text", f"<h2>{lesson_title}</h2><p>{text}</p>"),
            (
                "media",
                {
                    "kind": "audio",
                    "file": tone,
                    "duration_seconds": TONE_SECONDS,
                    "caption": f"{lesson_title}（示例音频）",
                },
            ),
        ]
        if number == 1:
            body.append(("pdf", {"document": handout, "title": f"{title}学习资料"}))
        last = number == len(lessons)
        lesson = LessonPage(
            title=f"第{number}课 {lesson_title}",
            slug=f"{slug}-{number}",
            body=body,
            quiz=_quiz(questions) if last else [],
        )
        course.add_child(instance=lesson)
        lesson.save_revision().publish()
    return course, True


def _study_lesson(*, person, lesson, at: datetime.datetime, rng: random.Random) -> bool:
    """Listen through a lesson by heartbeats (and pass its quiz); False if done before."""
    progress = LessonProgress.objects.filter(person=person, lesson=lesson).first()
    if progress and progress.completed_at is not None:
        return False
    media = lesson.media_seconds
    heartbeat_record(
        person_id=person.pk, lesson_id=lesson.pk, position_seconds=0, playing=True, at=at
    )
    for elapsed in range(30, media + 30, 30):
        heartbeat_record(
            person_id=person.pk,
            lesson_id=lesson.pk,
            position_seconds=min(elapsed, media),
            playing=True,
            at=at + datetime.timedelta(seconds=elapsed),
        )
    finished = at + datetime.timedelta(seconds=media + 31)
    progress = heartbeat_record(
        person_id=person.pk, lesson_id=lesson.pk, position_seconds=media, playing=False, at=finished
    ).progress
    if lesson.has_quiz and not progress.quiz_passed:
        attempt = quiz_attempt_start(person=person, lesson=lesson, rng=rng)
        answers = {
            question_id: [
                option_key(question_id, index)
                for index, option in enumerate(question["options"])
                if option["correct"]
            ]
            for question_id, question in quiz_questions(lesson).items()
        }
        quiz_attempt_submit(attempt=attempt, answers=answers, at=finished)
    return True


@transaction.atomic
def seed_courses(township) -> dict:
    rng = random.Random(20261201)
    index = _catalogue()
    courses = []
    created = 0
    for spec in CATALOGUE:
        course, was_created = _course(index, spec)
        courses.append(course)
        created += was_created

    today = timezone.localdate()
    AnnualRequirement.objects.get_or_create(
        township=township,
        year=today.year,
        defaults={"total_hours": Decimal("32"), "party_hours": Decimal("16")},
    )

    required = [course for course in courses if course.is_required]
    electives = [course for course in courses if not course.is_required]
    members = list(
        Person.objects.filter(village__township=township, is_party_member=True).order_by(
            "id_number"
        )
    )
    enrollments_before = Enrollment.objects.filter(course__in=courses).count()
    lessons_studied = 0
    days_this_year = (today - datetime.date(today.year, 1, 1)).days
    for number, person in enumerate(members):
        mine = [*required]
        if number % 2 == 0:
            mine.append(electives[number % len(electives)])
        enrolled = [
            enrollment_create(
                person=person,
                course=course,
                source=Enrollment.Source.ASSIGNED if course.is_required else Enrollment.Source.SELF,
            )
            for course in mine
        ]
        # A quarter study nothing yet; the others complete 1 to 3 courses and start one more.
        finished = number % 4
        year_start = timezone.make_aware(datetime.datetime(today.year, 1, 1))
        for position, enrollment in enumerate(enrolled[: finished + 1]):
            lessons = list(enrollment.course.lessons())
            if position == finished:
                lessons = lessons[:1]  # started, not finished
            day = today - datetime.timedelta(days=rng.randint(0, max(days_this_year - 1, 0)))
            start = timezone.make_aware(
                datetime.datetime.combine(day, datetime.time(20, rng.randint(0, 59)))
            )
            # Two hours before now, but never last year (at 00:30 on 1 January).
            start = max(min(start, timezone.now() - datetime.timedelta(hours=2)), year_start)
            for offset, lesson in enumerate(lessons):
                lessons_studied += _study_lesson(
                    person=person,
                    lesson=lesson,
                    at=start + datetime.timedelta(minutes=5 * offset),
                    rng=rng,
                )
    return {
        "courses": len(courses),
        "created": created,
        "enrollments": Enrollment.objects.filter(course__in=courses).count() - enrollments_before,
        "lessons_studied": lessons_studied,
    }
