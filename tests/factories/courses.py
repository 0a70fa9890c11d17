"""Course trees for tests: a catalogue under the home page, courses, lessons with media."""

from decimal import Decimal

from django.core.files.base import ContentFile
from wagtail.documents.models import Document
from wagtail.models import Page

from courses.models import CourseIndexPage, CoursePage, LessonPage
from lms.ledger.models import Track


def catalogue() -> CourseIndexPage:
    existing = CourseIndexPage.objects.first()
    if existing:
        return existing
    home = Page.objects.get(depth=2).specific
    index = CourseIndexPage(title="课程中心", slug="courses")
    home.add_child(instance=index)
    return index


def media_document(name="lesson.mp4") -> Document:
    document = Document(title=name)
    document.file.save(name, ContentFile(b"\x00" * 16), save=True)
    return document


def course(title="学习党章", *, track=Track.PARTY, hours=Decimal("2"), **fields) -> CoursePage:
    page = CoursePage(
        title=title,
        slug=f"c-{CoursePage.objects.count() + 1}",
        track=track,
        study_hours=hours,
        **fields,
    )
    catalogue().add_child(instance=page)
    return page


def lesson(course_page: CoursePage, title="第一课", *, media_seconds=600, quiz=None, **fields):
    body = []
    if media_seconds:
        body.append(
            (
                "media",
                {
                    "kind": "video",
                    "file": media_document(),
                    "duration_seconds": media_seconds,
                    "caption": "",
                },
            )
        )
    body.append(("text", "<p>学习内容</p>"))
    page = LessonPage(
        title=title,
        slug=f"l-{LessonPage.objects.count() + 1}",
        body=body,
        quiz=quiz or [],
        **fields,
    )
    course_page.add_child(instance=page)
    return page
