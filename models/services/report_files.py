"""The files that carry a report (``models.domain.report_states.Report``): the workbook officers file
(xlsx: "Phụ lục II", "Phụ lục I", "Tổng hợp", then a sheet per agency), and the same rows as JSON or CSV.

``dondoc report`` writes them to a file; the officers' pages send :func:`report_bytes`. The JSON field
names are those of ``Row`` and ``AgencyRow`` (a public interface: scripts read them).
"""

import csv
import io
import json
import re
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

from models.domain.cells import csv_cell, keep_text
from models.domain.charts import Chart, completion_by_section
from models.domain.report_states import PRIORITY, STATE_TEXT, Report, State

FORMATS = ("xlsx", "json", "csv")
Columns = list[tuple[str, str, int]]  # (header, field of Row/AgencyRow, column width)

TASK_COLUMNS: Columns = [
    ("TT", "number", 6),
    ("Nhiệm vụ", "title", 60),
    ("Cơ quan chủ trì", "lead", 28),
    ("Cơ quan phối hợp", "coordinating", 28),
    ("Kết quả / sản phẩm", "output", 30),
    ("Thời gian hoàn thành", "deadline", 18),
    ("Tình trạng", "state_text", 24),
    ("Kỳ báo cáo", "period", 16),
    ("Hạn (theo Kế hoạch)", "due_nominal", 13),
    ("Hạn (ngày làm việc)", "due_effective", 13),
    ("Hạn gia hạn", "due_extended", 13),
    ("Báo cáo gần nhất", "last_answer", 24),
    ("Ngày báo cáo", "last_answer_on", 13),
    ("Số hiệu văn bản", "document_number", 24),
    ("Số ngày quá hạn", "days_overdue", 10),
    ("Cơ quan chủ trì hiện nay", "agencies_now", 30),
]
INDICATOR_COLUMNS: Columns = [
    ("Mã", "number", 6),
    ("Chỉ tiêu", "title", 60),
    ("Cơ quan theo dõi", "lead", 28),
    ("Mục tiêu", "output", 20),
    ("Mốc", "deadline", 10),
    ("Giá trị mới nhất", "value", 12),
    ("Kỳ số liệu", "value_period", 18),
    ("Đánh giá so với mục tiêu", "target_status_text", 18),
    *TASK_COLUMNS[6:],
]
AGENCY_COLUMNS: Columns = [
    ("Nội dung", "subject", 14),
    ("Tên nhiệm vụ / chỉ tiêu", "title", 60),
    ("Vai trò", "role", 10),
    ("Kỳ báo cáo", "period", 16),
    ("Hạn (theo Kế hoạch)", "due_nominal", 13),
    ("Hạn (ngày làm việc)", "due_effective", 13),
    ("Hạn gia hạn", "due_extended", 13),
    ("Tình trạng", "state_text", 24),
    ("Báo cáo gần nhất", "last_answer", 24),
    ("Ngày báo cáo", "last_answer_on", 13),
    ("Số hiệu văn bản", "document_number", 24),
    ("Số ngày quá hạn", "days_overdue", 10),
]
DATE_FIELDS = {"due_nominal", "due_effective", "due_extended", "last_answer_on"}
# Sheets the workbook always names itself; an agency's sheet never takes one of these names.
FIXED_SHEETS = ("Phụ lục II", "Phụ lục I", "Tổng hợp")
CONTENTS_SHEET = "Mục lục"


def write_json(report: Report, out: IO[str]) -> None:
    json.dump(report.as_json(), out, ensure_ascii=False, indent=2)


def write_csv(report: Report, out: IO[str]) -> None:
    """The task rows (Phụ lục II) then the indicator rows, one header; UTF-8 (Excel: add a BOM yourself).
    No cell starts a formula (``models.domain.cells``): text comes from agencies' answers."""
    fields = ["kind", *[name for _, name, _ in TASK_COLUMNS], "section", "section_title", "state"]
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
    writer.writerow(
        {"kind": "loại", **{name: label for label, name, _ in TASK_COLUMNS}}
        | {"section": "mục", "section_title": "tên mục", "state": "mã tình trạng"}
    )
    for row in [*report.tasks, *report.indicators]:
        writer.writerow({name: csv_cell(value) for name, value in asdict(row).items()})


def csv_text(report: Report) -> str:
    buf = io.StringIO()
    write_csv(report, buf)
    return buf.getvalue()


