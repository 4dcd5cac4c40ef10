"""Following a table row by row once its header is known.

A row is as many cells as the header has columns. A section row (a Roman numeral or capital letter in
the number column, then its title) may be shorter when the number column comes first: its trailing
empty cells (``|``, ``|||``) are consumed up to the column count or the next row's number, whichever
comes first. Anything else where a row must start ends the table only when it clearly is not a row
(an appendix heading, a signature block, a footnote, another table's header, text running to the end
of the file); otherwise the table cannot be followed and :class:`PlanFormatError` names the line.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from models.domain.plan_reader.cells import (
    Cell,
    Marker,
    column_index,
    is_row_marker,
    iter_cells,
    key,
    parse_marker,
    parse_number,
    roman_value,
)
from models.domain.plan_reader.columns import ROLE_NAMES, TASK, Header, detect_header
from models.domain.plan_reader.model import ParsedIndicator, ParsedTask, PlanFormatError
from models.domain.text import fold

Warn = Callable[[int, str], None]

# Text that may follow a table: appendix headings, signature blocks, "Nơi nhận", notes, footnotes.
_END_OF_TABLE = re.compile(
    r"^(phu luc|bieu( mau)?\b|mau so|danh muc\b|noi nhan|tm\b|kt\b|t/m\b|chu tich|pho chu tich|"
    r"uy ban nhan dan|ubnd\b|ghi chu\s*:|luu y\s*:|nguoi lap|\[\d+\]|\(\d+\)\s|\*)"
)
_FOOTNOTE = re.compile(r"^(\[\d+\]|\(\d+\)\s|\*)")
# How agency cells begin ("Sở …", "UBND …", "Các sở, ngành …"); used only to notice a shuffled header.
_AGENCY = re.compile(
    r"^(các )?(sở|sỏ|ubnd|ủy ban|uỷ ban|ban (?!hành)|công an|văn phòng|đài|báo|trung tâm|cục|chi cục|"
    r"liên minh|liên đoàn|hội|đoàn|tỉnh đoàn|đại học|trường|viện|ngân hàng|kho bạc|bảo hiểm|thanh tra|"
    r"hđnd|hội đồng|mặt trận|bộ|bch|công ty|tổng công ty|doanh nghiệp|cơ quan|đơn vị|ngành|địa phương|"
    r"huyện|thành phố|thị xã|tỉnh|quỹ|chi nhánh|giám đốc|chủ tịch|thủ trưởng|người đứng đầu|lãnh đạo)\b"
)
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")


def shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def found(text: str) -> str:
    return repr(shorten(text)) if text else "an empty cell"


def successors(number: tuple[int, ...]) -> set[tuple[int, ...]]:
    """Numbers that may follow ``number``: the next sibling, a first child, the next of any ancestor
    (and its first child): 8.12 → 8.13, 8.12.1, 9, 9.1."""
    out = {(*number, 1)}
    for depth in range(len(number)):
        base = (*number[:depth], number[depth] + 1)
        out |= {base, (*base, 1), (*base, 1, 1)}
    return out


@dataclass
class Sections:
    """The current section (and part, when a plan nests Roman sections in lettered parts)."""

    styles: list[str] = field(default_factory=list)  # "roman" / "letter", outermost first
    current: dict[int, tuple[str, str]] = field(default_factory=dict)  # level → (label, title)
    values: dict[int, int] = field(default_factory=dict)  # level → ordinal of the current label
    rows_since: int = 1  # rows read since the last section row
    line: int = 0  # line of the last section row
    level: int = 0  # level of the last section row

    def _style(self, marker: Marker) -> str:
        if marker.roman and marker.letter and "letter" in self.styles:
            level = self.styles.index("letter")
            if self.values.get(level, 0) + 1 == ord(marker.label) - 64:
                return "letter"
        return "roman" if marker.roman else "letter"

    def enter(self, marker: Marker, title: str, line: int, noun: str, warn: Warn) -> None:
        style = self._style(marker)
        if style not in self.styles:
            self.styles.append(style)
        level = self.styles.index(style)
        value = roman_value(marker.label) if style == "roman" else ord(marker.label) - 64
        assert value is not None
        previous = self.values.get(level)
        if previous is not None and value != previous + 1:
            warn(line, f"section {marker.label} follows section {self.current[level][0]} (out of order)")
        if self.line and self.rows_since == 0 and level <= self.level and self.level in self.current:
            warn(self.line, f"section {self.current[self.level][0]} has no {noun} rows")
        self.current[level] = (marker.label, title)
        self.values[level] = value
        for deeper in [lvl for lvl in self.current if lvl > level]:
            del self.current[deeper]
            self.values.pop(deeper, None)
        self.rows_since = 0
        self.line = line
        self.level = level

    def labels(self) -> tuple[str, str, str, str]:
        """(part, part title, section, section title)."""
        if len(self.styles) >= 2:
            part, part_title = self.current.get(0, ("", ""))
            section, section_title = self.current.get(1, ("", ""))
            return part, part_title, section, section_title
        section, section_title = self.current.get(0, ("", ""))
        return "", "", section, section_title

    def next_labels(self) -> set[str]:
        """Section labels that could come next (to spot a section marker in a wrong column)."""
        out = set()
        for level, style in enumerate(self.styles):
            value = self.values.get(level, 0) + 1
            if style == "roman":
                out.add(_to_roman(value))
            elif value <= 26:
                out.add(chr(64 + value))
        return out


def _to_roman(value: int) -> str:
    out = ""
    for number, letters in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while value >= number:
            out += letters
            value -= number
    return out


@dataclass
class TableState:
    """What carries over when a table continues under a repeated header (a page break)."""

    sections: Sections = field(default_factory=Sections)
    previous: tuple[int, ...] | None = None
    seen: set[str] = field(default_factory=set)


@dataclass
class TableResult:
    tasks: list[ParsedTask]
    indicators: list[ParsedIndicator]
    end_line: int | None  # 1-based line where reading may resume; None = the table ran to the end
    state: TableState


def _header_within(lines: Sequence[str], cell: Cell, skip: frozenset[int]) -> bool:
    return any(detect_header(lines, idx, skip) for idx in range(cell.line - 1, cell.end_line))


@dataclass
class _Table:
    """One table being read: its header, its cells in reading order, and what carries over."""

    header: Header
    state: TableState
    warn: Warn
    stream: list[Cell]
    numidx: int  # the number column
    noun: str  # "task" / "indicator", for messages
    target_years: list[str]  # years named in the target column's header ("Mục tiêu đến năm 2030")

    @property
    def sections(self) -> Sections:
        return self.state.sections


def parse_table(
    lines: Sequence[str], header: Header, skip: frozenset[int], state: TableState, warn: Warn
) -> TableResult:
    """Follow the table under ``header`` row by row (see the module docstring), in four steps:

    1. :func:`_past_numbering_row` — a column-numbering row "(1) | (2) | …" under the header is skipped;
    2. at each row start, the number cell (:func:`_row_start`) tells a section row (:func:`_section_row`)
       from a numbered row; neither, :func:`_end_of_table` says whether the table has ended or is broken;
    3. a numbered row is checked whole and aligned (:func:`_checked_row`) and read into a
       :class:`ParsedTask` (:func:`_task`) or :class:`ParsedIndicator` (:func:`_indicator`);
    4. :func:`_finish` — the agency column is checked against the rows, and a last section without
       rows is reported (refused when the file ends there).
    """
    numidx = header.index("number")
    assert numidx is not None
    target = header.index("target")
    table = _Table(
        header=header,
        state=state,
        warn=warn,
        stream=list(iter_cells(lines, header.line - 1, skip, header.markdown)),
        numidx=numidx,
        noun="task" if header.kind == TASK else "indicator",
        target_years=_YEAR.findall(header.texts[target]) if target is not None else [],
    )
    stream, n = table.stream, header.ncols
    tasks: list[ParsedTask] = []
    indicators: list[ParsedIndicator] = []
    rows: list[list[Cell]] = []
    end_line: int | None = None
    i = _past_numbering_row(table)
    while i < len(stream):
        numcell = stream[i + numidx] if i + numidx < len(stream) else None
        marker, number = _row_start(numcell)
        if marker is not None:
            i = _section_row(stream, i, n, numidx, header, marker, table.sections, table.noun, warn)
            continue
        if number is None and numidx == 0 and _emphasised_heading(stream, i, header, state):
            i = _skip_heading(stream, i, n, warn)  # "*1.1. Lĩnh vực …*": a sub-heading, not a footnote
            continue
        if number is None:
            stop = _end_of_table(lines, stream, i, numcell, header, state, skip, warn)
            if stop is not None:
                end_line = stop or None
                break
            raise _no_number(table, numcell)
        assert numcell is not None
        row = _checked_row(table, i, number)
        rows.append(row)
        table.sections.rows_since += 1
        if header.kind == TASK:
            tasks.append(_task(table, row, number[0], numcell.text))
        else:
            indicators.append(_indicator(table, row, number[0], numcell.text))
        i += n
    _finish(table, rows, end_line)
    return TableResult(tasks, indicators, end_line, state)


def _past_numbering_row(table: _Table) -> int:
    """Step 1: the index of the first row's first cell (after a column-numbering row, if any)."""
    n = table.header.ncols
    if n * 2 <= len(table.stream):
        first_row = table.stream[n : n * 2]
        if [column_index(cell.text) for cell in first_row] == list(range(1, n + 1)):
            table.warn(first_row[0].line, "column-numbering row (1), (2), … under the header skipped")
            return n * 2
    return n


