"""Column roles from header text, and header detection.

Tables are recognised by their header cells, never by the appendix title above them (Phụ lục II of
25/KH-UBND is titled "DANH MỤC CÁC CHỈ TIÊU" but is the task table). Each header cell is matched,
without diacritics, against ``ROLE_RULES`` in order; the first rule that matches gives the cell's
generic role, and the table kind turns generic roles into concrete ones (an agency column is the
*lead* of a task but the *monitor* of an indicator; a result column is a task's *output* but an
indicator's *target*). Cells that match no rule keep their header text and land in ``extra``.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from models.domain.plan_reader.cells import Cell, is_row_marker, iter_cells, key

TASK = "task"
INDICATOR = "indicator"

# (generic role, pattern on the diacritics-free folded header). Order matters: first match wins.
ROLE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (role, re.compile(pattern))
    for role, pattern in (
        ("number", r"^(s?tt|so tt|so thu tu|thu tu|ma|ma so|ma chi tieu|no)$"),
        ("coordinating", r"\bphoi hop\b"),
        ("unit_or_agency", r"^don vi$"),
        ("monitor", r"\btheo doi\b|\bgiam sat\b"),
        (
            "agency",
            r"\bchu tri\b|\bphu trach\b|^(co quan|don vi)( \w+)? (thuc hien|tham muu|trien khai|duoc giao)\b"
            r"|^(co quan|don vi) (thuc hien|giao)|^co quan$",
        ),
        ("start", r"\bbat dau\b|\bkhoi cong\b|^tu ngay\b|\bngay bat dau\b"),  # a start date: kept as extra
        ("group", r"^thuoc nhom\b|^nhom nhiem vu\b|^linh vuc\b"),  # "Thuộc nhóm nhiệm vụ" is not the task
        ("deadline", r"\bthoi (gian|han|diem)\b|\btien do\b|\bhan hoan thanh\b|\blo trinh\b|\bmoc\b"),
        ("unit", r"\bdon vi tinh\b|^dvt\b|\bdon vi do\b"),
        ("note", r"\bghi chu\b"),
        ("result", r"\bket qua\b|\bsan pham\b|\bmuc tieu\b|\bgia tri\b|\bhinh thuc\b|\bnam \d{4}\b"),
        (
            "title",
            r"\bnhiem vu\b|\bnoi dung\b|\bchi tieu\b|\bcong viec\b|\bten\b|\bde an\b|\bhoat dong\b"
            r"|\bgiai phap\b|\bdu an\b",
        ),
    )
)

# generic role → concrete role, per table kind; a role missing here goes to ``extra``.
KIND_ROLES = {
    TASK: {
        "number": "number",
        "title": "title",
        "agency": "lead",
        "unit_or_agency": "lead",
        "coordinating": "coordinating",
        "result": "output",
        "deadline": "deadline",
        "note": "note",
    },
    INDICATOR: {
        "number": "number",
        "title": "title",
        "agency": "monitor",
        "monitor": "monitor",
        "unit": "unit",
        "unit_or_agency": "unit",
        "result": "target",
        "note": "note",
    },
}

REQUIRED = {
    TASK: (
        ("number", "a number column (TT)"),
        ("title", "a task column (Tên nhiệm vụ / Nội dung)"),
        ("lead", "a lead-agency column (Cơ quan chủ trì)"),
    ),
    INDICATOR: (
        ("number", "a number column (TT)"),
        ("title", "an indicator column (Chỉ tiêu)"),
        ("target", "a target column (Kết quả / Mục tiêu)"),
    ),
}

ROLE_NAMES = {
    "number": "number",
    "title": "title",
    "lead": "lead agency",
    "coordinating": "coordinating agencies",
    "output": "output",
    "deadline": "deadline",
    "note": "note",
    "unit": "unit",
    "target": "target",
    "monitor": "monitoring agency",
}


def generic_role(header: str) -> str | None:
    folded = key(header)
    for role, pattern in ROLE_RULES:
        if pattern.search(folded):
            return role
    return None


@dataclass(frozen=True)
class Header:
    line: int  # 1-based line of the first header cell
    end_line: int
    cells: tuple[Cell, ...]
    kind: str
    roles: tuple[str | None, ...]  # concrete role per column; None = no known role (goes to extra)
    markdown: bool
    duplicates: tuple[int, ...]  # columns whose role an earlier column already had

    @property
    def ncols(self) -> int:
        return len(self.cells)

    @property
    def texts(self) -> tuple[str, ...]:
        return tuple(cell.text for cell in self.cells)

    def index(self, role: str) -> int | None:
        return self.roles.index(role) if role in self.roles else None

    def missing(self) -> list[str]:
        return [what for role, what in REQUIRED[self.kind] if role not in self.roles]

    @property
    def strong(self) -> bool:
        """Clearly a plan table (two or more of its kind's typical columns): when such a header lacks
        a required column, the table is broken, not some other table of the document."""
        typical = {
            TASK: {"lead", "coordinating", "output", "deadline"},
            INDICATOR: {"unit", "target", "monitor"},
        }
        return len(typical[self.kind] & set(self.roles)) >= 2

    def describe(self) -> str:
        return " | ".join(self.texts)


_MAX_HEADER_WORDS = 12
_MAX_COLUMNS = 16


def detect_header(lines: Sequence[str], idx: int, skip: frozenset[int]) -> Header | None:
    """The table header starting at line index ``idx``, or None.

    A header is a run of short cells (each ending within three lines) with at least three known roles
    (a number column is required later, to read the rows); it ends at the first cell that opens a row
    (a number or section marker), is empty, or is too long to be a header.
    """
    first = lines[idx].strip()
    if not first or len(first) > 160:
        return None
    head = first.split("|", 1)[0].strip() if not first.startswith("|") else first.strip("|").split("|", 1)[0]
    if "|" not in first:  # the header starts on a line with a pipe (else it would swallow a title)
        return None
    if not head or generic_role(head) is None:
        return None
    markdown = first.startswith("|") and first.count("|") >= 3
    stream: list[Cell] = []
    for cell in iter_cells(lines, idx, skip, markdown):
        stream.append(cell)
        if len(stream) > 2 * _MAX_COLUMNS + 2:
            break
    if not stream or stream[0].line != idx + 1:
        return None
    count = 0
    for cell in stream[:_MAX_COLUMNS]:
        if (
            not cell.closed
            or not cell.text
            or cell.end_line - cell.line > 2
            or is_row_marker(cell.text)
            or len(cell.text.split()) > _MAX_HEADER_WORDS
        ):
            break
        count += 1
    generic = [generic_role(cell.text) for cell in stream[:count]]
    known = [i for i, role in enumerate(generic) if role is not None]
    if len(known) < 3:
        return None
    # Trailing cells of no known role may be extra columns ("Kinh phí") or, when the number column is
    # not the first, the first data row: keep the longest header after which the number column of the
    # first row holds a row marker.
    numidx = generic.index("number") if "number" in generic else 0
    for size in range(count, known[-1], -1):
        probe = size + numidx
        if probe < len(stream) and is_row_marker(stream[probe].text):
            count = size
            break
    generic = generic[:count]
    cells = tuple(stream[:count])
    title_key = key(cells[generic.index("title")].text) if "title" in generic else ""
    if "coordinating" in generic or "deadline" in generic:
        kind = TASK
    elif "unit" in generic or "monitor" in generic or re.search(r"\bchi tieu\b", title_key):
        kind = INDICATOR
    else:
        kind = TASK
    mapping = KIND_ROLES[kind]
    roles: list[str | None] = []
    duplicates: list[int] = []
    for i, role in enumerate(generic):
        concrete = mapping.get(role) if role else None
        if concrete is not None and concrete in roles:
            duplicates.append(i)
            concrete = None
        roles.append(concrete)
    return Header(
        line=idx + 1,
        end_line=cells[-1].end_line,
        cells=cells,
        kind=kind,
        roles=tuple(roles),
        markdown=markdown,
        duplicates=tuple(duplicates),
    )
