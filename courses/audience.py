"""Who a course is for and when it is open: the rules every entrance reads (the catalogue,
我的学习, the course page's enrol button, self-enrolment itself and the API)."""

import datetime

from django.utils import timezone

from .models import CoursePage


def course_is_open(course: CoursePage, on: datetime.date | None = None) -> bool:
    on = on or timezone.localdate()
    return (
        course.live
        and (course.opens_on is None or course.opens_on <= on)
        and (course.closes_on is None or on <= course.closes_on)
    )


def person_in_audience(person, course: CoursePage) -> bool:
    """Whether the course is for the person; a visitor (None) sees the courses for everyone."""
    audience = CoursePage.Audience
    if course.audience == audience.EVERYONE:
        return True
    if person is None:
        return False
    if course.audience == audience.ALL_MEMBERS:
        return person.is_party_member
    if course.audience == audience.BRANCH:
        return (
            course.audience_branch_id is not None and person.branch_id == course.audience_branch_id
        )
    if course.audience == audience.VILLAGE:
        return (
            course.audience_village_id is not None
            and person.village_id == course.audience_village_id
        )
    return False
