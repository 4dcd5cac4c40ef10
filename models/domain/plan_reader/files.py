"""``read_plan_file``: any plan file → :class:`ParsedPlan`, with every source row accounted for.

The format is sniffed from the content (:mod:`~models.domain.plan_reader.formats`); a structured
source becomes the table model, is serialised for the one column-role reader (:mod:`.layout`), and the
reader's line numbers are turned back into the source's own references ("table 2 row 5", "page 3
table 1 row 4", "line 120") in errors, warnings and rows. Text in today's cell-a-line layout goes to
the text reader as before. ``preview_plan`` shows the tables, their column roles and first rows.
"""

import dataclasses
import os
import re
from datetime import date
from pathlib import Path
from typing import Any

from models.domain.plan_reader.cells import key
from models.domain.plan_reader.columns import ROLE_NAMES, detect_header
from models.domain.plan_reader.document import Document, Row, Table
from models.domain.plan_reader.formats import read_document
from models.domain.plan_reader.layout import SUB_ITEMS, Serialised, serialise
from models.domain.plan_reader.model import IgnoredRow, ParsedPlan, PlanFormatError, RowReport
from models.domain.plan_reader.reader import Hints, decode, normalise, read_plan

# --columns roles → a header text that the column rules give that role
ROLE_HEADERS = {
    "number": "TT",
    "title": "Nội dung nhiệm vụ",
    "lead": "Cơ quan chủ trì",
    "coordinating": "Cơ quan phối hợp",
    "output": "Kết quả",
    "deadline": "Thời gian hoàn thành",
    "note": "Ghi chú",
    "unit": "Đơn vị tính",
    "target": "Mục tiêu",
    "monitor": "Cơ quan theo dõi",
}
_LINE = re.compile(r"\b(lines?) (\d+)((?:, \d+)*(?: and \d+)?)")


def parse_columns(spec: str) -> dict[int, str]:
    """``"3=lead,5=deadline"`` → {3: "lead", 5: "deadline"} (1-based source columns; role ``extra``
    keeps a column as a named extra field, ``ignore`` drops it)."""
    out: dict[int, str] = {}
    for part in filter(None, (p.strip() for p in re.split(r"[,;\n]", spec))):
        match = re.fullmatch(r"(\d{1,2})\s*[=:]\s*([a-z_]+)", part)
        if not match or (match.group(2) not in ROLE_HEADERS and match.group(2) not in ("extra", "ignore")):
            roles = ", ".join([*ROLE_HEADERS, "extra", "ignore"])
            raise PlanFormatError(
                f"--columns: expected 'N=role' with a role among {roles}, found {part!r}",
                expected="N=role",
                found=part,
            )
        out[int(match.group(1))] = match.group(2)
    return out


def _with_columns(document: Document, columns: dict[int, str]) -> Document:
    """The document with the header cells of the overridden columns renamed to their role's header."""
    blocks = []
    for block in document.blocks:
        if not isinstance(block, Table):
            blocks.append(block)
            continue
        rows = list(block.rows)
        for r, row in enumerate(rows[:15]):
            texts = [key(cell.text) for cell in row.cells]
            if sum(bool(t) for t in texts) < 2 or any(re.match(r"^\d+[.)]?$", t) for t in texts[:1]):
                continue
            cells = list(row.cells)
            for column, role in columns.items():
                if 0 < column <= len(cells):
                    name = ROLE_HEADERS.get(role, f"Cột {column}" if role == "extra" else "Bỏ qua")
                    cells[column - 1] = dataclasses.replace(cells[column - 1], text=name, copy_of=None)
            rows[r] = Row(tuple(cells), row.ref)
            break
        blocks.append(Table(tuple(rows), block.ref, block.page))
    return Document(tuple(blocks), document.source_kind, document.notes)


def _translate(text: str, refs: dict[int, str]) -> str:
    """ "line 57: …" → "table 2 row 5: …" wherever the serialised line has a source reference."""

    def one(number: str) -> str:
        return refs.get(int(number)) or f"line {number}"

    def sub(match: re.Match[str]) -> str:
        numbers = [match.group(2), *re.findall(r"\d+", match.group(3) or "")]
        return " and ".join(one(n) for n in numbers)

    return _LINE.sub(sub, text)


