"""Every way of signing in from a phone: the rotating QR code, the numeric code, the walk-in
form, a person's own code scanned by the organizer, and rating a session afterwards.

The rules about records live in `services` (`attendance_sign_in`, `attendance_sign_out`);
this module decides *who* is signing in to *which* session and whether the proof is good.

A QR token carries the session, the direction (in or out) and a 30-second time window,
signed with SECRET_KEY. It is good for the current and the previous window only, so the
screen's code keeps working for the few seconds a phone needs, while a photo sent to a
friend at home stops working within a minute. The numeric code is derived from the same
window, so it needs no storage either.
"""

import datetime
import hashlib
import re
from base64 import urlsafe_b64encode
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import base36_to_int, int_to_base36
from django.utils.translation import gettext as _

from lms.imports.cells import to_halfwidth
from lms.outages.counters import failure_count_add, failure_counts
from lms.people.identity import normalize_name, phone_or_nothing
from lms.people.models import Person, Village
from lms.people.selectors import people_visible_to, person_for_user, person_in_village
from lms.people.services import person_save

from .exceptions import (
    CodeGuessingBlocked,
    EvaluationRefused,
    PersonCodeInvalid,
    SessionCancelled,
    SignInExpired,
    SignInNotOpen,
    SignInRefused,
    WalkInClosed,
)
from .models import AttendanceRecord, Evaluation, PendingWalkIn, Registration, TrainingSession
from .selectors import session_counts, session_evaluation_summary
from .services import attendance_sign_in, attendance_sign_out
from .windows import sign_in_is_open, sign_in_window_message, sign_out_window_message

Method = AttendanceRecord.Method

WINDOW_SECONDS = 30
SIGN_IN = "i"
SIGN_OUT = "o"
CODE_DIGITS = 6
PERSON_CHECK_DIGITS = 4
# Signing out stays open this long after the end, for the queue at the door.
# Wrong codes are counted against whoever types them (their account; without a login, the
# browser's session) and against the network address they come from. The first stops a
# guesser within a few tries. A whole village reaches the internet through one carrier
# address, so the address count is generous and only a client not yet stopped adds to it:
# one villager's typos can never lock the hall out.
CODE_FAILURES_PER_CLIENT = 10
CODE_FAILURES_PER_ADDRESS = 200
CODE_FAILURE_SECONDS = 10 * 60
_SALT = "attendance.sign_in"


def _now(at: datetime.datetime | None) -> datetime.datetime:
    return at or timezone.now()


def _window(at: datetime.datetime) -> int:
    return int(at.timestamp()) // WINDOW_SECONDS


def _mac(*parts) -> bytes:
    return salted_hmac(_SALT, "|".join(str(part) for part in parts), algorithm="sha256").digest()


def window_seconds_left(at: datetime.datetime | None = None) -> int:
    """Seconds until the QR code and the numeric code change."""
    at = _now(at)
    return WINDOW_SECONDS - int(at.timestamp()) % WINDOW_SECONDS


@dataclass(frozen=True)
class SignInGrant:
    """Proof, from the screen, that someone is at a session now: which one, in or out, how."""

    session: TrainingSession
    direction: str  # SIGN_IN or SIGN_OUT
    method: str  # Method.QR or Method.CODE

    @property
    def signs_out(self) -> bool:
        return self.direction == SIGN_OUT


# --- The rotating QR token -------------------------------------------------------------------


def _token_signature(direction: str, session_id: int, window: int) -> str:
    # 9 bytes: 12 URL-safe characters, no padding; 72 bits for a code that lives a minute.
    digest = _mac("token", direction, session_id, window)[:9]
    return urlsafe_b64encode(digest).decode()


def sign_in_token_make(
    *, session: TrainingSession, direction: str = SIGN_IN, at: datetime.datetime | None = None
) -> str:
    """The token in the screen's QR code for this 30-second window, e.g. 'i2n.y4k1c.…'."""
    window = _window(_now(at))
    signature = _token_signature(direction, session.pk, window)
    return f"{direction}{int_to_base36(session.pk)}.{int_to_base36(window)}.{signature}"


def _refuse_unless_open(session: TrainingSession, direction: str, at) -> None:
    if direction == SIGN_OUT:
        refusal = sign_out_window_message(session, at)
    else:
        refusal = sign_in_window_message(session, at)
    if refusal:
        raise SignInNotOpen(refusal)


