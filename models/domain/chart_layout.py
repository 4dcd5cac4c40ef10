"""Where each mark of a chart goes: a :class:`Drawing` of rectangles, lines and texts in a 400-unit wide
box, which the SVG and PNG renderers (``web.chart_files``) only translate, so both show the same chart.

Made to be read on a phone: 400 units shown 330–360 px wide keep a 15-unit label at about 12–13 px. Bars
across (sections, agencies) put each name on its own lines *above* its bar, so a long agency name wraps
instead of squeezing the bars; the legend wraps too. Columns (weeks, months) label every k-th column when
the labels would touch. Text widths are estimated from DejaVu Sans's (:func:`text_width`), which
errs on the side of wrapping early.
"""

import math
from dataclasses import dataclass, field

from models.domain.charts import Chart

WIDTH = 400.0
PAD = 10.0
TITLE_SIZE = 16.0
LABEL_SIZE = 15.0
SMALL_SIZE = 13.0
# Estimated character widths in em, measured on DejaVu Sans (a little above, so that text wraps early):
# digits and capitals are wide, spaces and punctuation narrow; bold is 8 % wider.
WIDE, NARROW, EM = 0.68, 0.34, 0.6
BOLD = 1.08
TEXT = "#1b1f24"
MUTED = "#57606a"
GRID = "#d0d7de"
PLOT_HEIGHT = 170.0


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    title: str = ""  # said by screen readers and shown on hover


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str = GRID


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # the baseline
    text: str
    size: float = LABEL_SIZE
    anchor: str = "start"  # "start" | "middle" | "end", as SVG's text-anchor
    fill: str = TEXT
    bold: bool = False


@dataclass
class Drawing:
    title: str
    desc: str  # the whole chart in words, for screen readers
    width: float = WIDTH
    height: float = 0.0
    marks: list[Rect | Line | Text] = field(default_factory=list)


def text_width(text: str, size: float, bold: bool = False) -> float:
    em = sum(WIDE if c.isdigit() or c.isupper() or c in "%—–&" else NARROW if c in " .,:;/()'|-·" else EM for c in text)
    return em * size * (BOLD if bold else 1.0)


def wrap(text: str, size: float, width: float, max_lines: int = 3, bold: bool = False) -> list[str]:
    """``text`` in lines of at most ``width`` units, cut at spaces; past ``max_lines`` the last ends in "…"."""

    def fits(line: str) -> bool:
        return text_width(line, size, bold) <= width

    lines: list[str] = []
    for word in text.split():
        while not fits(word) and len(word) > 1:  # a word longer than a line (rare): cut it
            cut = max(1, next(n for n in range(len(word), 0, -1) if fits(word[:n])))
            lines.append(word[:cut])
            word = word[cut:]
        if lines and fits(lines[-1] + " " + word):
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and not fits(last + "…"):
            last = last[:-1]
        lines = [*lines[: max_lines - 1], last.rstrip() + "…"]
    return lines or [""]


def number(value: float, percent: bool = False) -> str:
    """ "12", "85%", "85,5%": Vietnamese decimal comma."""
    text = f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",")
    return text + ("%" if percent else "")


