"""The statistics charts: self-contained SVG that reads the same on a page, a phone and a PDF."""

import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
from django.utils import translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from lms.stats.charts import FONTS, SERIES, bar_chart, grouped_bar_chart, trend_chart

NS = {"svg": "http://www.w3.org/2000/svg"}
VILLAGES = ["东沟村", "西沟村", "南沟村", "北沟村"]
MONTHS = [(f"2026-{m:02d}", v) for m, v in enumerate([120, 96, 310, 0, 402, 356], start=1)]
TRACKS = [("党性教育", [14, 1260, 830]), ("技能培训", [9, 740, 512])]


@pytest.fixture(autouse=True)
def _english():
    """The msgids, whatever the catalogue holds."""
    with translation.override("en"):
        yield


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def texts(root: ET.Element) -> list[str]:
    return [t.text for t in root.iterfind(".//svg:text", NS)]


def bars(root: ET.Element) -> list[ET.Element]:
    """The bars: filled rects (the empty frame has fill="none")."""
    return [r for r in root.iterfind(".//svg:rect", NS) if r.get("fill") != "none"]


def every_chart():
    """One of each, made inside the test (so in English: see `_english`)."""
    return [
        bar_chart(title="各村人次", items=list(zip(VILLAGES, [12, 8, 0, 3], strict=True))),
        trend_chart(title="每月人次", points=MONTHS, unit="人次"),
        grouped_bar_chart(title="两类培训", categories=["期", "人次", "人数"], series=TRACKS),
        bar_chart(title="空", items=[]),
    ]


@pytest.mark.parametrize("which", range(4))
def test_every_chart_is_self_contained_accessible_svg(which):
    svg = every_chart()[which]
    assert isinstance(svg, SafeString)
    root = parse(svg)  # valid XML
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox").startswith("0 0 480 ")
    assert root.get("width") == "100%"
    assert root.get("height") is None
    assert root.get("role") == "img"
    assert root.get("aria-label") == root.find("svg:title", NS).text
    assert root.get("font-family") == FONTS
    assert '"Noto Sans CJK SC"' in FONTS
    for forbidden in ("<script", "href", "url(", "class=", "<style", "http://", "https://"):
        assert forbidden not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")


@pytest.mark.parametrize("which", range(4))
def test_text_is_at_least_12px_on_a_phone(which):
    """12 px once the chart is 340 px wide: a 360-px phone less some padding."""
    root = parse(every_chart()[which])
    for text in root.iterfind(".//svg:text", NS):
        size = float(text.get("font-size") or root.get("font-size"))
        assert size * 340 / 480 >= 12, text.text


def test_charts_are_deterministic():
    assert [str(svg) for svg in every_chart()] == [str(svg) for svg in every_chart()]


def test_labels_and_title_are_escaped():
    svg = bar_chart(
        title="<b>人次</b> & 户", items=[("A<script>&村", 5), ('"引号"村', 2)], unit="<i>"
    )
    assert "<script>" not in svg and "<b>" not in svg and "<i>" not in svg
    assert "A&lt;script&gt;&amp;村" in svg
    root = parse(svg)
    assert root.get("aria-label") == "<b>人次</b> & 户"
    assert root.find("svg:title", NS).text == "<b>人次</b> & 户"
    assert "A<script>&村" in texts(root)
    assert "Unit: <i>" in texts(root)


def test_bar_chart_keeps_the_order_and_a_row_for_zero():
    root = parse(bar_chart(title="各村人次", items=list(zip(VILLAGES, [12, 8, 0, 3], strict=True))))
    shown = texts(root)
    assert [t for t in shown if t in VILLAGES] == VILLAGES
    assert [t for t in shown if t.isdigit()] == ["12", "8", "0", "3"]
    assert len(bars(root)) == 3  # no bar for 南沟村, but its label and its 0


def test_bar_lengths_are_proportional():
    items = [("东沟村", 40), ("西沟村", 30), ("南沟村", 10), ("北沟村", 20.5)]
    widths = [float(r.get("width")) for r in bars(parse(bar_chart(title="t", items=items)))]
    for width, (_, value) in zip(widths, items, strict=True):
        assert width / widths[0] == pytest.approx(value / 40, abs=0.01)


def test_the_chart_grows_with_the_rows():
    def height(n):
        svg = bar_chart(title="t", items=[(f"{i}村", i + 1) for i in range(n)])
        return float(parse(svg).get("viewBox").split()[3])

    assert height(16) - height(4) == pytest.approx(12 * (height(5) - height(4)))
    assert 20 <= height(5) - height(4) <= 32


def test_values_are_printed_whole_or_with_one_decimal():
    root = parse(bar_chart(title="t", items=[("a", 3.0), ("b", 87.46), ("c", 1200)]))
    assert {"3", "87.5", "1200"} <= set(texts(root))


