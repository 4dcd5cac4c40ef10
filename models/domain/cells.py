"""Text that goes into a spreadsheet someone will open: never a formula (CSV or formula injection).

A cell that starts with ``=``, ``+``, ``-`` or ``@`` — or a tab or carriage return before one — is read
as a formula by Excel, LibreOffice and Google Sheets when a CSV file is opened; ``+cmd|' /C calc'!A0``
in a document number would then run. The usual defence (OWASP "CSV Injection") is to start such a cell
with an apostrophe: spreadsheets show the text and evaluate nothing. Every CSV writer of dondoc passes
its cells through :func:`csv_cell`; the CSV reader of contact files takes the apostrophe off again
(:func:`uncsv_cell`), so a file dondoc wrote reads back unchanged.

In a workbook (openpyxl) a string starting with ``=`` becomes a formula unless its cell is typed as
text: :func:`keep_text` types such cells as strings after a row is appended. Other leading characters
are harmless there (a string cell is never evaluated), so they are left as written.

Pure: no I/O; openpyxl cells are only touched through their ``value`` and ``data_type``.
"""

from collections.abc import Iterable
from typing import Any

# The characters that make a spreadsheet read a cell as a formula (or, tab and line breaks, hide one).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def csv_cell(value: Any) -> Any:
    """``value`` as a CSV cell that no spreadsheet evaluates: risky text gets a leading apostrophe; line
    breaks are written as LF (Python's csv module does not quote a bare CR with a LF line end, and the
    CR would end the row). Numbers, dates and other text are returned unchanged."""
    if not isinstance(value, str):
        return value
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "'" + value if value.startswith(FORMULA_START) else value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_cell(v) for v in values]


def uncsv_cell(value: str) -> str:
    """The text :func:`csv_cell` was given (an apostrophe before a risky character is taken off)."""
    if value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


def keep_text(cells: Iterable[Any]) -> None:
    """Type as text every openpyxl cell whose string value openpyxl took for a formula (``=…``)."""
    for cell in cells:
        if getattr(cell, "data_type", None) == "f" and isinstance(cell.value, str):
            cell.data_type = "s"
