"""``read_plan`` / ``read_plan_file``: text in, :class:`ParsedPlan` out, or :class:`PlanFormatError`."""

import dataclasses
import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from models.domain.plan_reader.columns import TASK, Header, detect_header
from models.domain.plan_reader.heading import find_repeats, read_heading
from models.domain.plan_reader.model import ParsedIndicator, ParsedPlan, ParsedTask, PlanFormatError
from models.domain.plan_reader.tables import TableState, Warn, parse_table, shorten

_Row = TypeVar("_Row", ParsedTask, ParsedIndicator)
_TASK_HEADER_EXAMPLE = "TT | Tên nhiệm vụ | Cơ quan chủ trì | Cơ quan phối hợp | Kết quả | Thời gian hoàn thành"


def normalise(text: str) -> str:
    """The text the reader (and ``content_hash``) works on: NFC, no BOM, ``\\n`` line ends."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text).removeprefix("\ufeff")


@dataclass(frozen=True)
class Hints:
    """What a structured source (or the person importing) adds to the text: per serialised line, the
    section a task belongs to below a Roman/letter one (``overrides``) and its "- …" sub-rows
    (``sub_items``); and the plan's number, date and issuer when the document lacks them (an appendix
    excerpt: ``dondoc plan import --number/--issued/--issuer``)."""

    overrides: Mapping[int, Mapping[str, str]] = field(default_factory=dict)
    sub_items: Mapping[int, Sequence[str]] = field(default_factory=dict)
    sub_items_name: str = "Nội dung cụ thể"
    number: str | None = None
    issued: date | None = None
    issuer: str | None = None


def read_plan(text: str, *, source: str = "<input>", hints: Hints | None = None) -> ParsedPlan:
    """Read a plan from its text (see the package docstring for the layout)."""
    try:
        return _read(text, source, hints or Hints())
    except PlanFormatError as error:
        error.source = source
        raise


def decode(data: bytes, source: str = "<input>") -> str:
    if not data.strip():
        raise PlanFormatError("expected a plan, found an empty file (tệp rỗng)", expected="a plan", source=source)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:65536]:
        offset = data.index(b"\x00")
        raise PlanFormatError(
            f"expected a UTF-8 text file, found binary data (a NUL byte at offset {offset}) (không phải tệp văn bản)",
            expected="UTF-8 text",
            found="binary data",
            source=source,
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PlanFormatError(
            f"expected UTF-8 text, found the byte 0x{data[exc.start]:02x} at offset {exc.start} (tệp không phải UTF-8)",
            line=data[: exc.start].count(b"\n") + 1,
            expected="UTF-8 text",
            found=f"0x{data[exc.start]:02x}",
            source=source,
        ) from None


def _read(text: str, source: str, hints: Hints) -> ParsedPlan:
    """Read a plan in five steps, warnings collected with their line numbers all along:

    1. :func:`_prepare` — refuse binary or empty text, normalise it, hash it;
    2. :func:`~models.domain.plan_reader.heading.find_repeats` — blocks a web copy repeated, ignored;
    3. :func:`_read_tables` — every table found by its header, followed row by row;
    4. :func:`_check_tables` — a plan needs task rows; incomplete or empty tables are warnings, and
       row numbers are made unique (:func:`_unique`);
    5. :func:`~models.domain.plan_reader.heading.read_heading` — the number (required), title, date,
       issuer and signer above the first table.
    """
    text, content_hash = _prepare(text)
    lines = text.split("\n")
    notes: list[tuple[int, str]] = []

    def warn(line: int, message: str) -> None:
        notes.append((line, message))

    skip = find_repeats(lines, notes)
    tables = _read_tables(lines, skip, warn)
    _apply(tables, hints)
    tasks, indicators = _check_tables(tables, warn)
    heading = read_heading(lines, skip, (tables.first_header or len(lines) + 1) - 1, notes)
    _given_heading(heading, hints, lines, warn)
    if not heading.number:
        raise PlanFormatError(
            "expected the plan number ('Số hiệu | 25/KH-UBND |' or 'Số: 25/KH-UBND') before the tables,"
            " found none — for an appendix excerpt give it: dondoc plan import PATH --number 25/KH-UBND"
            " --issued 2025-01-24 --issuer 'Tỉnh …' (không tìm thấy số hiệu văn bản)",
            expected="the plan number",
        )
    if not heading.title:
        warn(1, "no title found")

    notes.sort(key=lambda note: note[0])
    return ParsedPlan(
        number=heading.number,
        title=heading.title,
        issued_on=heading.issued_on,
        issuer=heading.issuer,
        signer=heading.signer,
        kind=heading.kind,
        tasks=tuple(tasks),
        indicators=tuple(indicators),
        warnings=tuple(f"line {line}: {message}" for line, message in notes),
        content_hash=content_hash,
        official_title=heading.official_title,
        metadata=heading.metadata,
        source=source,
    )


_ATTACHED = re.compile(
    r"kèm theo\s+(?:kế hoạch|quyết định|chương trình(?: hành động)?|công văn|chỉ thị|nghị quyết)\s+số\s*:?\s*"
    r"([0-9]{1,5}\s*/\s*[0-9A-Za-zĐđ\-/]+)(?:\s+ngày\s+(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4}))?"
    r"(?:\s+của\s+(?:ủy ban nhân dân|uỷ ban nhân dân|ubnd)\s+((?:tỉnh|thành phố)\s+[^)(,;]+))?",
    re.IGNORECASE,
)


def _given_heading(heading: Any, hints: Hints, lines: list[str], warn: Warn) -> None:
    """Number, date and issuer the heading lacks: from the options given, else from a title line
    "(Kèm theo Kế hoạch số 118/KH-UBND ngày 05/3/2025 của UBND tỉnh …)"; says which it used."""
    given = {"number": hints.number, "issued_on": hints.issued, "issuer": hints.issuer}
    for name, value in given.items():
        if value is None:
            continue
        if getattr(heading, name) and getattr(heading, name) != value:
            warn(1, f"{name} {getattr(heading, name)!r} of the document replaced by the one given: {value!r}")
        elif not getattr(heading, name):
            warn(1, f"{name} {value!r} taken from the command line (not in the document)")
        setattr(heading, name, value)
    if heading.number and heading.issued_on and heading.issuer:
        return
    for idx, line in enumerate(lines[:400]):
        match = _ATTACHED.search(line)
        if not match:
            continue
        number, day, month, year, issuer = match.groups()
        if not heading.number:
            heading.number = re.sub(r"\s*/\s*", "/", number).strip(" .;,)")
            warn(idx + 1, f"plan number {heading.number!r} taken from the title line {shorten(line.strip(), 80)!r}")
        if not heading.issued_on and year:
            try:
                heading.issued_on = date(int(year), int(month), int(day))
                warn(idx + 1, f"issue date {heading.issued_on.isoformat()} taken from the title line")
            except ValueError:
                pass
        if not heading.issuer and issuer:
            heading.issuer = issuer.strip().rstrip(".")[:1].upper() + issuer.strip().rstrip(".")[1:]
            warn(idx + 1, f"issuer {heading.issuer!r} taken from the title line")
        return


def _apply(tables: "_Tables", hints: Hints) -> None:
    """The structured source's sections and sub-items, on the rows of the lines they belong to."""
    if not hints.overrides and not hints.sub_items:
        return
    tasks = []
    for task in tables.tasks:
        change: dict[str, Any] = dict(hints.overrides.get(task.line, {}))
        if task.line in hints.sub_items:
            change["extra"] = {**task.extra, hints.sub_items_name: "\n".join(hints.sub_items[task.line])}
        tasks.append(dataclasses.replace(task, **change) if change else task)
    tables.tasks = tasks
    indicators = []
    for ind in tables.indicators:
        over = hints.overrides.get(ind.line)
        if over:
            group = ".".join(p for p in (over.get("part", ""), over.get("section", ind.group)) if p)
            ind = dataclasses.replace(ind, group=group, group_title=over.get("section_title", ind.group_title))
        indicators.append(ind)
    tables.indicators = indicators


