"""Study views: enrolment (the heartbeat is courses/heartbeat.py; 我的学习 lives in lms.home)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lms.people.selectors import person_for_user

from .exceptions import StudyError
from .models import CoursePage, Enrollment
from .services import enrollment_create


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