@pytest.mark.parametrize(
    ("chart", "data"),
    [
        (bar_chart, {"items": []}),
        (bar_chart, {"items": [("东沟村", 0), ("西沟村", 0)]}),
        (trend_chart, {"points": [("2026-01", 0)]}),
        (trend_chart, {"points": []}),
        (grouped_bar_chart, {"categories": ["期"], "series": [("党性教育", [0])]}),
        (grouped_bar_chart, {"categories": [], "series": []}),
    ],
)
def test_empty_data_shows_the_message_in_a_frame(chart, data):
    svg = chart(title="各村人次", unit="人次", **data)
    root = parse(svg)
    assert "No data for this range" in texts(root)
    assert "东沟村" not in svg
    (frame,) = root.iterfind("svg:rect", NS)
    assert frame.get("fill") == "none"


def test_the_empty_message_is_translated():
    with translation.override("zh-hans"):
        svg = bar_chart(title="t", items=[])
        expected = gettext("No data for this range")  # Chinese once the catalogue has it
    assert expected in texts(parse(svg))


def test_trend_labels_are_months_within_one_year_and_dates_across_years():
    one_year = texts(parse(trend_chart(title="t", points=MONTHS[:4])))
    assert [t for t in one_year if t.startswith("Month")] == [f"Month {m}" for m in (1, 2, 3, 4)]

    across = texts(parse(trend_chart(title="t", points=[("2025-12", 3), ("2026-01", 5)])))
    assert {"2025-12", "2026-01"} <= set(across)


def test_trend_gridlines_are_round_and_values_stand_over_the_columns():
    root = parse(trend_chart(title="t", points=MONTHS))
    gridline_labels = [t.text for t in root.iterfind("svg:text[@text-anchor='end']", NS)]
    assert gridline_labels == ["0", "100", "200", "300", "400", "500"]
    columns = bars(root)
    assert len(columns) == 5  # no column for the month with 0
    heights = sorted(float(r.get("height")) for r in columns)
    assert heights[-1] / heights[0] == pytest.approx(402 / 96, rel=0.01)
    assert {"120", "96", "310", "0", "402", "356"} <= set(texts(root))


@pytest.mark.parametrize(
    ("peak", "expected"),
    [
        (1, ["0", "1", "2", "3"]),
        (7, ["0", "2", "4", "6", "8"]),
        (1045, ["0", "500", "1000", "1500"]),
    ],
)
def test_trend_gridlines_are_three_to_five_round_steps(peak, expected):
    root = parse(trend_chart(title="t", points=[("2026-01", peak)]))
    assert [t.text for t in root.iterfind("svg:text[@text-anchor='end']", NS)] == expected


def test_a_long_trend_thins_its_labels_and_keeps_the_latest():
    points = [(f"{2025 + m // 12}-{m % 12 + 1:02d}", m + 1) for m in range(24)]
    shown = [t for t in texts(parse(trend_chart(title="t", points=points))) if "-" in t]
    assert "2026-12" in shown
    assert 3 <= len(shown) < 24


def test_grouped_chart_scales_each_category_to_its_own_largest_value():
    root = parse(grouped_bar_chart(title="t", categories=["期", "人次", "人数"], series=TRACKS))
    shown = texts(root)
    assert {"党性教育", "技能培训", "期", "人次", "人数", "14", "9", "1260", "740"} <= set(shown)
    legend = [r for r in bars(root) if r.get("width") == "14"]
    assert [r.get("fill") for r in legend] == list(SERIES[:2])
    drawn = [r for r in bars(root) if r.get("width") != "14"]
    widths = [float(r.get("width")) for r in drawn]  # 期 party, 期 skills, 人次 party, …
    assert widths[0] == widths[2] == widths[4]  # each category's largest fills the room
    assert widths[1] / widths[0] == pytest.approx(9 / 14, abs=0.01)
    assert widths[3] / widths[2] == pytest.approx(740 / 1260, abs=0.01)
    assert [r.get("fill") for r in drawn[:2]] == list(SERIES[:2])


def test_grouped_chart_wants_one_value_per_category():
    with pytest.raises(ValueError):
        grouped_bar_chart(title="t", categories=["期", "人次"], series=[("党性教育", [1])])


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils is not installed")
def test_weasyprint_draws_the_chinese_labels(tmp_path):
    from weasyprint import HTML

    html = (
        '<html><head><meta charset="utf-8"></head><body>'
        + bar_chart(title="各村人次", items=[("东沟村", 12), ("西沟村", 0)], unit="人次")
        + grouped_bar_chart(
            title="两类培训",
            categories=["期", "人次"],
            series=[
                ("党性教育", [3, 40]),
                ("技能培训", [2, 35]),
            ],
        )
        + "</body></html>"
    )
    pdf = tmp_path / "charts.pdf"
    HTML(string=html).write_pdf(pdf)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    for label in ("各村人次", "东沟村", "西沟村", "12", "党性教育", "技能培训"):
        assert label in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "CJK" in fonts
