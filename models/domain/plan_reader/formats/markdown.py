"""Markdown of plans → :class:`Document`: pipe tables (``| 1 | … |``, ``|---|`` separators) and the layout
text extractors make of legal-document web pages, where a line holding only ``|`` comes before each
cell and a ``| |`` line (or two ``|`` lines in a row) ends a row. In both, ``**bold**`` and ``*italic*``
/ ``_italic_`` markers set the cell's flags and are removed, ``<br>`` is a line break, other HTML tags
are dropped, ``\\|`` is a literal pipe. Text outside tables becomes paragraphs, one a line.
"""

import itertools
import re

from models.domain.plan_reader.document import Document, GridBuilder, Paragraph, Table, clean

_SEPARATOR = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__", re.DOTALL)
_ITALIC = re.compile(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?!\*)|(?<![_\w])_(?!\s)(.+?)(?<!\s)_(?!\w)", re.DOTALL)
_ROW_END = re.compile(r"^\|\s*\|$")


def unmark(text: str) -> tuple[str, bool, bool]:
    """(text without markers, all bold, all italic)."""
    text = _TAG.sub("", _BR.sub("\n", text)).replace("\\|", "|")
    plain = text.strip()
    bold = bool(plain) and bool(re.fullmatch(r"(\*\*|__).+?(\*\*|__)", plain, re.DOTALL))
    text = _BOLD.sub(lambda m: m.group(1) or m.group(2), text)
    plain = text.strip()
    italic = bool(plain) and bool(re.fullmatch(r"([*_]).+?\1", plain, re.DOTALL))
    text = _ITALIC.sub(lambda m: m.group(1) or m.group(2), text)
    if not bold and re.fullmatch(r"(\*\*|__).+?(\*\*|__)", text.strip(), re.DOTALL):
        bold = True  # ***bold italic***
        text = _BOLD.sub(lambda m: m.group(1) or m.group(2), text)
    return clean(text), bold, italic


def _split_pipes(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    return re.split(r"(?<!\\)\|", line)


def is_extractor_layout(lines: list[str]) -> bool:
    """Whether the text is the extractor layout: lone ``|`` lines are most of the pipe lines and rows
    end in ``| |`` (or two lone pipes)."""
    lone = sum(1 for line in lines if line.strip() == "|")
    ends = sum(1 for line in lines if _ROW_END.match(line.strip()))
    ends += sum(1 for a, b in itertools.pairwise(lines) if a.strip() == "|" and b.strip() == "|")
    tailed = sum(
        1
        for line in lines
        if line.rstrip().endswith("|") and line.strip() not in ("|",) and not _ROW_END.match(line.strip())
    )
    return ends >= 2 and lone > tailed


def is_pipe_markdown(lines: list[str]) -> bool:
    return any(_SEPARATOR.match(line.strip()) and "|" in line for line in lines)


def grid_width(grid: GridBuilder) -> int:
    return max((c for _, c in grid.grid), default=-1) + 1


def _read_extractor(lines: list[str], start: int, ref: str) -> tuple[Table, int]:
    """One extractor-layout table from line ``start`` (a lone pipe); returns it and the line after it."""
    grid = GridBuilder()
    r, i = 0, start
    cell: list[str] | None = None
    cells: list[list[str]] = []
    first_line = start + 1
    refs: dict[int, int] = {}

    def close_row() -> None:
        nonlocal r, cells, cell
        if cell is not None:
            cells.append(cell)
        cell = None
        if any("".join(c).strip() for c in cells):
            for texts in cells:
                text, bold, italic = unmark("\n".join(texts))
                grid.add(r, text, bold=bold, italic=italic)
            refs[r] = first_line
            r += 1
        cells = []

    ncols = 0  # cells in the first (header) row: a "|" pair inside a shorter row is an empty cell

    def is_text(k: int) -> bool:
        return k < len(lines) and lines[k].strip() not in ("", "|") and not _ROW_END.match(lines[k].strip())

    while i < len(lines):
        line = lines[i].strip()
        pair = line == "|" and i + 1 < len(lines) and lines[i + 1].strip() == "|" and cell is not None
        if pair and ncols and len(cells) + 1 < ncols and is_text(i + 2):
            pair = False  # "| |" inside a row that still lacks cells, text following: an empty cell
        if _ROW_END.match(line) or pair:
            close_row()
            ncols = ncols or grid_width(grid)
            i += 2 if pair else 1
            first_line = i + 1
            if i < len(lines) and lines[i].strip() == "|":
                continue
            if is_text(i) and i + 1 < len(lines) and lines[i + 1].strip() == "|":
                cell = []  # the next row starts without its leading pipe
                continue
            break
        if line == "|":
            if cell is not None:
                cells.append(cell)
            cell = []
        elif cell is None:
            break
        elif line:
            cell.append(lines[i])
        i += 1
    close_row()
    rows = grid.rows(lambda k: f"line {refs.get(k, start + 1)}")
    return Table(rows, f"{ref} (line {start + 1})"), i


def _read_pipes(lines: list[str], start: int, ref: str) -> tuple[Table, int]:
    grid = GridBuilder()
    refs: dict[int, int] = {}
    i, r = start, 0
    while i < len(lines) and lines[i].strip().startswith("|"):
        line = lines[i].strip()
        if not _SEPARATOR.match(line):
            for part in _split_pipes(line):
                text, bold, italic = unmark(part)
                grid.add(r, text, bold=bold, italic=italic)
            refs[r] = i + 1
            r += 1
        i += 1
    return Table(grid.rows(lambda k: f"line {refs[k]}"), f"{ref} (line {start + 1})"), i


def read_markdown(text: str, source: str) -> Document:
    del source
    lines = text.split("\n")
    extractor = is_extractor_layout(lines)
    blocks: list[Paragraph | Table] = []
    i = tables = 0
    while i < len(lines):
        line = lines[i].strip()
        if extractor and line == "|":
            tables += 1
            table, i = _read_extractor(lines, i, f"table {tables}")
            blocks.append(table)
            continue
        if line.startswith("|") and line.count("|") >= 2 and not extractor:
            tables += 1
            table, i = _read_pipes(lines, i, f"table {tables}")
            blocks.append(table)
            continue
        plain, bold, italic = unmark(re.sub(r"^#{1,6}\s+", "", line))
        if plain:
            blocks.append(Paragraph(plain, f"line {i + 1}", bold, italic))
        i += 1
    return Document(tuple(blocks), "markdown")


__all__ = ["is_extractor_layout", "is_pipe_markdown", "read_markdown", "unmark"]