def sign_in_token_read(token: str, *, at: datetime.datetime | None = None) -> SignInGrant:
    """The session a scanned token admits to, or a refusal that says why.

    SignInRefused: not one of our tokens (altered, or made for another session);
    SignInExpired: ours, but more than a window old (a forwarded photo);
    SignInNotOpen: the session is not open for signing in (or out) now.
    """
    at = _now(at)
    try:
        head, window_part, signature = (token or "").split(".")
        direction, session_id = head[0], base36_to_int(head[1:])
        window = base36_to_int(window_part)
    except (ValueError, IndexError):
        raise SignInRefused() from None
    if direction not in (SIGN_IN, SIGN_OUT) or not constant_time_compare(
        signature, _token_signature(direction, session_id, window)
    ):
        raise SignInRefused()
    current = _window(at)
    # One window ahead is tolerated: app servers' clocks differ by a second or two.
    if window > current + 1:
        raise SignInRefused()
    if window < current - 1:
        raise SignInExpired()
    session = TrainingSession.objects.select_related("village").filter(pk=session_id).first()
    if session is None:
        raise SignInRefused()
    _refuse_unless_open(session, direction, at)
    return SignInGrant(session=session, direction=direction, method=Method.QR)


# --- The numeric code ------------------------------------------------------------------------


def sign_in_code_make(*, session: TrainingSession, at: datetime.datetime | None = None) -> str:
    """The 6-digit code shown beside the QR code; it changes with the QR code."""
    return _code_for(session.pk, _window(_now(at)))


def _code_for(session_id: int, window: int) -> str:
    number = int.from_bytes(_mac("code", session_id, window)[:8], "big")
    return f"{number % 10**CODE_DIGITS:0{CODE_DIGITS}d}"


def sessions_open_for_sign_in(
    at: datetime.datetime | None = None, *, township_id: int | None = None
) -> list[TrainingSession]:
    """Sessions whose sign-in window is open now, anywhere or in one township."""
    at = _now(at)
    # sign_in_opens_before is at most 32767 minutes: bound the query, then check exactly.
    candidates = (
        TrainingSession.objects.exclude(status=TrainingSession.Status.CANCELLED)
        .filter(ends_at__gte=at, starts_at__lte=at + datetime.timedelta(minutes=32767))
        .select_related("village")
    )
    if township_id is not None:
        candidates = candidates.filter(village__township_id=township_id)
    return [session for session in candidates if sign_in_is_open(session, at)]


def _code_digits(code: str) -> str:
    digits = re.sub(r"\D", "", to_halfwidth(code or ""))
    if len(digits) != CODE_DIGITS:
        raise SignInRefused(_("Enter the 6-digit code shown on the screen."))
    return digits


def sign_in_code_read(
    code: str, *, township_id: int | None = None, at: datetime.datetime | None = None
) -> SignInGrant:
    """The open session whose current (or previous) code this is, or SignInRefused.

    This only reads; every entrance goes through `sign_in_code_redeem`, which limits guesses.
    """
    at = _now(at)
    digits = _code_digits(code)
    current = _window(at)
    matches = [
        session
        for session in sessions_open_for_sign_in(at, township_id=township_id)
        if any(
            constant_time_compare(digits, _code_for(session.pk, window))
            for window in (current, current - 1)
        )
    ]
    if not matches:
        raise SignInRefused(
            _(
                "This code is not valid now. Enter the code on the screen at the venue;"
                " it changes every 30 seconds."
            )
        )
    if len(matches) > 1:  # two sessions drew the same code in one window: very rare
        raise SignInRefused(_("This code fits more than one session. Scan the QR code instead."))
    return SignInGrant(session=matches[0], direction=SIGN_IN, method=Method.CODE)


def _code_failure_key(kind: str, value: str) -> str:
    return f"sign-in-code-fail:{kind}:" + hashlib.sha256((value or "-").encode()).hexdigest()


def _code_client(user, session_key: str) -> str:
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"session:{session_key or '-'}"


