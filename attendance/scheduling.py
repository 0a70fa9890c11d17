"""Scheduling sessions: the rules the admin, the plan import and the API share.

- A venue (same village, same venue text however it is spaced or cased) or a trainer (the
  same roster person, or the same trainer name) cannot be in two non-cancelled sessions
  whose times overlap. Sessions that only touch (one ends at 11:00, the next starts at
  11:00) do not overlap.
- A recurring series is checked as a whole before anything is written.
- Changing a session's hours, track or date recomputes what its attendees were credited.
"""

import datetime
import re
import unicodedata
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.people.models import Person, Village

from .exceptions import BookingConflict
from .models import TrainingSession
from .registrations import waitlist_promote
from .services import session_ledger_resync

# A year of weekly sessions; a longer series is almost certainly a typing mistake.
MAX_OCCURRENCES = 53


# --- Double-booking ---------------------------------------------------------------------------


def normalize_venue(text: str) -> str:
    """'村委会 会议室', '村委会会议室 ' and '村委会会议室。' are one venue."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return re.sub(r"[\s\W_]+", "", text)


def normalize_trainer_name(text: str) -> str:
    return normalize_venue(text)


@dataclass(frozen=True)
class Clash:
    """Another session that holds the venue or the trainer at the same time."""

    session: TrainingSession
    reason: str  # "venue" or "trainer"

    @property
    def message(self) -> str:
        context = {"when": session_when(self.session), "topic": self.session.topic}
        if self.reason == "venue":
            return _("The venue is already booked on %(when)s for “%(topic)s”.") % context
        return _("The trainer %(trainer)s is already booked on %(when)s for “%(topic)s”.") % {
            **context,
            "trainer": self.session.trainer_label,
        }


def session_when(session: TrainingSession) -> str:
    """'3月5日 9:00–11:00', in the user's language."""
    start = timezone.localtime(session.starts_at)
    end = timezone.localtime(session.ends_at)
    day = _("%(month)d/%(day)d") % {"month": start.month, "day": start.day}
    end_text = f"{end.hour}:{end.minute:02d}"
    if end.date() != start.date():
        end_text = _("%(month)d/%(day)d") % {"month": end.month, "day": end.day} + " " + end_text
    return f"{day} {start.hour}:{start.minute:02d}–{end_text}"


def session_clashes(
    *,
    village: Village | None,
    venue: str,
    trainer_person: Person | None,
    trainer_name: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    exclude_pk: int | None = None,
) -> list[Clash]:
    """The non-cancelled sessions that overlap this time and share its venue or trainer.

    Overlapping sessions at any one time are few, so they are compared in Python, where
    the venue and trainer spellings can be normalised.
    """
    if not starts_at or not ends_at or ends_at <= starts_at:
        return []
    venue_key = normalize_venue(venue)
    trainer_key = normalize_trainer_name(trainer_name)
    trainer_person_id = trainer_person.pk if trainer_person else None
    if not (venue_key or trainer_key or trainer_person_id):
        return []
    overlapping = (
        TrainingSession.objects.exclude(status=TrainingSession.Status.CANCELLED)
        .filter(starts_at__lt=ends_at, ends_at__gt=starts_at)
        .select_related("village", "trainer_person")
        .order_by("starts_at", "pk")
    )
    if exclude_pk:
        overlapping = overlapping.exclude(pk=exclude_pk)
    clashes = []
    for other in overlapping:
        if (
            venue_key
            and village is not None
            and other.village_id == village.pk
            and normalize_venue(other.venue) == venue_key
        ):
            clashes.append(Clash(other, "venue"))
        elif (trainer_person_id and other.trainer_person_id == trainer_person_id) or (
            trainer_key and normalize_trainer_name(other.trainer_name) == trainer_key
        ):
            clashes.append(Clash(other, "trainer"))
    return clashes


def _conflict(clashes: list[Clash]) -> BookingConflict:
    error = BookingConflict(" ".join(clash.message for clash in clashes))
    error.clashes = clashes
    return error


def _session_clashes(session: TrainingSession) -> list[Clash]:
    return session_clashes(
        village=session.village,
        venue=session.venue,
        trainer_person=session.trainer_person,
        trainer_name=session.trainer_name,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        exclude_pk=session.pk,
    )


def _lock_village(village_id) -> None:
    """Bookings in one village wait for each other, so two organizers saving at once cannot
    both take the hall (PostgreSQL; SQLite writes one at a time anyway)."""
    list(Village.objects.select_for_update().filter(pk=village_id).values_list("pk"))


# --- Creating and changing sessions -----------------------------------------------------------


@transaction.atomic
def session_create(*, by=None, allow_clashes: bool = False, **fields) -> TrainingSession:
    """A new session, refused with BookingConflict if its venue or trainer is taken.

    `allow_clashes` is for the township's annual plan, which is written as decided (the
    import reports its clashes as warnings instead of refusing the whole plan).
    """
    session = TrainingSession(**fields)
    if by is not None and by.is_authenticated:
        session.created_by = by
    session.full_clean()
    _lock_village(session.village_id)
    clashes = [] if allow_clashes else _session_clashes(session)
    if clashes:
        raise _conflict(clashes)
    session.save()
    return session


