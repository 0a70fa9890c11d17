"""Normalising, validating and masking the identifiers people are known by.

Pure functions, no database: names, mainland national ID numbers (居民身份证号码) and
phone numbers, in the spellings rosters really contain.
"""

import datetime
import re

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
    """A name as a public page may show it: 乔*主, 张*, 阿依古丽·买**; characters outside the
    Basic Multilingual Plane (王𫖯) count as one, never split."""
    characters = list(name or "")
    if len(characters) <= 1:
        return name or ""
    if len(characters) == 2:
        return characters[0] + "*"
    if "·" in characters:  # 阿依古丽·买买提: the given name stays, the family name is masked
        dot = characters.index("·")
        tail = characters[dot + 1 :]
        return "".join(characters[: dot + 2]) + "*" * max(len(tail) - 1, 0)
    return characters[0] + "*" * (len(characters) - 2) + characters[-1]