def sign_in_code_redeem(
    *,
    code: str,
    user,
    address: str,
    session_key: str = "",
    at: datetime.datetime | None = None,
) -> SignInGrant:
    """The one entrance for a typed code (the site's form and the API alike).

    Refused without looking when the typist or their address has too many wrong codes
    (CodeGuessingBlocked); a wrong code counts against both. A learner's code is looked for
    among their own township's sessions only, so a guess can hit one of a few sessions, not
    one of every session open in the county. A code of the wrong length costs nothing.
    """
    at = _now(at)
    digits = _code_digits(code)
    client_key = _code_failure_key("client", _code_client(user, session_key))
    address_key = _code_failure_key("address", address)
    # In the shared cache, or in the database while it is away: never unlimited.
    counts = failure_counts([client_key, address_key])
    if (
        counts.get(client_key, 0) >= CODE_FAILURES_PER_CLIENT
        or counts.get(address_key, 0) >= CODE_FAILURES_PER_ADDRESS
    ):
        raise CodeGuessingBlocked()
    person = person_for_user(user)
    township_id = person.village.township_id if person is not None else None
    try:
        return sign_in_code_read(digits, township_id=township_id, at=at)
    except SignInRefused:
        failure_count_add(client_key, seconds=CODE_FAILURE_SECONDS)
        failure_count_add(address_key, seconds=CODE_FAILURE_SECONDS)
        raise


# --- Using a grant ---------------------------------------------------------------------------


def sign_in_grant_use(
    *, grant: SignInGrant, person: Person, by=None, at: datetime.datetime | None = None
) -> tuple[AttendanceRecord, bool]:
    """Sign the person in (or out) of the grant's session; returns (record, changed)."""
    at = _now(at)
    if not grant.signs_out:
        return attendance_sign_in(
            session=grant.session, person=person, method=grant.method, by=by, at=at
        )
    _refuse_unless_open(grant.session, SIGN_OUT, at)
    already = AttendanceRecord.objects.filter(
        session=grant.session, person=person, signed_out_at__isnull=False
    ).first()
    if already is not None:
        return already, False
    record = attendance_sign_out(
        session=grant.session, person=person, method=grant.method, by=by, at=at
    )
    if record is None:
        raise SignInRefused(
            _("You have not signed in to this session, so there is nothing to sign out of.")
        )
    return record, True


# --- Walk-ins --------------------------------------------------------------------------------


@dataclass
class WalkInResult:
    """What became of a walk-in: signed in (maybe as a new person), or waiting for staff."""

    record: AttendanceRecord | None = None
    person: Person | None = None
    pending: PendingWalkIn | None = None
    person_created: bool = False
    newly: bool = False


def walk_in_villages(session: TrainingSession) -> QuerySet[Village]:
    """The villages a walk-in may say they live in: those of the session's township."""
    return Village.objects.filter(township_id=session.village.township_id).order_by("name")


def walk_in_sign_in(
    *,
    session: TrainingSession,
    name: str,
    village: Village,
    phone: str = "",
    at: datetime.datetime | None = None,
) -> WalkInResult:
    """Sign in someone who has no account, by name, village and phone.

    One person fits: they are signed in. Nobody fits: they are added to the roster of
    their village and signed in. Several fit: nobody is created or signed in; the
    organizer is asked (a PendingWalkIn) and the attendee is sent to the desk.
    """
    with transaction.atomic():
        at = _now(at)
        _refuse_unless_open(session, SIGN_IN, at)
        name = normalize_name(name)
        if not name:
            raise SignInRefused(_("Enter your full name."))
        if village.township_id != session.village.township_id:
            raise SignInRefused(_("Choose one of the township's villages."))
        # Two taps of "sign in" from a new face must not add them to the roster twice:
        # walk-ins of one village take turns (a row lock; SQLite serialises writes anyway).
        Village.objects.select_for_update().filter(pk=village.pk).first()
        phone = phone_or_nothing(phone)
        match = person_in_village(name=name, village=village, phone=phone)
        if match.is_ambiguous:
            pending, _created = PendingWalkIn.objects.get_or_create(
                session=session,
                village=village,
                name=name,
                phone=phone,
                status=PendingWalkIn.Status.PENDING,
                defaults={"arrived_at": at},
            )
            return WalkInResult(pending=pending)
        person, created = match.person, False
        if person is None:
            person = person_save(person=Person(name=name, village=village, phone=phone))
            created = True
        record, newly = attendance_sign_in(
            session=session, person=person, method=Method.WALK_IN, at=at
        )
        return WalkInResult(record=record, person=person, person_created=created, newly=newly)