def _prepare(text: str) -> tuple[str, str]:
    """Step 1: the normalised text and its content hash (SHA-256 of the normalised text's UTF-8)."""
    if "\x00" in text:
        raise PlanFormatError(
            "expected text, found binary data (a NUL character) (không phải văn bản)",
            expected="text",
            found="binary data",
        )
    text = normalise(text)
    content_hash = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if not text.strip():
        raise PlanFormatError("expected a plan, found an empty text (văn bản rỗng)", expected="a plan")
    return text, content_hash


@dataclass
class _Tables:
    """What the tables gave: their rows, and the headers that gave none."""

    tasks: list[ParsedTask] = field(default_factory=list)
    indicators: list[ParsedIndicator] = field(default_factory=list)
    incomplete: list[Header] = field(default_factory=list)  # headers missing a required column
    empty: list[Header] = field(default_factory=list)  # complete headers with no rows under them
    first_header: int | None = None  # line of the first header met (complete or not)


def _read_tables(lines: list[str], skip: frozenset[int], warn: Warn) -> _Tables:
    """Step 3: scan for table headers; follow each table to its end and resume scanning after it.

    A header missing a required column is refused at once when it is clearly a task/indicator header
    (``strong``), else kept aside. A header repeated right where the same table ended (a page break)
    continues that table: numbering and sections carry over.
    """
    out = _Tables()
    previous: tuple[Header, TableState, int | None] | None = None  # last table, its state, where it ended
    idx = 0
    while idx < len(lines):
        header = detect_header(lines, idx, skip) if idx not in skip else None
        if header is None:
            idx += 1
            continue
        if out.first_header is None:
            out.first_header = header.line
        if header.missing():
            if header.strong:
                raise _missing_columns(header)
            out.incomplete.append(header)
            idx = header.end_line
            continue
        result = parse_table(lines, header, skip, _table_state(header, previous, warn), warn)
        if not result.tasks and not result.indicators:
            out.empty.append(header)
        out.tasks.extend(result.tasks)
        out.indicators.extend(result.indicators)
        previous = (header, result.state, result.end_line)
        idx = len(lines) if result.end_line is None else max(result.end_line - 1, header.end_line)
    return out


