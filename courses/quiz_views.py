"""Taking a lesson's quiz (mounted under /study/)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lms.people.selectors import person_for_user

from .exceptions import NoAttemptsLeft, NotEnrolled
from .models import LessonPage, QuizAttempt
from .quiz import (
    quiz_attempt_questions,
    quiz_attempt_start,
    quiz_attempt_submit,
    quiz_attempts_left,
)


@login_required
@require_http_methods(["GET", "POST"])
def quiz(request, lesson_id: int):
    """GET shows the open attempt (starting one); POST submits it and shows the result."""
    person = person_for_user(request.user)
    if person is None:
        raise PermissionDenied(_("Log in to study."))
    lesson = get_object_or_404(LessonPage.objects.live(), pk=lesson_id)
    if not lesson.has_quiz:
        raise Http404(_("This lesson has no quiz."))
    context = {"lesson": lesson, "lesson_url": lesson.get_url(request) or "/"}

    if request.method == "POST":
        attempt_id = request.POST.get("attempt", "")
        attempt = get_object_or_404(
            QuizAttempt,
            pk=int(attempt_id) if attempt_id.isdigit() else 0,
            person=person,
            lesson=lesson,
        )
        answers = {
            entry["question"]: request.POST.getlist(entry["question"])
            for entry in attempt.question_order
        }
        try:
            attempt = quiz_attempt_submit(attempt=attempt, answers=answers)
        except NotEnrolled as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(context["lesson_url"])
        context.update(
            attempt=attempt,
            questions=quiz_attempt_questions(attempt),
            attempts_left=quiz_attempts_left(person=person, lesson=lesson),
        )
        return render(request, "courses/quiz.html", context)

    try:
        attempt = quiz_attempt_start(person=person, lesson=lesson)
    except NotEnrolled as error:
        messages.error(request, str(error))
        return HttpResponseRedirect(context["lesson_url"])
    except NoAttemptsLeft as error:
        context.update(
            no_attempts_left=str(error),
            attempt=QuizAttempt.objects.filter(
                person=person, lesson=lesson, submitted_at__isnull=False
            )
            .order_by("-score", "-submitted_at")
            .first(),
            attempts_left=0,
        )
        return render(request, "courses/quiz.html", context)
    context.update(
        attempt=attempt,
        questions=quiz_attempt_questions(attempt),
        attempts_left=quiz_attempts_left(person=person, lesson=lesson),
    )
    return render(request, "courses/quiz.html", context)


urlpatterns: list = [
    path("lessons/<int:lesson_id>/quiz/", quiz, name="quiz"),
]
