"""Site-side attendance pages: signing in on a phone, the organizer's screen, roll-call,
scanning a person's code, and rating a session.

Thin: who may sign in where, and how, is decided in `attendance.sign_in`; records are
written by `attendance.services`. What a view keeps is the browser's side of it: the
"pass" a scanned code leaves in the visitor's session, so the walk-in form or the login
that follows still works after the 30-second code on the screen has moved on.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from lms.people.models import Person
from lms.people.selectors import (
    people_matching,
    people_visible_to,
    person_for_user,
    user_role,
    villages_visible_to,
)
from lms.people.throttle import client_address

from . import sign_in
from .api import qr_svg, screen_payload
from .exceptions import AttendanceError, CodeGuessingBlocked, SignInRefused
from .forms import (
    ROLL_CALL_STATUSES,
    EvaluationForm,
    PersonCodeForm,
    RollCallForm,
    SignInCodeForm,
    WalkInForm,
)
from .models import AttendanceRecord, Evaluation, PendingWalkIn, Registration, TrainingSession
from .selectors import session_counts, session_evaluation_summary, sessions_visible_to
from .services import attendance_mark

Status = AttendanceRecord.Status
PASS_KEY = "attendance_pass"
PEOPLE_KEY = "attendance_people"  # {session id: person id} signed in from this browser
DONE_KEY = "attendance_done"
# How long a scanned code admits its phone to the walk-in form and the login page.
PASS_SECONDS = 15 * 60
CARDS_PER_PAGE = 200


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


# --- Organizers ------------------------------------------------------------------------------


def _staff_session(request, pk) -> TrainingSession:
    """The session, if it is in one of the user's villages; 404 for everyone else."""
    session = (
        sessions_visible_to(request.user)
        .select_related("village__township", "kind")
        .filter(pk=pk)
        .first()
    )
    if session is None:
        raise Http404
    return session


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@never_cache
@login_required
def session_list(request):
    """/training/: staff see their sessions around today; learners their ways in."""
    if user_role(request.user) is None:
        person = person_for_user(request.user)
        attended = []
        if person is not None:
            attended = (
                AttendanceRecord.objects.filter(person=person, status__in=AttendanceRecord.CAME)
                .select_related("session")
                .order_by("-signed_in_at")[:10]
            )
        return render(
            request, "attendance/learner_home.html", {"person": person, "attended": attended}
        )
    today = timezone.localdate()
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    sessions = (
        sessions_visible_to(request.user)
        .filter(
            starts_at__gte=start - datetime.timedelta(days=7),
            starts_at__lt=start + datetime.timedelta(days=8),
        )
        .select_related("village", "kind")
        .order_by("starts_at")[:60]
    )
    return render(request, "attendance/session_list.html", {"sessions": sessions})


@never_cache
@login_required
def session_detail(request, pk):
    """The organizer's page for one session: counts, rating, and the ways to record."""
    session = _staff_session(request, pk)
    return render(
        request,
        "attendance/session_detail.html",
        {
            "session": session,
            "counts": session_counts(session),
            "rating": session_evaluation_summary(session),
            "pending": sign_in.session_pending_walk_ins(session),
            "open_now": session.sign_in_is_open(),
        },
    )


