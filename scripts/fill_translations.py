"""Fill msgstr entries of a .po catalogue from a Python dict {msgid: translation}.

Usage: python scripts/fill_translations.py locale/zh_Hans/LC_MESSAGES/django.po TRANSLATIONS.py
Entries already translated are kept; the script prints the msgids it could not fill.
"""

import re
import runpy
import sys

HEADER = """# Shuangyu (双育): Simplified Chinese, the platform's default language.
# Refresh with `make messages`; fill new entries with this script, then compile.
msgid ""
msgstr ""
"Project-Id-Version: shuangyu\\n"
"Language: zh_Hans\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"""


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def fill(po_path: str, translations: dict[str, str]) -> list[str]:
    with open(po_path, encoding="utf-8") as handle:
        blocks = handle.read().split("\n\n")
    missing, out = [], [HEADER + blocks[0][blocks[0].index('"Plural-Forms') :]]
    for block in blocks[1:]:
        match = re.search(r'^msgid ((?:".*"\n?)+)', block + "\n", re.MULTILINE)
        if not match:
            out.append(block)
            continue
        msgid = "".join(re.findall(r'"(.*)"', match.group(1)))
        msgid = msgid.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
        text = translations.get(msgid)
        fuzzy = "#, fuzzy" in block
        block = block.replace("#, fuzzy\n", "").replace("#, fuzzy, ", "#, ")
        block = re.sub(r"^#\| .*\n?", "", block, flags=re.MULTILINE)
        if text is None and fuzzy:
            # makemessages guessed from a similar msgid: never keep a guess.
            text = ""
        if text is None:
            if re.search(r'^msgstr(\[0\])? ""\s*$', block, re.MULTILINE):
                missing.append(msgid)
            out.append(block)
            continue
        if not text:
            missing.append(msgid)
        if "msgid_plural" in block:
            block = re.sub(
                r'^msgstr\[0\] (?:".*"\n?)+',
                f"msgstr[0] {_quote(text)}\n",
                block + "\n",
                flags=re.MULTILINE,
            ).rstrip("\n")
        else:
            block = re.sub(
                r'^msgstr (?:".*"\n?)+',
                f"msgstr {_quote(text)}\n",
                block + "\n",
                flags=re.MULTILINE,
            ).rstrip("\n")
        out.append(block)
    with open(po_path, "w", encoding="utf-8") as handle:
        handle.write("\n\n".join(out))
    return missing


if __name__ == "__main__":
    table = runpy.run_path(sys.argv[2])["ZH"]
    for msgid in fill(sys.argv[1], table):
        print("untranslated:", msgid)
