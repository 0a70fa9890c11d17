"""Chinese first: every user-facing string of ours has a Simplified Chinese translation."""

import gettext
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
SOURCES = ["lms", "courses", "attendance", "certificates", "templates", "manage.py"]


def _entries(po_text: str) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) for each entry of a .po file (plural forms: the first). An
    entry with a context (pgettext) is its context and msgid joined by "\\x04", its key in a
    compiled catalogue."""
    entries = []
    for block in po_text.split("\n\n"):
        if block.lstrip().startswith("#~"):
            continue  # obsolete
        fuzzy = "#, fuzzy" in block or ", fuzzy" in block
        msgid = _joined(block, "msgid")
        msgstr = _joined(block, "msgstr") or _joined(block, r"msgstr\[0\]")
        if context := _joined(block, "msgctxt"):
            msgid = f"{context}\x04{msgid}"
        if msgid:
            entries.append((msgid, msgstr, fuzzy))
    return entries


def _joined(block: str, keyword: str) -> str:
    match = re.search(rf'^{keyword} ((?:".*"\n?)+)', block + "\n", re.MULTILINE)
    if not match:
        return ""
    parts = re.findall(r'"(.*)"', match.group(1))
    return "".join(parts).encode().decode("unicode_escape").encode("latin-1").decode()


def test_every_string_has_a_chinese_translation():
    untranslated = [
        msgid for msgid, msgstr, fuzzy in _entries(PO.read_text()) if not msgstr or fuzzy
    ]
    assert untranslated == []


def test_compiled_catalogue_matches_the_source_catalogue():
    with MO.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    stale = [
        msgid
        for msgid, msgstr, _fuzzy in _entries(PO.read_text())
        if catalogue.gettext(msgid) != msgstr
    ]
    assert stale == [], "run `make messages` to recompile locale/"


@pytest.mark.skipif(not shutil.which("xgettext"), reason="gettext is not installed")
def test_catalogue_covers_every_string_in_the_code(tmp_path):
    """makemessages on a copy of the sources finds no msgid missing from the catalogue."""
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    (tmp_path / "locale").mkdir()
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-location",
            "--no-obsolete",
        ],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "lms.settings.test",
            "PYTHONPATH": str(tmp_path),
        },
    )
    found = {
        msgid
        for msgid, _s, _f in _entries(
            (tmp_path / "locale/zh_Hans/LC_MESSAGES/django.po").read_text()
        )
    }
    known = {msgid for msgid, _s, _f in _entries(PO.read_text())}
    assert sorted(found - known) == [], "run `make messages` and translate the new strings"


# --- The admin, as each role sees it -----------------------------------------------------------

# Words of Wagtail's English interface that a township's staff must never meet: each was seen
# on a page below before the admin was given the township's name and language.
ENGLISH_UI = [
    "Search all pages",
    "Search",
    "Pages",
    "Shortcuts",
    "Wagtail",
    "Autosave",
    "Theme preferences",
    "Exploring",
    "Editor guide",
    "What's new",
    "Sign in",
    "Dashboard",
    "Save changes",
    "Content metrics",
    "Date updated",
    "Edited by",
    "Page type",
    "Keyboard shortcuts",
    "Referenced",
    "Sort by",
    "Actions",
    "Root",
    "Moderators",
    "True",
    "False",
    "created in",
]
SHOWN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "data-w-tooltip-content-value"}


class _ShownText(HTMLParser):
    """What a page shows or reads out: text outside scripts and styles, labels in attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style"}:
            self._hidden += 1
        attrs = dict(attrs)
        self.parts += [value for name, value in attrs.items() if name in SHOWN_ATTRIBUTES and value]
        if tag == "input" and attrs.get("type") in {"submit", "button"} and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in {"script", "style"}:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def english_ui_words(html: str) -> list[str]:
    parser = _ShownText()
    parser.feed(html)
    shown = "\n".join(parser.parts)
    return [
        word
        for word in ENGLISH_UI
        if re.search(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", shown)
    ]


@pytest.fixture
def admin_world(township, village_a, organizer_a):
    """A course with a lesson, a training in 东沟村 with one attendance record."""
    from attendance.models import AttendanceRecord
    from attendance.services import attendance_mark
    from tests.factories import courses
    from tests.factories.attendance import TrainingSessionFactory
    from tests.factories.people import PersonFactory

    course = courses.course()
    lesson = courses.lesson(course)
    session = TrainingSessionFactory(village=village_a)
    attendance_mark(
        session=session,
        person=PersonFactory(village=village_a),
        status=AttendanceRecord.Status.PRESENT,
        method=AttendanceRecord.Method.ROLL_CALL,
        by=organizer_a,
    )
    return {"course": course, "lesson": lesson}


def _pages_of(role: str, world) -> list[str]:
    everyone = ["/admin/", "/admin/attendance/records/", "/admin/account/"]
    course, lesson = world["course"], world["lesson"]
    editors = [
        "/admin/pages/",
        f"/admin/pages/{course.get_parent().pk}/",
        f"/admin/pages/{course.pk}/edit/",
        f"/admin/pages/{lesson.pk}/edit/",
        f"/admin/pages/add/courses/lessonpage/{course.pk}/",
    ]
    return {
        "administrator": [
            *everyone,
            *editors,
            "/admin/snippets/",
            "/admin/snippets/certificates/certificatetemplate/",
            "/admin/documents/",
        ],
        "township_staff": [*everyone, *editors, "/admin/documents/"],
        "organizer_a": everyone,
        "secretary_a": everyone,
    }[role]


@pytest.mark.parametrize("role", ["administrator", "township_staff", "organizer_a", "secretary_a"])
def test_admin_pages_a_role_visits_speak_chinese(client, request, role, admin_world):
    """Whatever the browser asks for: the demo administrator's browser asked for English."""
    client.force_login(request.getfixturevalue(role))
    english = {}
    for url in _pages_of(role, admin_world):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
        assert response.status_code == 200, url
        if words := english_ui_words(response.content.decode()):
            english[url] = words
    assert english == {}


def test_admin_login_page_speaks_chinese(client, db):
    response = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert english_ui_words(response.content.decode()) == []


def test_wagtail_admin_catalogue_is_compiled():
    """Our Chinese for Wagtail's own msgids (locale_wagtail/) is compiled as written."""
    folder = ROOT / "locale_wagtail" / "zh_Hans" / "LC_MESSAGES"
    for domain in ("django", "djangojs"):
        po = folder / f"{domain}.po"
        with po.with_suffix(".mo").open("rb") as handle:
            catalogue = gettext.GNUTranslations(handle)
        entries = _entries(po.read_text())
        assert entries and all(msgstr and not fuzzy for _m, msgstr, fuzzy in entries)
        stale = [m for m, s, _f in entries if catalogue.gettext(m) != s and "%" not in m]
        assert stale == [], "run `make messages` to recompile locale_wagtail/"
