"""The cell layer: turning pipe-terminated lines into cells, and telling numbers from section markers.

The copied layout puts one table cell on a line ending in ``|``; a line without a pipe continues the
cell; ``|`` alone is an empty cell and ``|||`` three of them (merged cells in the original). Splitting
the stream of lines on ``|`` handles all of that and also the row-per-line layout
(``1 | Xây dựng … | Sở A | Sở B | Kế hoạch | Tháng 7/2025 |``) without a second code path. A Markdown
layout (``| 1 | … |``, with a ``|---|`` separator) only differs by its leading pipe, dropped per line.
"""

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from models.domain.text import fold, nfc, strip_diacritics


@dataclass(frozen=True)
class Cell:
    text: str  # NFC, whitespace collapsed
    line: int  # 1-based line where the cell's text starts (its pipe's line when empty)
    end_line: int  # line of the terminating pipe (or of the last text line when unterminated)
    closed: bool  # False: text ran to the end of the file without a terminating pipe


_MD_SEPARATOR = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")


def iter_cells(
    lines: Sequence[str], start: int, skip: frozenset[int] = frozenset(), markdown: bool = False
) -> Iterator[Cell]:
    """Cells from line index ``start`` (0-based) to the end; lines in ``skip`` are ignored."""
    buf: list[str] = []
    buf_line = 0
    last = start
    for idx in range(start, len(lines)):
        if idx in skip:
            continue
        raw = lines[idx]
        last = idx + 1
        if markdown:
            stripped = raw.strip()
            if _MD_SEPARATOR.match(stripped):
                continue
            if stripped.startswith("|"):
                raw = stripped[1:]
        parts = raw.split("|")
        for part in parts[:-1]:
            if part.strip() and not buf_line:
                buf_line = idx + 1
            buf.append(part)
            yield Cell(nfc(" ".join(buf)), buf_line or idx + 1, idx + 1, True)
            buf.clear()
            buf_line = 0
        tail = parts[-1]
        if tail.strip():
            if not buf_line:
                buf_line = idx + 1
            buf.append(tail)
    if buf_line:
        yield Cell(nfc(" ".join(buf)), buf_line, last, False)


# --- numbers and section markers -------------------------------------------------------------------

_NUMBER = re.compile(r"^(\d{1,3}(?:\.\d{1,3})*)[.)]?$")
_MARKER = re.compile(r"^([IVX]{1,6}|[A-Z])[.)]?$")
_MARKER_INLINE = re.compile(r"^([IVX]{1,6}|[A-Z])[.)]\s+(\S.*)$")
_ROMAN = re.compile(r"^(?=[IVX])X{0,3}(IX|IV|V?I{0,3})$")
_COLUMN_INDEX = re.compile(r"^\(?(\d{1,2})\)?$")


def parse_number(text: str) -> tuple[str, tuple[int, ...]] | None:
    """ "12." → ("12", (12,)); "8.10" → ("8.10", (8, 10)); anything else → None."""
    match = _NUMBER.match(text.strip())
    if not match:
        return None
    label = match.group(1)
    return label, tuple(int(part) for part in label.split("."))


def roman_value(label: str) -> int | None:
    if not _ROMAN.match(label):
        return None
    values = {"I": 1, "V": 5, "X": 10}
    total = 0
    for i, ch in enumerate(label):
        value = values[ch]
        total += -value if i + 1 < len(label) and values[label[i + 1]] > value else value
    return total


@dataclass(frozen=True)
class Marker:
    label: str  # "I", "IV", "A"
    title: str  # title written in the same cell ("I. Nâng cao …"), else ""
    roman: bool  # a valid Roman numeral (I, V, X are also letters: resolved by the section tracker)
    letter: bool  # a single capital letter


def parse_marker(text: str) -> Marker | None:
    """A section marker: "I.", "II", "V", "A.", "B)" — or "I. Title" written in one cell."""
    text = text.strip()
    match = _MARKER.match(text)
    title = ""
    if not match:
        match = _MARKER_INLINE.match(text)
        if not match:
            return None
        title = match.group(2)
    label = match.group(1)
    roman = roman_value(label) is not None
    letter = len(label) == 1
    if not roman and not letter:
        return None
    return Marker(label, title, roman, letter)


def is_row_marker(text: str) -> bool:
    """True for anything that opens a row: a number, a section marker, a column index "(1)"."""
    text = text.strip()
    if not text:
        return False
    return bool(parse_number(text) or _MARKER.match(text) or re.match(r"^\(\d{1,2}\)$", text))


def column_index(text: str) -> int | None:
    """The n of a column-numbering cell "(n)" or "n"."""
    match = _COLUMN_INDEX.match(text.strip())
    return int(match.group(1)) if match else None


def key(text: str) -> str:
    """Matching key: folded, without diacritics ("Thời gian" → "thoi gian")."""
    return strip_diacritics(fold(text))
