"""The organizer's pages at a venue: the sessions of the day, the projector screen,
roll-call, scanning a person's code, deciding walk-ins, and printing members' cards."""

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

from .. import sign_in
from ..api import qr_svg, screen_payload
from ..exceptions import AttendanceError, SignInRefused
from ..forms import (
    ROLL_CALL_STATUSES,
    PersonCodeForm,
    RollCallForm,
)
from ..models import AttendanceRecord, PendingWalkIn, Registration, TrainingSession
from ..selectors import session_counts, session_evaluation_summary, sessions_visible_to
from ..services import attendance_mark
from ..windows import sign_in_is_open

Status = AttendanceRecord.Status
CARDS_PER_PAGE = 200


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
            "open_now": sign_in_is_open(session),
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
