"""Reading one cell of a spreadsheet as people fill them in: trimmed text without the marks
exports add, invisible characters from chat apps dropped, full-width forms made half-width,
words compared loosely, dates and times in every way a township writes them, and 学时.

A cell that cannot be read raises CellError with the reason, in the user's language.
"""

import datetime
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

# Excel counts days from 1899-12-30 (its 1900 leap-year bug included).
_EXCEL_EPOCH = datetime.datetime(1899, 12, 30)
_PERIODS_PM = ("下午", "晚上", "中午", "pm")
_DATE = r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
_TIME = (
    r"(?P<period>上午|早上|中午|下午|晚上|am|pm)?"
    r"(?P<hour>\d{1,2}):(?P<minute>\d{1,2})?(?::(?P<second>\d{1,2}))?(?P<suffix>am|pm)?"
)
_DATE_TIME = re.compile(rf"^(?:{_DATE})? ?(?:{_TIME})?$")
_MAX_HOURS = Decimal("999.9")


class CellError(ValueError):
    """A cell that cannot be read; the message names the problem for the user."""


def strip_invisible(value: str) -> str:
    """Drop zero-width and direction marks (Unicode category Cf) pasted in from chat apps."""
    if value.isprintable():  # no Cf character is printable: most cells need no pass
        return value
    return "".join(char for char in value if unicodedata.category(char) != "Cf")


def to_halfwidth(value: str) -> str:
    """Full-width digits, letters, spaces and '+' become their ASCII forms (NFKC)."""
    return unicodedata.normalize("NFKC", strip_invisible(value))


def cell_text(value) -> str:
    """A cell as trimmed text: 12.0 → '12'; the '…' of ="…" and a leading ' are dropped.

    Exports write ="13800138000" and '13800138000 to keep Excel from turning the number
    into 1.38E+10; neither mark is part of the value.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = strip_invisible(str(value)).replace("\u3000", " ").strip()
    wrapped = re.fullmatch(r'=\s*"(.*)"', text)
    if wrapped:
        text = wrapped.group(1).strip()
    return text.removeprefix("'").removeprefix("`").strip()


def cell_word(value) -> str:
    """A cell compared against a set of words: half-width, lower case, no spaces or marks."""
    text = unicodedata.normalize("NFKC", cell_text(value)).lower()
    return re.sub(r"[\s_\-·.。'\"“”‘’「」『』]+", "", text)


def parse_when(value) -> datetime.datetime | datetime.time | datetime.date | None:
    """A cell as a naive date and time, a time of day alone, a date alone, or None if empty.

    Accepts Excel date/time cells and serial numbers, and text such as 2026-03-05 09:00,
    2026/3/5 9:00, 2026.3.5 9:00, 2026年3月5日 9:00, 2026年3月5日下午2点30分 and 11:30.
    """
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = timezone.localtime(value).replace(tzinfo=None)
        return value
    if isinstance(value, datetime.date | datetime.time):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _excel_serial(value)
    text = unicodedata.normalize("NFKC", cell_text(value)).lower()
    if not text:
        return None
    if re.fullmatch(r"\d{5}(\.\d+)?|0?\.\d+", text):  # a day number written out as text
        return _excel_serial(float(text))
    normalized = re.sub(r"(\d)\s*[年月/.]\s*(?=\d)", r"\1-", text)
    normalized = re.sub(r"(\d)\s*[日号]", r"\1 ", normalized)
    normalized = re.sub(r"(\d)\s*[时点]\s*半", r"\1:30", normalized)
    normalized = re.sub(r"(\d)\s*[时点]\s*(\d+)\s*分?", r"\1:\2", normalized)
    normalized = re.sub(r"(\d)\s*[时点]", r"\1:", normalized)
    normalized = re.sub(r"(?<=\d)t(?=\d)", " ", normalized)
    # Spaces matter only between the date and the time: "2026-3-5 9:00".
    normalized = re.sub(r"\s+", " ", normalized.strip())
    normalized = re.sub(r" (?=\D)|(?<=\D) ", "", normalized)
    match = _DATE_TIME.fullmatch(normalized)
    if not match or not (match["year"] or match["hour"]):
        raise CellError(_("“%(value)s” is not a date and time") % {"value": cell_text(value)})
    parts = match.groupdict()
    try:
        date = (
            datetime.date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
            if parts["year"]
            else None
        )
        if parts["hour"] is None:
            return date
        hour = int(parts["hour"])
        if (parts["period"] or parts["suffix"] or "") in _PERIODS_PM and hour < 12:
            hour += 12
        time = datetime.time(hour, int(parts["minute"] or 0), int(parts["second"] or 0))
    except ValueError as error:
        raise CellError(
            _("“%(value)s” is not a valid date and time") % {"value": cell_text(value)}
        ) from error
    return datetime.datetime.combine(date, time) if date else time


def _excel_serial(number: float) -> datetime.datetime | datetime.time:
    """A spreadsheet's day number (46086.375) as a date and time; below 1, a time of day."""
    if number < 0 or 1 <= number < 36526 or number > 2958465:
        raise CellError(_("“%(value)s” is not a date and time") % {"value": number})
    moment = _EXCEL_EPOCH + datetime.timedelta(days=number)
    moment = moment.replace(microsecond=0) + datetime.timedelta(
        seconds=round(moment.microsecond / 1e6)
    )
    return moment.time() if number < 1 else moment


def parse_study_hours(value) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise CellError(_("study hours must be a number"))
    text = unicodedata.normalize("NFKC", cell_text(value)).lower()
    text = re.sub(r"\s*(学时|课时|小时|个小时|hours?|h)$", "", text).strip()
    if not text:
        return None
    try:
        hours = Decimal(text)
    except InvalidOperation as error:
        raise CellError(
            _("study hours “%(value)s” is not a number") % {"value": cell_text(value)}
        ) from error
    if not hours.is_finite():
        raise CellError(_("study hours must be a number"))
    if hours < 0:
        raise CellError(_("study hours cannot be negative"))
    if hours > _MAX_HOURS:
        raise CellError(_("study hours cannot be more than %(max)s") % {"max": _MAX_HOURS})
    rounded = hours.quantize(Decimal("0.1"))
    if rounded != hours:
        raise CellError(_("study hours are counted in tenths of an hour (e.g. 1.5)"))
    return rounded
