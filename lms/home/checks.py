"""System checks for what PDFs with Chinese text need (see DESIGN.md, "PDFs with Chinese text").

Without libharfbuzz-subset0 WeasyPrint falls back to a subsetter about 100 times slower; without
Pango it cannot run; without a CJK font names print as boxes. `make run` / `make test`
install all three (scripts/system-packages.sh).
"""

import ctypes.util
import shutil
import subprocess

from django.core.checks import Warning, register

REMEDY = "Run `make run` (or `bash scripts/system-packages.sh`) to install it."


def _has_cjk_font() -> bool:
    if not shutil.which("fc-list"):
        return False
    result = subprocess.run(
        ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=10
    )
    return bool(result.stdout.strip())


@register()
def pdf_dependencies_check(app_configs, **kwargs):
    problems = []
    if not ctypes.util.find_library("pango-1.0") or not ctypes.util.find_library("pangoft2-1.0"):
        problems.append(
            Warning(
                "Pango is missing: certificates and sign-in sheets cannot be rendered.",
                hint="Debian packages libpango-1.0-0 and libpangoft2-1.0-0. " + REMEDY,
                id="shuangyu.W001",
            )
        )
    if not ctypes.util.find_library("harfbuzz-subset"):
        problems.append(
            Warning(
                "libharfbuzz-subset0 is missing: a one-page Chinese PDF takes seconds, not ms.",
                hint="Debian package libharfbuzz-subset0. " + REMEDY,
                id="shuangyu.W002",
            )
        )
    if not _has_cjk_font():
        problems.append(
            Warning(
                "No Chinese (CJK) font is installed: names in PDFs would print as boxes.",
                hint="Debian package fonts-noto-cjk. " + REMEDY,
                id="shuangyu.W003",
            )
        )
    return problems
