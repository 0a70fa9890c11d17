"""A paper sign-in sheet (签到表) typed into a spreadsheet: plan first, write only a valid plan.

`sheet_import_plan` reads, validates and matches every row and writes nothing;
`sheet_import_apply` writes a valid plan, all rows or none, through `attendance_mark` (so
every record keeps its history and credits or withdraws hours). The command
`import_attendance` and the admin's preview both use these two.

Who a row is: lms.people.identity.PeopleIndex, the rule of the roster and the walk-in form
(name in the village; the phone tells two people of one name apart). Someone not on the
roster is added in the row's village with the row's phone and listed; a row the phone cannot
decide is an error. Importing the same sheet again changes nothing; a corrected sheet
updates statuses.
"""

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from lms.imports.cells import cell_text, to_halfwidth
from lms.imports.plans import ImportPlan, RowError
from lms.imports.tables import NO_ROWS_MESSAGE, TableError, TableRow, read_table
from lms.people.identity import PeopleIndex, normalize_name, normalize_phone
from lms.people.models import Person, RoleAssignment, Village
from lms.people.roster import PERSON_COLUMN_ALIASES, VillageIndex, name_problems
from lms.people.selectors import user_role, visible_village_ids
from lms.people.services import person_save

from .exceptions import SessionCancelled
from .models import AttendanceRecord, Registration, TrainingSession
from .services import attendance_mark

Status = AttendanceRecord.Status

# header_key(column title) → field: who (the roster's titles), then the sheet's own.
COLUMN_ALIASES = {
    **PERSON_COLUMN_ALIASES,
    "签到状态": "status",
    "状态": "status",
    "签到": "status",
    "签到情况": "status",
    "出勤": "status",
    "出勤情况": "status",
    "考勤": "status",
    "status": "status",
    "attendance": "status",
    "批准人": "excused_by",
    "请假批准人": "excused_by",
    "准假人": "excused_by",
    "excused_by": "excused_by",
    "备注": "note",
    "note": "note",
}
REQUIRED_COLUMNS = ("name",)

# The words paper sheets use for each status, compared half-width, lower case, no spaces.
STATUS_WORDS = {
    Status.PRESENT: {"出席", "到", "已到", "到会", "签到", "已签到", "出勤", "参加", "在"}
    | {"√", "✓", "✔", "☑", "v", "y", "yes", "present"},
    Status.LATE: {"迟到", "迟", "late"},
    Status.LEFT_EARLY: {"早退", "leftearly"},
    Status.EXCUSED: {"请假", "假", "病假", "事假", "公假", "已请假", "excused", "leave"},
    Status.ABSENT: {"缺席", "未到", "缺勤", "没到", "未参加", "旷课", "×", "✗", "✘", "x"}
    | {"absent", "no"},
}
# What the sheet's own words are, for the output: 出席 / 迟到 / 早退 / 请假 / 缺席.
STATUS_SHEET_WORDS = {
    Status.PRESENT: "出席",
    Status.LATE: "迟到",
    Status.LEFT_EARLY: "早退",
    Status.EXCUSED: "请假",
    Status.ABSENT: "缺席",
}
# A phone printed masked on the sign-in sheet (****5678, 138****5678) and typed back as is.
_MASKED_PHONE = re.compile(r"(\d*)[*xX]{2,}(\d{2,})")
Role = RoleAssignment.Role
_EXCUSED_BY_LENGTH = AttendanceRecord._meta.get_field("excused_by").max_length


@dataclass
class SheetRow:
    number: int
    name: str
    village: Village
    phone: str
    status: str
    excused_by: str = ""
    phone_mask: tuple[str, str] | None = None  # (first, last digits) of a masked phone
    person: Person | None = None  # an unsaved Person until written, when new
    is_new_person: bool = False
    record: AttendanceRecord | None = None  # the person's record for the session, if any
    action: str = "create"  # what the import does to the record: create, update, unchanged


def _record_action(row: SheetRow) -> str:
    record = row.record
    if record is None:
        return "create"
    if record.status != row.status:
        return "update"
    if row.status == Status.EXCUSED and row.excused_by and row.excused_by != record.excused_by:
        return "update"
    return "unchanged"


@dataclass(kw_only=True)
class SheetPlan(ImportPlan):
    session: TrainingSession
    filename: str = ""
    rows: list[SheetRow] = field(default_factory=list)

    @property
    def new_people(self) -> list[SheetRow]:
        return [row for row in self.rows if row.is_new_person]