def walk_in_sign_out(
    *,
    session: TrainingSession,
    name: str,
    village: Village,
    phone: str = "",
    at: datetime.datetime | None = None,
) -> tuple[AttendanceRecord, bool]:
    """Sign out someone without an account; of the people the name fits, only those who
    signed in to this session can be meant, which usually settles a shared name."""
    with transaction.atomic():
        at = _now(at)
        _refuse_unless_open(session, SIGN_OUT, at)
        match = person_in_village(
            name=normalize_name(name), village=village, phone=phone_or_nothing(phone)
        )
        people = [match.person] if match.person else [known.person for known in match.candidates]
        signed_in = list(
            AttendanceRecord.objects.filter(
                session=session, person__in=people, status__in=AttendanceRecord.CAME
            ).select_related("person")
        )
        if len(signed_in) != 1:
            raise SignInRefused(
                _("We could not find your sign-in for this session. Ask the staff at the desk.")
            )
        grant = SignInGrant(session=session, direction=SIGN_OUT, method=Method.WALK_IN)
        return sign_in_grant_use(grant=grant, person=signed_in[0].person, at=at)


def walk_in_candidates(pending: PendingWalkIn) -> list[Person]:
    """Everyone of that name in that village: the organizer picks one, or a new person."""
    return list(
        Person.objects.filter(village_id=pending.village_id, name=pending.name)
        .select_related("village", "household")
        .order_by("pk")
    )


def walk_in_resolve(
    *, pending: PendingWalkIn, person: Person | None, by
) -> tuple[AttendanceRecord, Person]:
    """The organizer says who a pending walk-in is (None: a new person) and signs them in,
    as of when they arrived."""
    with transaction.atomic():
        pending = (
            PendingWalkIn.objects.select_for_update()
            .select_related("session__village")
            .get(pk=pending.pk)
        )
        if pending.status != PendingWalkIn.Status.PENDING:
            raise WalkInClosed()
        if person is None:
            person = person_save(
                person=Person(name=pending.name, village_id=pending.village_id, phone=pending.phone)
            )
        elif person.pk not in {candidate.pk for candidate in walk_in_candidates(pending)}:
            raise WalkInClosed(_("Choose one of the people listed, or a new person."))
        record, _newly = attendance_sign_in(
            session=pending.session,
            person=person,
            method=Method.WALK_IN,
            by=by,
            at=pending.arrived_at,
        )
        _close_pending(pending, status=PendingWalkIn.Status.RESOLVED, person=person, by=by)
        return record, person


def walk_in_dismiss(*, pending: PendingWalkIn, by) -> PendingWalkIn:
    """The organizer found nobody at the desk, or the entry was a mistake."""
    with transaction.atomic():
        pending = PendingWalkIn.objects.select_for_update().get(pk=pending.pk)
        if pending.status != PendingWalkIn.Status.PENDING:
            raise WalkInClosed()
        _close_pending(pending, status=PendingWalkIn.Status.DISMISSED, person=None, by=by)
        return pending


def _close_pending(pending: PendingWalkIn, *, status: str, person, by) -> None:
    pending.status = status
    pending.person = person
    pending.resolved_by = by if by is not None and by.is_authenticated else None
    pending.resolved_at = timezone.now()
    pending.save(update_fields=["status", "person", "resolved_by", "resolved_at"])


# --- A person's own code ---------------------------------------------------------------------


def person_code_make(person: Person) -> str:
    """The number on a person's card and in their QR code: their id, then 4 check digits
    signed with SECRET_KEY, so a typo or an invented number is refused."""
    check = int.from_bytes(_mac("person", person.pk)[:8], "big") % 10**PERSON_CHECK_DIGITS
    return f"{person.pk}{check:0{PERSON_CHECK_DIGITS}d}"


def person_code_display(code: str) -> str:
    """'12345678' → '1234 5678': the check digits stand apart, for reading aloud."""
    return f"{code[:-PERSON_CHECK_DIGITS]} {code[-PERSON_CHECK_DIGITS:]}"