def report_bytes(report: Report, fmt: str) -> bytes:
    """The report as a download in ``fmt`` (one of :data:`FORMATS`); the CSV starts with a BOM, so that
    Excel reads it as UTF-8."""
    if fmt == "xlsx":
        buf = io.BytesIO()
        write_xlsx(report, buf)
        return buf.getvalue()
    if fmt == "json":
        text = io.StringIO()
        write_json(report, text)
        return text.getvalue().encode("utf-8")
    if fmt == "csv":
        return ("\ufeff" + csv_text(report)).encode("utf-8")
    raise ValueError(f"unknown report format {fmt!r} (xlsx, json, csv)")


# --------------------------------------------------------------------------------------------------
# The workbook
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Look:
    """The workbook's few styles (openpyxl objects)."""

    bold: Any
    wrap: Any
    head_fill: Any
    section_fill: Any
    state_fills: dict[str, Any]

    @classmethod
    def make(cls) -> "_Look":
        from openpyxl.styles import Alignment, Font, PatternFill

        def fill(color: str) -> Any:
            return PatternFill("solid", fgColor=color)

        return cls(
            bold=Font(bold=True),
            wrap=Alignment(wrap_text=True, vertical="top"),
            head_fill=fill("DDE7F0"),
            section_fill=fill("F2F2F2"),
            state_fills={
                State.overdue.value: fill("F8D7DA"),
                State.done_on_time.value: fill("D4EDDA"),
                State.done_late.value: fill("FFF3CD"),
                State.extension_requested.value: fill("E2E3F3"),
                State.awaiting_review.value: fill("E2E3F3"),
            },
        )


def write_xlsx(report: Report, target: str | Path | IO[bytes]) -> None:
    """The workbook: "Phụ lục II" (tasks, by section), "Phụ lục I" (indicators), "Tổng hợp" (counts), then
    one sheet per agency."""
    from openpyxl import Workbook

    wb = Workbook()
    look = _Look.make()
    ws = wb.active
    ws.title = FIXED_SHEETS[0]
    _head(ws, look, report, "PHỤ LỤC II — NHIỆM VỤ VÀ TÌNH HÌNH THỰC HIỆN", TASK_COLUMNS)
    section = None
    for row in report.tasks:
        if row.section != section:
            section = row.section
            ws.append([row.section, row.section_title])
            keep_text(ws[ws.max_row])
            for cell in ws[ws.max_row]:
                cell.font, cell.fill = look.bold, look.section_fill
        _put(ws, look, row, TASK_COLUMNS)
    if report.indicators:
        ws = wb.create_sheet(FIXED_SHEETS[1])
        _head(ws, look, report, "PHỤ LỤC I — CHỈ TIÊU VÀ TÌNH HÌNH BÁO CÁO", INDICATOR_COLUMNS)
        for row in report.indicators:
            _put(ws, look, row, INDICATOR_COLUMNS)
    _summary(wb.create_sheet(FIXED_SHEETS[2]), look, report)
    used: set[str] = {*FIXED_SHEETS, CONTENTS_SHEET}
    sheets = [
        (FIXED_SHEETS[0], "Phụ lục II — nhiệm vụ và tình hình thực hiện, theo mục của Kế hoạch"),
        *([(FIXED_SHEETS[1], "Phụ lục I — chỉ tiêu và tình hình báo cáo")] if report.indicators else []),
        (FIXED_SHEETS[2], "Tổng hợp — số nhiệm vụ, chỉ tiêu theo tình trạng (có biểu đồ)"),
    ]
    for agency, rows in report.agencies.items():
        ws = wb.create_sheet(sheet_name(agency, used))
        sheets.append((ws.title, agency))
        _head(ws, look, report, agency, AGENCY_COLUMNS)
        for arow in rows:
            _put(ws, look, arow, AGENCY_COLUMNS)
    for ws in wb.worksheets:
        if ws.title != FIXED_SHEETS[2]:
            _finish_sheet(ws, 3)
    _contents(wb.create_sheet(CONTENTS_SHEET), look, sheets)  # last: the sheets keep their places
    wb.save(target)  # type: ignore[arg-type]