def _row_start(numcell: Cell | None) -> tuple[Marker | None, tuple[str, tuple[int, ...]] | None]:
    """Step 2: what the number cell holds — a section marker ("II.", "B.") and/or a row number."""
    if numcell is None or not numcell.closed:
        return None, None
    marker = parse_marker(numcell.text)
    if marker and marker.title and numcell.end_line - numcell.line > 2:
        marker = None  # a paragraph that happens to start with "V. …"
    return marker, parse_number(numcell.text)


def _no_number(table: _Table, numcell: Cell | None) -> PlanFormatError:
    """A row should start here, the table has not ended, and its number cell holds no number."""
    assert numcell is not None  # _end_of_table refuses a stream that ended mid-row
    noun, num_header = table.noun, table.header.texts[table.numidx]
    return PlanFormatError(
        f"expected a {noun} number in column {num_header}, found {found(numcell.text)}"
        f" (cần số thứ tự ở cột {num_header})",
        line=numcell.line,
        expected=f"a {noun} number in column {num_header}",
        found=numcell.text,
    )


def _checked_row(table: _Table, i: int, number: tuple[str, tuple[int, ...]]) -> list[Cell]:
    """Step 3: the row's cells from ``i``, refused when cut short or shifted; its number's order checked."""
    label, value = number
    n, stream, noun = table.header.ncols, table.stream, table.noun
    first = stream[i]
    row = stream[i : i + n]
    if len(row) < n or not all(cell.closed for cell in row):
        closed = [cell for cell in row if cell.closed]
        raise PlanFormatError(
            f"the table stops in the middle of {noun} {label} (row from line {first.line}): expected {n} "
            f"cells, found {len(closed)} — is the file cut short? (bảng bị cắt giữa dòng)",
            line=stream[-1].end_line,
            expected=f"{n} cells in the row",
            found=f"{len(closed)} cells",
        )
    numtext = stream[i + table.numidx].text
    _check_alignment(row, table.header, table.numidx, numtext, value, table.sections, noun, label, first)
    _check_order(value, label, table.state, table.sections, noun, first.line, table.warn)
    return row


