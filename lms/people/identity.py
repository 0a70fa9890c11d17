"""Normalising, validating and masking the identifiers people are known by, and telling who
a name, a village and a phone are.

No database: names, mainland national ID numbers (居民身份证号码) and phone numbers, in the
spellings rosters really contain; and PeopleIndex, the one rule every entrance that meets a
person by name uses (the roster import, the walk-in form, a paper sign-in sheet), over the
people its caller loaded.
"""

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from lms.imports.cells import strip_invisible, to_halfwidth

# ISO 7064 MOD 11-2, as GB 11643-1999 specifies for the 18th character.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
_MIDDLE_DOTS = "·•‧∙・･．.・"
_SPACES = re.compile(r"\s+")
_HAN = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134f]")


def normalize_name(value) -> str:
    """Trim a name, full-width spaces included, and unify the middle dot of minority names.

    A Han name padded for alignment ("张  三") loses its inner spaces; a Latin name keeps
    single spaces between words.
    """
    if value is None:
        return ""
    # strip() and \s count the full-width (U+3000) and no-break (U+00A0) spaces as spaces.
    text = strip_invisible(str(value)).strip()
    for dot in _MIDDLE_DOTS:
        text = text.replace(dot, "·")
    text = re.sub(r"\s*·\s*", "·", text)
    if _HAN.search(text):
        return _SPACES.sub("", text)
    return _SPACES.sub(" ", text)


