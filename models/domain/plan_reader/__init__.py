"""The plan reader: a plan file (Word, Excel, PDF, web page, markdown or text) → :class:`ParsedPlan`.

Pure Python: no database, no network. Two layers:

* ``formats`` turn a file's bytes into one table model (``document``: paragraphs and tables, rows ×
  cells, spans resolved and marked, each row with its source reference); the format is sniffed from the
  content. ``layout`` is the one interpreter from that model to the column-role reader: it settles
  headers, headings (I/A/1./III.1, bold or italic, one cell over the row), continuation rows, "- …"
  sub-items and repeated headers on the structured rows, then serialises each logical row as one line of
  the row-a-line pipe layout, keeping a map from each line to its source row (so errors say "table 2
  row 5" / "page 3 table 1 row 4"), and accounts for every source row (``RowReport``).
* The column-role reader (``reader``, ``tables``, ``columns``, ``cells``, ``heading``) reads text: one
  table cell a line ending in `` |`` (a line without the pipe continues the cell; ``|`` alone is an empty
  cell, ``|||`` several), or a row a line (``1 | Xây dựng … | Sở A | … |``), or Markdown pipes. Tables
  are found by their header cells and each column gets a role from its header text (``columns``), so
  other provinces' column sets, orders and numbering work without code changes.

Why serialise rather than a second row reader: the text reader's checks (alignment, shuffled headers,
numbering order, sections, warnings) are written and tested once; the structured side only adds what
text cannot say (spans, styles, cell boundaries). ``files.read_plan_file`` ties the two together.
"""

from models.domain.plan_reader.columns import ROLE_RULES, generic_role
from models.domain.plan_reader.files import ROLE_HEADERS, parse_columns, preview_plan, read_plan_file
from models.domain.plan_reader.model import (
    IgnoredRow,
    ParsedIndicator,
    ParsedPlan,
    ParsedTask,
    PlanFormatError,
    RowReport,
)
from models.domain.plan_reader.reader import Hints, read_plan

__all__ = [
    "ROLE_HEADERS",
    "ROLE_RULES",
    "Hints",
    "IgnoredRow",
    "ParsedIndicator",
    "ParsedPlan",
    "ParsedTask",
    "PlanFormatError",
    "RowReport",
    "generic_role",
    "parse_columns",
    "preview_plan",
    "read_plan",
    "read_plan_file",
]
