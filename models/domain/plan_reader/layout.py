"""The one interpreter from the table model to the text reader: a :class:`Document` → row-a-line text.

Decision (documented in the package docstring): the column-role reader is written once, in ``tables`` /
``columns``; structured documents reach it as the row-a-line pipe layout it already reads
(``1 | Xây dựng … | Sở A | … |``), one line per logical row, with a map from each line back to the
source row ("table 2 row 14", "page 3 table 1 row 4") so errors and warnings name the source. What the
text layout cannot say is settled here, on the structured rows, before serialising:

* the header row of each table (three or more cells with a known role; a second header row under
  merged cells is joined to the first), the number column moved first, empty header cells named;
* a repeated header (a new page, with or without STT) or a column-numbering row "(1) (2) …": header;
* a one-cell row (a colspan over the whole row) or a bold/italic row with only a label and a title:
  a heading. Roman/letter headings (I, II, A, B) go to the text reader as section rows; deeper ones
  (1., III.1, III.1.2, a), unlabelled) qualify the section of the tasks under them;
* a row with an empty number cell: a "- …" sub-item of the task above (kept in its extra fields),
  else a continuation (a task split over a page break) merged into the task above;
* a table without a header that follows a task table with as many columns continues it (a PDF page);
* a table with no header (the heading block of a Word file) is read as text for the plan's heading.

Every non-empty source row gets exactly one fate (:class:`RowFate`): task, merged, heading, header or
ignored with its reason; the accounting is checked against what the text reader returned.
"""

import re
from dataclasses import dataclass, field

from models.domain.plan_reader.cells import column_index, key, parse_marker, parse_number
from models.domain.plan_reader.columns import detect_header, generic_role
from models.domain.plan_reader.document import Cell, Document, Paragraph, Row, Table