def _ink(fill: str) -> str:
    """Black or white text on ``fill``, whichever reads better (relative luminance)."""
    r, g, b = (int(fill[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return TEXT if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.5 else "#ffffff"


def describe(chart: Chart) -> str:
    """The chart's numbers in one sentence per category (what a screen reader reads instead)."""
    parts = []
    for i, cat in enumerate(chart.categories):
        values = [(s.label, s.values[i]) for s in chart.series if s.values[i] is not None]
        if chart.percent:
            said = ", ".join(f"{number(v, True)}" for _, v in values if v is not None) or "không có số liệu"
        else:
            total = sum(v or 0 for _, v in values)
            said = f"{number(total)} {chart.unit}"
            if len(chart.series) > 1:
                said += " (" + ", ".join(f"{label.lower()} {number(v or 0)}" for label, v in values if v) + ")"
        detail = f", {chart.details[i]}" if chart.details else ""
        parts.append(f"{cat}: {said}{detail}.")
    return " ".join(parts) or "Chưa có số liệu."


def layout(chart: Chart) -> Drawing:
    d = Drawing(chart.title, describe(chart))
    y = PAD
    for line in [] if chart.compact else wrap(chart.title, TITLE_SIZE, WIDTH - 2 * PAD, max_lines=4, bold=True):
        y += TITLE_SIZE * 1.25
        d.marks.append(Text(PAD, y, line, TITLE_SIZE, bold=True))
    y += 0 if chart.compact else 6
    if chart.empty:
        y += LABEL_SIZE * 1.5
        d.marks.append(Text(PAD, y, "Chưa có số liệu.", LABEL_SIZE, fill=MUTED))
    else:
        y = _legend(d, chart, y)
        y = _bars(d, chart, y) if chart.horizontal else _columns(d, chart, y)
    if chart.note and not chart.compact:
        y += 4
        for line in wrap(chart.note, SMALL_SIZE, WIDTH - 2 * PAD, max_lines=5):
            y += SMALL_SIZE * 1.3
            d.marks.append(Text(PAD, y, line, SMALL_SIZE, fill=MUTED))
    d.height = math.ceil(y + PAD)
    return d


def _legend(d: Drawing, chart: Chart, y: float) -> float:
    """Swatch and label of each series, wrapping onto new lines when the row is full."""
    x, row = PAD, y + LABEL_SIZE
    box = SMALL_SIZE
    for s in chart.series:
        w = box + 4 + text_width(s.label, SMALL_SIZE) + 12
        if x > PAD and x + w > WIDTH - PAD:
            x, row = PAD, row + SMALL_SIZE * 1.6
        d.marks.append(Rect(x, row - box + 1, box, box, s.color, s.label))
        d.marks.append(Text(x + box + 4, row, s.label, SMALL_SIZE))
        x += w
    return row + 8


def _bars(d: Drawing, chart: Chart, y: float) -> float:
    """Bars across, stacked: each category's name above its bar, the total after it."""
    totals = chart.totals()
    top = max(totals) or 1
    value_room = text_width(number(top, chart.percent), LABEL_SIZE) + 8
    span = WIDTH - 2 * PAD - value_room
    bar_h = 18.0
    for i, cat in enumerate(chart.categories):
        y += 6
        for line in [] if chart.compact else wrap(cat, LABEL_SIZE, WIDTH - 2 * PAD, max_lines=2):
            y += LABEL_SIZE * 1.25
            d.marks.append(Text(PAD, y, line, LABEL_SIZE))
        y += 4
        x = PAD
        scale = (totals[i] or 1) if chart.share else top
        for s in chart.series:
            value = s.values[i] or 0
            if not value:
                continue
            w = span * value / scale
            tip = f"{cat} — {s.label}: {number(value, chart.percent)} {'' if chart.percent else chart.unit}".strip()
            d.marks.append(Rect(x, y, w, bar_h, s.color, tip))
            label = number(value, chart.percent)
            if w >= text_width(label, SMALL_SIZE) + 6:
                d.marks.append(Text(x + w / 2, y + bar_h - 5, label, SMALL_SIZE, "middle", _ink(s.color)))
            x += w
        d.marks.append(Text(x + 4, y + bar_h - 4, number(totals[i], chart.percent), LABEL_SIZE, bold=True))
        y += bar_h
    return y + 6


def _columns(d: Drawing, chart: Chart, y: float) -> float:
    """Columns over time, on a y axis of three gridlines; values above the columns when they fit."""
    totals = chart.totals()
    top = 100.0 if chart.percent else _nice(max(totals) or 1)
    axis_room = text_width(number(top, chart.percent), SMALL_SIZE) + 6
    left, right = PAD + axis_room, WIDTH - PAD
    plot_bottom = y + 14 + PLOT_HEIGHT  # 14 above the plot: a 100% column's value
    for k in range(3):
        value = top * k / 2
        gy = plot_bottom - PLOT_HEIGHT * k / 2
        d.marks.append(Line(left, gy, right, gy, GRID if k else MUTED))
        d.marks.append(Text(left - 4, gy + 4, number(value, chart.percent), SMALL_SIZE, "end", MUTED))
    n = len(chart.categories)
    slot = (right - left) / n
    bar_w = slot * 0.7
    step = max(1, math.ceil((max(text_width(c, SMALL_SIZE) for c in chart.categories) + 8) / slot))
    for i, cat in enumerate(chart.categories):
        x = left + slot * i + (slot - bar_w) / 2
        base = plot_bottom
        detail = f" ({chart.details[i]})" if chart.details else ""
        for s in chart.series:
            value = s.values[i]
            if value is None:
                continue
            h = PLOT_HEIGHT * value / top
            unit = "" if chart.percent else f" {chart.unit}"
            d.marks.append(Rect(x, base - h, bar_w, h, s.color, f"{cat}: {number(value, chart.percent)}{unit}{detail}"))
            base -= h
        if any(s.values[i] is not None for s in chart.series):
            label = number(totals[i], chart.percent)
            if text_width(label, SMALL_SIZE) <= slot:
                d.marks.append(Text(x + bar_w / 2, base - 3, label, SMALL_SIZE, "middle"))
        if (n - 1 - i) % step == 0:  # the latest column always keeps its label
            centre, half = x + bar_w / 2, text_width(cat, SMALL_SIZE) / 2
            anchor, at = ("end", WIDTH - PAD) if centre + half > WIDTH - PAD else ("middle", centre)
            d.marks.append(Text(at, plot_bottom + SMALL_SIZE + 3, cat, SMALL_SIZE, anchor, MUTED))
    return plot_bottom + SMALL_SIZE + 8


def _nice(value: float) -> float:
    """The smallest of 1, 2, 5 × 10ⁿ (and even) at or above ``value``: the y axis's top."""
    exp = 10 ** math.floor(math.log10(value))
    for m in (1, 2, 4, 5, 10):
        if m * exp >= value:
            return float(m * exp) if m * exp >= 2 else 2.0
    return float(10 * exp)
