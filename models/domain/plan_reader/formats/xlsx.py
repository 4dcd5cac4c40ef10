"""Excel ``.xlsx`` → :class:`Document`: each sheet one table (its rows above the header are read as the
plan's heading by the interpreter), merged ranges resolved (every covered cell gets the range's text,
marked a copy). Dates are written dd/mm/yyyy, whole numbers without ".0"; hidden sheets are skipped."""

import io
from datetime import date, datetime
from typing import Any

from models.domain.plan_reader.document import Document, GridBuilder, RefOf, Table
from models.domain.plan_reader.model import PlanFormatError


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx(data: bytes, source: str) -> Document:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:
        raise PlanFormatError(
            f"expected an Excel workbook, found a damaged .xlsx ({exc}) (tệp Excel bị hỏng)",
            expected="an .xlsx file",
            source=source,
        ) from None
    tables: list[Table] = []
    notes: list[str] = []
    for sheet in book.worksheets:
        if sheet.sheet_state != "visible":
            notes.append(f"sheet {sheet.title!r} is hidden: skipped")
            continue
        spans: dict[tuple[int, int], tuple[int, int]] = {}
        covered: set[tuple[int, int]] = set()
        for merged in sheet.merged_cells.ranges:
            spans[(merged.min_row, merged.min_col)] = (
                merged.max_row - merged.min_row + 1,
                merged.max_col - merged.min_col + 1,
            )
            covered |= {
                (r, c)
                for r in range(merged.min_row, merged.max_row + 1)
                for c in range(merged.min_col, merged.max_col + 1)
            } - {(merged.min_row, merged.min_col)}
        grid = GridBuilder()
        for row in sheet.iter_rows():
            for cell in row:
                position = (cell.row, cell.column)
                if position in covered:
                    continue
                rowspan, colspan = spans.get(position, (1, 1))
                font = cell.font
                grid.add(
                    cell.row - 1,
                    _text(cell.value),
                    rowspan=rowspan,
                    colspan=colspan,
                    bold=bool(font and font.b),
                    italic=bool(font and font.i),
                    col=cell.column - 1,
                )
        ref = f"sheet {sheet.title!r}"
        tables.append(Table(grid.rows(RefOf(ref)), ref))
    return Document(tuple(tables), "xlsx", tuple(notes))


__all__ = ["read_xlsx"]
