"""What the plan reader returns, and the one error it raises."""

from dataclasses import dataclass, field
from datetime import date


class PlanFormatError(ValueError):
    """The text is not a plan, or its tables cannot be followed.

    ``str(error)`` reads ``"line 412: expected a task number in column TT, found 'abc'"``; ``line`` is
    None when no single line is to blame (an empty file, no task table at all).
    """

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        expected: str = "",
        found: str | None = None,
        source: str = "<input>",
    ) -> None:
        self.message = message
        self.line = line
        self.expected = expected
        self.found = found
        self.source = source
        super().__init__(f"line {line}: {message}" if line is not None else message)


@dataclass(frozen=True)
class ParsedTask:
    """One row of a task table.

    ``number`` is the number as written without its trailing dot ("1." → "1"); when the plan restarts
    its numbering in every section it is qualified by the section ("II.1") so that it stays unique —
    ``number_raw`` keeps the cell as written either way.
    """

    section: str
    section_title: str
    number: str
    title: str
    lead_raw: str
    coordinating_raw: str
    output_raw: str
    deadline_raw: str
    line: int
    extra: dict[str, str] = field(default_factory=dict, hash=False)
    note_raw: str = ""
    number_raw: str = ""
    parent_number: str | None = None
    part: str = ""
    part_title: str = ""
    ref: str = ""  # where the row is in a structured source ("table 2 row 5"); "" for text (see ``line``)


@dataclass(frozen=True)
class ParsedIndicator:
    """One row of an indicator table (a parent like "8" has empty unit/target/monitor cells)."""

    code: str
    parent_code: str | None
    group: str
    group_title: str
    horizon: int | None
    title: str
    unit_raw: str
    target_raw: str
    monitor_raw: str
    line: int
    extra: dict[str, str] = field(default_factory=dict, hash=False)
    note_raw: str = ""
    code_raw: str = ""
    ref: str = ""


@dataclass(frozen=True)
class ParsedPlan:
    """A whole plan: its heading, task rows, indicator rows and the soft oddities met on the way."""

    number: str
    title: str
    issued_on: date | None
    issuer: str | None
    signer: str | None
    kind: str | None
    tasks: tuple[ParsedTask, ...]
    indicators: tuple[ParsedIndicator, ...]
    warnings: tuple[str, ...]
    content_hash: str
    official_title: str | None = None
    metadata: dict[str, str] = field(default_factory=dict, hash=False)
    source: str = "<input>"
    rows: "RowReport | None" = None
    source_kind: str = "text"  # "text", "markdown", "docx", "xlsx", "html", "pdf"


@dataclass(frozen=True)
class IgnoredRow:
    line: int | str  # the source line when the source has lines, else where the row is ("table 2 row 5")
    text: str
    why: str


@dataclass(frozen=True)
class RowReport:
    """What became of every non-empty source row: a task or indicator, merged into the row above, a
    heading, a header, or ignored with its reason. ``unaccounted`` counts rows none of these (0 unless
    the reader lost one — the importer reports it, never hides it)."""

    tasks: int
    indicators: int
    merged: int
    headings: int
    headers: int
    ignored: tuple[IgnoredRow, ...]
    unaccounted: int = 0

    def as_json(self) -> dict[str, object]:
        return {
            "tasks": self.tasks,
            "indicators": self.indicators,
            "merged": self.merged,
            "headings": self.headings,
            "headers": self.headers,
            "ignored": [{"line": row.line, "text": row.text, "why": row.why} for row in self.ignored],
        }