def _head(ws: Any, look: _Look, report: Report, title: str, columns: Columns) -> None:
    """A sheet's title, the plan and day it reports on, and its column headers (frozen with two columns)."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws.append([title])
    keep_text(ws[ws.max_row])  # an agency's name as the directory file writes it
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([f"Kế hoạch {report.plan} — tình hình đến ngày {date.fromisoformat(report.today):%d/%m/%Y}"])
    ws.append([label for label, _, _ in columns])
    for index, (_, _, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
        cell = ws.cell(row=3, column=index)
        cell.font, cell.fill, cell.alignment = look.bold, look.head_fill, look.wrap
    ws.freeze_panes = "C4"


def _put(ws: Any, look: _Look, obj: Any, columns: Columns) -> None:
    """One row (dates as dates, empty text as empty cells, "=…" as text, never a formula), its state cell
    coloured."""
    values = []
    for _, name, _ in columns:
        value = getattr(obj, name)
        if name in DATE_FIELDS and value:
            value = date.fromisoformat(value)
        values.append(value if value != "" else None)
    ws.append(values)
    r = ws.max_row
    keep_text(ws[r])
    for index, (_, name, _) in enumerate(columns, start=1):
        cell = ws.cell(row=r, column=index)
        cell.alignment = look.wrap
        if name in DATE_FIELDS:
            cell.number_format = "DD/MM/YYYY"
    state_col = next(i for i, (_, n, _) in enumerate(columns, start=1) if n == "state_text")
    fill = look.state_fills.get(obj.state)
    if fill:
        ws.cell(row=r, column=state_col).fill = fill


def _summary(ws: Any, look: _Look, report: Report) -> None:
    """ "Tổng hợp": tasks and indicators in each state."""
    ws.append(["Tình trạng", "Nhiệm vụ", "Chỉ tiêu"])
    for cell in ws[1]:
        cell.font, cell.fill = look.bold, look.head_fill
    task_counts, ind_counts = report.counts(report.tasks), report.counts(report.indicators)
    for state in PRIORITY:
        ws.append([STATE_TEXT[state], task_counts[state.value], ind_counts[state.value]])
    ws.column_dimensions["A"].width = 32
    _finish_sheet(ws, 1)
    _summary_chart(ws, len(PRIORITY))
    # A report built without its cycles (a test, a script) still has the tasks by section.
    _chart_blocks(ws, look, report.charts or [completion_by_section([report])])


# Words an office abbreviates itself, so that a sheet name keeps what tells agencies apart.
_SHORT_FORMS = (
    ("Ủy ban nhân dân", "UBND"),
    ("Uỷ ban nhân dân", "UBND"),
    ("Ngân hàng Nhà nước", "NHNN"),
    ("Mặt trận Tổ quốc Việt Nam", "MTTQ Việt Nam"),
)
# "… tỉnh Thái Nguyên" at the end of a long name: the workbook is one province's, the contents sheet and
# each sheet's title row keep the full name.
_PROVINCE_TAIL = re.compile(r"\s+tỉnh\s+[^,;()]+$")
SHEET_MAX = 31  # Excel's limit


def sheet_name(name: str, used: set[str]) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique (``used`` is updated). A long
    name is shortened the way an office would ("Ủy ban nhân dân" → "UBND") and then cut at a word, never
    inside one; the "Mục lục" sheet gives the full name of each."""
    text = "".join(ch for ch in name if ch not in "[]:*?/\\").strip()
    for long, short in _SHORT_FORMS:
        if len(text) > SHEET_MAX:
            text = text.replace(long, short)
    if len(text) > SHEET_MAX:
        text = _PROVINCE_TAIL.sub("", text) or text
    base = _cut_at_word(text, SHEET_MAX) or "Cơ quan"
    candidate, n = base, 2
    while candidate in used:
        suffix = f" ({n})"
        candidate, n = _cut_at_word(base, SHEET_MAX - len(suffix)) + suffix, n + 1
    used.add(candidate)
    return candidate


def _cut_at_word(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0] if " " in text[: limit + 1] else text[:limit]
    return cut.rstrip(" ,;-–—(").strip() or text[:limit]


# --------------------------------------------------------------------------------------------------
# Printing and finding: what the UBND's office does with the workbook
# --------------------------------------------------------------------------------------------------


def _finish_sheet(ws: Any, header_row: int) -> None:
    """Autofilter over the sheet's table, its header row repeated on every printed page, landscape A4
    fitted to the page width (as many pages tall as it needs)."""
    from openpyxl.utils import get_column_letter

    last = f"{get_column_letter(ws.max_column)}{max(ws.max_row, header_row + 1)}"
    ws.auto_filter.ref = f"A{header_row}:{last}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = False


def _contents(ws: Any, look: _Look, sheets: list[tuple[str, str]]) -> None:
    """ "Mục lục": every sheet with what it holds (an agency sheet: the agency's full name), each a link."""
    ws.append(["Trang tính", "Nội dung"])
    for cell in ws[1]:
        cell.font, cell.fill = look.bold, look.head_fill
    for title, what in sheets:
        ws.append([title, what])
        keep_text(ws[ws.max_row])
        link = ws.cell(row=ws.max_row, column=1)
        link.hyperlink = f"#'{title}'!A1"
        link.style = "Hyperlink"
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 80
    _finish_sheet(ws, 1)