def _row_texts(table: _Table, row: list[Cell], label: str) -> tuple[dict[str, Cell], dict[str, str], str | None]:
    """A numbered row's cells by role, the cells of unnamed roles by header text (``extra``), and its
    parent's number (``None`` when the row is top-level or its parent row is missing)."""
    header = table.header
    cells = {role: row[k] for k, role in enumerate(header.roles) if role}
    extra: dict[str, str] = {}
    for k, role in enumerate(header.roles):
        if role is None:
            name = header.texts[k]
            while name in extra:
                name += "'"
            extra[name] = row[k].text
    parent = label.rsplit(".", 1)[0] if "." in label else None
    if parent is not None and parent not in table.state.seen:
        table.warn(row[0].line, f"{table.noun} {label} has no parent row {parent}")
        parent = None
    table.state.seen.add(label)
    return cells, extra, parent


def _task(table: _Table, row: list[Cell], label: str, number_raw: str) -> ParsedTask:
    """Step 3: a task row, with warnings for an empty title or deadline cell."""
    cells, extra, parent = _row_texts(table, row, label)
    text = {role: cell.text for role, cell in cells.items()}
    part, part_title, section, section_title = table.sections.labels()
    line = row[0].line
    if not text.get("title"):
        table.warn(line, f"task {label} has an empty title cell")
    if "deadline" in cells and not text["deadline"]:
        col = table.header.texts[table.header.roles.index("deadline")]
        table.warn(cells["deadline"].line, f"task {label} has an empty deadline cell (column '{col}')")
    return ParsedTask(
        section=section,
        section_title=section_title,
        number=label,
        title=text.get("title", ""),
        lead_raw=text.get("lead", ""),
        coordinating_raw=text.get("coordinating", ""),
        output_raw=text.get("output", ""),
        deadline_raw=text.get("deadline", ""),
        line=line,
        extra=extra,
        note_raw=text.get("note", ""),
        number_raw=number_raw,
        parent_number=parent,
        part=part,
        part_title=part_title,
    )