@never_cache
@login_required
def screen(request, pk):
    """For the projector: the rotating QR code and numeric code, arrivals and walk-ins.

    The page draws itself from the same JSON as /api/v1/attendance/sessions/<id>/screen,
    which its script fetches every few seconds.
    """
    session = _staff_session(request, pk)
    payload = screen_payload(request, sign_in.screen_state(session=session))
    # "in", "out", or by default whichever is open: the sign-out code once sign-in closes.
    mode = request.GET.get("show") if request.GET.get("show") in ("in", "out") else "auto"
    show_out = mode == "out" or (
        mode == "auto" and payload["sign_in"] is None and payload["sign_out"] is not None
    )
    shown = payload["sign_out"] if show_out else payload["sign_in"]
    return render(
        request,
        "attendance/screen.html",
        {
            "session": session,
            "state": payload,
            "shown": shown,
            "qr": mark_safe(shown["qr_svg"]) if shown else "",  # noqa: S308
            "show_out": show_out,
            "mode": mode,
            "api_url": reverse("api-1:screen", args=[session.pk]),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def roll_call(request, pk):
    """Roll-call on the organizer's phone: the invited roster and everyone recorded, one tap
    per person; search the roster to add someone who is not listed."""
    session = _staff_session(request, pk)
    if request.method == "POST":
        return _roll_call_mark(request, session)
    records = {
        record.person_id: record
        for record in session.attendance.select_related("person__village").order_by("pk")
    }
    roster = [
        registration.person
        for registration in session.registrations.filter(
            status=Registration.Status.REGISTERED
        ).select_related("person__village")
    ]
    listed = {person.pk for person in roster}
    roster += [record.person for record in records.values() if record.person_id not in listed]
    rows = [{"person": person, "record": records.get(person.pk)} for person in roster]
    query = request.GET.get("q", "").strip()
    found = []
    if query:
        candidates = people_matching(
            people_visible_to(request.user), query=query, user=request.user
        ).select_related("village")
        found = [
            {"person": person, "record": records.get(person.pk)}
            for person in candidates.order_by("village__name", "name", "pk")[:30]
        ]
    return render(
        request,
        "attendance/roll_call.html",
        {
            "session": session,
            "rows": rows,
            "found": found,
            "query": query,
            "counts": session_counts(session),
            "pending": sign_in.session_pending_walk_ins(session),
            "statuses": ROLL_CALL_STATUSES,
            "approver": _display_name(request.user),
        },
    )


def _display_name(user) -> str:
    person = getattr(user, "person_or_none", None)
    return (person.name if person else "") or user.get_full_name() or user.get_username()


def _roll_call_mark(request, session):
    form = RollCallForm(request.POST)
    back = reverse("attendance:roll_call", args=[session.pk])
    if request.POST.get("q"):
        back += "?q=" + request.POST["q"]
    if not form.is_valid():
        message = " ".join(str(e) for errors in form.errors.values() for e in errors)
        if _wants_json(request):
            return JsonResponse({"error": message}, status=422)
        messages.error(request, message)
        return redirect(back)
    person = sign_in.roll_call_person(
        user=request.user, session=session, person_id=form.cleaned_data["person"]
    )
    if person is None:
        raise Http404
    status = form.cleaned_data["status"]
    excused_by = form.cleaned_data["excused_by"].strip() if status == Status.EXCUSED else ""
    try:
        record = attendance_mark(
            session=session,
            person=person,
            status=status,
            method=AttendanceRecord.Method.ROLL_CALL,
            by=request.user,
            excused_by=excused_by,
        )
    except AttendanceError as error:
        if _wants_json(request):
            return JsonResponse({"error": str(error)}, status=409)
        messages.error(request, str(error))
        return redirect(back)
    if _wants_json(request):
        return JsonResponse(
            {
                "person": person.pk,
                "status": record.status,
                "label": record.get_status_display(),
                "counts": session_counts(session),
            }
        )
    return HttpResponseRedirect(f"{back}#person-{person.pk}")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def scan(request, pk):
    """The organizer scans people's own codes (camera where the browser can read QR codes,
    the number typed in otherwise)."""
    session = _staff_session(request, pk)
    form = PersonCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record, changed = sign_in.person_code_sign_in(
                session=session, code=form.cleaned_data["code"], by=request.user
            )
        except AttendanceError as error:
            messages.error(request, str(error))
        else:
            if changed:
                messages.success(
                    request,
                    _("%(name)s signed in: %(status)s.")
                    % {"name": record.person.name, "status": record.get_status_display()},
                )
            else:
                messages.info(
                    request, _("%(name)s had already signed in.") % {"name": record.person.name}
                )
        return redirect("attendance:scan", pk=session.pk)
    return render(
        request,
        "attendance/scan.html",
        {
            "session": session,
            "form": form,
            "counts": session_counts(session),
            "api_url": reverse("api-1:person_code_scan", args=[session.pk]),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def walk_in(request, pk):
    """The organizer says who an ambiguous walk-in is, adds them as new, or dismisses it."""
    pending = get_object_or_404(
        PendingWalkIn.objects.select_related("session", "village").filter(
            session__in=sessions_visible_to(request.user)
        ),
        pk=pk,
    )
    candidates = sign_in.walk_in_candidates(pending)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "dismiss":
                sign_in.walk_in_dismiss(pending=pending, by=request.user)
                messages.info(request, _("The walk-in was dismissed."))
            else:
                person = None
                if action != "new":
                    person = next(
                        (p for p in candidates if str(p.pk) == request.POST.get("person")), None
                    )
                    if person is None:
                        raise SignInRefused(_("Choose one of the people listed, or a new person."))
                record, person = sign_in.walk_in_resolve(
                    pending=pending, person=person, by=request.user
                )
                messages.success(
                    request,
                    _("%(name)s signed in: %(status)s.")
                    % {"name": person.name, "status": record.get_status_display()},
                )
        except AttendanceError as error:
            messages.error(request, str(error))
            return redirect(request.get_full_path())
        return redirect(next_url or reverse("attendance:session", args=[pending.session_id]))
    return render(
        request,
        "attendance/walk_in.html",
        {"pending": pending, "candidates": candidates, "next": next_url},
    )


@never_cache
@login_required
def cards(request):
    """Printable cards with each person's own code, for those without a smartphone."""
    villages = villages_visible_to(request.user).order_by("name")
    if user_role(request.user) is None:
        raise Http404
    village = None
    if request.GET.get("village", "").isdigit():
        village = villages.filter(pk=request.GET["village"]).first()
    people = []
    if village is not None:
        people = [
            {
                "person": person,
                "code": sign_in.person_code_display(code),
                "qr": mark_safe(qr_svg(code)),  # noqa: S308
            }
            for person in Person.objects.filter(village=village).order_by("name", "pk")[
                :CARDS_PER_PAGE
            ]
            for code in [sign_in.person_code_make(person)]
        ]
    return render(
        request,
        "attendance/cards.html",
        {"villages": villages, "village": village, "people": people},
    )
