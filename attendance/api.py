"""API endpoints for signing in (the mobile client) and the organizer's screen and phone.

Mounted at /api/v1/attendance/. Every endpoint needs a login (session or bearer token);
the organizer's endpoints answer 404 for sessions outside the caller's villages. The
rules live in `attendance.sign_in` and `attendance.services`; these only translate.
"""

import datetime

import segno
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from lms.api_input import RecordId
from lms.people.selectors import person_for_user
from lms.people.throttle import client_address

from . import sign_in
from .exceptions import AttendanceError, CodeGuessingBlocked
from .models import AttendanceRecord, PendingWalkIn, TrainingSession
from .selectors import session_evaluation_summary, sessions_visible_to
from .services import attendance_mark

router = Router(tags=["attendance"])


# --- Schemas ---------------------------------------------------------------------------------


class RecordOut(Schema):
    id: int
    session_id: int
    person_id: int
    person: str
    status: str
    status_label: str
    method: str
    signed_in_at: datetime.datetime | None
    signed_out_at: datetime.datetime | None
    changed: bool = Field(False, description="False when the request changed nothing.")


class SignInIn(Schema):
    token: str = Field("", description="The token of the QR code (the part after /s/).")
    code: str = Field("", description="Or the 6-digit code shown beside it.")


class PersonCodeIn(Schema):
    code: str = Field(..., description="The number on a person's card or in their QR code.")


class RollCallIn(Schema):
    person_id: RecordId
    status: AttendanceRecord.Status
    excused_by: str = Field("", description="Who approved the leave; needed for excused.")


class ResolveIn(Schema):
    person_id: RecordId | None = Field(None, description="The person it is; empty with new_person.")
    new_person: bool = False
    dismiss: bool = False


class EvaluationIn(Schema):
    satisfaction: int = Field(..., ge=1, le=5)
    comment: str = Field("", max_length=1000)


class RatingOut(Schema):
    responses: int
    came: int
    average: float | None
    response_rate: float | None


class QrOut(Schema):
    url: str
    qr_svg: str
    code: str | None = None


class ArrivalOut(Schema):
    name: str
    village: str
    status: str
    status_label: str
    method_label: str
    time: str


class PendingOut(Schema):
    id: int
    name: str
    village: str
    arrived: str
    resolve_url: str


class ScreenOut(Schema):
    session_id: int
    topic: str
    sign_in: QrOut | None
    sign_out: QrOut | None
    message: str
    refresh_in: int = Field(..., description="Seconds until the codes change.")
    counts: dict[str, int]
    arrivals: list[ArrivalOut]
    pending: list[PendingOut]
    rating: RatingOut


# --- Helpers shared with the site's views ----------------------------------------------------


def qr_svg(data: str) -> str:
    """An inline SVG QR code that scales to its box (no size attributes, white margin)."""
    return segno.make(data, error="m").svg_inline(
        scale=1, border=2, omitsize=True, dark="#000", light="#fff"
    )


def _local_time(value) -> str:
    return timezone.localtime(value).strftime("%H:%M") if value else ""


def screen_payload(request, state: sign_in.ScreenState) -> dict:
    """The organizer's screen as JSON: what the page's script draws every few seconds."""

    def qr(token, code=None):
        if token is None:
            return None
        url = request.build_absolute_uri(reverse("attendance:token", args=[token]))
        return {"url": url, "qr_svg": qr_svg(url), "code": code}

    return {
        "session_id": state.session.pk,
        "topic": state.session.topic,
        "sign_in": qr(state.sign_in_token, state.sign_in_code),
        "sign_out": qr(state.sign_out_token),
        "message": state.message,
        "refresh_in": state.seconds_left,
        "counts": state.counts,
        "arrivals": [
            {
                "name": record.person.name,
                "village": record.person.village.name,
                "status": record.status,
                "status_label": record.get_status_display(),
                "method_label": record.get_method_display(),
                "time": _local_time(record.signed_in_at),
            }
            for record in state.arrivals
        ],
        "pending": [
            {
                "id": pending.pk,
                "name": pending.name,
                "village": pending.village.name,
                "arrived": _local_time(pending.arrived_at),
                "resolve_url": reverse("attendance:walk_in", args=[pending.pk]),
            }
            for pending in state.pending
        ],
        "rating": state.rating,
    }


def _record_out(record: AttendanceRecord, changed: bool) -> dict:
    return {
        "id": record.pk,
        "session_id": record.session_id,
        "person_id": record.person_id,
        "person": record.person.name,
        "status": record.status,
        "status_label": record.get_status_display(),
        "method": record.method,
        "signed_in_at": record.signed_in_at,
        "signed_out_at": record.signed_out_at,
        "changed": changed,
    }


def _staff_session(request, session_id: RecordId):
    session = (
        sessions_visible_to(request.user).select_related("village").filter(pk=session_id).first()
    )
    if session is None:
        raise Http404
    return session


def _refused(error: AttendanceError) -> HttpError:
    return HttpError(409, str(error))


# --- Attendees -------------------------------------------------------------------------------


