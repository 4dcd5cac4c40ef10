"""A small trend chart of one indicator, drawn on the server as inline SVG: its values by period (a line
with dots) and its target (a dashed line). No script, no library, no external file: it prints, it works
with JavaScript off, and a screen reader gets the same facts as text (``<title>`` and ``aria-label``).

Self-contained on purpose: the bigger charts of the reports live elsewhere; this one is a sparkline in a
table cell, about 140 × 36 pixels.
"""

from datetime import date

from markupsafe import Markup, escape

from models.domain.indicators import Point, format_value


def sparkline(points: list[Point], target: float | None, label: str, width: int = 140, height: int = 36) -> Markup:
    """The SVG of ``points`` (oldest first) against ``target``; ``label`` says what it shows, in words."""
    pad = 4
    values = [p.value for p in points] + ([target] if target is not None else [])
    if not values:
        return Markup("")
    low, high = min(values), max(values)
    if high == low:  # one value, or all equal to the target: centre them
        low, high = low - 1, high + 1
    first, last = (points[0].on, points[-1].on) if points else (date.min, date.min)
    span = (last - first).days or 1

    def x(on: date) -> float:
        if len(points) < 2:
            return width / 2
        return pad + (width - 2 * pad) * (on - first).days / span

    def y(value: float) -> float:
        return pad + (height - 2 * pad) * (high - value) / (high - low)

    parts = [
        f'<svg class="spark" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>'
    ]
    if target is not None:
        ty = f"{y(target):.1f}"
        parts.append(
            f'<line x1="{pad}" y1="{ty}" x2="{width - pad}" y2="{ty}" stroke="#b3261e" stroke-width="1" '
            'stroke-dasharray="3 2"/>'
        )
    if len(points) > 1:
        path = " ".join(f"{x(p.on):.1f},{y(p.value):.1f}" for p in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#1b4b80" stroke-width="1.5"/>')
    for p in points:
        parts.append(f'<circle cx="{x(p.on):.1f}" cy="{y(p.value):.1f}" r="2.2" fill="#1b4b80"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def spark_label(points: list[Point], target: float | None, unit: str) -> str:
    """The chart in words: "Số liệu: 30/06/2025: 10; 30/06/2026: 30. Mục tiêu: 85 %"."""
    shown = "; ".join(f"{p.on:%d/%m/%Y}: {format_value(p.value)}" for p in points) or "chưa có"
    goal = f" Mục tiêu: {format_value(target)} {unit}".rstrip() if target is not None else ""
    return f"Số liệu: {shown}.{goal}"
