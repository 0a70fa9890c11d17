"""The year's training plan (培训计划) from a spreadsheet: plan first, write only a valid plan.

`session_import_plan` reads, validates and matches every row and writes nothing;
`session_import_apply` writes a valid plan, all rows or none. The command
`import_sessions` and the admin's upload → preview → confirm both use these two.

A row is the session it names: by its 编号 (the plan's own number) when it has one, else by
topic + village + start time. So importing the same plan again finds every session it
wrote and changes nothing; a corrected plan updates them. An empty optional cell (地点,
讲师, 学时, 类型) keeps what is recorded, as in the roster import.
"""

import datetime
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.imports.cells import CellError, cell_text, cell_word, parse_study_hours, parse_when
from lms.imports.plans import ImportPlan, RowError
from lms.imports.tables import TableRow, read_table
from lms.ledger.models import Track
from lms.people.models import Township, Village
from lms.people.roster import VillageIndex

from . import scheduling
from .exceptions import AttendanceError
from .models import SessionKind, TrainingSession

# header_key(column title) → field. The first title of each field is the template's.
COLUMN_ALIASES = {
    "培训主题": "topic",
    "主题": "topic",
    "培训内容": "topic",
    "培训名称": "topic",
    "课程名称": "topic",
    "topic": "topic",
    "类别": "track",
    "培训类别": "track",
    "类目": "track",
    "track": "track",
    "村": "village",
    "村名": "village",
    "所在村": "village",
    "行政村": "village",
    "培训村": "village",
    "village": "village",
    "地点": "venue",
    "培训地点": "venue",
    "地址": "venue",
    "venue": "venue",
    "开始时间": "starts_at",
    "开始": "starts_at",
    "培训时间": "starts_at",
    "starts_at": "starts_at",
    "start": "starts_at",
    "结束时间": "ends_at",
    "结束": "ends_at",
    "ends_at": "ends_at",
    "end": "ends_at",
    "日期": "date",
    "培训日期": "date",
    "date": "date",
    "学时": "study_hours",
    "课时": "study_hours",
    "study_hours": "study_hours",
    "hours": "study_hours",
    "讲师": "trainer",
    "授课人": "trainer",
    "主讲人": "trainer",
    "培训讲师": "trainer",
    "授课单位": "trainer",
    "trainer": "trainer",
    "编号": "code",
    "计划编号": "code",
    "code": "code",
    "类型": "kind",
    "培训类型": "kind",
    "会议类型": "kind",
    "kind": "kind",
}
REQUIRED_COLUMNS = ("topic", "track", "village", "starts_at", "ends_at")

_TRACK_WORDS = {
    Track.PARTY: {"党性教育", "党性", "党性教育类", "党性教育培训", "党建"}
    | {"party", "partyeducation"},
    Track.SKILLS: {"技能培训", "技能", "技能培训类", "技术培训", "技能教育"}
    | {"skills", "skill", "skillstraining", "skilltraining"},
}
# Plans name this century; 1900-01-08 is a time typed as 9.30 read as a day number.
_PLAUSIBLE_YEARS = range(2000, 2100)
_LENGTHS = {
    name: TrainingSession._meta.get_field(name).max_length
    for name in ("topic", "venue", "trainer_name", "code")
}


@dataclass
class PlannedSession:
    """One row of the plan as the session it will write. None in an optional field: keep
    what is recorded (a new session takes the default)."""

    number: int
    topic: str
    track: str
    village: Village
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    venue: str | None = None
    trainer_name: str | None = None
    study_hours: Decimal | None = None
    kind: SessionKind | None = None
    code: str = ""
    session: TrainingSession | None = None  # the existing session; after writing, the saved one
    is_new: bool = True
    changes: list[str] = field(default_factory=list)

    @property
    def action(self) -> str:
        if self.is_new:
            return "create"
        return "update" if self.changes else "unchanged"

    @property
    def natural_key(self) -> tuple:
        return (_topic_key(self.topic), self.village.pk, self.starts_at)


@dataclass(kw_only=True)
class SessionPlan(ImportPlan):
    rows: list[PlannedSession] = field(default_factory=list)
    # Double-bookings: reported, not refused. The annual plan is the township's decision
    # (an outside body may send two technicians), and one clash must not stop a year.
    warnings: list[RowError] = field(default_factory=list)


# --- Cells ------------------------------------------------------------------------------------


