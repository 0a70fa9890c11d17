"""When editors change a course or lesson: forget the cached lesson facts
(courses/lesson_facts.py) and work out again what the course's completions credit. When a
merge of two records of one person drops one of their two enrolments in a course: credit the
course once."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished, post_page_move

from lms.people.merging import merge_row_dropped, person_merged
from lms.people.models import Person

from .lesson_facts import lesson_facts_forget
from .live_courses import live_tree_forget
from .models import CourseIndexPage, CoursePage, Enrollment, LessonPage, StudySettings
from .selectors import catalogue_memo
from .services import enrollment_merge_settle, enrollments_after_merge


def _forget_page(page) -> None:
    kind = page.specific_class  # from the content type: no query
    if kind is not None and issubclass(kind, CourseIndexPage | CoursePage | LessonPage):
        live_tree_forget()
    if kind is not None and issubclass(kind, CourseIndexPage):
        catalogue_memo.forget()
    elif kind is not None and issubclass(kind, LessonPage):
        lesson_facts_forget([page.pk])
    elif kind is not None and issubclass(kind, CoursePage):
        lesson_facts_forget(LessonPage.objects.child_of(page).values_list("pk", flat=True))


@receiver(page_published)
@receiver(page_unpublished)
def _page_changed(sender, instance, **kwargs):
    _forget_page(instance)
    _queue_ledger_resync(instance)


def _queue_ledger_resync(page) -> None:
    """A published course or lesson may change the hours its completions credit."""
    from .tasks import course_ledger_resync_task

    kind = page.specific_class
    if kind is not None and issubclass(kind, CoursePage):
        course_ledger_resync_task.delay_on_commit(page.pk)
    elif kind is not None and issubclass(kind, LessonPage):
        parent = page.get_parent()
        if parent is not None:
            course_ledger_resync_task.delay_on_commit(parent.pk)


@receiver(post_page_move)
def _page_moved(sender, instance, **kwargs):
    _forget_page(instance)


@receiver(post_delete, sender=LessonPage)
def _lesson_deleted(sender, instance, **kwargs):
    lesson_facts_forget([instance.pk])


@receiver(post_save, sender=CourseIndexPage)
@receiver(post_save, sender=CoursePage)
@receiver(post_save, sender=LessonPage)
@receiver(post_delete, sender=CourseIndexPage)
@receiver(post_delete, sender=CoursePage)
@receiver(post_delete, sender=LessonPage)
def _tree_changed(sender, instance, **kwargs):
    """A page made live without publishing (a script, a fixture) or a page's row changed:
    this process's live tree is read again."""
    live_tree_forget()


@receiver(post_delete, sender=CourseIndexPage)
def _catalogue_deleted(sender, instance, **kwargs):
    catalogue_memo.forget()


@receiver(post_save, sender=StudySettings)
def _settings_saved(sender, instance, created, **kwargs):
    StudySettings.local.forget()
    if created:  # made with the defaults on first read: nothing cached differs from it
        return
    lesson_facts_forget(LessonPage.objects.values_list("pk", flat=True))


@receiver(merge_row_dropped, sender=Enrollment, dispatch_uid="courses_enrollment_merged")
def _enrollment_dropped(sender, *, kept, dropped, **kwargs):
    enrollment_merge_settle(kept=kept, dropped=dropped)


@receiver(person_merged, sender=Person, dispatch_uid="courses_person_merged")
def _person_merged(sender, *, keep, **kwargs):
    enrollments_after_merge(person=keep)
