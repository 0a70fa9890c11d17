"""The attendee's pages: a scanned QR code or a typed code, the sign-in page and the walk-in
form, the confirmation, rating a session, and my own code.

Thin: who may sign in where, and how, is decided in `attendance.sign_in`; records are
written by `attendance.services`. What a view keeps is the browser's side of it: the
"pass" a scanned code leaves in the visitor's session, so the walk-in form or the login
that follows still works after the 30-second code on the screen has moved on.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from lms.people.models import Person
from lms.people.selectors import (
    person_for_user,
)
from lms.people.throttle import client_address

from .. import sign_in
from ..api import qr_svg
from ..exceptions import AttendanceError, CodeGuessingBlocked
from ..forms import (
    EvaluationForm,
    SignInCodeForm,
    WalkInForm,
)
from ..models import AttendanceRecord, Evaluation, PendingWalkIn, TrainingSession

Status = AttendanceRecord.Status
PASS_KEY = "attendance_pass"
PEOPLE_KEY = "attendance_people"  # {session id: person id} signed in from this browser
DONE_KEY = "attendance_done"
# How long a scanned code admits its phone to the walk-in form and the login page.
PASS_SECONDS = 15 * 60


# --- The pass a scanned QR code or a typed code leaves in the visitor's session --------------


def _pass_store(request, grant: sign_in.SignInGrant) -> None:
    request.session[PASS_KEY] = {
        "session": grant.session.pk,
        "direction": grant.direction,
        "method": grant.method,
        "until": (timezone.now() + datetime.timedelta(seconds=PASS_SECONDS)).timestamp(),
    }


def _pass_load(request) -> sign_in.SignInGrant | None:
    data = request.session.get(PASS_KEY)
    if not data or data.get("until", 0) < timezone.now().timestamp():
        return None
    session = TrainingSession.objects.select_related("village").filter(pk=data["session"]).first()
    if session is None:
        return None
    return sign_in.SignInGrant(session=session, direction=data["direction"], method=data["method"])


def _remember(request, session: TrainingSession, person: Person) -> None:
    """This browser signed the person in: it may sign them out and rate the session."""
    people = dict(request.session.get(PEOPLE_KEY, {}))
    people[str(session.pk)] = person.pk
    request.session[PEOPLE_KEY] = people


def _remembered_person(request, session: TrainingSession) -> Person | None:
    person_id = request.session.get(PEOPLE_KEY, {}).get(str(session.pk))
    if person_id is None:
        return None
    return Person.objects.filter(pk=person_id).first()


def _attendee(request, session: TrainingSession) -> Person | None:
    return person_for_user(request.user) or _remembered_person(request, session)


def _done(request, *, record=None, pending=None, direction=sign_in.SIGN_IN):
    request.session[DONE_KEY] = {
        "record": record.pk if record else None,
        "pending": pending.pk if pending else None,
        "direction": direction,
    }
    return redirect("attendance:done")


def _refused(request, message: str, *, status: int = 403):
    return render(request, "attendance/refused.html", {"message": message}, status=status)


def _use_grant(request, grant: sign_in.SignInGrant, person: Person):
    try:
        record, _changed = sign_in.sign_in_grant_use(grant=grant, person=person, by=request.user)
    except AttendanceError as error:
        return _refused(request, str(error))
    _remember(request, grant.session, person)
    return _done(request, record=record, direction=grant.direction)


# --- Attendees -------------------------------------------------------------------------------


@never_cache
def token(request, token):
    """Where the screen's QR code leads. Logged in: signed in at once. Otherwise: on to the
    page that offers the login and the walk-in form."""
    try:
        grant = sign_in.sign_in_token_read(token)
    except AttendanceError as error:
        return _refused(request, str(error))
    _pass_store(request, grant)
    person = person_for_user(request.user)
    if person is not None:
        return _use_grant(request, grant, person)
    # The redirect also takes the token out of the address bar, so it is not shared.
    return redirect("attendance:sign_in")


@never_cache
@require_http_methods(["GET", "POST"])
def code(request):
    """The numeric code beside the QR code, typed in where scanning fails."""
    form = SignInCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not request.user.is_authenticated and request.session.session_key is None:
            request.session.save()  # the guess limit counts per browser without a login
        try:
            grant = sign_in.sign_in_code_redeem(
                code=form.cleaned_data["code"],
                user=request.user,
                session_key=request.session.session_key or "",
                address=client_address(request),
            )
        except CodeGuessingBlocked as error:
            form.add_error(None, str(error))
        except AttendanceError as error:
            form.add_error("code", str(error))
        else:
            _pass_store(request, grant)
            person = person_for_user(request.user)
            if person is not None:
                return _use_grant(request, grant, person)
            return redirect("attendance:sign_in")
    return render(request, "attendance/code.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_page(request):
    """After a scan or a code: log in, or sign in (or out) with name, village and phone."""
    grant = _pass_load(request)
    if grant is None:
        return _refused(
            request,
            _("Scan the QR code on the screen at the venue, or enter the code shown there."),
            status=400,
        )
    session = grant.session
    person = person_for_user(request.user)
    if person is not None and request.method == "GET":
        return _use_grant(request, grant, person)
    remembered = _remembered_person(request, session) if grant.signs_out else None
    if remembered is not None and request.method == "POST" and "remembered" in request.POST:
        return _use_grant(request, grant, remembered)
    form = WalkInForm(
        request.POST or None,
        villages=sign_in.walk_in_villages(session),
        initial_village=session.village,
    )
    if request.method == "POST" and "remembered" not in request.POST and form.is_valid():
        data = form.cleaned_data
        try:
            if grant.signs_out:
                record, _changed = sign_in.walk_in_sign_out(
                    session=session, name=data["name"], village=data["village"], phone=data["phone"]
                )
                return _done(request, record=record, direction=sign_in.SIGN_OUT)
            result = sign_in.walk_in_sign_in(
                session=session, name=data["name"], village=data["village"], phone=data["phone"]
            )
        except AttendanceError as error:
            form.add_error(None, str(error))
        else:
            if result.pending is not None:
                return _done(request, pending=result.pending)
            _remember(request, session, result.person)
            return _done(request, record=result.record)
    login_url = f"{reverse('accounts:login')}?next={reverse('attendance:sign_in')}"
    return render(
        request,
        "attendance/sign_in.html",
        {
            "session": session,
            "signs_out": grant.signs_out,
            "form": form,
            "login_url": login_url,
            "remembered": remembered,
            "unlinked_account": request.user.is_authenticated and person is None,
        },
    )


@never_cache
def done(request):
    """The big result: signed in (or out), or "go to the desk" for an ambiguous walk-in."""
    data = request.session.get(DONE_KEY) or {}
    record = pending = None
    if data.get("record"):
        record = (
            AttendanceRecord.objects.select_related("session", "person__village")
            .filter(pk=data["record"])
            .first()
        )
    if data.get("pending"):
        pending = PendingWalkIn.objects.select_related("session").filter(pk=data["pending"]).first()
    if record is None and pending is None:
        return redirect("attendance:code")
    rated = (
        record is not None
        and Evaluation.objects.filter(session=record.session, person=record.person).exists()
    )
    return render(
        request,
        "attendance/done.html",
        {
            "record": record,
            "pending": pending,
            "signed_out": data.get("direction") == sign_in.SIGN_OUT,
            "is_late": record is not None and record.status == AttendanceRecord.Status.LATE,
            "rated": rated,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def rate(request, pk):
    """满意度: someone who came rates the session once, from their phone."""
    session = get_object_or_404(TrainingSession, pk=pk)
    person = _attendee(request, session)
    if person is None:
        if not request.user.is_authenticated:
            return redirect(f"{reverse('accounts:login')}?next={request.path}")
        return _refused(request, _("This account is not linked to a person on the roster."))
    existing = Evaluation.objects.filter(session=session, person=person).first()
    form = EvaluationForm(request.POST or None)
    if existing is None and request.method == "POST" and form.is_valid():
        try:
            existing = sign_in.evaluation_submit(
                session=session,
                person=person,
                satisfaction=form.cleaned_data["satisfaction"],
                comment=form.cleaned_data["comment"],
            )
        except AttendanceError as error:
            return _refused(request, str(error))
        messages.success(request, _("Thank you for your rating."))
        return redirect("attendance:rate", pk=session.pk)
    came = session.attendance.filter(person=person, status__in=AttendanceRecord.CAME).exists()
    if existing is None and not came:
        return _refused(request, _("Only people who attended the session can rate it."))
    return render(
        request,
        "attendance/rate.html",
        {"session": session, "person": person, "form": form, "evaluation": existing},
    )


@never_cache
@login_required
def my_code(request):
    """A learner's own code: shown to the organizer to be signed in without a QR scan."""
    person = person_for_user(request.user)
    if person is None:
        return _refused(request, _("This account is not linked to a person on the roster."))
    code = sign_in.person_code_make(person)
    return render(
        request,
        "attendance/my_code.html",
        {
            "person": person,
            "code_display": sign_in.person_code_display(code),
            "qr": mark_safe(qr_svg(code)),  # noqa: S308 — segno's own markup
        },
    )
