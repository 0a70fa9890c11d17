"""The PDF dependency check names what is missing, and is quiet where all is installed."""

import ctypes.util

from lms.home import checks


def test_check_is_quiet_when_pango_harfbuzz_and_a_cjk_font_are_installed():
    # `make test` installs them; this is the state every deployment must be in.
    assert checks.pdf_dependencies_check(None) == []


def test_check_names_a_missing_harfbuzz_subset(monkeypatch):
    real = ctypes.util.find_library
    monkeypatch.setattr(
        ctypes.util,
        "find_library",
        lambda name: None if name == "harfbuzz-subset" else real(name),
    )

    problems = checks.pdf_dependencies_check(None)

    assert [problem.id for problem in problems] == ["shuangyu.W002"]
    assert "libharfbuzz-subset0" in problems[0].hint


def test_check_names_a_missing_cjk_font(monkeypatch):
    monkeypatch.setattr(checks, "_has_cjk_font", lambda: False)

    assert [problem.id for problem in checks.pdf_dependencies_check(None)] == ["shuangyu.W003"]