@router.post("/sign-in", response={200: RecordOut})
def sign_in_by_token_or_code(request, payload: SignInIn):
    """The logged-in learner signs in (or out) with the screen's QR token or numeric code.

    409 with a message that says why when refused: expired (a forwarded photo), not ours,
    or the session is not open (the message says when it opens). 429 after too many wrong
    codes: the same guess limit as the site's code form.
    """
    person = person_for_user(request.user)
    if person is None:
        raise HttpError(403, _("This account is not linked to a person on the roster."))
    try:
        if payload.token:
            grant = sign_in.sign_in_token_read(payload.token)
        else:
            grant = sign_in.sign_in_code_redeem(
                code=payload.code, user=request.user, address=client_address(request)
            )
        record, changed = sign_in.sign_in_grant_use(grant=grant, person=person, by=request.user)
    except CodeGuessingBlocked as error:
        raise HttpError(429, str(error)) from None
    except AttendanceError as error:
        raise _refused(error) from None
    record.person = person
    return _record_out(record, changed)


@router.post("/sessions/{int:session_id}/evaluation", response={201: dict})
def evaluation_create(request, session_id: RecordId, payload: EvaluationIn):
    """An attendee rates the session once (满意度 1–5 and a comment)."""
    person = person_for_user(request.user)
    if person is None:
        raise HttpError(403, _("This account is not linked to a person on the roster."))
    session = TrainingSession.objects.filter(pk=session_id).first()
    if session is None:
        raise Http404
    try:
        evaluation = sign_in.evaluation_submit(
            session=session,
            person=person,
            satisfaction=payload.satisfaction,
            comment=payload.comment,
        )
    except AttendanceError as error:
        raise _refused(error) from None
    return Status(201, {"id": evaluation.pk, "satisfaction": evaluation.satisfaction})


# --- Organizers ------------------------------------------------------------------------------


@router.get("/sessions/{int:session_id}/screen", response=ScreenOut)
def screen(request, session_id: RecordId):
    """The organizer's screen: this window's QR codes and code, counts, arrivals, walk-ins
    waiting, and the rating. A fixed number of queries however many have arrived."""
    session = _staff_session(request, session_id)
    return screen_payload(request, sign_in.screen_state(session=session))


@router.get("/sessions/{int:session_id}/rating", response=RatingOut)
def rating(request, session_id: RecordId):
    """Average 满意度 and response rate (responses over the people who came)."""
    return session_evaluation_summary(_staff_session(request, session_id))


@router.post("/sessions/{int:session_id}/person-code", response={200: RecordOut})
def person_code_scan(request, session_id: RecordId, payload: PersonCodeIn):
    """The organizer scans or types a person's own code: that person is signed in."""
    session = _staff_session(request, session_id)
    try:
        record, changed = sign_in.person_code_sign_in(
            session=session, code=payload.code, by=request.user
        )
    except AttendanceError as error:
        raise _refused(error) from None
    return _record_out(record, changed)


@router.post("/sessions/{int:session_id}/roll-call", response={200: RecordOut})
def roll_call(request, session_id: RecordId, payload: RollCallIn):
    """Roll-call: set one person's status (excused needs who approved the leave)."""
    session = _staff_session(request, session_id)
    person = sign_in.roll_call_person(
        user=request.user, session=session, person_id=payload.person_id
    )
    if person is None:
        raise Http404
    if payload.status == AttendanceRecord.Status.EXCUSED and not payload.excused_by.strip():
        raise HttpError(422, _("Say who approved the leave."))
    try:
        record = attendance_mark(
            session=session,
            person=person,
            status=payload.status,
            method=AttendanceRecord.Method.ROLL_CALL,
            by=request.user,
            excused_by=payload.excused_by.strip() if payload.status == "excused" else "",
        )
    except AttendanceError as error:
        raise _refused(error) from None
    return _record_out(record, True)


@router.post("/walk-ins/{int:walk_in_id}/resolve", response={200: dict})
def walk_in_resolve(request, walk_in_id: RecordId, payload: ResolveIn):
    """Say who a waiting walk-in is (a person of that name, or a new person), or dismiss it."""
    pending = (
        PendingWalkIn.objects.filter(session__in=sessions_visible_to(request.user))
        .filter(pk=walk_in_id)
        .first()
    )
    if pending is None:
        raise Http404
    try:
        if payload.dismiss:
            sign_in.walk_in_dismiss(pending=pending, by=request.user)
            return {"status": PendingWalkIn.Status.DISMISSED}
        if payload.person_id is None and not payload.new_person:
            raise HttpError(422, _("Choose one of the people listed, or a new person."))
        person = None
        if not payload.new_person:
            person = next(
                (p for p in sign_in.walk_in_candidates(pending) if p.pk == payload.person_id),
                None,
            )
            if person is None:
                raise HttpError(422, _("Choose one of the people listed, or a new person."))
        record, person = sign_in.walk_in_resolve(pending=pending, person=person, by=request.user)
    except AttendanceError as error:
        raise _refused(error) from None
    return {"status": PendingWalkIn.Status.RESOLVED, "person_id": person.pk, "record": record.pk}