def _rows(serialised: Serialised, parsed: ParsedPlan) -> RowReport:
    task_lines = {task.line for task in parsed.tasks}
    indicator_lines = {ind.line for ind in parsed.indicators}
    counts = {"task": 0, "indicator": 0, "merged": 0, "heading": 0, "header": 0}
    ignored: list[IgnoredRow] = []
    unaccounted = 0
    for index, fate in enumerate(serialised.fates):
        where = _line_of(fate.ref)
        kind = fate.fate
        if kind == "task":
            line = serialised.row_lines.get(index)
            kind = "task" if line in task_lines else "indicator" if line in indicator_lines else "lost"
            if kind == "lost":
                ignored.append(IgnoredRow(where, fate.text, "in a table the reader did not read (see warnings)"))
                continue
        if kind == "ignored":
            ignored.append(IgnoredRow(where, fate.text, fate.why))
        elif kind in counts:
            counts[kind] += 1
        else:
            unaccounted += 1
    return RowReport(
        counts["task"], counts["indicator"], counts["merged"], counts["heading"], counts["header"],
        tuple(ignored), unaccounted,
    )  # fmt: skip


def _line_of(ref: str) -> int | str:
    match = re.fullmatch(r"line (\d+)", ref)
    return int(match.group(1)) if match else ref


_ROW_START = re.compile(r"^\s*\|?\s*\d{1,3}(?:\.\d{1,3})*[.)]?\s*\|")


def _text_rows(parsed: ParsedPlan, text: str) -> tuple[RowReport, tuple[str, ...]]:
    """The accounting of a plan read by the text reader: tasks and indicators, section headings, the text
    it ignored (each said in a warning with its line), and — never silently — what looks like a numbered
    row after the last row it read (a table that ended early); the warnings to add."""
    ignored = []
    for warning in parsed.warnings:
        match = re.match(r"line (\d+): (.*ignored.*)", warning)
        if match:
            ignored.append(IgnoredRow(int(match.group(1)), match.group(2), "ignored by the text reader"))
    last = max([t.line for t in parsed.tasks] + [i.line for i in parsed.indicators], default=0)
    added = []
    for number, line in enumerate(normalise(text).split("\n")[last:], start=last + 1):
        if _ROW_START.match(line):
            ignored.append(IgnoredRow(number, line.strip(), "a numbered row after the end of the table: not read"))
            added.append(
                f"line {number}: a numbered row after the end of the table was not read: {line.strip()[:60]!r}"
            )
    sections = {(t.part, t.section) for t in parsed.tasks} | {(i.group, "") for i in parsed.indicators}
    subheadings = sum("sub-heading row read" in w for w in parsed.warnings)
    headings = len(sections - {("", "")}) + subheadings
    return RowReport(len(parsed.tasks), len(parsed.indicators), 0, headings, 0, tuple(ignored)), tuple(added)


def read_plan_file(
    path: str | os.PathLike[str],
    *,
    number: str | None = None,
    issued: date | None = None,
    issuer: str | None = None,
    columns: dict[int, str] | None = None,
) -> ParsedPlan:
    """Read a plan file of any supported format (see the package docstring)."""
    data = Path(path).read_bytes()
    source = os.fspath(path)
    parsed, _ = _read_file(data, source, Hints(number=number, issued=issued, issuer=issuer), columns)
    return parsed


def _read_file(
    data: bytes, source: str, hints: Hints, columns: dict[int, str] | None
) -> tuple[ParsedPlan, Serialised | None]:
    if not data.strip():
        decode(data, source)  # the empty-file error
    text = None
    document = read_document(data, source) if not _looks_text(data) else None
    if document is None:
        text = decode(data, source)
        document = read_document(data, source, normalise(text))
    if document is None:
        assert text is not None
        if columns:
            raise PlanFormatError(
                "--columns applies to tables (.docx, .xlsx, .html, .pdf, markdown); this text plan is read"
                " by its header cells — correct the header line instead",
                expected="a structured plan file",
                source=source,
            )
        parsed = read_plan(text, source=source, hints=hints)
        rows, added = _text_rows(parsed, text)
        return dataclasses.replace(parsed, rows=rows, warnings=parsed.warnings + added), None
    if document.source_kind == "pdf" and not document.tables:
        raise PlanFormatError(
            "expected a task table, found no ruled table on any page of the PDF: a table drawn without lines"
            " cannot be read reliably — import the plan's .docx, or its web page (không tìm thấy bảng có kẻ ô)",
            expected="a ruled task table",
            source=source,
        )
    if columns:
        document = _with_columns(document, columns)
    serialised = serialise(document)
    hints = dataclasses.replace(hints, overrides=serialised.overrides, sub_items=serialised.sub_items)
    hints = dataclasses.replace(hints, sub_items_name=SUB_ITEMS)
    try:
        parsed = read_plan("\n".join(serialised.lines), source=source, hints=hints)
    except PlanFormatError as error:
        where = serialised.refs.get(error.line or 0) if error.line else None
        message = _translate(error.message, serialised.refs)
        raise PlanFormatError(
            f"{where}: {message}" if where else message,
            expected=error.expected,
            found=error.found,
            source=source,
        ) from None
    parsed = _structured(parsed, serialised, document)
    return parsed, serialised


