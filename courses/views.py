"""Study views: enrolment, and the heartbeat of the lesson page and the app (我的学习 lives
in lms.home)."""

import json
import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from lms.people.selectors import person_for_user

from .exceptions import LessonNotFound, StudyError
from .models import CoursePage, Enrollment
from .services import enrollment_create, heartbeat_record
from .tickets import TicketInvalid, study_ticket, study_ticket_read


@csrf_exempt  # the signed ticket is the credential; no cookie is read
@require_POST
def heartbeat(request):
    """POST /api/v1/study/heartbeat: the one heartbeat of the lesson page and the app.

    The body is JSON: {"ticket": …, "position_seconds": …, "playing": true|false}. The
    ticket (courses/tickets.py; the lesson page carries one, the app asks
    /api/v1/study/lessons/{id}/ticket) names the person and the lesson, so no session,
    account or token is loaded; the service decides what is credited. Errors answer
    {"detail": …}: 401 for a ticket that is forged or expired, 404 for a lesson that is gone,
    409 when a rule refuses (not enrolled), 422 for a body without a ticket and a position.
    """
    try:
        data = json.loads(request.body)
        position = int(float(data.get("position_seconds", 0)))
        playing = data.get("playing", True)
        if position < 0 or not isinstance(playing, bool):
            raise ValueError
        ticket = study_ticket_read(data.get("ticket"))
    except TicketInvalid as error:
        return JsonResponse({"detail": str(error)}, status=401)
    except (AttributeError, TypeError, ValueError, OverflowError):
        return JsonResponse({"detail": _("A heartbeat needs a ticket and a position.")}, status=422)
    try:
        beat = heartbeat_record(
            person_id=ticket.person_id,
            lesson_id=ticket.lesson_id,
            position_seconds=position,
            playing=playing,
        )
    except LessonNotFound as error:
        return JsonResponse({"detail": str(error)}, status=404)
    except StudyError as error:
        return JsonResponse({"detail": str(error)}, status=409)
    reply = {
        "lesson_id": ticket.lesson_id,
        "credited_seconds": beat.credited_now,
        "seconds_credited": beat.progress.seconds_credited,
        "media_seconds": beat.media_seconds,
        "position_seconds": beat.progress.position_seconds,
        "lesson_completed": beat.progress.completed_at is not None,
        "quiz_pending": beat.media_watched and beat.progress.completed_at is None,
        "course_completed": beat.course_completed,
    }
    now = time.time()
    if ticket.needs_renewal(now):
        reply["ticket"] = study_ticket(
            person_id=ticket.person_id, lesson_id=ticket.lesson_id, now=now
        )
    return JsonResponse(reply)


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


urlpatterns: list = [
    path("courses/<int:pk>/enrol/", enrol, name="enrol"),
]
