"""Charts of the township's figures, drawn on the server as self-contained inline SVG.

One string serves the admin page, a phone and the PDF (WeasyPrint): no JavaScript, no CSS
classes, no external references, only presentation attributes, and the CJK fonts named
explicitly so Chinese labels are found. The drawing is WIDTH units wide and scales to its
container (width="100%", no height): text of FONT units is 12 px once the chart is 340 px
wide (a 360-px phone less some padding). The same input always gives the same string.
"""

import math
import re
import unicodedata
from collections.abc import Sequence
from itertools import pairwise

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, pgettext

WIDTH = 480
PAD = 12
FONT = 17  # labels and values
TITLE_FONT = 20
FONTS = '"Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", sans-serif'
TEXT, MUTED, GRID, AXIS = "#1f2328", "#5f6368", "#e3e5e8", "#c9ccd1"
BAR = "#1e5fb3"
# Series colours in order: 党性教育 first (dark red), 技能培训 second (teal); they differ in
# lightness too, so they stay apart when printed in greyscale.
SERIES = ("#b71c1c", "#26a69a", "#c77c02", "#5f6368")
ROW = 28  # one bar row
BAR_H = 18


def bar_chart(*, title: str, items: Sequence[tuple[str, float]], unit: str = "") -> SafeString:
    """Horizontal bars, one per (label, value) in the given order, e.g. 人次 by village.

    The value is printed at the end of each bar; a zero still gets its labelled row.
    """
    values = [_value(v) for _, v in items]
    if not any(v > 0 for v in values):
        return _empty(title)
    parts, top = _header(title, unit)
    labels = [str(label) for label, _ in items]
    texts = [_fmt(v) for v in values]
    label_w = _column_width(labels)
    x0 = PAD + label_w + 8
    span = WIDTH - PAD - max(_width(t) for t in texts) - 6 - x0
    peak = max(values)
    bottom = top + len(items) * ROW
    parts.append(_line(x0, top, x0, bottom, AXIS))
    for i, (label, value, text) in enumerate(zip(labels, values, texts, strict=True)):
        middle = top + i * ROW + ROW / 2
        parts.append(_text(x0 - 8, _baseline(middle), _fit(label, label_w), anchor="end"))
        length = span * max(value, 0) / peak
        if length > 0:
            parts.append(_rect(x0, middle - BAR_H / 2, length, BAR_H, BAR))
        parts.append(_text(x0 + length + 6, _baseline(middle), text))
    return _svg(title, bottom + PAD, parts)


def trend_chart(*, title: str, points: Sequence[tuple[str, float]], unit: str = "") -> SafeString:
    """Columns over time, e.g. 人次 by month ("2026-03" is shown as 3月 within one year).

    A y axis of 3-5 round gridlines; the value stands above each column. When the labels are
    too wide for their columns, every second (third…) one is shown, always the latest; a
    value that would touch a neighbour's is left out (the latest one is always shown).
    """
    values = [_value(v) for _, v in points]
    if not any(v > 0 for v in values):
        return _empty(title)
    parts, top = _header(title, unit)
    labels = _month_labels([str(label) for label, _ in points])
    texts = [_fmt(v) for v in values]
    ticks = _nice_ticks(max(values), integral=all(v.is_integer() for v in values))
    tick_texts = [f"{t:g}" for t in ticks]
    left = PAD + max(_width(t) for t in tick_texts) + 6
    plot_top = top + FONT + 8  # room for the value over the tallest column
    base = plot_top + 180
    scale = (base - plot_top) / ticks[-1]
    for tick, text in zip(ticks, tick_texts, strict=True):
        y = base - tick * scale
        parts.append(_line(left, y, WIDTH - PAD, y, AXIS if tick == 0 else GRID))
        parts.append(_text(left - 6, _baseline(y), text, anchor="end", fill=MUTED))
    slot = (WIDTH - PAD - left) / len(points)
    column = min(slot * 0.62, 36)
    middles = [left + slot * (i + 0.5) for i in range(len(points))]
    heights = [max(v, 0) * scale for v in values]
    label_every = _every(labels, middles)
    shown = _unblocked(texts, middles, [base - h - 6 for h in heights])
    for i, (middle, height) in enumerate(zip(middles, heights, strict=True)):
        if height > 0:
            parts.append(_rect(middle - column / 2, base - height, column, height, BAR))
        if i in shown:
            x = _inside(middle, texts[i])
            parts.append(_text(x, base - height - 6, texts[i], anchor="middle"))
        if (len(points) - 1 - i) % label_every == 0:
            x = _inside(middle, labels[i])
            parts.append(_text(x, base + FONT + 6, labels[i], anchor="middle", fill=MUTED))
    return _svg(title, base + FONT + 10 + PAD, parts)