@transaction.atomic
def session_update(
    *, session: TrainingSession, data: dict, by=None, allow_clashes: bool = False
) -> TrainingSession:
    """Change a session; its attendees' hours follow a change of hours, track or date.

    `data` maps field names to new values. A cancelled session stays cancelled (use
    session_cancel to cancel) and is not checked for clashes: it holds nothing.
    """
    current = TrainingSession.objects.select_for_update().get(pk=session.pk)
    before = {
        "study_hours": current.study_hours,
        "track": current.track,
        "date": current.local_date,
        "capacity": current.capacity,
    }
    for name, value in data.items():
        if name in ("pk", "id", "status", "series", "created_by", "created_at"):
            continue
        setattr(current, name, value)
    current.full_clean()
    _lock_village(current.village_id)
    if current.status != TrainingSession.Status.CANCELLED and not allow_clashes:
        clashes = _session_clashes(current)
        if clashes:
            raise _conflict(clashes)
    current.save()
    if (
        Decimal(current.study_hours) != Decimal(before["study_hours"])
        or current.track != before["track"]
        or current.local_date != before["date"]
    ):
        session_ledger_resync(session=current)
    if current.capacity != before["capacity"]:
        waitlist_promote(current)
    return current


def recurrence_dates(
    *,
    first_date: datetime.date,
    weekday: int,
    weeks: int | None = None,
    until: datetime.date | None = None,
) -> list[datetime.date]:
    """The dates of a weekly series: the first `weekday` (0 = Monday) on or after
    `first_date`, then every 7 days, `weeks` times or up to and including `until`."""
    if (weeks is None) == (until is None):
        raise ValidationError(_("Give either the number of weeks or the last date, not both."))
    day = first_date + datetime.timedelta(days=(weekday - first_date.weekday()) % 7)
    dates = []
    while (weeks is not None and len(dates) < weeks) or (until is not None and day <= until):
        dates.append(day)
        day += datetime.timedelta(days=7)
        if len(dates) > MAX_OCCURRENCES:
            break
    if not dates:
        raise ValidationError(_("No date of the series falls before the last date."))
    if len(dates) > MAX_OCCURRENCES:
        raise ValidationError(
            _("A series can have at most %(count)d sessions.") % {"count": MAX_OCCURRENCES}
        )
    return dates


@dataclass(frozen=True)
class SeriesClash:
    date: datetime.date
    clashes: list[Clash]


def _series_sessions(
    *,
    fields: dict,
    dates: list[datetime.date],
    start_time: datetime.time,
    end_time: datetime.time,
    series: uuid.UUID,
    by,
) -> list[TrainingSession]:
    zone = timezone.get_current_timezone()
    sessions = []
    for day in dates:
        session = TrainingSession(
            **fields,
            starts_at=timezone.make_aware(datetime.datetime.combine(day, start_time), zone),
            ends_at=timezone.make_aware(datetime.datetime.combine(day, end_time), zone),
            series=series,
        )
        if by is not None and by.is_authenticated:
            session.created_by = by
        sessions.append(session)
    return sessions


def series_clashes(sessions: list[TrainingSession]) -> list[SeriesClash]:
    found = []
    for session in sessions:
        clashes = _session_clashes(session)
        if clashes:
            found.append(SeriesClash(session.local_date, clashes))
    return found


@transaction.atomic
def session_create_recurring(
    *,
    fields: dict,
    first_date: datetime.date,
    weekday: int,
    start_time: datetime.time,
    end_time: datetime.time,
    weeks: int | None = None,
    until: datetime.date | None = None,
    by=None,
) -> list[TrainingSession]:
    """A weekly series in one step, all sharing one `series` id.

    Every date is checked first; if any clashes, BookingConflict names those dates and
    nothing is written.
    """
    if end_time <= start_time:
        raise ValidationError(_("The session must end after it starts."))
    fields = {key: value for key, value in fields.items() if key not in ("code", "series")}
    dates = recurrence_dates(first_date=first_date, weekday=weekday, weeks=weeks, until=until)
    sessions = _series_sessions(
        fields=fields,
        dates=dates,
        start_time=start_time,
        end_time=end_time,
        series=uuid.uuid4(),
        by=by,
    )
    for session in sessions:
        session.full_clean(exclude=["series"])
    _lock_village(fields["village"].pk)
    clashing = series_clashes(sessions)
    if clashing:
        lines = [
            _("%(date)s: %(reasons)s")
            % {
                "date": _("%(month)d/%(day)d") % {"month": item.date.month, "day": item.date.day},
                "reasons": " ".join(clash.message for clash in item.clashes),
            }
            for item in clashing
        ]
        error = BookingConflict(
            _("Nothing was created: %(count)d of the dates clash with other sessions. %(dates)s")
            % {"count": len(clashing), "dates": " ".join(lines)}
        )
        error.clashes = [clash for item in clashing for clash in item.clashes]
        error.dates = [item.date for item in clashing]
        raise error
    return TrainingSession.objects.bulk_create(sessions)
