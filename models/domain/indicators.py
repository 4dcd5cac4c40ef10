"""Indicators (chỉ tiêu) of Phụ lục I: reading a target cell into a comparison and numbers."""

import re

_TARGET = re.compile(
    r"^\s*(?P<op>≥|>=|≤|<=|>|<|=)?\s*(?P<a>\d+(?:[.,]\d+)?)\s*(?:(?:-|–|đến)\s*(?P<b>\d+(?:[.,]\d+)?))?\s*%?\s*$"
)
_OPS = {"≥": ">=", ">=": ">=", "≤": "<=", "<=": "<=", ">": ">", "<": "<", "=": "="}


def parse_target(raw: str) -> tuple[str, float | None, float | None]:
    """Parse an indicator's target cell: "≥ 85" → (">=", 85, None); "16-18" → ("range", 16, 18);
    "> 0,75" → (">", 0.75, None) (Vietnamese decimal comma); anything else → ("text", None, None)."""
    match = _TARGET.match(raw)
    if not match:
        return "text", None, None

    def num(text: str) -> float:
        return float(text.replace(",", "."))

    low = num(match["a"])
    if match["b"]:
        return "range", low, num(match["b"])
    return _OPS.get(match["op"] or "=", "="), low, None
