"""Planning a roster import: read, validate and match every row before anything is written.

Identity of a row, strongest first: the ID number; else the phone number together with
the name (families share one phone); else the name within the village. A person with a
different ID number, or a different phone, is a different person: that is how two people of
the same name in one village are told apart.

Rows are matched in order against the roster as it will be once the earlier rows are
written, so importing the same file again matches every row to the person it wrote.
"""

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from lms.imports.cells import cell_text
from lms.imports.plans import ImportPlan, RowError
from lms.imports.tables import TableRow, read_table

from .identity import (
    IdentityMatch,
    PeopleIndex,
    normalize_id_number,
    normalize_name,
    normalize_phone,
)
from .models import Household, PartyBranch, Person, Township, Village

# header_key(column title) → field, for the columns that say who a person is: every import
# naming people (the roster, a paper sign-in sheet) reads them by these titles. The first
# title of each field is the template's.
PERSON_COLUMN_ALIASES = {
    "姓名": "name",
    "名字": "name",
    "参训人员": "name",
    "name": "name",
    "村": "village",
    "村名": "village",
    "所在村": "village",
    "所属村": "village",
    "行政村": "village",
    "village": "village",
    "手机号": "phone",
    "手机号码": "phone",
    "手机": "phone",
    "电话": "phone",
    "电话号码": "phone",
    "联系电话": "phone",
    "联系方式": "phone",
    "phone": "phone",
    "mobile": "phone",
}
COLUMN_ALIASES = {
    **PERSON_COLUMN_ALIASES,
    "性别": "gender",
    "gender": "gender",
    "sex": "gender",
    "身份证号": "id_number",
    "身份证号码": "id_number",
    "身份证": "id_number",
    "公民身份号码": "id_number",
    "id_number": "id_number",
    "idnumber": "id_number",
    "党员": "party_member",
    "是否党员": "party_member",
    "政治面貌": "party_member",
    "party_member": "party_member",
    "partymember": "party_member",
    "户号": "household",
    "户编号": "household",
    "household": "household",
    "党支部": "branch",
    "所在党支部": "branch",
    "所属党支部": "branch",
    "支部": "branch",
    "branch": "branch",
}
REQUIRED_COLUMNS = ("name", "village")

# 政治面貌 (political status) answers count too: members and probationary members are yes.
_YES = {
    *("是", "y", "yes", "true", "1", "√", "✓", "✔"),
    *("党员", "中共党员", "预备党员", "中共预备党员", "正式党员"),
}
_NO = {
    *("否", "不是", "非", "n", "no", "false", "0", "×", "✗", "无"),
    *("群众", "非党员", "团员", "共青团员", "无党派", "无党派人士"),
}
_MALE = {"男", "男性", "m", "male", "1"}
_FEMALE = {"女", "女性", "f", "female", "2"}
# Field lengths of the records a row writes; longer text is a broken row, not a crash.
_MAX_LENGTHS = {
    "name": Person._meta.get_field("name").max_length,
    "household": Household._meta.get_field("number").max_length,
    "branch": PartyBranch._meta.get_field("name").max_length,
}


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


@dataclass(kw_only=True)
class RosterPlan(ImportPlan):
    rows: list[PlannedRow] = field(default_factory=list)


# --- Cells ------------------------------------------------------------------------------------