def parse_status(value, *, has_name: bool) -> str:
    """The record status a sheet's cell means; an empty cell beside a name means present."""
    text = unicodedata.normalize("NFKC", cell_text(value)).lower()
    word = "".join(char for char in text if not char.isspace() and char not in "_-.。")
    if not word:
        if has_name:
            return Status.PRESENT
        raise ValueError(_("the status is empty"))
    for status, words in STATUS_WORDS.items():
        if word in words or word == status.value.replace("_", ""):
            return status
    raise ValueError(
        _("unknown status “%(value)s”; write 出席, 迟到, 请假 or 缺席")
        % {"value": cell_text(value)}
    )


# --- Planning ---------------------------------------------------------------------------------


def sheet_import_plan(
    data: bytes, filename: str, *, session: TrainingSession, user=None
) -> SheetPlan:
    """Validate and match every row of a sign-in sheet for a session. Writes nothing.

    `user`: whoever imports (None: the operator's command, for every village). A row naming
    someone outside the user's villages is refused unless that person is already on the
    session's roster or records: a secretary records who came to her session from another
    village, but neither adds people to another village nor reaches its records.

    Raises tables.TableError if the file cannot be read, SessionCancelled for a cancelled
    session.
    """
    if session.status == TrainingSession.Status.CANCELLED:
        raise SessionCancelled()
    table = read_table(data, filename, aliases=COLUMN_ALIASES, required=REQUIRED_COLUMNS)
    plan = SheetPlan(session=session, filename=filename)
    villages = VillageIndex(None)
    parsed = []
    for row in table:
        if _is_empty_line(row):
            continue
        planned, messages = _parse_row(row, villages, session)
        if messages:
            plan.errors.append(RowError(row.number, messages))
        else:
            parsed.append(planned)
    if not parsed and not plan.errors:  # only the blank lines printed for walk-ins
        raise TableError(str(NO_ROWS_MESSAGE))
    _match(parsed, plan)
    if user is not None:
        _refuse_out_of_scope(plan, user)
    plan.errors.sort(key=lambda error: error.number)
    return plan


def _refuse_out_of_scope(plan: SheetPlan, user) -> None:
    visible = visible_village_ids(user) if user_role(user) != Role.ADMINISTRATOR else None
    if visible is None:
        return
    listed = set(
        Registration.objects.filter(session=plan.session).values_list("person_id", flat=True)
    ) | set(
        AttendanceRecord.objects.filter(session=plan.session).values_list("person_id", flat=True)
    )
    kept = []
    for row in plan.rows:
        if row.village.pk in visible or (not row.is_new_person and row.person.pk in listed):
            kept.append(row)
            continue
        plan.errors.append(
            RowError(
                row.number,
                [
                    _(
                        "%(village)s is not one of your villages; only someone already on"
                        " this session's roster can be recorded from there"
                    )
                    % {"village": row.village.name}
                ],
            )
        )
    plan.rows = kept


def _is_empty_line(row: TableRow) -> bool:
    """A printed line left blank for walk-ins (perhaps with its village pre-filled)."""
    return not any(
        cell_text(row.values.get(key)) for key in ("name", "phone", "status", "excused_by")
    )


def _parse_row(row: TableRow, villages: VillageIndex, session: TrainingSession):
    values = row.values
    name = normalize_name(cell_text(values.get("name")))
    messages = list(name_problems(name))
    # An empty cell is the session's own village; a name two townships share is the
    # session's township's.
    village, message = villages.for_row(
        cell_text(values.get("village")),
        default=session.village,
        township_id=session.village.township_id,
    )
    if message:
        messages.append(message)
    phone, phone_mask = "", None
    phone_text = re.sub(r"[\s\-]", "", to_halfwidth(cell_text(values.get("phone"))))
    masked = _MASKED_PHONE.fullmatch(phone_text)
    if masked:
        phone_mask = (masked.group(1), masked.group(2))
    else:
        try:
            phone = normalize_phone(cell_text(values.get("phone")))
        except ValidationError as error:
            messages.append(f"{_('phone')}：{'；'.join(error.messages)}")
    status = None
    try:
        status = parse_status(values.get("status"), has_name=bool(name))
    except ValueError as error:
        messages.append(str(error))
    excused_by = cell_text(values.get("excused_by"))
    if len(excused_by) > _EXCUSED_BY_LENGTH:
        messages.append(
            _("%(field)s is longer than %(limit)s characters")
            % {"field": _("leave approved by"), "limit": _EXCUSED_BY_LENGTH}
        )
    if messages:
        return None, messages
    return (
        SheetRow(
            number=row.number,
            name=name,
            village=village,
            phone=phone,
            phone_mask=phone_mask,
            status=status,
            excused_by=excused_by if status == Status.EXCUSED else "",
        ),
        [],
    )


