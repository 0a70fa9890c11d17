"""Study views: enrolment and heartbeats from the lesson page (我的学习 lives in lms.home)."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lms.people.selectors import person_for_user

from .exceptions import LessonNotFound, StudyError
from .models import CoursePage, Enrollment
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


urlpatterns: list = [
    path("heartbeat/", heartbeat, name="heartbeat"),
    path("courses/<int:pk>/enrol/", enrol, name="enrol"),
]