def person_code_read(code: str) -> Person:
    digits = re.sub(r"\D", "", to_halfwidth(code or ""))
    if not PERSON_CHECK_DIGITS < len(digits) <= 18:
        raise PersonCodeInvalid()
    person_id = int(digits[:-PERSON_CHECK_DIGITS])
    person = Person.objects.select_related("village").filter(pk=person_id).first()
    if person is None or not constant_time_compare(digits, person_code_make(person)):
        raise PersonCodeInvalid()
    return person


def person_code_sign_in(
    *, session: TrainingSession, code: str, by, at: datetime.datetime | None = None
) -> tuple[AttendanceRecord, bool]:
    """The organizer scans (or types) a person's own code: they are signed in."""
    person = person_code_read(code)
    return attendance_sign_in(
        session=session, person=person, method=Method.PERSON_QR, by=by, at=_now(at)
    )


# --- Rating a session ------------------------------------------------------------------------


def evaluation_submit(
    *, session: TrainingSession, person: Person, satisfaction: int, comment: str = ""
) -> Evaluation:
    """An attendee rates a session once: 满意度 1–5 and an optional comment."""
    with transaction.atomic():
        if session.status == session.Status.CANCELLED:
            raise SessionCancelled()
        if not 1 <= int(satisfaction) <= 5:
            raise EvaluationRefused(_("Choose a rating from 1 to 5."))
        came = AttendanceRecord.objects.filter(
            session=session, person=person, status__in=AttendanceRecord.CAME
        ).exists()
        if not came:
            raise EvaluationRefused()
        try:
            with transaction.atomic():
                return Evaluation.objects.create(
                    session=session,
                    person=person,
                    satisfaction=int(satisfaction),
                    comment=(comment or "").strip()[:1000],
                )
        except IntegrityError:
            raise EvaluationRefused(_("You have already rated this session. Thank you.")) from None


# --- Reads for the organizer's screen and roll-call ------------------------------------------


def roll_call_person(*, user, session: TrainingSession, person_id: int) -> Person | None:
    """Someone the organizer may tick off: on the session's roster or records (wherever they
    live), or anyone in the organizer's own villages."""
    listed = (
        Registration.objects.filter(session=session, person_id=person_id).exists()
        or AttendanceRecord.objects.filter(session=session, person_id=person_id).exists()
    )
    people = Person.objects.all() if listed else people_visible_to(user)
    return people.select_related("village").filter(pk=person_id).first()


ARRIVALS_SHOWN = 40


def session_arrivals(session: TrainingSession, *, limit: int = ARRIVALS_SHOWN):
    """The latest arrivals, newest first (one query)."""
    return list(
        session.attendance.filter(status__in=AttendanceRecord.CAME)
        .select_related("person__village")
        .order_by("-signed_in_at", "-pk")[:limit]
    )


def session_pending_walk_ins(session: TrainingSession) -> list[PendingWalkIn]:
    return list(
        session.pending_walk_ins.filter(status=PendingWalkIn.Status.PENDING).select_related(
            "village"
        )
    )


@dataclass
class ScreenState:
    """Everything the organizer's screen shows at one moment."""

    session: TrainingSession
    sign_in_token: str | None
    sign_in_code: str | None
    sign_out_token: str | None
    message: str
    seconds_left: int
    counts: dict
    arrivals: list
    pending: list
    rating: dict


def screen_state(*, session: TrainingSession, at: datetime.datetime | None = None) -> ScreenState:
    """Tokens for this window (only while open), counts, arrivals, walk-ins, the rating.

    A fixed number of queries, however many people have arrived.
    """
    at = _now(at)
    sign_in_refusal = sign_in_window_message(session, at)
    sign_in_open = sign_in_refusal is None
    sign_out_open = session.requires_sign_out and sign_out_window_message(session, at) is None
    return ScreenState(
        session=session,
        sign_in_token=sign_in_token_make(session=session, at=at) if sign_in_open else None,
        sign_in_code=sign_in_code_make(session=session, at=at) if sign_in_open else None,
        sign_out_token=(
            sign_in_token_make(session=session, direction=SIGN_OUT, at=at)
            if sign_out_open
            else None
        ),
        message=sign_in_refusal or "",
        seconds_left=window_seconds_left(at),
        counts=session_counts(session),
        arrivals=session_arrivals(session),
        pending=session_pending_walk_ins(session),
        rating=session_evaluation_summary(session),
    )
