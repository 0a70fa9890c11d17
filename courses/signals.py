"""Forgetting cached lesson facts (courses/lesson_facts.py) when editors change what they say."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished, post_page_move

from .lesson_facts import lesson_facts_forget
from .models import CoursePage, LessonPage, StudySettings


def _forget_page(page) -> None:
    kind = page.specific_class  # from the content type: no query
    if kind is not None and issubclass(kind, LessonPage):
        lesson_facts_forget([page.pk])
    elif kind is not None and issubclass(kind, CoursePage):
        lesson_facts_forget(LessonPage.objects.child_of(page).values_list("pk", flat=True))


@receiver(page_published)
@receiver(page_unpublished)
def _page_changed(sender, instance, **kwargs):
    _forget_page(instance)


@receiver(post_page_move)
def _page_moved(sender, instance, **kwargs):
    _forget_page(instance)


@receiver(post_delete, sender=LessonPage)
def _lesson_deleted(sender, instance, **kwargs):
    lesson_facts_forget([instance.pk])


@receiver(post_save, sender=StudySettings)
def _settings_saved(sender, instance, created, **kwargs):
    if created:  # made with the defaults on first read: nothing cached differs from it
        return
    lesson_facts_forget(LessonPage.objects.values_list("pk", flat=True))