def _summary_chart(ws: Any, rows: int) -> None:
    """A bar chart of the "Tổng hợp" counts (tasks and indicators by state), beside the table."""
    from openpyxl.chart import BarChart, Reference

    chart = BarChart()
    chart.type = "bar"
    chart.title = "Tình hình thực hiện theo trạng thái"
    chart.y_axis.title = "Số lượng"
    data = Reference(ws, min_col=2, max_col=3, min_row=1, max_row=rows + 1)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=rows + 1))
    chart.height, chart.width = 9, 18
    ws.add_chart(chart, "E2")


CM_PER_ROW = 0.53  # a default row (15 pt) in centimetres: how many rows a chart covers
FIRST_BLOCK_ROW = 21  # below the state chart (E2, 9 cm)
CATEGORY_HEADERS = {"by-section": "Mục của Kế hoạch", "by-agency": "Cơ quan", "ageing": "Số ngày quá hạn"}


def _chart_blocks(ws: Any, look: _Look, charts: list[Chart]) -> None:
    """Below the counts of "Tổng hợp": each chart's table (sections in the plan's order, agencies by name,
    ageing by days; a filter on each, as an Excel table) with its stacked bar chart beside it — the same
    numbers as the officers' page (``models.domain.charts``)."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import Table, TableStyleInfo

    row = max(ws.max_row + 3, FIRST_BLOCK_ROW)
    for number, chart in enumerate(charts, 1):
        ws.cell(row=row, column=1, value=f"{chart.title} (số {chart.unit})").font = look.bold
        head = row + 1
        if chart.empty:
            ws.cell(row=head, column=1, value="Chưa có số liệu.")
            row = head + 3
            continue
        names = [s.label for s in chart.series]
        with_total = len(names) > 1
        for col, text in enumerate([CATEGORY_HEADERS.get(chart.name, "Nội dung"), *names, *(["Tổng"] * with_total)], 1):
            cell = ws.cell(row=head, column=col, value=text)
            cell.font, cell.fill, cell.alignment = look.bold, look.head_fill, look.wrap
        totals = chart.totals()
        for i, category in enumerate(chart.categories):
            values = [int(s.values[i] or 0) for s in chart.series]
            cells = [category, *values, *([int(totals[i])] * with_total)]
            for col, value in enumerate(cells, 1):
                ws.cell(row=head + 1 + i, column=col, value=value)
            keep_text([ws.cell(row=head + 1 + i, column=1)])
        last_row = head + len(chart.categories)
        last_col = 1 + len(names) + with_total
        table = Table(displayName=f"BieuDo{number}", ref=f"A{head}:{get_column_letter(last_col)}{last_row}")
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
        ws.add_table(table)
        height = max(7.5, 0.6 * len(chart.categories) + 3.5)
        ws.add_chart(_stacked_chart(ws, chart, head, last_row, height), f"H{row}")
        row = max(last_row + 3, row + int(height / CM_PER_ROW) + 2)


def _stacked_chart(ws: Any, chart: Chart, head: int, last_row: int, height: float) -> Any:
    """An openpyxl bar chart of the table at rows ``head``..``last_row`` (series in columns B…), stacked,
    categories listed top-down as in the table, each state in its page colour."""
    from openpyxl.chart import BarChart, Reference

    bars = BarChart()
    bars.type = "bar" if chart.horizontal else "col"
    bars.grouping = "percentStacked" if chart.share else "stacked" if len(chart.series) > 1 else "clustered"
    if len(chart.series) > 1:
        bars.overlap = 100
    bars.title = chart.title
    bars.y_axis.title = "Tỷ lệ" if chart.share else f"Số {chart.unit}"
    data = Reference(ws, min_col=2, max_col=1 + len(chart.series), min_row=head, max_row=last_row)
    bars.add_data(data, titles_from_data=True)
    bars.set_categories(Reference(ws, min_col=1, min_row=head + 1, max_row=last_row))
    for series, spec in zip(bars.series, chart.series, strict=True):
        series.graphicalProperties.solidFill = spec.color.lstrip("#").upper()
        series.graphicalProperties.line.solidFill = spec.color.lstrip("#").upper()
    if chart.horizontal:
        bars.x_axis.scaling.orientation = "maxMin"  # the first category on top, as in the table
    bars.x_axis.delete = bars.y_axis.delete = False  # recent Excel hides axes openpyxl leaves unset
    bars.height, bars.width = height, 18
    return bars
