"""Fill msgstr entries of a .po catalogue from a Python dict {msgid: translation}.

Usage: python scripts/fill_translations.py locale/zh_Hans/LC_MESSAGES/django.po TRANSLATIONS.py
Entries already translated are kept; the script prints the msgids it could not fill.
"""

import re
import runpy
import sys


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def fill(po_path: str, translations: dict[str, str]) -> list[str]:
    blocks = open(po_path, encoding="utf-8").read().split("\n\n")
    missing, out = [], [blocks[0]]
    for block in blocks[1:]:
        match = re.search(r'^msgid ((?:".*"\n?)+)', block + "\n", re.MULTILINE)
        if not match:
            out.append(block)
            continue
        msgid = "".join(re.findall(r'"(.*)"', match.group(1)))
        msgid = msgid.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
        text = translations.get(msgid)
        block = block.replace("#, fuzzy\n", "").replace("#, fuzzy, ", "#, ")
        block = re.sub(r"^#\| .*\n?", "", block, flags=re.MULTILINE)
        if text is None:
            if re.search(r'^msgstr(\[0\])? ""\s*$', block, re.MULTILINE):
                missing.append(msgid)
            out.append(block)
            continue
        if "msgid_plural" in block:
            block = re.sub(r'^msgstr\[0\] (?:".*"\n?)+', f"msgstr[0] {_quote(text)}\n", block + "\n", flags=re.MULTILINE).rstrip("\n")
        else:
            block = re.sub(r'^msgstr (?:".*"\n?)+', f"msgstr {_quote(text)}\n", block + "\n", flags=re.MULTILINE).rstrip("\n")
        out.append(block)
    open(po_path, "w", encoding="utf-8").write("\n\n".join(out))
    return missing


if __name__ == "__main__":
    table = runpy.run_path(sys.argv[2])["ZH"]
    for msgid in fill(sys.argv[1], table):
        print("untranslated:", msgid)
