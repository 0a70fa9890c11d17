"""One cell as people fill it in (lms.imports.cells), pinned: every import reads its dates,
times, numbers and words through these, so a slip here would reach the roster, the plan
and the paper sheets at once."""

import datetime
import sys
import unicodedata
import zoneinfo

import pytest
from django.utils import translation

from lms.imports.cells import CellError, cell_text, cell_word, parse_when

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    "cell, read",
    [
        (46086.375, datetime.datetime(2026, 3, 5, 9, 0)),  # Excel's day number
        (36526, datetime.datetime(2000, 1, 1)),  # the first day a plan may name
        (0, datetime.time(0, 0)),  # a time of day alone: midnight
        (0.5, datetime.time(12, 0)),
        ("2026-03-05 09:00:30", datetime.datetime(2026, 3, 5, 9, 0, 30)),
        ("2026年3月5日 下午2点30分", datetime.datetime(2026, 3, 5, 14, 30)),
        ("2026年3月5日 中午12点", datetime.datetime(2026, 3, 5, 12, 0)),
        ("2026年3月5日 晚上11点", datetime.datetime(2026, 3, 5, 23, 0)),
        ("2026-3-5 9:00 am", datetime.datetime(2026, 3, 5, 9, 0)),
        ("9:00", datetime.time(9, 0)),
        ("2026 年 3 月 5 日", datetime.date(2026, 3, 5)),
        (
            datetime.datetime(2026, 3, 5, 1, 0, tzinfo=datetime.UTC),
            datetime.datetime(2026, 3, 5, 9, 0),
        ),
        (datetime.datetime(2026, 3, 5, 9, 0, tzinfo=BEIJING), datetime.datetime(2026, 3, 5, 9, 0)),
    ],
)
def test_dates_and_times_are_read_as_the_township_writes_them(cell, read):
    assert parse_when(cell) == read


@pytest.mark.parametrize(
    "cell, named",
    [(-0.5, "-0.5"), (1, "1"), (36525.9, "36525.9"), (2958466, "2958466"), (True, "1")],
)
def test_day_numbers_outside_a_plausible_date_are_refused_with_the_cell_named(cell, named):
    with translation.override("zh-hans"), pytest.raises(CellError) as refused:
        parse_when(cell)
    assert str(refused.value) == f"“{named}”不是日期和时间"


def test_text_that_is_no_date_is_refused_in_the_townships_words():
    with translation.override("zh-hans"):
        with pytest.raises(CellError) as nonsense:
            parse_when("下周二")
        with pytest.raises(CellError) as impossible:
            parse_when("2026-02-30 9:00")
    assert str(nonsense.value) == "“下周二”不是日期和时间"
    assert str(impossible.value) == "“2026-02-30 9:00”不是有效的日期和时间"


def test_words_are_compared_without_spaces_marks_or_case():
    assert cell_word(" 党性·教育 ") == "党性教育"
    assert cell_word("Skills_Training") == "skillstraining"
    assert cell_word("“技能”培训。") == "技能培训"


def test_every_invisible_mark_a_chat_app_may_paste_is_dropped_from_a_cell():
    """Every format character (Unicode Cf: zero-width spaces, direction marks, the BOM…),
    whatever text surrounds it; a 20,000-row roster reads most cells without looking at each
    character, and this says that shortcut misses none."""
    marks = [
        chr(code) for code in range(sys.maxunicode + 1) if unicodedata.category(chr(code)) == "Cf"
    ]
    assert "\u200b" in marks and "\ufeff" in marks
    for mark in marks:
        assert cell_text(f"王{mark}秀英") == "王秀英"
        assert cell_text(f"1380013{mark}8000") == "13800138000"
    assert cell_text("阿依古丽·买买提") == "阿依古丽·买买提"
