"""The printed sign-in sheet (签到表) for venues with no signal: the invited roster, one line
each, and empty lines for walk-ins, as an A4 PDF rendered by WeasyPrint.

Its columns are the paper-sheet import's (姓名, 村, 手机号, 签到状态), so a typed-up copy
imports back with `import_attendance`. Paper leaves the office: a phone is printed as its
last four digits only, for everyone, administrators included.
"""

from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .models import Registration, TrainingSession

TEMPLATE = "attendance/pdf/sign_in_sheet.html"
# The import's headings (attendance paper-sheet import), with a number and a signature column.
HEADINGS = ["序号", "姓名", "村", "手机号", "签到状态", "签名"]
STATUS_WORDS = ["出席", "迟到", "请假", "缺席"]
WALK_IN_LINES = 15
WALK_IN_LINES_WITHOUT_ROSTER = 30


@dataclass(frozen=True)
class SheetLine:
    name: str
    village: str
    phone: str


def css_string(value: str) -> str:
    """A quoted CSS string for `content:`, safe inside <style> whatever the text holds."""
    escaped = "".join(
        char if char.isalnum() or char in " ·-–—:：（）()《》,，." else f"\\{ord(char):x} "
        for char in value
    )
    return mark_safe(f'"{escaped}"')


def phone_tail(phone: str) -> str:
    """'****5678': enough to tell two people of one name apart, not enough to call them."""
    digits = "".join(char for char in phone or "" if char.isdigit())
    return f"****{digits[-4:]}" if len(digits) >= 4 else ""


def sheet_roster(session: TrainingSession) -> list[SheetLine]:
    """Those invited (registered, not waiting), by village and name."""
    registrations = (
        session.registrations.filter(status=Registration.Status.REGISTERED)
        .select_related("person__village")
        .order_by("person__village__name", "person__name", "person__pk")
    )
    return [
        SheetLine(r.person.name, r.person.village.name, phone_tail(r.person.phone))
        for r in registrations
    ]


def sign_in_sheet_html(session: TrainingSession) -> str:
    roster = sheet_roster(session)
    blank = WALK_IN_LINES if roster else WALK_IN_LINES_WITHOUT_ROSTER
    # The sheet is for the villagers in the hall: always in the site's language.
    with translation.override(settings.LANGUAGE_CODE):
        starts = timezone.localtime(session.starts_at)
        ends = timezone.localtime(session.ends_at)
        when = "{}–{}".format(
            formats.date_format(starts, "DATETIME_FORMAT"),
            formats.time_format(ends, "TIME_FORMAT")
            if ends.date() == starts.date()
            else formats.date_format(ends, "DATETIME_FORMAT"),
        )
        page_label = _("Page %(page)s of %(pages)s")
        before, _sep, rest = page_label.partition("%(page)s")
        middle, _sep, after = rest.partition("%(pages)s")
        return render_to_string(
            TEMPLATE,
            {
                "session": session,
                "when": when,
                "roster": roster,
                "blank_numbers": range(len(roster) + 1, len(roster) + blank + 1),
                "headings": HEADINGS,
                "status_words": " / ".join(STATUS_WORDS),
                "footer_left": css_string(f"{session.village.name} · {session.topic}"),
                "page_label_before": css_string(before),
                "page_label_middle": css_string(middle),
                "page_label_after": css_string(after),
            },
        )


def sign_in_sheet_pdf(*, session: TrainingSession) -> bytes:
    """The sheet as PDF bytes (about 0.1 s a page with libharfbuzz-subset0)."""
    from weasyprint import HTML  # imported here: Pango is loaded only when a PDF is made

    session = TrainingSession.objects.select_related("village", "kind", "trainer_person").get(
        pk=session.pk
    )
    return HTML(string=sign_in_sheet_html(session)).write_pdf()


def sign_in_sheet_filename(session: TrainingSession) -> str:
    return f"sign-in-sheet-{session.pk}-{timezone.localtime(session.starts_at):%Y%m%d}.pdf"