SUB_ITEMS = "Nội dung cụ thể"  # the extra field holding a task's unnumbered "- …" sub-rows
END_LINE = "[0] (hết bảng / end of table) |"  # ends a table for the text reader silently, as a footnote does
_AGENCY_ROLES = {"agency", "coordinating", "deadline", "result", "unit", "monitor", "unit_or_agency", "note"}
_LABEL = re.compile(r"^((?:[IVX]{1,6}|[A-Z]|\d{1,3}|[a-zđ])(?:\.\d{1,3})*)\s*[.)/:-]?\s+(\S.*)$", re.DOTALL)
_BARE_LABEL = re.compile(r"^((?:[IVX]{1,6}|[A-Z]|\d{1,3})(?:\.\d{1,3})+|[a-zđ])[.)]?$")
_BULLET = re.compile(r"^\s*[-+•–—*]\s*")
_NOTE = re.compile(r"^(ghi chu|luu y|chu thich|nguon:|\(\*|\*|noi nhan)")
_META_KEYS = ("so hieu", "ngay ban hanh", "loai van ban", "co quan ban hanh", "nguoi ky")
_MAX_HEADER_WORDS = 12
_APPENDIX = re.compile(r"^\s*ph[ụu] l[ụu]c\s+(?:số\s+)?([IVXLivxl]{1,5}|\d{1,2})\b[\s:.-]*(.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class RowFate:
    ref: str
    text: str
    fate: str  # "task", "indicator", "merged", "heading", "header", "ignored"
    why: str = ""
    line: int = 0  # the serialised line (for tasks), to check against the reader's rows


@dataclass
class Serialised:
    lines: list[str] = field(default_factory=list)
    refs: dict[int, str] = field(default_factory=dict)  # 1-based line → source reference
    overrides: dict[int, dict[str, str]] = field(default_factory=dict)  # line → section/section_title
    sub_items: dict[int, list[str]] = field(default_factory=dict)  # task line → its "- …" sub-rows
    fates: list[RowFate] = field(default_factory=list)
    row_lines: dict[int, int] = field(default_factory=dict)  # index in fates → serialised line
    columns: dict[int, list[int]] = field(default_factory=dict)  # header line → source column per emitted one

    def emit(self, text: str, ref: str) -> int:
        self.lines.append(text)
        self.refs[len(self.lines)] = ref
        return len(self.lines)


def _own(row: Row, r: int) -> list[Cell]:
    """The row's cells, a cell covered by a span from an earlier row blanked (it belongs to that row)."""
    return [Cell("") if cell.copy_of and cell.copy_of[0] < r else cell for cell in row.cells]


_LIST_ROLES = {"agency", "coordinating", "monitor", "unit_or_agency"}


def _one_line(text: str, agencies: bool) -> str:
    """A cell on one line for the text reader. In an agency cell a line break between two names is a list
    separator ("Sở Tài chính" / "Sở Nội vụ" → "Sở Tài chính; Sở Nội vụ"); a line that goes on with a
    lower-case word, or after "và" or a comma, is one name wrapped (a PDF's visual lines)."""
    text = text.replace("|", "/")
    if not agencies:
        return text.replace("\n", " ")
    out = ""
    for part in text.split("\n"):
        part = part.strip()
        if not out:
            out = part
        elif part[:1].islower() or out.endswith((",", ";", ":", " và", "-", "(")) or not part[:1].isalpha():
            out = f"{out} {part}"
        else:
            out = f"{out}; {part}"
    return out


def _distinct(cells: list[Cell]) -> list[Cell]:
    """Non-empty cells, a colspan's copies dropped."""
    return [cell for cell in cells if cell.text and cell.copy_of is None]


def _row_text(row: Row) -> str:
    seen: list[str] = []
    for cell in row.cells:
        if cell.text and cell.copy_of is None and cell.text not in seen:
            seen.append(cell.text)
    return " | ".join(seen).replace("\n", " ")


def _roles(cells: list[Cell]) -> list[str | None]:
    return [generic_role(cell.text.replace("\n", " ")) if cell.text else None for cell in cells]


def _is_header(cells: list[Cell]) -> bool:
    """Three or more short cells with known roles, a title among them, and no row number: a task row
    whose texts happen to hold "nhiệm vụ", "chủ trì", "thời gian" is not taken for a header."""
    if any(parse_number(cell.text) for cell in cells if cell.text):
        return False
    if any(len(cell.text.split()) > 25 for cell in cells):  # long header cells exist; long task cells too
        return False
    roles = _roles(cells)
    distinct = {role for cell, role in zip(cells, roles, strict=True) if role and cell.copy_of is None}
    return len(distinct) >= 3 and "title" in roles


def _same_header(new: list[str | None], old: list[str | None]) -> bool:
    """The header of the open table again (a new page), perhaps without its STT text."""
    return len(new) == len(old) and all(a == b or (a is None and b == "number") for a, b in zip(new, old, strict=True))


def _is_numbering(cells: list[Cell]) -> bool:
    """A column-numbering row under a header: "(1) | (2) | (3) …" or "1 | 2 | 3 …"."""
    values = [column_index(cell.text) for cell in cells if cell.text and cell.copy_of is None]
    return len(values) >= 3 and None not in values and values == list(range(values[0], values[0] + len(values)))


@dataclass
class _Open:
    """The task/indicator table being serialised (it may go on over several source tables)."""

    names: list[str]  # header text per source column
    roles: list[str | None]
    order: list[int]  # source columns in emitted order (number first); -1 = a made-up number column
    numcol: int | None
    titlecol: int | None
    pending: list[str] | None = None  # the current task row's cells (emitted order), merged into
    pending_fate: int | None = None
    pending_subs: list[str] = field(default_factory=list)
    counter: int = 0  # made-up numbers when the table has no number column
    top: str = ""  # the current roman/letter section label
    sub_count: int = 0
    section: tuple[str, str] | None = None  # the deeper heading the next tasks belong to
    part: tuple[str, str] | None = None  # the appendix of a second table of the same kind ("PLIII")
    page_start: bool = False  # the next row is the first of a new page of this table (PDF)
    last_number: str = ""


class Serialiser:
    def __init__(self) -> None:
        self.out = Serialised()
        self.open: _Open | None = None
        self.held: list[Paragraph] = []  # paragraphs met inside an open table (page furniture)
        self.appendix: tuple[str, str] | None = None  # the last "Phụ lục II …" title met
        self.kinds: dict[str, int] = {}  # task/indicator tables opened so far
        self.pdf = False
        self.sheets = False

    def _note_appendix(self, text: str) -> None:
        match = _APPENDIX.match(text)
        if match:
            self.appendix = (match.group(1).upper(), match.group(2).strip(" :.-"))

    # --- blocks -------------------------------------------------------------------------------------

    def run(self, document: Document) -> Serialised:
        self.pdf = document.source_kind == "pdf"  # a PDF table goes on over pages, one table per page
        self.sheets = document.source_kind == "xlsx"  # each sheet is a table of its own
        for block in document.blocks:
            if isinstance(block, Paragraph):
                if self.open is not None:
                    self.held.append(block)
                else:
                    self._paragraph(block)
            else:
                self._table(block)
        self._close()
        return self.out

    def _paragraph(self, block: Paragraph) -> None:
        self._note_appendix(block.text.split("\n", 1)[0])
        for text in block.text.split("\n"):
            self.out.emit(text.replace("|", "/"), block.ref)

    def _close(self) -> None:
        if self.open is not None:
            self._flush()
            self.out.emit(END_LINE, "")
            self.open = None
        for block in self.held:
            self._paragraph(block)
        self.held = []

    def _table(self, table: Table) -> None:
        rows = list(table.rows)
        header_at = next((r for r, row in enumerate(rows[:15]) if _is_header(_own(row, r))), None)
        if header_at is None:
            if self.open is not None and table.ncols == len(self.open.names) and self._continues():
                self.held = []  # page furniture between the pages of one table
                self.open.page_start = True
                self._body(rows, 0)
                return
            self._close()
            for r, row in enumerate(rows):
                self._text_row(row, r, "a table without a task/indicator header: read as text")
            return
        header = _own(rows[header_at], header_at)
        roles = _roles(header)
        if self.open is not None and _same_header(roles, self.open.roles) and self._continues():
            self.held = []
            self.open.page_start = True
            self.out.fates.append(RowFate(rows[header_at].ref, _row_text(rows[header_at]), "header", "repeated"))
            self._body(rows, header_at + 1)
            return
        self._close()
        for r in range(header_at):
            self._text_row(rows[r], r, "above the table header: read as text (title, heading)")
        body = self._open_table(rows, header_at)
        self._body(rows, body)

    def _continues(self) -> bool:
        """Whether a table right after the open one goes on with it: a PDF page; a Word/web table split in
        two with nothing between; never another Excel sheet."""
        return self.pdf or (not self.sheets and not self.held)

    def _text_row(self, row: Row, r: int, why: str) -> None:
        cells = _distinct(_own(row, r))
        if not cells:
            return
        self._note_appendix(cells[0].text)
        self.out.fates.append(RowFate(row.ref, _row_text(row), "ignored", why))
        if len(cells) == 2 and key(cells[0].text).startswith(_META_KEYS):
            self.out.emit(f"{cells[0].text} | {cells[1].text} |".replace("\n", " "), row.ref)
            return
        for cell in cells:
            for text in cell.text.split("\n"):
                self.out.emit(text.replace("|", "/"), row.ref)

    def _open_table(self, rows: list[Row], at: int) -> int:
        """Emit the header of a new table (joined with a second header row under merged cells); the index
        of its first body row."""
        header = _own(rows[at], at)
        names = [cell.text.replace("\n", " ") for cell in header]
        body = at + 1
        below_copies = body < len(rows) and any(c.copy_of and c.copy_of[0] == at for c in rows[body].cells)
        merged_above = any(cell.copy_of for cell in rows[at].cells) or below_copies
        if merged_above and body < len(rows):
            below = _own(rows[body], body)
            below_roles = _roles(below)
            number_text = below[0].text if below else ""
            if not parse_number(number_text) and any(below_roles) and not _is_numbering(below):
                for c, cell in enumerate(below):
                    if cell.text and cell.copy_of is None and c < len(names) and cell.text != names[c]:
                        names[c] = f"{names[c]} {cell.text}".strip().replace("\n", " ")
                self.out.fates.append(RowFate(rows[body].ref, _row_text(rows[body]), "header", "second header row"))
                body += 1
        for c, name in enumerate(names):
            words = name.replace("|", "/").split()
            names[c] = " ".join(words[:_MAX_HEADER_WORDS]) or f"Cột {c + 1}"
        roles = _roles(header)
        generic = [generic_role(name) for name in names]
        numcol = generic.index("number") if "number" in generic else None
        titlecol = generic.index("title") if "title" in generic else None
        order = ([numcol] if numcol is not None else [-1]) + [c for c in range(len(names)) if c != numcol]
        self.open = _Open(names, roles, order, numcol, titlecol)
        shown = ["TT" if c == -1 else names[c] for c in order]
        line = self.out.emit(" | ".join(shown) + " |", rows[at].ref)
        self.out.columns[line] = list(order)
        detected = detect_header(self.out.lines, line - 1, frozenset())
        kind = detected.kind if detected else "other"
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        if self.kinds[kind] > 1:  # numbering may restart in each appendix: qualify by it
            label, title = self.appendix or (str(self.kinds[kind]), "")
            self.open.part = (f"PL{label}", title)
        self.out.fates.append(RowFate(rows[at].ref, _row_text(rows[at]), "header"))
        return body

    # --- rows ---------------------------------------------------------------------------------------

    def _body(self, rows: list[Row], start: int) -> None:
        assert self.open is not None
        r = start
        while r < len(rows):
            cells = _own(rows[r], r)
            if _is_header(cells) and not _same_header(_roles(cells), self.open.roles):  # another table, same grid
                self._close()
                r = self._open_table(rows, r)
                continue
            self._row(rows[r], r)
            r += 1

    def _fate(self, row: Row, fate: str, why: str = "") -> int:
        self.out.fates.append(RowFate(row.ref, _row_text(row), fate, why))
        return len(self.out.fates) - 1

    def _row(self, row: Row, r: int) -> None:
        table = self.open
        assert table is not None
        cells = _own(row, r)
        while len(cells) < len(table.names):
            cells.append(Cell(""))
        distinct = _distinct(cells)
        if not distinct:
            return
        if _is_header(cells) or _is_numbering(cells):
            self._fate(row, "header", "repeated header" if _is_header(cells) else "column numbering (1), (2), …")
            return
        number = cells[table.numcol].text.strip() if table.numcol is not None else ""
        title = cells[table.titlecol].text if table.titlecol is not None else ""
        others = [
            c
            for c, role in enumerate(table.roles)
            if role in _AGENCY_ROLES and c < len(cells) and row.cells[c].text and c != table.titlecol
        ]
        styled = all(cell.bold or cell.italic for cell in distinct)
        spanned = any(cell.copy_of and cell.copy_of[0] == r and cell.text for cell in row.cells)
        alone = distinct[0].text if len(distinct) == 1 else ""
        labelled = bool(_LABEL.match(alone)) and not re.match(r"^[a-zđ]\b", alone) and not parse_number(alone)
        if alone and len(table.names) >= 3 and (spanned or ((styled or labelled) and len(alone) < 300)):
            self._one_cell(row, distinct[0].text)
            return
        page_start, table.page_start = table.page_start, False
        if number:
            self._numbered_row(row, number, title, bool(others), styled)
        else:
            self._unnumbered_row(row, cells, title, bool(others), styled, page_start)

    def _numbered_row(self, row: Row, number: str, title: str, others: bool, styled: bool) -> None:
        """A row with something in its number cell: a section, a task, a lettered sub-task, or neither."""
        table = self.open
        assert table is not None
        marker = parse_marker(number)
        if marker is not None and not parse_number(number):
            self._heading(row, marker.label, marker.title or title)
            return
        if parse_number(number):
            if not others and styled and title:
                self._heading(row, number, title)
                return
            self._task(row, number)
            return
        letter = re.fullmatch(r"([a-zđ])[.)]?", number)
        if letter and others and table.last_number and letter.group(1) != "đ":
            # "a)", "b)" under task "3." with their own agencies: sub-tasks 3.1, 3.2 (the letter kept in the title)
            parent = table.last_number.split(".")[0]
            self._task(row, f"{parent}.{ord(letter.group(1)) - 96}", prefix=f"{number} ")
            return
        if _BARE_LABEL.match(number) and not others:
            self._heading(row, number, title)
            return
        self._note_appendix(number)
        if table.pending is None:
            self._fate(row, "ignored", f"no task number (cell {number!r})")
        else:
            self._fate(row, "ignored", f"the number cell holds {number!r}, not a task number")

    def _unnumbered_row(
        self, row: Row, cells: list[Cell], title: str, others: bool, styled: bool, page_start: bool
    ) -> None:
        """A row with an empty number cell: a heading, a task of a table without numbers, a sub-item or
        the continuation of the task above (a row split by a page break)."""
        table = self.open
        assert table is not None
        if title and not others and not _BULLET.match(title):
            if styled or (table.pending is None and _LABEL.match(title)):
                self._heading(row, "", title)
                return
            if table.pending is not None and not page_start and title[:1].isupper() and table.numcol is not None:
                self._heading(row, "", title)  # a title-only row starting a sentence: a sub-heading
                return
        if table.numcol is None and not _BULLET.match(title) and not (page_start and table.pending):
            table.counter += 1
            self._task(row, str(table.counter))
            return
        if table.pending is None:
            self._fate(row, "ignored", "no number and no task above it")
            return
        self._merge(row, cells, title)

    def _one_cell(self, row: Row, text: str) -> None:
        if _NOTE.match(key(text)):
            self._fate(row, "ignored", "a note under the table")
            return
        match = _LABEL.match(text)
        label, title = (match.group(1), match.group(2)) if match else ("", text)
        self._heading(row, label, title, whole=text)

    def _heading(self, row: Row, label: str, title: str, whole: str = "") -> None:
        table = self.open
        assert table is not None
        self._flush()
        label = label.strip().rstrip(".):")
        marker = parse_marker(label) if label else None
        self._fate(row, "heading")
        title = title.replace("\n", " ").strip()
        if marker is not None and "." not in label:
            table.top, table.sub_count, table.section = label, 0, None
            self.out.emit(f"{label}. | {title or whole} |".replace("\n", " "), row.ref)
            return
        if not label:  # an unlabelled sub-heading: "(1)", "(2)" — never confused with a task number
            table.sub_count += 1
            label = f"({table.sub_count})"
        elif parse_number(label):
            table.sub_count = max(table.sub_count, parse_number(label)[1][0])  # type: ignore[index]
        first = label.split(".", 1)[0]
        path = label if parse_marker(first) and "." in label else ".".join(p for p in (table.top, label) if p)
        table.section = (path, title)

    def _task(self, row: Row, number: str, prefix: str = "") -> None:
        """A numbered row: its cells as the table shows them (a rowspan's copies included)."""
        table = self.open
        assert table is not None
        self._flush()
        cells = row.cells
        texts = [number if c == -1 else cells[c].text if c < len(cells) else "" for c in table.order]
        texts[0] = number
        if prefix and table.titlecol is not None:
            k = table.order.index(table.titlecol)
            texts[k] = prefix + texts[k]
        table.last_number = number
        table.pending = texts
        table.pending_fate = self._fate(row, "task")
        table.pending_subs = []

    def _merge(self, row: Row, cells: list[Cell], title: str) -> None:
        table = self.open
        assert table is not None and table.pending is not None
        if _BULLET.match(title) or _LABEL.match(title):
            parts = [cell.text for cell in _distinct(cells)]
            table.pending_subs.append(" — ".join(part.replace("\n", " ") for part in parts))
            self._fate(row, "merged", "sub-item of the task above")
            return
        for k, c in enumerate(table.order):
            if c == -1 or c >= len(cells) or k == 0:
                continue
            cell = cells[c]
            if cell.text and cell.copy_of is None:
                table.pending[k] = f"{table.pending[k]}\n{cell.text}".strip()
        self._fate(row, "merged", "continuation of the task above (empty number cell)")

    def _flush(self) -> None:
        table = self.open
        if table is None or table.pending is None:
            return
        assert table.pending_fate is not None
        fate = self.out.fates[table.pending_fate]
        ref = fate.ref
        texts = [
            _one_line(t, c >= 0 and table.roles[c] in _LIST_ROLES)
            for t, c in zip(table.pending, table.order, strict=True)
        ]
        line = self.out.emit(" | ".join(texts) + " |", ref)
        self.out.row_lines[table.pending_fate] = line
        override: dict[str, str] = {}
        if table.section is not None:
            override = {"section": table.section[0], "section_title": table.section[1]}
        if table.part is not None:
            override |= {"part": table.part[0], "part_title": table.part[1]}
        if override:
            self.out.overrides[line] = override
        if table.pending_subs:
            self.out.sub_items[line] = list(table.pending_subs)
        table.pending = None
        table.pending_fate = None
        table.pending_subs = []


def serialise(document: Document) -> Serialised:
    return Serialiser().run(document)


__all__ = ["END_LINE", "SUB_ITEMS", "RowFate", "Serialised", "serialise"]
