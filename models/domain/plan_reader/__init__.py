"""The plan reader: a plan's text (copied from a legal-document website) → :class:`ParsedPlan`.

Pure Python: no database, no network. Layout accepted: one table cell a line ending in `` |`` (a line
without the pipe continues the cell; ``|`` alone is an empty cell, ``|||`` several), or a row a line
(``1 | Xây dựng … | Sở A | … |``), or Markdown pipes. Tables are found by their header cells and each
column gets a role from its header text (:mod:`models.domain.plan_reader.columns`), so other provinces'
column sets, orders and numbering work without code changes.

Modules: ``model`` (results and the error), ``cells`` (tokenising, numbers, section markers),
``columns`` (header → column roles), ``tables`` (rows), ``heading`` (number, date, title; repeated
blocks), ``reader`` (entry points).
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
