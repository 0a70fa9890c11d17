"""Planning a roster import: read, validate and match every row before anything is written.

Identity of a row, strongest first: the ID number; else the phone number together with
the name (families share one phone); else the name within the village. A person with a
different ID number, or a different phone, is a different person: that is how two people of
the same name in one village are told apart.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .identity import normalize_id_number, normalize_name, normalize_phone
from .models import Person, Township, Village
from .tables import TableRow, read_table

COLUMN_ALIASES = {
    "姓名": "name",
    "名字": "name",
    "name": "name",
    "性别": "gender",
    "gender": "gender",
    "sex": "gender",
    "村": "village",
    "村名": "village",
    "所在村": "village",
    "行政村": "village",
    "village": "village",
    "手机号": "phone",
    "手机号码": "phone",
    "手机": "phone",
    "电话": "phone",
    "联系电话": "phone",
    "phone": "phone",
    "身份证号": "id_number",
    "身份证号码": "id_number",
    "身份证": "id_number",
    "id_number": "id_number",
    "idnumber": "id_number",
    "党员": "party_member",
    "是否党员": "party_member",
    "政治面貌": "party_member",
    "party_member": "party_member",
    "户号": "household",
    "household": "household",
    "党支部": "branch",
    "所在党支部": "branch",
    "支部": "branch",
    "branch": "branch",
}
REQUIRED_COLUMNS = ("name", "village")

_YES = {"是", "y", "yes", "true", "1", "√", "✓", "党员", "中共党员", "预备党员", "正式党员"}
_NO = {"否", "n", "no", "false", "0", "×", "✗", "群众", "非党员"}
_MALE = {"男", "m", "male", "1"}
_FEMALE = {"女", "f", "female", "2"}


@dataclass
class PlannedRow:
    number: int
    name: str
    village: Village
    gender: str = ""
    phone: str = ""
    id_number: str = ""
    is_party_member: bool | None = None
    household_number: str = ""
    branch_name: str = ""
    person: Person | None = None  # the existing record this row updates
    changes: list[str] = field(default_factory=list)

    @property
    def action(self) -> str:
        if self.person is None:
            return "create"
        return "update" if self.changes else "unchanged"


@dataclass
class RowError:
    number: int
    messages: list[str]

    def __str__(self):
        reason = "；".join(self.messages)
        return _("Row %(row)s: %(reason)s") % {"row": self.number, "reason": reason}


@dataclass
class RosterPlan:
    rows: list[PlannedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\u3000", " ").strip()


def _yes_no(value) -> bool | None:
    text = _text(value).lower()
    if not text:
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValidationError(_("Party member must be 是 or 否, not “%(value)s”.") % {"value": text})


def _gender(value) -> str:
    text = _text(value).lower()
    if not text:
        return ""
    if text in _MALE:
        return "M"
    if text in _FEMALE:
        return "F"
    raise ValidationError(_("Gender must be 男 or 女, not “%(value)s”.") % {"value": text})


class _VillageIndex:
    """Looks villages up by name, tolerating a missing or extra trailing 村."""

    def __init__(self, township: Township | None):
        villages = Village.objects.select_related("township")
        if township is not None:
            villages = villages.filter(township=township)
        self.by_name: dict[str, list[Village]] = defaultdict(list)
        for village in villages:
            self.by_name[village.name].append(village)

    def find(self, name: str) -> list[Village]:
        for candidate in (name, name + "村", name.removesuffix("村")):
            if candidate and self.by_name.get(candidate):
                return self.by_name[candidate]
        return []


def roster_plan(
    data: bytes,
    filename: str,
    *,
    township: Township | None = None,
    allowed_village_ids: set[int] | None = None,
) -> RosterPlan:
    """Validate and match every row of a roster file. Writes nothing.

    Raises tables.TableError if the file itself cannot be read.
    """
    table = read_table(data, filename, aliases=COLUMN_ALIASES, required=REQUIRED_COLUMNS)
    plan = RosterPlan()
    villages = _VillageIndex(township)
    parsed: list[PlannedRow] = []

    for row in table:
        planned, messages = _parse_row(row, villages, allowed_village_ids)
        if messages:
            plan.errors.append(RowError(row.number, messages))
        else:
            parsed.append(planned)

    _match_existing(parsed, plan)
    plan.errors.sort(key=lambda error: error.number)
    return plan


def _parse_row(row: TableRow, villages: _VillageIndex, allowed: set[int] | None):
    values, messages = row.values, []
    name = normalize_name(values.get("name"))
    if not name:
        messages.append(_("the name is empty"))
    village_name = normalize_name(values.get("village"))
    village = None
    if not village_name:
        messages.append(_("the village is empty"))
    else:
        found = villages.find(village_name)
        if not found:
            messages.append(
                _("there is no village “%(village)s” (villages are created with setup_township)")
                % {"village": village_name}
            )
        elif len(found) > 1:
            messages.append(
                _("several townships have a village “%(village)s”; choose the township")
                % {"village": village_name}
            )
        else:
            village = found[0]
            if allowed is not None and village.pk not in allowed:
                messages.append(
                    _("you may not import people of %(village)s") % {"village": village.name}
                )
    planned = PlannedRow(number=row.number, name=name, village=village)
    for key, parse in (
        ("phone", normalize_phone),
        ("id_number", normalize_id_number),
        ("gender", _gender),
        ("party_member", _yes_no),
    ):
        raw = values.get(key)
        try:
            value = parse(raw if key == "id_number" and isinstance(raw, float) else _text(raw))
        except ValidationError as error:
            label = {
                "phone": _("phone"),
                "id_number": _("ID number"),
                "gender": _("gender"),
                "party_member": _("party member"),
            }[key]
            messages.append(f"{label}：{'；'.join(error.messages)}")
            continue
        if key == "party_member":
            planned.is_party_member = value
        else:
            setattr(planned, key, value)
    planned.household_number = _text(values.get("household"))
    planned.branch_name = normalize_name(values.get("branch"))
    return planned, messages


def _match_existing(rows: list[PlannedRow], plan: RosterPlan) -> None:
    """Find the existing person of each row and detect rows that describe one person."""
    ids = {row.id_number for row in rows if row.id_number}
    phones = {row.phone for row in rows if row.phone}
    names = {row.name for row in rows}
    candidates = (
        Person.objects.select_related("village", "household", "branch").filter(id_number__in=ids)
        | Person.objects.select_related("village", "household", "branch").filter(phone__in=phones)
        | Person.objects.select_related("village", "household", "branch").filter(name__in=names)
    )
    by_id, by_phone, by_name_village = {}, defaultdict(list), defaultdict(list)
    for person in candidates:
        if person.id_number:
            by_id[person.id_number] = person
        if person.phone:
            by_phone[person.phone].append(person)
        by_name_village[(person.name, person.village_id)].append(person)

    claimed: dict[object, int] = {}  # identity → the first row that claimed it
    for row in rows:
        person, message = _match_row(row, by_id, by_phone, by_name_village)
        if message:
            plan.errors.append(RowError(row.number, [message]))
            continue
        if person is not None:
            keys = [("person", person.pk)]
        elif row.id_number:
            keys = [("id", row.id_number)]
        elif row.phone:
            keys = [("phone", row.phone, row.name)]
        else:
            keys = [("name", row.name, row.village.pk)]
        if row.id_number:
            keys.append(("id", row.id_number))
        first = next((claimed[key] for key in keys if key in claimed), None)
        if first is not None:
            plan.errors.append(
                RowError(row.number, [_("the same person as row %(row)s") % {"row": first}])
            )
            continue
        for key in keys:
            claimed[key] = row.number
        row.person = person
        if person is not None:
            row.changes = _changes(row, person)
        plan.rows.append(row)


def _match_row(row, by_id, by_phone, by_name_village):
    if row.id_number and row.id_number in by_id:
        return by_id[row.id_number], None

    def compatible(person):
        return not (row.id_number and person.id_number and person.id_number != row.id_number)

    if row.phone:
        same = [p for p in by_phone.get(row.phone, []) if p.name == row.name and compatible(p)]
        if len(same) == 1:
            return same[0], None
        if len(same) > 1:
            return None, _("several people named %(name)s share this phone number") % {
                "name": row.name
            }
    same = [
        p
        for p in by_name_village.get((row.name, row.village.pk), [])
        if compatible(p) and not (row.phone and p.phone and p.phone != row.phone)
    ]
    if len(same) == 1:
        return same[0], None
    if len(same) > 1:
        return None, _(
            "%(village)s has %(count)s people named %(name)s; add a phone or ID number to tell"
            " them apart"
        ) % {"village": row.village.name, "count": len(same), "name": row.name}
    return None, None


def _changes(row: PlannedRow, person: Person) -> list[str]:
    """Fields a row would change. An empty cell never erases what is already recorded."""
    changes = []
    for field_name, value in (
        ("name", row.name),
        ("gender", row.gender),
        ("phone", row.phone),
        ("id_number", row.id_number),
        ("is_party_member", row.is_party_member),
    ):
        if value not in ("", None) and getattr(person, field_name) != value:
            changes.append(field_name)
    if person.village_id != row.village.pk:
        changes.append("village")
    if row.household_number and (
        person.household is None
        or person.household.number != row.household_number
        or person.household.village_id != row.village.pk
    ):
        changes.append("household")
    if row.branch_name and (person.branch is None or person.branch.name != row.branch_name):
        changes.append("branch")
    return changes
