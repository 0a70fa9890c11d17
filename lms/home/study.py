"""我的学习: the learner's page, composed from courses, attendance and the ledger.

It lives here, above those apps, so that none of them needs to know the others.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from attendance.selectors import sessions_upcoming
from courses import selectors as course_selectors
from courses.models import StudySettings
from lms.ledger import selectors as ledger_selectors
from lms.ledger.models import Track
from lms.pages import uses_site
from lms.people.selectors import person_for_user

from .selectors import notifications_unread


def standing_lines(person, year: int) -> dict:
    """Hours this year by track against the township's requirement, ready for the page."""
    standing = ledger_selectors.person_standing(person=person, year=year)
    lines = []
    for label, hours in (
        (_("In total"), standing.total),
        (Track.PARTY.label, standing.tracks[Track.PARTY.value]),
        (Track.SKILLS.label, standing.tracks[Track.SKILLS.value]),
    ):
        needed = hours.required or None
        percent = min(100, round(hours.earned * 100 / needed)) if needed else 0
        lines.append(
            {
                "label": label,
                "hours": hours.earned,
                "needed": needed,
                "percent": percent,
                "met": bool(needed) and hours.met,
            }
        )
    return {
        "requirement": standing.requirement,
        "met": standing.met,
        "missing": standing.missing,
        "lines": lines,
    }


@uses_site
@login_required
@require_GET
def my_study(request):
    """我的学习: required courses, courses in progress, hours this year, sessions, messages."""
    person = person_for_user(request.user)
    context = {"person": person}
    if person is not None:
        enrollments = course_selectors.enrollments_of(person)
        rows = course_selectors.course_rows(
            person=person,
            courses=course_selectors.courses_open_to(person=person, enrollments=enrollments),
            minutes_per_hour=StudySettings.for_request(request).minutes_per_study_hour,
            enrollments=enrollments,
        )
        year = timezone.localdate().year
        context.update(
            catalogue=course_selectors.catalogue_page(),
            required=[row for row in rows if row.course.is_required],
            in_progress=[
                row
                for row in rows
                if not row.course.is_required and row.enrolled and not row.completed
            ],
            year=year,
            standing=standing_lines(person, year),
            sessions=sessions_upcoming(person=person),
            notifications=notifications_unread(person=person),
        )
    return render(request, "home/my_study.html", context)