def _indicator(table: _Table, row: list[Cell], label: str, code_raw: str) -> ParsedIndicator:
    """Step 3: an indicator row; its horizon is the last year of its group's title, else of the target
    column's header."""
    cells, extra, parent = _row_texts(table, row, label)
    text = {role: cell.text for role, cell in cells.items()}
    _, _, section, section_title = table.sections.labels()
    years = _YEAR.findall(section_title) or table.target_years
    return ParsedIndicator(
        code=label,
        parent_code=parent,
        group=section,
        group_title=section_title,
        horizon=int(years[-1]) if years else None,
        title=text.get("title", ""),
        unit_raw=text.get("unit", ""),
        target_raw=text.get("target", ""),
        monitor_raw=text.get("monitor", ""),
        line=row[0].line,
        extra=extra,
        note_raw=text.get("note", ""),
        code_raw=code_raw,
    )


def _finish(table: _Table, rows: list[list[Cell]], end_line: int | None) -> None:
    """Step 4: the agency column holds agencies; the last section has rows (else refused at the end of
    the file, a warning where the table simply ended)."""
    _check_agency_column(table.header, rows)
    sections, noun = table.sections, table.noun
    if sections.line and sections.rows_since == 0:
        part, _, section, _ = sections.labels()
        if end_line is None:
            raise PlanFormatError(
                f"the file ends right after section {section or part} (line {sections.line}) with no {noun}"
                " rows under it — is the file cut short? (tệp bị cắt)",
                line=sections.line,
                expected=f"{noun} rows under section {section or part}",
            )
        table.warn(sections.line, f"section {section or part} has no {noun} rows")