def _looks_text(data: bytes) -> bool:
    head = data[:8]
    return not (head.startswith((b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0")) or b"%PDF-" in data[:1024])


def _structured(parsed: ParsedPlan, serialised: Serialised, document: Document) -> ParsedPlan:
    refs = serialised.refs
    tasks = tuple(
        dataclasses.replace(t, ref=refs.get(t.line, ""), line=_source_line(refs.get(t.line, ""), t.line))
        for t in parsed.tasks
    )
    indicators = tuple(
        dataclasses.replace(i, ref=refs.get(i.line, ""), line=_source_line(refs.get(i.line, ""), i.line))
        for i in parsed.indicators
    )
    warnings = tuple(_translate(w, refs) for w in parsed.warnings) + tuple(document.notes)
    rows = _rows(serialised, parsed)
    return dataclasses.replace(
        parsed,
        tasks=tasks,
        indicators=indicators,
        warnings=warnings,
        rows=rows,
        source_kind=document.source_kind,
    )


def _source_line(ref: str, fallback: int) -> int:
    line = _line_of(ref)
    return line if isinstance(line, int) else fallback


def preview_plan(
    path: str | os.PathLike[str], *, columns: dict[int, str] | None = None, rows: int = 5, **given: Any
) -> dict[str, Any]:
    """What ``plan import --preview`` shows: the tables found, the role of each column, the first parsed
    rows, the row accounting — or the error, with the tables found so far. Writes nothing."""
    data = Path(path).read_bytes()
    source = os.fspath(path)
    out: dict[str, Any] = {"source": source, "tables": [], "error": None}
    try:
        parsed, serialised = _read_file(data, source, Hints(**given), columns)
    except PlanFormatError as error:
        out["error"] = str(error)
        return out
    lines = serialised.lines if serialised else normalise(decode(data, source)).split("\n")
    refs = serialised.refs if serialised else {}
    for idx in range(len(lines)):
        header = detect_header(lines, idx, frozenset())
        if header is None:
            continue
        out["tables"].append(
            {
                "where": refs.get(header.line) or f"line {header.line}",
                "kind": header.kind,
                "columns": [
                    {
                        "column": _source_column(serialised, header.line, k),
                        "header": text,
                        "role": ROLE_NAMES.get(role or "", "extra field"),
                    }
                    for k, (text, role) in enumerate(zip(header.texts, header.roles, strict=True))
                ],
            }
        )
    out.update(
        format=parsed.source_kind,
        number=parsed.number,
        title=parsed.title,
        tasks=[_task_json(t) for t in parsed.tasks[:rows]],
        task_count=len(parsed.tasks),
        indicator_count=len(parsed.indicators),
        rows=parsed.rows.as_json() if parsed.rows else None,
        warnings=list(parsed.warnings),
    )
    return out


def _source_column(serialised: Serialised | None, line: int, k: int) -> int | None:
    """The 1-based source column (what ``--columns`` takes) of the k-th emitted column; None when the
    reader made the column up (a table without STT)."""
    if serialised is None or line not in serialised.columns:
        return k + 1
    order = serialised.columns[line]
    return order[k] + 1 if k < len(order) and order[k] >= 0 else None


def _task_json(task: Any) -> dict[str, Any]:
    return {
        "number": task.number,
        "section": task.section,
        "title": task.title,
        "lead": task.lead_raw,
        "coordinating": task.coordinating_raw,
        "deadline": task.deadline_raw,
        "extra": task.extra,
        "where": task.ref or f"line {task.line}",
    }


__all__ = ["ROLE_HEADERS", "parse_columns", "preview_plan", "read_plan_file"]