def _table_state(header: Header, previous: tuple[Header, TableState, int | None] | None, warn: Warn) -> TableState:
    """The state a table starts from (the previous one's when the header repeats), with the header's
    warnings: duplicate column roles, a task table without a deadline column."""
    for column in header.duplicates:
        name = header.texts[column]
        warn(header.line, f"column {name!r} repeats the role of an earlier column; kept as extra")
    if header.kind == TASK and header.index("deadline") is None:
        warn(header.line, "the task table has no deadline column (Thời gian hoàn thành)")
    if (
        previous
        and (previous[0].kind, previous[0].roles) == (header.kind, header.roles)
        and (previous[2] == header.line)
    ):
        warn(header.line, f"the {header.kind} table header repeats (page break?); the table continues")
        return previous[1]
    return TableState()


def _check_tables(tables: _Tables, warn: Warn) -> tuple[list[ParsedTask], list[ParsedIndicator]]:
    """Step 4: refuse a plan without task rows (naming the likely cause); warn about the tables that
    gave nothing; the rows with unique numbers."""
    if not tables.tasks and (empty_tasks := [h for h in tables.empty if h.kind == TASK]):
        raise PlanFormatError(
            f"the task table at line {empty_tasks[0].line} has no rows — is the file cut short?"
            " (bảng nhiệm vụ không có dòng nào)",
            line=empty_tasks[0].end_line,
            expected="task rows under the header",
        )
    for bad in tables.empty:
        warn(bad.line, f"the {bad.kind} table has no rows")
    if not tables.tasks:
        task_like = [h for h in tables.incomplete if h.kind == TASK] or tables.incomplete
        if task_like:
            raise _missing_columns(task_like[0])
        raise PlanFormatError(
            f"expected a task table (a header such as '{_TASK_HEADER_EXAMPLE}'), found none"
            " — this does not look like a plan (không tìm thấy bảng nhiệm vụ)",
            expected="a task table",
        )
    for bad in tables.incomplete:
        columns = shorten(bad.describe(), 120)
        warn(bad.line, f"table with the columns {columns!r} ignored: no {', '.join(bad.missing())}")
    return _unique(tables.tasks, "task", warn), _unique(tables.indicators, "indicator", warn)


def _missing_columns(header: Header) -> PlanFormatError:
    missing = ", ".join(header.missing())
    return PlanFormatError(
        f"expected {missing} in the {header.kind} table header, found the columns"
        f" {shorten(header.describe(), 120)!r} (thiếu cột bắt buộc trong tiêu đề bảng)",
        line=header.line,
        expected=missing,
        found=header.describe(),
    )


def _unique(rows: list[_Row], noun: str, warn: Warn) -> list[_Row]:
    """Numbers are the rows' keys downstream: keep them unique. When numbering restarts in every
    section, qualify numbers with their section ("II.1"); a number that still repeats is an error."""

    def number(row: ParsedTask | ParsedIndicator) -> str:
        return row.number if isinstance(row, ParsedTask) else row.code

    counts = Counter(number(row) for row in rows)
    if all(count == 1 for count in counts.values()):
        return rows

    def qualified(row: ParsedTask | ParsedIndicator, label: str) -> str:
        if isinstance(row, ParsedTask):
            return ".".join(part for part in (row.part, row.section, label) if part)
        return ".".join(part for part in (row.group, label) if part)

    keys = [qualified(row, number(row)) for row in rows]
    seen: dict[str, int] = {}
    for row, name in zip(rows, keys, strict=True):
        if name in seen:
            raise PlanFormatError(
                f"{noun} number {number(row)} appears twice (lines {seen[name]} and {row.line});"
                " numbers must be unique (số thứ tự bị trùng)",
                line=row.line,
                expected=f"a new {noun} number",
                found=number(row),
            )
        seen[name] = row.line
    warn(rows[0].line, f"{noun} numbers restart in each section: qualified by section (e.g. {keys[-1]})")
    out: list[_Row] = []
    for row, name in zip(rows, keys, strict=True):
        if isinstance(row, ParsedTask):
            parent = qualified(row, row.parent_number) if row.parent_number else None
            out.append(dataclasses.replace(row, number=name, parent_number=parent))  # type: ignore[arg-type]
        else:
            parent = qualified(row, row.parent_code) if row.parent_code else None
            out.append(dataclasses.replace(row, code=name, parent_code=parent))  # type: ignore[arg-type]
    return out


__all__ = ["Hints", "decode", "normalise", "read_plan"]