def id_check_char(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def _numeric_id_error() -> ValidationError:
    """Excel turned the ID into a number (1.40121E+17) and dropped its last digits."""
    return ValidationError(
        _(
            "The ID number was stored as a number by the spreadsheet and has lost digits;"
            " format the column as text and enter it again."
        ),
        code="id_number_numeric",
    )


def normalize_id_number(value) -> str:
    """Return the 18-character ID number in canonical form, or raise ValidationError.

    Accepts spaces, dashes, full-width characters and a lower-case x. Rejects anything that is
    not 17 digits and a correct check character, or whose birth date is impossible, and
    explains an ID that a spreadsheet turned into a number (1.40121E+17, or a float cell).
    """
    if value is None:
        return ""
    if isinstance(value, float):
        raise _numeric_id_error()
    text = re.sub(r"[\s\-]+", "", to_halfwidth(str(value))).upper()
    if not text:
        return ""
    if re.fullmatch(r"\d(\.\d+)?E\+?\d+", text):
        raise _numeric_id_error()
    if len(text) == 15 and text.isdigit():
        raise ValidationError(
            _("The ID number has 15 digits; use the 18-digit ID number."), code="id_number_15"
        )
    if len(text) != 18 or not text[:17].isdigit() or text[17] not in "0123456789X":
        raise ValidationError(
            _("The ID number must be 17 digits followed by a digit or X."),
            code="id_number_format",
        )
    if id_check_char(text[:17]) != text[17]:
        raise ValidationError(
            _("The ID number's check digit is wrong; check the number for a typo."),
            code="id_number_checksum",
        )
    if id_birth_date(text) is None:
        raise ValidationError(
            _("The ID number contains an impossible birth date."), code="id_number_birth_date"
        )
    return text


def id_birth_date(id_number: str) -> datetime.date | None:
    try:
        born = datetime.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None
    if born.year < 1900 or born > datetime.date.today():
        return None
    return born


def id_gender(id_number: str) -> str:
    """'M' or 'F' from the 17th digit (odd: male)."""
    return "M" if int(id_number[16]) % 2 else "F"


def normalize_phone(value) -> str:
    """Return a mainland mobile number as 11 digits, or a landline as 'area-number'.

    Strips spaces, dashes, dots, brackets, full-width characters and a +86 / 0086 / 86
    country code. Raises ValidationError for anything else.
    """
    if value is None:
        return ""
    if isinstance(value, float):
        if value != int(value):
            raise ValidationError(_("Enter a valid phone number."), code="phone_format")
        value = int(value)
    text = to_halfwidth(str(value)).strip()
    if not text:
        return ""
    # "13800138000.0": a number cell written out as text by a script or an export.
    text = re.sub(r"(?<=\d)\.0+$", "", text)
    digits = re.sub(r"[\s\-–—.()（）]", "", text)
    if digits.startswith("+"):
        digits = digits[1:]
        if not digits.startswith("86"):
            raise ValidationError(
                _("Only mainland China phone numbers (+86) are accepted."), code="phone_country"
            )
        digits = digits[2:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not digits.isdigit():
        raise ValidationError(_("Enter a valid phone number."), code="phone_format")
    if re.fullmatch(r"1[3-9]\d{9}", digits):
        return digits
    # Area codes are 010 and 020–029 (three digits) or four digits for the rest of the
    # country; the local number that follows has 7 or 8 digits.
    landline = re.fullmatch(r"(0[12]\d|0[3-9]\d{2})(\d{7,8})", digits)
    if landline:
        return f"{landline.group(1)}-{landline.group(2)}"
    raise ValidationError(
        _("Enter an 11-digit mobile number or a landline with its area code."),
        code="phone_format",
    )


def phone_or_nothing(value) -> str:
    """The normalised phone, or "" if the value holds no valid number (never an error): what
    a walk-in types is a hint, not a record to refuse."""
    try:
        return normalize_phone(value) if value else ""
    except ValidationError:
        return ""


def mask_id_number(id_number: str) -> str:
    """First 6 and last 4 characters shown: 110105********123X."""
    if not id_number:
        return ""
    if len(id_number) <= 10:
        return "*" * len(id_number)
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]


def mask_phone(phone: str) -> str:
    """Mobile: 138****5678. Landline: area code and last 4 shown."""
    if not phone:
        return ""
    if "-" in phone:
        area, number = phone.split("-", 1)
        return f"{area}-{'*' * (len(number) - 4)}{number[-4:]}"
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_name(name: str) -> str:
    """A name as a public page may show it: 乔*主, 张*, 阿依古丽·买**, 阿依古丽·*; characters
    outside the Basic Multilingual Plane (王𫖯) count as one, never split."""
    characters = list(name or "")
    if len(characters) <= 1:
        return name or ""
    if len(characters) == 2:
        return characters[0] + "*"
    if "·" in characters:  # 阿依古丽·买买提: the given name stays, the family name is masked
        dot = characters.index("·")
        tail = characters[dot + 1 :]
        if len(tail) == 1:  # 阿依古丽·买: its one character is all there is to mask
            return "".join(characters[: dot + 1]) + "*"
        return "".join(characters[: dot + 2]) + "*" * max(len(tail) - 1, 0)
    return characters[0] + "*" * (len(characters) - 2) + characters[-1]


# --- Who is this? -----------------------------------------------------------------------------


@dataclass(eq=False)
class Known:
    """A person as the records will hold them once the rows matched so far are written: a
    saved person, or one a row will add (`person` is then the caller's unsaved object)."""

    name: str
    village_id: int
    phone: str = ""
    id_number: str = ""
    person: object = None
    row_number: int | None = None  # the row of this file that describes them

    @classmethod
    def of(cls, person) -> "Known":
        return cls(person.name, person.village_id, person.phone, person.id_number, person)


@dataclass
class IdentityMatch:
    """Who a row is: one `known` person, nobody yet, or several `candidates` (ambiguous).
    `shared_phone` says the candidates share the row's phone (only a village tells them
    apart)."""

    known: Known | None = None
    candidates: list[Known] = field(default_factory=list)
    shared_phone: bool = False

    @property
    def person(self):
        return self.known.person if self.known is not None else None

    @property
    def is_ambiguous(self) -> bool:
        return self.known is None and len(self.candidates) > 1

    @property
    def is_unknown(self) -> bool:
        return self.known is None and not self.candidates


def phone_fits_mask(phone: str, mask: tuple[str, str]) -> bool:
    """A phone printed masked (138****5678) and typed back fits the numbers it shows."""
    first, last = mask
    return bool(phone) and phone.startswith(first) and phone.endswith(last)


class PeopleIndex:
    """The people rows may name, strongest identifier first: the ID number; else the phone
    together with the name (families share one phone); else the name within the village. A
    different ID number, or a different phone on record, is a different person; that is how
    two people of one name in a village are told apart.

    The caller loads the people a row may be (by name, by ID number) and, as it matches rows
    in order, `record`s each as it will be written, so that a later row matches what an
    earlier one adds or changes and a file naming one person twice is seen."""

    def __init__(self, people=()):
        self.by_id: dict[str, Known] = {}
        self.by_phone: dict[str, list[Known]] = defaultdict(list)
        self.by_name_village: dict[tuple[str, int], list[Known]] = defaultdict(list)
        for person in people:
            self._add(Known.of(person))

    def _add(self, known: Known) -> None:
        if known.id_number:
            self.by_id[known.id_number] = known
        if known.phone:
            self.by_phone[known.phone].append(known)
        self.by_name_village[(known.name, known.village_id)].append(known)

    def _remove(self, known: Known) -> None:
        if known.phone:
            self.by_phone[known.phone].remove(known)
        self.by_name_village[(known.name, known.village_id)].remove(known)

    def record(
        self,
        known: Known | None,
        *,
        name,
        village_id,
        phone="",
        id_number="",
        person=None,
        row_number=None,
    ) -> Known:
        """Remember that a row describes `known` (None: a new person, `person`) as it will be
        saved: an empty cell keeps what is on record."""
        if known is None:
            known = Known(name, village_id, phone, id_number, person)
        else:
            self._remove(known)
            known.name, known.village_id = name, village_id
            known.phone = phone or known.phone
            known.id_number = id_number or known.id_number
        known.row_number = row_number
        self._add(known)
        return known

    def match(self, *, name, village_id, phone="", id_number="", phone_mask=None) -> IdentityMatch:
        """The person (name, village, phone, ID number) names, among those indexed. A masked
        phone narrows the name's people to those whose phone fits it, else to those with none
        on record."""
        if id_number and id_number in self.by_id:
            return IdentityMatch(self.by_id[id_number])
        if phone:
            found = self._match_phone(name, village_id, phone, id_number)
            if found.known is not None or found.candidates:
                return found
        same = [
            known
            for known in self.by_name_village.get((name, village_id), [])
            if _compatible(known, id_number)
            and not (phone and known.phone and known.phone != phone)
        ]
        if phone_mask is not None:
            fits = [known for known in same if phone_fits_mask(known.phone, phone_mask)]
            same = fits or [known for known in same if not known.phone]
        if len(same) == 1:
            return IdentityMatch(same[0])
        return IdentityMatch(candidates=same)

    def _match_phone(self, name, village_id, phone, id_number) -> IdentityMatch:
        same = [
            known
            for known in self.by_phone.get(phone, [])
            if known.name == name
            and _compatible(known, id_number)
            and not _moved_by_this_file(known, village_id)
        ]
        if len(same) > 1:
            # Two people of one name share a phone only in different villages.
            in_village = [known for known in same if known.village_id == village_id]
            if len(in_village) != 1:
                return IdentityMatch(candidates=in_village or same, shared_phone=True)
            same = in_village
        return IdentityMatch(same[0] if same else None)


def _compatible(known: Known, id_number: str) -> bool:
    """A different ID number is a different person."""
    return not (id_number and known.id_number and known.id_number != id_number)


def _moved_by_this_file(known: Known, village_id: int) -> bool:
    """An earlier row put this person in another village: the file names two people."""
    return known.row_number is not None and known.village_id != village_id