def _choice(value) -> str:
    """A cell compared against a set of words: half-width, lower case, no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell_text(value))).lower()


def _yes_no(value) -> bool | None:
    text = _choice(value)
    if not text:
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValidationError(
        _("Party member must be 是 or 否, not “%(value)s”.") % {"value": cell_text(value)}
    )


def _gender(value) -> str:
    text = _choice(value)
    if not text:
        return ""
    if text in _MALE:
        return "M"
    if text in _FEMALE:
        return "F"
    raise ValidationError(
        _("Gender must be 男 or 女, not “%(value)s”.") % {"value": cell_text(value)}
    )


def _id_number(value) -> str:
    # A float is an ID number Excel turned into a number: normalize_id_number explains it.
    return normalize_id_number(value if isinstance(value, float) else cell_text(value))


def _phone(value) -> str:
    return normalize_phone(cell_text(value))


# --- Villages ---------------------------------------------------------------------------------


class VillageIndex:
    """Looks villages up by name, tolerating a missing or extra trailing 村 and the
    township's name in front (东沟乡东沟村), which also tells villages of one name apart."""

    def __init__(self, township: Township | None):
        villages = Village.objects.select_related("township")
        if township is not None:
            villages = villages.filter(township=township)
        self.by_name: dict[str, list[Village]] = defaultdict(list)
        for village in villages:
            name = normalize_name(village.name)
            self.by_name[name].append(village)
            self.by_name[normalize_name(village.township.name) + name].append(village)

    def find(self, name: str) -> list[Village]:
        for candidate in (name, name + "村", name.removesuffix("村")):
            if candidate and self.by_name.get(candidate):
                return self.by_name[candidate]
        return []

    def for_row(
        self,
        name: str,
        *,
        allowed: set[int] | None = None,
        refused: str = "",
        default: Village | None = None,
        township_id: int | None = None,
    ) -> tuple[Village | None, str | None]:
        """The village a row's cell names, as (village, None) or (None, why it cannot be
        used); never creates one. Every import reads its village cell through this.

        `default` stands for an empty cell; `township_id` picks among villages of one name
        in several townships (a sheet's session's township); a village outside `allowed`
        is refused with `refused` % {"village": …}."""
        name = normalize_name(name)
        if not name:
            return (default, None) if default is not None else (None, _("the village is empty"))
        found = self.find(name)
        if len(found) > 1 and township_id is not None:
            found = [village for village in found if village.township_id == township_id] or found
        if len(found) > 1:
            return None, _(
                "several townships have a village “%(village)s”; choose the township"
            ) % {"village": name}
        if not found:
            return None, _(
                "there is no village “%(village)s” (villages are created with setup_township)"
            ) % {"village": name}
        village = found[0]
        if allowed is not None and village.pk not in allowed:
            return None, refused % {"village": village.name}
        return village, None


# --- Planning ---------------------------------------------------------------------------------


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
    villages = VillageIndex(township)
    words = _row_words()
    parsed: list[PlannedRow] = []

    for row in table:
        planned, messages = _parse_row(row, villages, allowed_village_ids, words)
        if messages:
            plan.errors.append(RowError(row.number, messages))
        else:
            parsed.append(planned)

    _match_existing(parsed, plan, allowed=allowed_village_ids)
    plan.errors.sort(key=lambda error: error.number)
    return plan


def _row_words() -> dict[str, str]:
    """The words of a row's reasons, translated once per file rather than once per row."""
    return {
        "phone": _("phone"),
        "id_number": _("ID number"),
        "gender": _("gender"),
        "party_member": _("party member"),
        "household": _("household number"),
        "branch": _("party branch"),
        "refused": _("you may not import people of %(village)s"),
    }


def _parse_row(row: TableRow, villages: VillageIndex, allowed: set[int] | None, words: dict):
    """The row's values, normalised, and the reasons it cannot be imported (if any)."""
    values = row.values
    name = normalize_name(cell_text(values.get("name")))
    messages = name_problems(name)
    village, village_message = villages.for_row(
        cell_text(values.get("village")), allowed=allowed, refused=words["refused"]
    )
    if village_message:
        messages.append(village_message)
    planned = PlannedRow(number=row.number, name=name, village=village)
    for key, parse, attribute in (
        ("phone", _phone, "phone"),
        ("id_number", _id_number, "id_number"),
        ("gender", _gender, "gender"),
        ("party_member", _yes_no, "is_party_member"),
    ):
        try:
            setattr(planned, attribute, parse(values.get(key)))
        except ValidationError as error:
            messages.append(f"{words[key]}：{'；'.join(error.messages)}")
    planned.household_number = cell_text(values.get("household"))
    planned.branch_name = normalize_name(cell_text(values.get("branch")))
    for key, value in (("household", planned.household_number), ("branch", planned.branch_name)):
        if len(value) > _MAX_LENGTHS[key]:
            messages.append(_too_long(words[key], _MAX_LENGTHS[key]))
    return planned, messages


