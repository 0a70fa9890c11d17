"""The learner's course pages ask here for what they show (courses/study_pages.py)."""

from django import template

from .. import study_pages

register = template.Library()


@register.simple_tag(takes_context=True)
def catalogue_rows(context, catalogue):
    return study_pages.catalogue_rows(context["request"], catalogue)


@register.simple_tag(takes_context=True)
def course_study(context, course):
    return study_pages.course_study(context["request"], course)


@register.simple_tag(takes_context=True)
def lesson_study(context, lesson):
    return study_pages.lesson_study(context["request"], lesson)
