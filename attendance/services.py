"""Writing attendance: one record per person per session, every change kept, hours credited.

Every way of signing in (QR, code, walk-in, roll-call, paper sheet, a person's own code)
ends in `attendance_mark` or `attendance_sign_in`, and every change of a record, signing out
and closing included, in `_record_write`, so the rules live here once.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.ledger.models import StudyHoursEntry
from lms.ledger.services import ledger_record, ledger_withdraw

from .exceptions import SessionCancelled, SessionHasAttendance, SignInNotOpen
from .models import AttendanceChange, AttendanceRecord, TrainingSession
from .windows import sign_in_window_message

Status = AttendanceRecord.Status
Method = AttendanceRecord.Method
# Signing out this long before the end counts as leaving early.
LEAVE_EARLY_MARGIN = datetime.timedelta(minutes=10)


def _record_for_update(*, session, person) -> tuple[AttendanceRecord, bool]:
    """The person's record for the session, locked; created if missing (race-safe: two
    phones signing the same person in at once both reach the INSERT, the unique constraint
    lets one win, and `get_or_create` then reads the winner's row). A new record gets its
    status and method from the caller before it is saved again, in the same transaction."""
    return AttendanceRecord.objects.select_for_update().get_or_create(
        session=session, person=person
    )


def _user_or_none(by):
    """Who acted, as a user to store; None for no one logged in (a QR scan, a visitor)."""
    return by if by is not None and by.is_authenticated else None


def _record_write(record, *, session, before: str, method: str, by, note: str = "") -> None:
    """The one writer every way of marking attendance ends in: save the record, keep the
    change in its history (from, to, how, who), credit or withdraw the session's hours, and
    count the session as held once someone came."""
    record.save()
    AttendanceChange.objects.create(
        record=record,
        from_status=before,
        to_status=record.status,
        method=method,
        changed_by=_user_or_none(by),
        note=note[:200],
    )
    record.session = session
    attendance_ledger_sync(record)
    if record.status in AttendanceRecord.CAME:
        _mark_held(session)


def attendance_ledger_sync(record: AttendanceRecord) -> None:
    """Credit the session's hours for present and late; withdraw them otherwise."""
    session = record.session
    if record.status in AttendanceRecord.CREDITED and session.status != session.Status.CANCELLED:
        ledger_record(
            person_id=record.person_id,
            on=session.local_date,
            hours=session.study_hours,
            track=session.track,
            source_kind=StudyHoursEntry.Source.ATTENDANCE,
            source_id=record.pk,
        )
    else:
        ledger_withdraw(source_kind=StudyHoursEntry.Source.ATTENDANCE, source_id=record.pk)


def attendance_merge_settle(
    *, kept: AttendanceRecord | None, kept_before, dropped: AttendanceRecord, by
) -> None:
    """Two records of one person at a session become one (people's merge keeps the kept
    person's record, with the values of whichever says they came; see merging.py).

    The dropped record's history joins the kept one's and the merge is written there, so how
    each was recorded stays on file; the session's hours are credited once, as the kept record
    now says: the dropped record's credit (which the merge moves to the kept person) is
    withdrawn, or the session would count twice in 学时 and in the year's program.
    """
    ledger_withdraw(source_kind=StudyHoursEntry.Source.ATTENDANCE, source_id=dropped.pk)
    if kept is None:
        return
    dropped.changes.update(record=kept)
    AttendanceChange.objects.create(
        record=kept,
        from_status=kept_before.status,
        to_status=kept.status,
        method=Method.MANUAL,
        changed_by=_user_or_none(by),
        note=_("Merged with a duplicate record of the same person, which said: %(status)s")
        % {"status": dropped.get_status_display()},
    )
    attendance_ledger_sync(kept)


def session_ledger_resync(*, session: TrainingSession) -> None:
    """After a session's hours, track or date change: recompute its attendees' credits."""
    for record in session.attendance.all():
        record.session = session
        attendance_ledger_sync(record)


def _mark_held(session: TrainingSession) -> None:
    if session.status == session.Status.PLANNED:
        TrainingSession.objects.filter(pk=session.pk, status=session.Status.PLANNED).update(
            status=session.Status.HELD
        )
        session.status = session.Status.HELD