def _end_of_table(
    lines: Sequence[str],
    stream: list[Cell],
    i: int,
    numcell: Cell | None,
    header: Header,
    state: TableState,
    skip: frozenset[int],
    warn: Warn,
) -> int | None:
    """Where a row should start but none does: the line to resume scanning at (0 = end of file) when
    the table has simply ended, None when the table is broken there."""
    first = stream[i]
    folded = key(first.text)
    noun = "task" if header.kind == TASK else "indicator"
    if not first.closed:  # text running to the end of the file
        if is_row_marker(first.text.split(" ", 1)[0]) and len(first.text) < 12:
            raise PlanFormatError(
                f"the file ends inside a {noun} row: found {found(first.text)} without the rest of its row"
                " — is the file cut short? (tệp bị cắt)",
                line=first.line,
                expected=f"{header.ncols} cells in the row",
                found=first.text,
            )
        if not _FOOTNOTE.match(folded) and not _END_OF_TABLE.match(folded):
            warn(first.line, f"text after the {noun} table ignored: {found(first.text)}")
        return 0
    if numcell is None:  # the number column is not the first and the stream ended
        raise PlanFormatError(
            f"the table stops in the middle of a {noun} row (from line {first.line}) — is the file cut short?",
            line=stream[-1].end_line,
            expected=f"{header.ncols} cells in the row",
        )
    if first.text and (_END_OF_TABLE.match(folded) or _header_within(lines, first, skip)):
        return first.line
    multi_line = first.end_line > first.line and "|" not in lines[first.line - 1]
    if multi_line and not _next_number_ahead(stream, i, header, state):
        warn(first.line, f"the {noun} table ends at a paragraph: {found(first.text)}")
        return first.line
    return None


_EMPHASIS = re.compile(r"^(\*{1,3}|_{1,2})(?=\S)(.+?)(?<=\S)\1$")


def _emphasised_heading(stream: list[Cell], i: int, header: Header, state: TableState) -> bool:
    """A whole cell in markdown emphasis ("*Lĩnh vực công nghiệp*") where a row should start, with a row
    number that may come next right after it: an italic or bold sub-heading of the copied page — not a
    footnote, and not the end of the table (one plan lost 53 of its 75 tasks that way)."""
    cell = stream[i]
    return cell.closed and bool(_EMPHASIS.match(cell.text)) and _next_number_ahead(stream, i, header, state)


def _skip_heading(stream: list[Cell], i: int, n: int, warn: Warn) -> int:
    """Skip the heading cell and the empty cells after it (at most the row's width); the next index."""
    warn(stream[i].line, f"sub-heading row read (not a task): {found(stream[i].text.strip('*_'))}")
    j = i + 1
    while j < min(i + n, len(stream)) and stream[j].closed and not stream[j].text:
        j += 1
    return j


def _next_number_ahead(stream: list[Cell], i: int, header: Header, state: TableState) -> bool:
    """Whether a number that could follow the last row is among the next few cells (a misaligned row
    rather than the end of the table)."""
    expected = successors(state.previous) if state.previous else {(1,)}
    for cell in stream[i : i + 2 * header.ncols]:
        number = parse_number(cell.text)
        if number and number[1] in expected:
            return True
    return False


def _section_row(
    stream: list[Cell],
    i: int,
    n: int,
    numidx: int,
    header: Header,
    marker: Marker,
    sections: Sections,
    noun: str,
    warn: Warn,
) -> int:
    """Read a section row starting at ``i``; return the index after it."""
    start = stream[i]
    title = marker.title
    dropped: list[Cell] = []
    if numidx == 0:
        j = i + 1
        while j < min(i + n, len(stream)):
            cell = stream[j]
            if not cell.closed or (cell.text and is_row_marker(cell.text)):
                break
            if cell.text:
                if title:
                    dropped.append(cell)
                else:
                    title = cell.text
            j += 1
    else:
        if i + n > len(stream) or not all(cell.closed for cell in stream[i : i + n]):
            raise PlanFormatError(
                f"the table stops in the middle of section row {marker.label} (from line {start.line})"
                " — is the file cut short?",
                line=stream[-1].end_line,
                expected=f"{n} cells in the row",
            )
        title_idx = header.index("title")
        cells = [cell for k, cell in enumerate(stream[i : i + n]) if k != numidx]
        if title_idx is not None and not title and stream[i + title_idx].text:
            title = stream[i + title_idx].text
            cells.remove(stream[i + title_idx])
        for cell in cells:
            if cell.text:
                if title:
                    dropped.append(cell)
                else:
                    title = cell.text
        j = i + n
    for cell in dropped:
        warn(cell.line, f"text in the row of section {marker.label} ignored: {found(cell.text)}")
    if not title:
        warn(start.line, f"section {marker.label} has no title")
    sections.enter(marker, title, start.line, noun, warn)
    return j