def grouped_bar_chart(
    *,
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    unit: str = "",
) -> SafeString:
    """Small multiples: for each category (期, 人次, 人数) one bar per series (the tracks),
    scaled to that category's own largest value, with a legend; values printed.

    Series take SERIES colours in order: pass 党性教育 first and 技能培训 second.
    """
    if any(len(values) != len(categories) for _, values in series):
        raise ValueError("every series needs one value per category")
    table = [[_value(v) for v in values] for _, values in series]
    if not any(v > 0 for row in table for v in row):
        return _empty(title)
    parts, y = _header(title, unit)
    x = PAD
    for k, (name, _) in enumerate(series):  # the legend, wrapped when it is too wide
        entry = 14 + 6 + _width(str(name))
        if x > PAD and x + entry > WIDTH - PAD:
            x, y = PAD, y + FONT + 8
        parts.append(_rect(x, y + 1, 14, 14, SERIES[k % len(SERIES)]))
        parts.append(_text(x + 20, _baseline(y + 8), str(name)))
        x += entry + 20
    top = y + FONT + 12
    labels = [str(c) for c in categories]
    texts = [[_fmt(v) for v in row] for row in table]
    label_w = _column_width(labels)
    x0 = PAD + label_w + 8
    span = WIDTH - PAD - max(_width(t) for row in texts for t in row) - 6 - x0
    block = len(series) * (BAR_H + 6) - 6 + 20
    for j, label in enumerate(labels):
        y = top + j * block
        if j:
            parts.append(_line(PAD, y, WIDTH - PAD, y, GRID))
        parts.append(_text(x0 - 8, _baseline(y + block / 2), _fit(label, label_w), anchor="end"))
        peak = max(row[j] for row in table)
        for k, row in enumerate(table):
            bar_top = y + 10 + k * (BAR_H + 6)
            length = span * max(row[j], 0) / peak if peak > 0 else 0
            if length > 0:
                parts.append(_rect(x0, bar_top, length, BAR_H, SERIES[k % len(SERIES)]))
            parts.append(_text(x0 + length + 6, _baseline(bar_top + BAR_H / 2), texts[k][j]))
    bottom = top + len(labels) * block
    parts.append(_line(x0, top, x0, bottom, AXIS))
    return _svg(title, bottom + PAD, parts)


# Layout


def _header(title: str, unit: str) -> tuple[list[str], float]:
    """The title (and the unit, on the title's line when it fits); returns where to go on."""
    y = PAD + TITLE_FONT
    room = WIDTH - 2 * PAD
    parts = [_text(PAD, y, _fit(title, room, TITLE_FONT), size=TITLE_FONT, weight="bold")]
    if unit:
        caption = gettext("Unit: %(unit)s") % {"unit": unit}
        if _width(title, TITLE_FONT) + 16 + _width(caption) <= room:
            parts.append(_text(WIDTH - PAD, y, caption, anchor="end", fill=MUTED))
        else:
            y += FONT + 6
            parts.append(_text(PAD, y, _fit(caption, room), fill=MUTED))
    return parts, y + 14


def _empty(title: str) -> SafeString:
    """A frame with the title and a centred "no data" message."""
    parts, top = _header(title, "")
    parts.append(
        f'<rect x="{PAD}" y="{_n(top)}" width="{WIDTH - 2 * PAD}" height="120" rx="4" '
        f'fill="none" stroke="{AXIS}"/>'
    )
    message = gettext("No data for this range")
    parts.append(_text(WIDTH / 2, _baseline(top + 60), message, anchor="middle", fill=MUTED))
    return _svg(title, top + 120 + PAD, parts)


def _svg(title: str, height: float, parts: list[str]) -> SafeString:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {_n(height)}" '
        f'width="100%" role="img" aria-label="{escape(title)}" '
        f'font-family=\'{FONTS}\' font-size="{FONT}" fill="{TEXT}">'
    )
    return mark_safe("\n".join([head, f"<title>{escape(title)}</title>", *parts, "</svg>"]))


def _text(x, y, s, *, anchor="start", size=FONT, fill=None, weight=None) -> str:
    attrs = f'x="{_n(x)}" y="{_n(y)}"'
    if anchor != "start":
        attrs += f' text-anchor="{anchor}"'
    if size != FONT:
        attrs += f' font-size="{size}"'
    if fill:
        attrs += f' fill="{fill}"'
    if weight:
        attrs += f' font-weight="{weight}"'
    return f"<text {attrs}>{escape(s)}</text>"