def attendance_mark(
    *,
    session: TrainingSession,
    person,
    status: str,
    method: str,
    by=None,
    at: datetime.datetime | None = None,
    excused_by: str = "",
    note: str = "",
) -> AttendanceRecord:
    """Set a person's status for a session (roll-call, import, staff correction).

    Creates the record or changes it; logs who, when and how; credits or withdraws hours.
    """
    with transaction.atomic():
        if session.status == session.Status.CANCELLED:
            raise SessionCancelled()
        at = at or timezone.now()
        record, created = _record_for_update(session=session, person=person)
        before = "" if created else record.status
        if not created and before == status and excused_by in ("", record.excused_by):
            return record  # nothing changes: no history entry, no ledger write
        record.status = status
        record.method = method
        if status in AttendanceRecord.CAME and record.signed_in_at is None:
            record.signed_in_at = at
        record.excused_by = excused_by if status == Status.EXCUSED else ""
        record.recorded_by = _user_or_none(by)
        _record_write(record, session=session, before=before, method=method, by=by, note=note)
        return record


def attendance_sign_in(
    *,
    session: TrainingSession,
    person,
    method: str,
    by=None,
    at: datetime.datetime | None = None,
) -> tuple[AttendanceRecord, bool]:
    """A person signs in (or is signed in) while the window is open: present, or late.

    Signing in twice changes nothing; returns (record, newly_signed_in).
    """
    with transaction.atomic():
        at = at or timezone.now()
        refusal = sign_in_window_message(session, at)
        if refusal:
            raise SignInNotOpen(refusal)
        status = Status.LATE if at > session.late_from else Status.PRESENT
        record, created = _record_for_update(session=session, person=person)
        if not created and record.status in AttendanceRecord.CAME:
            return record, False
        before = "" if created else record.status
        record.status = status
        record.method = method
        record.signed_in_at = at
        record.excused_by = ""
        record.recorded_by = _user_or_none(by)
        _record_write(record, session=session, before=before, method=method, by=by)
        return record, True


def attendance_sign_out(
    *, session: TrainingSession, person, method: str, by=None, at=None
) -> AttendanceRecord | None:
    """签退: records the time; leaving well before the end makes the record 'left early'."""
    with transaction.atomic():
        at = at or timezone.now()
        record = (
            AttendanceRecord.objects.select_for_update()
            .filter(session=session, person=person, status__in=AttendanceRecord.CAME)
            .first()
        )
        if record is None:
            return None
        record.signed_out_at = at
        if at >= session.ends_at - LEAVE_EARLY_MARGIN:
            record.save(update_fields=["signed_out_at", "updated_at"])  # on time: a time only
            return record
        before, record.status = record.status, Status.LEFT_EARLY
        _record_write(
            record,
            session=session,
            before=before,
            method=method,
            by=by,
            note=_("signed out early"),
        )
        return record


def session_close(
    *, session: TrainingSession, now: datetime.datetime | None = None
) -> TrainingSession:
    """When a session ends it counts as held; on a sign-out session, who never signed out
    left early. Before its end (or cancelled) nothing changes."""
    with transaction.atomic():
        now = now or timezone.now()
        session = TrainingSession.objects.select_for_update().get(pk=session.pk)
        if session.status == session.Status.CANCELLED or session.ends_at > now:
            return session
        _mark_held(session)
        if session.requires_sign_out:
            for record in session.attendance.filter(
                status__in=AttendanceRecord.CREDITED, signed_out_at__isnull=True
            ):
                before, record.status = record.status, Status.LEFT_EARLY
                _record_write(
                    record,
                    session=session,
                    before=before,
                    method=Method.MANUAL,
                    by=None,
                    note=_("did not sign out"),
                )
        return session


def session_cancel(*, session: TrainingSession, by=None) -> TrainingSession:
    """Cancel a session nobody attended; a cancelled session never counts."""
    with transaction.atomic():
        session = TrainingSession.objects.select_for_update().get(pk=session.pk)
        if session.attendance.filter(status__in=AttendanceRecord.CAME).exists():
            raise SessionHasAttendance()
        session.status = session.Status.CANCELLED
        session.save(update_fields=["status", "updated_at"])
        return session
