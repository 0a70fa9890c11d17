"""What the heartbeat needs to know about a lesson, read once and kept in the cache.

A heartbeat arrives every 30 s from every learner who is playing media (~333/s for 10,000
learners), and each one needs the same few facts about its lesson: its course, its media
length, whether it has a quiz and the township's rules. Reading them from Wagtail's page
tree costs several queries (the page, its parent, the site, the settings); here they cost
one cache read. Publishing, unpublishing, moving or deleting a lesson or its course, and
saving the study settings, forget the facts (courses/signals.py), and they expire after
FACTS_SECONDS anyway: with the per-process memory cache, other processes learn of an edit
within that time; with a shared cache (CACHE_URL) within ten seconds, the life of each
process's own copy.
"""

from dataclasses import dataclass

from django.core.cache import cache

from lms.memo import ProcessMemo

from .models import CoursePage, LessonPage, StudySettings

FACTS_SECONDS = 60


@dataclass(frozen=True)
class LessonFacts:
    lesson_id: int
    course_id: int
    media_seconds: int
    has_quiz: bool
    requires_quiz_pass: bool
    completion_share: int


def _key(lesson_id: int) -> str:
    return f"study:lesson-facts:{lesson_id}"


# In front of the shared cache, each process keeps what it read for a few seconds: a beat
# then costs no cache round trip at all (~333 beats/s share a handful of lessons).
_local: ProcessMemo[LessonFacts | None] = ProcessMemo(10, keep_none=False)


def lesson_facts(lesson_id: int) -> LessonFacts | None:
    """The facts of a live lesson, or None when there is no such live lesson."""
    return _local.get(lesson_id, lambda: _shared_or_read(lesson_id))


def _shared_or_read(lesson_id: int) -> LessonFacts | None:
    facts = cache.get(_key(lesson_id))
    if facts is not None:
        return facts
    lesson = LessonPage.objects.live().filter(pk=lesson_id).first()
    if lesson is None:
        return None
    course = CoursePage.objects.filter(path=lesson.path[: -lesson.steplen]).first()
    if course is None:
        return None
    settings = StudySettings.for_page(lesson)
    facts = LessonFacts(
        lesson_id=lesson.pk,
        course_id=course.pk,
        media_seconds=lesson.media_seconds,
        has_quiz=lesson.has_quiz,
        requires_quiz_pass=course.requires_quiz_pass,
        completion_share=settings.completion_share,
    )
    cache.set(_key(lesson_id), facts, FACTS_SECONDS)
    return facts


def lesson_facts_forget(lesson_ids) -> None:
    """Forget the facts everywhere this process can: its own copy at once, the shared
    cache's for every process (which keep their own copy for ten seconds at most)."""
    lesson_ids = list(lesson_ids)
    for pk in lesson_ids:
        _local.forget(pk)
    cache.delete_many([_key(pk) for pk in lesson_ids])