def _match(rows: list[SheetRow], plan: SheetPlan) -> None:
    """Find each row's person (or plan a new one) and its record; refuse ambiguous rows and
    rows naming a person twice. Rows are matched against the roster as it will be once the
    earlier rows' new people are added."""
    # A sheet names each person's village: they are looked for there (a roster import, not a
    # sheet, moves people between villages).
    by_village: dict[int, list[Person]] = defaultdict(list)
    names = sorted({row.name for row in rows})
    for start in range(0, len(names), 500):
        for person in Person.objects.filter(name__in=names[start : start + 500]).order_by("pk"):
            by_village[person.village_id].append(person)
    indexes: dict[int, PeopleIndex] = {}
    records = {
        record.person_id: record for record in AttendanceRecord.objects.filter(session=plan.session)
    }
    for row in rows:
        index = indexes.get(row.village.pk)
        if index is None:
            index = indexes[row.village.pk] = PeopleIndex(by_village[row.village.pk])
        found = index.match(
            name=row.name, village_id=row.village.pk, phone=row.phone, phone_mask=row.phone_mask
        )
        if found.is_ambiguous:
            plan.errors.append(
                RowError(
                    row.number,
                    [
                        _(
                            "%(village)s has %(count)s people named %(name)s and the phone"
                            " number does not tell them apart; write the phone number on"
                            " the sheet"
                        )
                        % {
                            "village": row.village.name,
                            "count": len(found.candidates),
                            "name": row.name,
                        }
                    ],
                )
            )
            continue
        known = found.known
        if known is not None and known.row_number is not None:
            plan.errors.append(
                RowError(
                    row.number,
                    [_("the same person as row %(row)s") % {"row": known.row_number}],
                )
            )
            continue
        if known is None:
            person = Person(name=row.name, village=row.village, phone=row.phone)
            row.is_new_person = True
            index.record(
                None,
                name=row.name,
                village_id=row.village.pk,
                phone=row.phone,
                person=person,
                row_number=row.number,
            )
        else:
            person = known.person
            row.record = records.get(person.pk)
            # A sheet changes nobody's details: the person stays as recorded.
            index.record(known, name=known.name, village_id=known.village_id, row_number=row.number)
        row.person = person
        row.action = _record_action(row)
        plan.rows.append(row)


# --- Writing ----------------------------------------------------------------------------------


@transaction.atomic
def sheet_import_apply(*, plan: SheetPlan, by=None) -> dict[str, int]:
    """Write a validated sheet: the new people, then every record that changes, through
    attendance_mark (method: paper sheet import). All or nothing. Returns counts by action.

    Raises ValidationError naming the row if a new person cannot be saved.
    """
    if not plan.is_valid:
        raise ValueError("an invalid sheet plan cannot be applied")
    session = plan.session
    counts = {"create": 0, "update": 0, "unchanged": 0, "people": 0}
    for row in plan.rows:
        action = row.action
        counts[action] += 1
        if row.is_new_person and row.person.pk is None:
            try:
                person_save(person=row.person)
            except ValidationError as error:
                raise ValidationError(
                    _("Row %(row)s: %(reason)s")
                    % {"row": row.number, "reason": "；".join(error.messages)}
                ) from error
            counts["people"] += 1
        if action == "unchanged":
            continue
        row.record = attendance_mark(
            session=session,
            person=row.person,
            status=row.status,
            method=AttendanceRecord.Method.IMPORT,
            by=by,
            # A paper sheet says who came, not when: the start (or the start of lateness).
            at=session.late_from if row.status == Status.LATE else session.starts_at,
            excused_by=row.excused_by,
            note=_("sign-in sheet %(file)s, row %(row)s")
            % {"file": plan.filename, "row": row.number},
        )
    return counts
