"""Chinese first: every user-facing string of ours has a Simplified Chinese translation."""

import gettext
import re
import shutil
import subprocess
import sys
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
        if "%" not in msgid and catalogue.gettext(msgid) != msgstr
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