def _topic_key(topic: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", topic).split())


def parse_track(value) -> str:
    word = cell_word(value)
    if not word:
        raise CellError(_("the track (类别) is empty; write 党性教育 or 技能培训"))
    for track, words in _TRACK_WORDS.items():
        if word in words or word == cell_word(track.label):
            return track
    if word.startswith("党"):
        return Track.PARTY
    if word.startswith(("技能", "技术")):
        return Track.SKILLS
    raise CellError(
        _("unknown track “%(value)s”; write 党性教育 or 技能培训") % {"value": cell_text(value)}
    )


def _aware(moment: datetime.datetime) -> datetime.datetime:
    """Plan times are the township's local time (Asia/Shanghai)."""
    return timezone.make_aware(moment.replace(microsecond=0), timezone.get_default_timezone())


def _kind_key(name: str) -> str:
    return cell_word(name)


# --- Planning ---------------------------------------------------------------------------------


def session_import_plan(
    data: bytes,
    filename: str,
    *,
    township: Township | None = None,
    allowed_village_ids: set[int] | None = None,
) -> SessionPlan:
    """Validate and match every row of a training plan. Writes nothing.

    `allowed_village_ids` (None: all) limits the villages whose sessions the plan may
    create or change. Raises tables.TableError if the file itself cannot be read.
    """
    table = read_table(data, filename, aliases=COLUMN_ALIASES, required=REQUIRED_COLUMNS)
    plan = SessionPlan()
    villages = VillageIndex(township)
    kinds = {_kind_key(kind.name): kind for kind in SessionKind.objects.all()}
    parsed = []
    for row in table:
        planned, messages = _parse_row(row, villages, kinds, allowed_village_ids)
        if messages:
            plan.errors.append(RowError(row.number, messages))
        else:
            parsed.append(planned)
    _match_existing(parsed, plan, allowed_village_ids)
    _check_clashes(plan)
    plan.errors.sort(key=lambda error: error.number)
    return plan


def _parse_row(row: TableRow, villages, kinds, allowed) -> tuple[PlannedSession | None, list]:
    values = row.values
    messages = []

    topic = cell_text(values.get("topic"))
    if not topic:
        messages.append(_("the topic (培训主题) is empty"))
    try:
        track = parse_track(values.get("track"))
    except CellError as error:
        messages.append(str(error))
        track = None
    village, message = villages.for_row(
        cell_text(values.get("village")),
        allowed=allowed,
        refused=_("you may not import sessions of %(village)s"),
    )
    if message:
        messages.append(message)
    starts_at, ends_at = _times(values, messages)
    try:
        study_hours = parse_study_hours(values.get("study_hours"))
    except CellError as error:
        messages.append(str(error))
        study_hours = None
    kind = None
    if "kind" in values and cell_text(values["kind"]):
        kind = kinds.get(_kind_key(cell_text(values["kind"])))
        if kind is None:
            messages.append(
                _("unknown kind “%(kind)s”; the kinds are: %(known)s")
                % {
                    "kind": cell_text(values["kind"]),
                    "known": "、".join(
                        kind.name for kind in sorted(kinds.values(), key=_kind_order)
                    ),
                }
            )
    venue = cell_text(values.get("venue")) or None
    trainer_name = cell_text(values.get("trainer")) or None
    code = cell_text(values.get("code"))
    for label, text, limit in (
        (_("topic"), topic, _LENGTHS["topic"]),
        (_("venue"), venue or "", _LENGTHS["venue"]),
        (_("trainer"), trainer_name or "", _LENGTHS["trainer_name"]),
        (_("reference (编号)"), code, _LENGTHS["code"]),
    ):
        if len(text) > limit:
            messages.append(
                _("%(field)s is longer than %(limit)s characters")
                % {"field": label, "limit": limit}
            )
    if messages:
        return None, messages
    return (
        PlannedSession(
            number=row.number,
            topic=topic,
            track=track,
            village=village,
            starts_at=starts_at,
            ends_at=ends_at,
            venue=venue,
            trainer_name=trainer_name,
            study_hours=study_hours,
            kind=kind,
            code=code,
        ),
        [],
    )


def _kind_order(kind: SessionKind):
    return (kind.sort_order, kind.name)


def _times(values: dict, messages: list) -> tuple[datetime.datetime | None, ...]:
    """Start and end as aware datetimes; an end given as a time alone is on the start's day,
    and a start given as a time alone is on the 日期 column's day."""
    parsed = {}
    for key, label in (
        ("date", _("date")),
        ("starts_at", _("start time")),
        ("ends_at", _("end time")),
    ):
        try:
            parsed[key] = parse_when(values.get(key))
        except CellError as error:
            messages.append(f"{label}：{error}")
            parsed[key] = Ellipsis
    if Ellipsis in parsed.values():
        return None, None
    date, start, end = parsed["date"], parsed["starts_at"], parsed["ends_at"]
    if isinstance(date, datetime.datetime):
        date = date.date()
    if isinstance(date, datetime.time):
        messages.append(_("the date (日期) has no day"))
        return None, None

    if start is None:
        messages.append(_("the start time (开始时间) is empty"))
        return None, None
    if isinstance(start, datetime.time):
        if date is None:
            messages.append(_("the start time (开始时间) has no date"))
            return None, None
        start = datetime.datetime.combine(date, start)
    elif not isinstance(start, datetime.datetime) or start.time() == datetime.time(0):
        # A date alone; a spreadsheet's date cell reads as midnight.
        messages.append(_("the start time (开始时间) has no time of day"))
        return None, None

    if end is None:
        messages.append(_("the end time (结束时间) is empty"))
        return None, None
    if isinstance(end, datetime.time):
        end = datetime.datetime.combine(start.date(), end)
    elif not isinstance(end, datetime.datetime):
        messages.append(_("the end time (结束时间) has no time of day"))
        return None, None

    if start.year not in _PLAUSIBLE_YEARS or end.year not in _PLAUSIBLE_YEARS:
        messages.append(
            _("the year %(year)s is not plausible for a session")
            % {"year": (start if start.year not in _PLAUSIBLE_YEARS else end).year}
        )
        return None, None
    if end <= start:
        messages.append(
            _("the session ends (%(end)s) before it starts (%(start)s)")
            % {"end": f"{end:%Y-%m-%d %H:%M}", "start": f"{start:%Y-%m-%d %H:%M}"}
        )
        return None, None
    return _aware(start), _aware(end)


# --- Matching ---------------------------------------------------------------------------------


def _existing(rows: list[PlannedSession]):
    """Sessions the rows may name: by 编号, or by start time and village (then topic)."""
    by_code: dict[str, TrainingSession] = {}
    by_natural: dict[tuple, list[TrainingSession]] = {}
    codes = sorted({row.code for row in rows if row.code})
    starts = sorted({row.starts_at for row in rows})
    sessions = TrainingSession.objects.select_related("kind", "village", "trainer_person")
    for start in range(0, len(codes), 500):
        for session in sessions.filter(code__in=codes[start : start + 500]):
            by_code[session.code] = session
    for start in range(0, len(starts), 500):
        for session in sessions.filter(starts_at__in=starts[start : start + 500]):
            key = (_topic_key(session.topic), session.village_id, session.starts_at)
            by_natural.setdefault(key, []).append(session)
    # One object per session, whichever way it was found.
    for key, found in by_natural.items():
        by_natural[key] = [by_code.get(session.code, session) for session in found]
    return by_code, by_natural


def _match_existing(rows: list[PlannedSession], plan: SessionPlan, allowed) -> None:
    """Find each row's existing session, and refuse rows that name a session twice."""
    by_code, by_natural = _existing(rows)
    row_of_code: dict[str, int] = {}
    rows_of_natural: dict[tuple, int] = {}
    row_of_session: dict[int, int] = {}
    for row in rows:
        earlier, session, message = None, None, None
        if row.code:
            earlier = row_of_code.get(row.code)
            session = by_code.get(row.code)
            if session is None:
                # A session written from an earlier plan without 编号 now gets its number.
                uncoded = [s for s in by_natural.get(row.natural_key, []) if not s.code]
                session = uncoded[0] if len(uncoded) == 1 else None
        else:
            earlier = rows_of_natural.get(row.natural_key)
            found = by_natural.get(row.natural_key, [])
            if len(found) > 1:
                message = _(
                    "%(count)s sessions already have this topic, village and start time;"
                    " add their 编号 to tell them apart"
                ) % {"count": len(found)}
            session = found[0] if len(found) == 1 else None
        if earlier is None and session is not None:
            earlier = row_of_session.get(session.pk)
        if earlier is not None:
            message = _("the same session as row %(row)s") % {"row": earlier}
        elif session is not None and allowed is not None and session.village_id not in allowed:
            message = _("the session %(reference)s belongs to a village you may not change") % {
                "reference": row.code or row.topic
            }
        if message:
            plan.errors.append(RowError(row.number, [message]))
            continue
        if row.code:
            row_of_code[row.code] = row.number
        rows_of_natural.setdefault(row.natural_key, row.number)
        if session is not None:
            row_of_session[session.pk] = row.number
            row.session = session
            row.is_new = False
            row.changes = _changes(row, session)
        plan.rows.append(row)


def _row_values(row: PlannedSession, session: TrainingSession | None) -> dict:
    """The fields the row sets; an empty optional cell keeps the session's value."""
    values = {
        "topic": row.topic,
        "track": row.track,
        "village": row.village,
        "starts_at": row.starts_at,
        "ends_at": row.ends_at,
    }
    defaults = {"venue": "", "trainer_name": "", "study_hours": Decimal("0"), "kind": None}
    for name, default in defaults.items():
        value = getattr(row, name)
        if value is not None:
            values[name] = value
        elif session is None:
            values[name] = default
    if session is None and values["kind"] is None:
        values["kind"] = _default_kind()
    if row.code:
        values["code"] = row.code
    return values


def _default_kind() -> SessionKind:
    """农民科技培训, the kind of a row with no 类型 (a built-in, created if someone deleted it)."""
    return SessionKind.objects.get_or_create(name=SessionKind.DEFAULT)[0]


def _changes(row: PlannedSession, session: TrainingSession) -> list[str]:
    changes = []
    for name, value in _row_values(row, session).items():
        if getattr(session, name) != value:
            changes.append(name)
    return changes


# --- Double-booking ---------------------------------------------------------------------------


def _check_clashes(plan: SessionPlan) -> None:
    """Warn of rows whose venue or trainer is taken at that time: by a session already
    recorded (scheduling's rule, as in the admin) or by an earlier row of the file."""
    in_file = {row.session.pk for row in plan.rows if row.session is not None}
    kept, booked = [], []
    for row in plan.rows:
        session = row.session
        if session is not None and session.status == TrainingSession.Status.CANCELLED:
            kept.append(row)  # a cancelled session holds nothing
            continue
        values = _booking(row)
        messages = [
            clash.message
            for clash in scheduling.session_clashes(
                **values, exclude_pk=session.pk if session is not None else None
            )
            # Sessions of this file are compared as the file will leave them, below.
            if clash.session.pk not in in_file
        ]
        messages += [
            message
            for earlier, earlier_values in booked
            if (message := _file_clash(values, earlier, earlier_values))
        ]
        if messages:
            plan.warnings.append(RowError(row.number, messages))
        kept.append(row)
        booked.append((row, values))
    plan.rows = kept


def _booking(row: PlannedSession) -> dict:
    """What the session will hold once the row is written: place, trainer and time."""
    session = row.session
    return {
        "village": row.village,
        "venue": row.venue if row.venue is not None else (session.venue if session else ""),
        "trainer_person": session.trainer_person if session else None,
        "trainer_name": (
            row.trainer_name
            if row.trainer_name is not None
            else (session.trainer_name if session else "")
        ),
        "starts_at": row.starts_at,
        "ends_at": row.ends_at,
    }


def _file_clash(values: dict, earlier: PlannedSession, earlier_values: dict) -> str | None:
    overlap = (
        values["starts_at"] < earlier_values["ends_at"]
        and earlier_values["starts_at"] < values["ends_at"]
    )
    if not overlap:
        return None
    venue = scheduling.normalize_venue(values["venue"])
    if (
        venue
        and values["village"].pk == earlier_values["village"].pk
        and venue == scheduling.normalize_venue(earlier_values["venue"])
    ):
        return _("the venue is booked at the same time by row %(row)s") % {"row": earlier.number}
    trainer = scheduling.normalize_trainer_name(values["trainer_name"])
    person = values["trainer_person"]
    same_name = trainer and trainer == scheduling.normalize_trainer_name(
        earlier_values["trainer_name"]
    )
    if same_name or (person is not None and person == earlier_values["trainer_person"]):
        return _("the trainer %(trainer)s is booked at the same time by row %(row)s") % {
            "trainer": values["trainer_name"] or person.name,
            "row": earlier.number,
        }
    return None


# --- Writing ----------------------------------------------------------------------------------


@transaction.atomic
def session_import_apply(*, plan: SessionPlan, by=None) -> dict[str, int]:
    """Write a validated plan: every row or none, through scheduling's session_create and
    session_update (attendees' hours follow a change of hours, track or date; clashes were
    reported by the plan and are written as decided). Each row's `session` is then the
    saved session.

    Returns counts by action; raises ValidationError naming the row if a session cannot be
    saved (say someone booked the hall or took the same 编号 since the plan was made).
    """
    if not plan.is_valid:
        raise ValueError("an invalid session plan cannot be applied")
    counts = {"create": 0, "update": 0, "unchanged": 0}
    default_kind = None
    for row in plan.rows:
        action = row.action
        counts[action] += 1
        if action == "unchanged":
            continue
        if row.session is None and row.kind is None:
            default_kind = default_kind or _default_kind()
            row.kind = default_kind
        values = _row_values(row, row.session)
        try:
            if row.session is None:
                row.session = scheduling.session_create(by=by, allow_clashes=True, **values)
            else:
                row.session = scheduling.session_update(
                    session=row.session, data=values, by=by, allow_clashes=True
                )
        except (ValidationError, AttendanceError) as error:
            reasons = error.messages if isinstance(error, ValidationError) else [str(error)]
            raise ValidationError(
                _("Row %(row)s: %(reason)s") % {"row": row.number, "reason": "；".join(reasons)}
            ) from error
    return counts
