"""The live courses and their live lessons, as each process keeps them for a few seconds.

Every learner page lists courses or lessons: the catalogue and 我的学习 the courses open to
the learner with their lessons (for the hours and the next lesson), the course page its
lessons, the lesson page its course and neighbours. They change when an editor publishes, and
are read thousands of times in between (万人在线), so each process reads the whole live tree
in two queries and keeps it for ten seconds; a page then asks the database only about the
learner (enrolments, progress). Saving, publishing, unpublishing, moving or deleting a course,
a lesson or the catalogue forgets this process's copy at once (courses/signals.py), the other
processes' within the ten seconds.

The pages are model instances shared by the threads of a process: read-only, like every
ProcessMemo value. A township has tens of courses and hundreds of lessons; their bodies are
kept because the hours of a course are summed from its lessons' media.
"""

from dataclasses import dataclass

from lms.memo import ProcessMemo

from .models import CoursePage, LessonPage


@dataclass(frozen=True)
class LiveCourse:
    course: CoursePage
    lessons: tuple[LessonPage, ...]  # live, in the course's order


@dataclass(frozen=True)
class LiveTree:
    courses: tuple[LiveCourse, ...]  # required first, then in the tree's order
    by_id: dict[int, LiveCourse]
    by_path: dict[str, LiveCourse]


_tree: ProcessMemo[LiveTree] = ProcessMemo(10)


def live_tree() -> LiveTree:
    return _tree.get(None, _tree_read)


def live_tree_forget() -> None:
    _tree.forget()


def live_course(course_id: int) -> LiveCourse | None:
    return live_tree().by_id.get(course_id)


def live_course_above(lesson: LessonPage) -> LiveCourse | None:
    """The live course a lesson belongs to (None when the course is not live)."""
    return live_tree().by_path.get(lesson.path[: -lesson.steplen])


def _tree_read() -> LiveTree:
    courses = list(
        CoursePage.objects.live()
        .order_by("-is_required", "path")
        # The covers and their list-sized renditions: no query when no course has one.
        .prefetch_related("cover__renditions")
    )
    lessons: dict[str, list[LessonPage]] = {}
    for lesson in LessonPage.objects.live().order_by("path"):
        lessons.setdefault(lesson.path[: -lesson.steplen], []).append(lesson)
    entries = tuple(
        LiveCourse(course=course, lessons=tuple(lessons.get(course.path, ()))) for course in courses
    )
    return LiveTree(
        courses=entries,
        by_id={entry.course.pk: entry for entry in entries},
        by_path={entry.course.path: entry for entry in entries},
    )