def _too_long(label: str, limit: int) -> str:
    return _("%(field)s is longer than %(limit)s characters") % {"field": label, "limit": limit}


def name_problems(name: str) -> list[str]:
    """A name is required, fits the record, and has no digits (a shifted column has)."""
    if not name:
        return [_("the name is empty")]
    if len(name) > _MAX_LENGTHS["name"]:
        return [_too_long(_("full name"), _MAX_LENGTHS["name"])]
    if any(char.isdigit() for char in name):
        return [_("the name “%(name)s” contains digits") % {"name": name}]
    return []


# --- Matching ---------------------------------------------------------------------------------


def _candidates(rows: list[PlannedRow]) -> list[Person]:
    """Existing people a row may match: by ID number, or by name (phone matches need it).

    A row whose ID number is on record is that person whatever its name, so only the other
    rows' names are looked up: a file imported again reads each person once. Villages,
    households and branches are read once each, not once per person."""
    found: dict[int, Person] = {}
    ids = sorted({row.id_number for row in rows if row.id_number})
    for chunk in _chunks(ids):
        found.update((person.pk, person) for person in Person.objects.filter(id_number__in=chunk))
    on_record = {person.id_number for person in found.values()}  # never "": see ids
    names = sorted({row.name for row in rows if row.id_number not in on_record})
    for chunk in _chunks(names):
        for person in Person.objects.filter(name__in=chunk):
            found.setdefault(person.pk, person)
    people = sorted(found.values(), key=lambda person: person.pk)
    _places_attach(people)
    return people


def _chunks(values: list) -> list[list]:
    """Chunks keep each query under the database's limit on parameters."""
    return [values[start : start + 500] for start in range(0, len(values), 500)]


def _places_attach(people: list[Person]) -> None:
    """Give each person their village, household and branch, read in one go per kind."""
    relations = (("village", Village), ("household", Household), ("branch", PartyBranch))
    for relation, model in relations:
        attname = f"{relation}_id"
        records = model.objects.in_bulk({getattr(person, attname) for person in people} - {None})
        for person in people:
            key = getattr(person, attname)
            if key is not None:
                setattr(person, relation, records[key])


def _match_existing(
    rows: list[PlannedRow], plan: RosterPlan, *, allowed: set[int] | None = None
) -> None:
    """Find the existing person of each row and detect rows that describe one person.

    A row may name a village the user manages and yet match, by ID number or phone, someone
    recorded in another: importing it would move that person into the user's villages, and
    so into their hands. Only someone who manages both villages may (`allowed` None: all)."""
    index = PeopleIndex(_candidates(rows))
    for row in rows:
        found = index.match(
            name=row.name, village_id=row.village.pk, phone=row.phone, id_number=row.id_number
        )
        if found.is_ambiguous:
            plan.errors.append(RowError(row.number, [_ambiguous_message(row, found)]))
            continue
        known = found.known
        if allowed is not None and known is not None and known.village_id not in allowed:
            plan.errors.append(
                RowError(
                    row.number,
                    [
                        _(
                            "this person is on record in a village you do not manage; ask the"
                            " township to move them"
                        )
                    ],
                )
            )
            continue
        if known is not None and known.row_number is not None:
            plan.errors.append(
                RowError(
                    row.number, [_("the same person as row %(row)s") % {"row": known.row_number}]
                )
            )
            continue
        index.record(
            known,
            name=row.name,
            village_id=row.village.pk,
            phone=row.phone,
            id_number=row.id_number,
            row_number=row.number,
        )
        row.person = known.person if known is not None else None
        if row.person is not None:
            row.changes = _changes(row, row.person)
        plan.rows.append(row)


def _ambiguous_message(row: PlannedRow, found: IdentityMatch) -> str:
    if found.shared_phone:
        return _("several people named %(name)s share this phone number") % {"name": row.name}
    return _(
        "%(village)s has %(count)s people named %(name)s; add a phone or ID number to"
        " tell them apart"
    ) % {"village": row.village.name, "count": len(found.candidates), "name": row.name}


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