def _check_alignment(
    row: list[Cell],
    header: Header,
    numidx: int,
    number_text: str,
    value: tuple[int, ...],
    sections: Sections,
    noun: str,
    label: str,
    first: Cell,
) -> None:
    """Refuse a row whose cells are shifted: a cell holding what can only be the next row's number
    (or the next section's marker, or an appendix heading) means this row lost a cell."""
    dotted = number_text.rstrip().endswith((".", ")"))
    if header.kind == TASK or dotted:
        suffix = number_text.rstrip()[-1] if dotted else ""
        nexts = {".".join(map(str, v)) + suffix for v in successors(value)}
    else:
        nexts = set()
    next_sections = sections.next_labels()
    for k, cell in enumerate(row):
        if k == numidx:
            continue
        text = cell.text.strip()
        marker = parse_marker(text)
        shifted = (
            text in nexts
            or (marker is not None and not marker.title and marker.label in next_sections and k != numidx)
            or key(text).startswith("phu luc")
        )
        if shifted:
            role = header.roles[k]
            what = ROLE_NAMES.get(role, "cell") if role else "cell"
            raise PlanFormatError(
                f"expected the {what} cell of {noun} {label} in column '{header.texts[k]}',"
                f" found {found(text)}, which looks like the start of another row: the row from line"
                f" {first.line} seems to have lost a cell (hàng bị lệch cột)",
                line=cell.line,
                expected=f"the {what} cell of {noun} {label}",
                found=text,
            )


def _agency_share(texts: list[str]) -> float:
    filled = [text for text in texts if text]
    return sum(bool(_AGENCY.match(fold(text))) for text in filled) / len(filled) if filled else 0.0


def _check_agency_column(header: Header, rows: list[list[Cell]]) -> None:
    """Refuse a header whose agency column holds no agency names while another column does: the
    header cells were shuffled against the data (names would land in titles and titles in agencies)."""
    role = "lead" if header.kind == TASK else "monitor"
    column = header.index(role)
    if column is None or len(rows) < 3:
        return
    share = _agency_share([row[column].text for row in rows])
    if share >= 0.3:
        return
    for k, text in enumerate(header.texts):
        if k != column and header.roles[k] != "number" and _agency_share([row[k].text for row in rows]) >= 0.7:
            raise PlanFormatError(
                f"expected agency names in column '{header.texts[column]}' ({ROLE_NAMES[role]}), found them"
                f" in column '{text}' instead: the header does not match the rows (tiêu đề bảng bị xáo trộn)",
                line=header.line,
                expected=f"agency names in column '{header.texts[column]}'",
                found=f"agency names in column '{text}'",
            )


def _check_order(
    value: tuple[int, ...],
    label: str,
    state: TableState,
    sections: Sections,
    noun: str,
    line: int,
    warn: Warn,
) -> None:
    previous = state.previous
    state.previous = value
    if previous is None or value in successors(previous):
        return
    if sections.rows_since == 0 and value in {(1,), (1, 1)}:
        return  # numbering restarts in each section
    prev_label = ".".join(map(str, previous))
    if value <= previous:
        warn(line, f"{noun} number {label} comes after {prev_label} (numbers go backwards)")
    else:
        warn(line, f"{noun} number {label} comes after {prev_label} (numbers skipped)")


__all__ = ["TableResult", "TableState", "parse_table"]
