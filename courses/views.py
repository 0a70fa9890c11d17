"""Study views: enrolment, heartbeats from the page, the learner dashboard (我的学习)."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lms.ledger import selectors as ledger_selectors
from lms.ledger.models import Track
from lms.people.selectors import person_for_user

from . import selectors
from .exceptions import LessonNotFound, StudyError
from .models import CourseIndexPage, CoursePage, Enrollment, StudySettings
from .services import enrollment_create, heartbeat_record


@require_POST
def heartbeat(request):
    """The lesson page reports where the learner is; the service decides what is credited."""
    person = person_for_user(request.user)
    if person is None:
        return JsonResponse({"error": _("Log in to study.")}, status=403)
    try:
        is_json = request.content_type == "application/json"
        data = json.loads(request.body or b"{}") if is_json else request.POST
        lesson_id = int(data.get("lesson"))
        position = max(0, int(float(data.get("position") or 0)))
        playing = data.get("playing") in (True, "true", "1", 1)
    except (AttributeError, TypeError, ValueError, OverflowError):
        return JsonResponse({"error": _("A heartbeat needs a lesson and a position.")}, status=400)
    try:
        beat = heartbeat_record(
            person=person, lesson_id=lesson_id, position_seconds=position, playing=playing
        )
    except LessonNotFound as error:
        return JsonResponse({"error": str(error)}, status=404)
    except StudyError as error:
        return JsonResponse({"error": str(error)}, status=403)
    return JsonResponse(
        {
            "credited": beat.progress.seconds_credited,
            "position": beat.progress.position_seconds,
            "lesson_completed": beat.progress.completed_at is not None,
            "course_completed": beat.course_completed,
            "quiz_pending": beat.media_watched and beat.progress.completed_at is None,
        }
    )


@login_required
@require_POST
def enrol(request, pk: int):
    course = get_object_or_404(CoursePage.objects.live(), pk=pk)
    person = person_for_user(request.user)
    if person is None:
        messages.error(request, _("Your account is not linked to a person on the roster."))
        return HttpResponseRedirect(course.url)
    try:
        enrollment_create(person=person, course=course, source=Enrollment.Source.SELF)
    except StudyError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("You are enrolled. Start with the first lesson."))
    return HttpResponseRedirect(course.url)


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


@login_required
@require_GET
def dashboard(request):
    """我的学习: required courses, courses in progress, hours this year, sessions, messages."""
    person = person_for_user(request.user)
    context = {"person": person}
    if person is not None:
        index = CourseIndexPage.objects.live().first()
        courses = selectors.courses_open_to(person=person)
        rows = selectors.course_rows(
            person=person,
            courses=list(courses),
            minutes_per_hour=StudySettings.for_request(request).minutes_per_study_hour,
        )
        year = timezone.localdate().year
        context.update(
            catalogue=index,
            required=[row for row in rows if row.course.is_required],
            in_progress=[
                row
                for row in rows
                if not row.course.is_required and row.enrolled and not row.completed
            ],
            year=year,
            standing=standing_lines(person, year),
            sessions=selectors.sessions_upcoming(person=person),
            notifications=selectors.notifications_unread(person=person),
        )
    return render(request, "courses/dashboard.html", context)


urlpatterns: list = [
    path("", dashboard, name="dashboard"),
    path("heartbeat/", heartbeat, name="heartbeat"),
    path("courses/<int:pk>/enrol/", enrol, name="enrol"),
]