def _rect(x, y, w, h, fill) -> str:
    return f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" fill="{fill}"/>'


def _line(x1, y1, x2, y2, stroke) -> str:
    return (
        f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" '
        f'stroke="{stroke}" stroke-width="1"/>'
    )


def _baseline(middle: float, size: float = FONT) -> float:
    """The baseline that centres a line of text on `middle`."""
    return middle + 0.36 * size


# Text and numbers


def _width(s: str, size: float = FONT) -> float:
    """About how wide `s` is set in Noto Sans CJK: CJK characters 1 em, digits 0.56, the
    rest at most 0.6 (a little generous, so that nothing is cut)."""
    return size * sum(
        1.0 if unicodedata.east_asian_width(c) in "WF" else 0.56 if c.isdigit() else 0.6 for c in s
    )


def _fit(s: str, room: float, size: float = FONT) -> str:
    """`s`, cut with an ellipsis when it is wider than `room`."""
    if _width(s, size) <= room:
        return s
    while s and _width(s + "…", size) > room:
        s = s[:-1]
    return s + "…"


def _column_width(labels: list[str]) -> float:
    """Room for the labels left of the bars: the widest, at most 40 % of the chart."""
    return min(max(max(_width(label) for label in labels), 2 * FONT), 0.4 * WIDTH)


def _every(texts: list[str], middles: list[float]) -> int:
    """Show every n-th of these texts, centred on `middles`, counted from the last, so that
    no two touch."""
    for every in range(1, len(texts)):
        shown = range(len(texts) - 1, -1, -every)
        edges = [(_inside(middles[i], texts[i]), _width(texts[i]) / 2) for i in shown]
        if all(x - h - 6 >= x2 + h2 for (x, h), (x2, h2) in pairwise(edges)):
            return every
    return max(1, len(texts))


def _unblocked(texts: list[str], middles: list[float], baselines: list[float]) -> set[int]:
    """Which texts to show, from the last, leaving out those that would touch one shown."""
    shown: dict[int, tuple[float, float, float]] = {}
    for i in reversed(range(len(texts))):
        x, half, y = _inside(middles[i], texts[i]), _width(texts[i]) / 2 + 2, baselines[i]
        if not any(
            a < x + half and x - half < b and abs(y - v) < FONT for a, b, v in shown.values()
        ):
            shown[i] = (x - half, x + half, y)
    return set(shown)


def _inside(middle: float, s: str) -> float:
    """Where to centre `s` near `middle` without leaving the drawing."""
    half = _width(s) / 2
    return min(max(middle, PAD / 2 + half), WIDTH - PAD / 2 - half)


def _month_labels(labels: list[str]) -> list[str]:
    """Months of one year ("2026-03") as 3月 (translated); other labels as they are."""
    months = [re.fullmatch(r"(\d{4})-(\d{1,2})", label) for label in labels]
    if not all(months) or len({m.group(1) for m in months}) != 1:
        return labels
    return [
        pgettext("a month of one year on a chart axis", "Month %(month)d")
        % {"month": int(m.group(2))}
        for m in months
    ]


def _nice_ticks(peak: float, *, integral: bool) -> list[float]:
    """0 and 3-5 round steps (1, 2, 5 × 10ⁿ) up to at least `peak` (> 0); whole steps for
    whole numbers (so 0, 1, 2, 3 for a peak of 1)."""
    exponent = math.floor(math.log10(peak)) - 1
    while True:
        for m in (1, 2, 5):
            step = m * 10.0**exponent
            count = math.ceil(peak / step - 1e-9)
            if (step >= 1 or not integral) and count <= 5:
                return [round(step * i, 6) for i in range(max(count, 3) + 1)]
        exponent += 1


def _value(v) -> float:
    """A figure as a float (Decimal, int, None); what is not a finite number counts as 0."""
    try:
        v = float(v or 0)
    except (TypeError, ValueError):
        return 0.0
    return v if math.isfinite(v) else 0.0


def _fmt(v: float) -> str:
    """12 for whole numbers, 87.5 otherwise."""
    s = f"{v:.1f}"
    return s[:-2] if s.endswith(".0") else s


def _n(x: float) -> str:
    """A coordinate, rounded to 0.1 so that the output is stable."""
    return _fmt(round(x, 1))
