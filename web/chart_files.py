"""A chart (``models.domain.charts``) as SVG, for the pages and for download, and as PNG, for the UBND's
report: both draw the same :func:`models.domain.chart_layout.layout`, so they show the same marks.

SVG: ``viewBox`` with ``width="100%"`` (it follows its container down to a phone's 360 px), ``role="img"``
with ``<title>`` and ``<desc>`` (the numbers in words), each bar's own ``<title>``, text as text.

PNG: Pillow (already installed with pdfplumber) draws the layout at ``SCALE`` times its size with DejaVu
Sans, which has every Vietnamese letter. matplotlib was the other candidate: it would bring numpy and
≈ 40 MB for six bar charts, draw them differently from the pages and need its own layout code.
"""

import io
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from models.domain.chart_layout import Drawing, Line, Rect, layout
from models.domain.charts import Chart

SCALE = 2.5  # 400 units → a 1000 px wide PNG: sharp in a printed A4 report
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_FAMILY = "'DejaVu Sans', 'Noto Sans', Arial, sans-serif"


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def chart_svg(chart: Chart) -> str:
    """The chart as an ``<svg>`` element (inline in a page, or a file with its XML declaration added)."""
    d = layout(chart)
    ident = f"chart-{chart.name}"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(d.width)} {_n(d.height)}" width="100%"'
        f' role="img" aria-labelledby="{ident}-title {ident}-desc" font-family="{FONT_FAMILY}">',
        f'<title id="{ident}-title">{escape(d.title)}</title>',
        f'<desc id="{ident}-desc">{escape(d.desc)}</desc>',
        f'<rect width="{_n(d.width)}" height="{_n(d.height)}" fill="#ffffff"/>',
    ]
    for m in d.marks:
        if isinstance(m, Rect):
            tip = f"<title>{escape(m.title)}</title>" if m.title else ""
            out.append(
                f'<rect x="{_n(m.x)}" y="{_n(m.y)}" width="{_n(m.w)}" height="{_n(m.h)}" fill="{m.fill}">{tip}</rect>'
            )
        elif isinstance(m, Line):
            out.append(f'<line x1="{_n(m.x1)}" y1="{_n(m.y1)}" x2="{_n(m.x2)}" y2="{_n(m.y2)}" stroke="{m.stroke}"/>')
        else:
            weight = ' font-weight="bold"' if m.bold else ""
            out.append(
                f'<text x="{_n(m.x)}" y="{_n(m.y)}" font-size="{_n(m.size)}" text-anchor="{m.anchor}"'
                f" fill={quoteattr(m.fill)}{weight}>{escape(m.text)}</text>"
            )
    out.append("</svg>")
    return "\n".join(out)


def svg_file(chart: Chart) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + chart_svg(chart) + "\n").encode("utf-8")


@cache
def _font(size: int, bold: bool) -> object:
    from PIL import ImageFont

    return ImageFont.truetype(str(FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size)


_ANCHORS = {"start": "ls", "middle": "ms", "end": "rs"}  # Pillow's: left/middle/right, on the baseline


def chart_png(chart: Chart, scale: float = SCALE) -> bytes:
    """The chart as a PNG ``scale`` times the layout's size (white background)."""
    from PIL import Image, ImageDraw

    d: Drawing = layout(chart)
    image = Image.new("RGB", (round(d.width * scale), round(d.height * scale)), "#ffffff")
    draw = ImageDraw.Draw(image)
    for m in d.marks:
        if isinstance(m, Rect):
            if m.w * scale < 1 or m.h * scale < 1:  # a zero column: its <title> in the SVG, nothing to paint
                continue
            draw.rectangle([m.x * scale, m.y * scale, (m.x + m.w) * scale - 1, (m.y + m.h) * scale - 1], fill=m.fill)
        elif isinstance(m, Line):
            draw.line(
                [m.x1 * scale, m.y1 * scale, m.x2 * scale, m.y2 * scale], fill=m.stroke, width=max(1, round(scale))
            )
        else:
            font = _font(round(m.size * scale), m.bold)
            draw.text((m.x * scale, m.y * scale), m.text, fill=m.fill, font=font, anchor=_ANCHORS[m.anchor])  # type: ignore[arg-type]
    buf = io.BytesIO()
    image.save(buf, "PNG", compress_level=6)  # optimize=True: 5–10× the time for 4 % less
    return buf.getvalue()
