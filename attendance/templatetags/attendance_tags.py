"""In-person sessions on pages of lower apps (a course page) without those apps importing
attendance."""

from django import template

from ..selectors import sessions_upcoming

register = template.Library()


@register.inclusion_tag("attendance/includes/course_sessions.html")
def course_sessions(course):
    """The course's upcoming sessions, in a card; nothing when none is planned."""
    return {"sessions": sessions_upcoming(course=course)}
