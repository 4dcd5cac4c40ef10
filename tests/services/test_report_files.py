"""The report's files (``models.services.report_files``) from a report built in memory: the workbook's
sheets, dates and colours, the JSON field names, the CSV download's BOM, Excel's sheet-name rules."""

import io
import json
from datetime import date

import pytest
from openpyxl import load_workbook

from models.domain.report_states import AgencyRow, Report, Row
from models.services.report_files import TASK_COLUMNS, csv_text, report_bytes, sheet_name


def report() -> Report:
    task = Row(
        "task", 1, "1", "I", "Mục I", "Ban hành kế hoạch", "Sở A", "Sở B", "Kế hoạch", "Tháng 7/2025",
        "overdue", "Chưa hoàn thành – quá hạn", period="Tháng 7/2025", due_nominal="2025-07-31",
        due_effective="2025-07-31", days_overdue=5,
    )  # fmt: skip
    agency = AgencyRow(
        "Sở A: Khoa học [và] Công nghệ tỉnh Thái Nguyên", "Nhiệm vụ 1", "Ban hành kế hoạch", "Chủ trì",
        "Tháng 7/2025", "2025-07-31", "2025-07-31", "", "overdue", "Chưa hoàn thành – quá hạn", "", "", "", 5, 7,
    )  # fmt: skip
    return Report("25/KH-UBND", "Kế hoạch", "2025-08-05", tasks=[task], agencies={agency.agency: [agency]})


def test_the_workbook() -> None:
    book = load_workbook(io.BytesIO(report_bytes(report(), "xlsx")))
    # No indicators: no "Phụ lục I"; the agency's sheet name loses the characters Excel refuses and its "tỉnh …" tail.
    assert book.sheetnames == ["Phụ lục II", "Tổng hợp", "Sở A Khoa học và Công nghệ", "Mục lục"]
    contents = dict(book["Mục lục"].iter_rows(min_row=2, values_only=True))
    assert contents["Sở A Khoa học và Công nghệ"] == report().agencies.popitem()[0]  # the full name
    sheet = book["Phụ lục II"]
    assert sheet["A1"].value == "PHỤ LỤC II — NHIỆM VỤ VÀ TÌNH HÌNH THỰC HIỆN" and sheet["A1"].font.b
    assert sheet["A2"].value == "Kế hoạch 25/KH-UBND — tình hình đến ngày 05/08/2025"
    assert [c.value for c in sheet[3]] == [label for label, _, _ in TASK_COLUMNS]
    assert [c.value for c in sheet[4]][:2] == ["I", "Mục I"]  # the section's line
    line = [c for c in sheet[5]]
    assert line[8].value.date() == date(2025, 7, 31) and line[8].number_format == "DD/MM/YYYY"
    assert line[10].value is None  # no extension: an empty cell, not ""
    assert line[6].fill.fgColor.rgb.endswith("F8D7DA")  # overdue: red
    summary = {r[0]: r[1:] for r in book["Tổng hợp"].iter_rows(min_row=2, max_row=9, max_col=3, values_only=True)}
    assert summary["Chưa hoàn thành – quá hạn"] == (1, 0)


def test_json_and_csv() -> None:
    data = json.loads(report_bytes(report(), "json"))
    assert set(data) == {"plan", "plan_title", "today", "counts", "tasks", "indicators", "agencies"}
    assert data["tasks"][0]["days_overdue"] == 5 and data["counts"]["overdue"] == 1
    body = report_bytes(report(), "csv")
    assert body.startswith("\ufeff".encode()) and body[3:].decode() == csv_text(report())
    assert csv_text(report()).splitlines()[0].startswith("loại,TT,Nhiệm vụ,")
    with pytest.raises(ValueError):
        report_bytes(report(), "pdf")


def test_sheet_names_are_unique_and_short() -> None:
    used = {"Tổng hợp"}
    long = "Ủy ban nhân dân các huyện, thành phố thuộc tỉnh"
    assert sheet_name("Tổng hợp", used) == "Tổng hợp (2)"
    first, second = sheet_name(long, used), sheet_name(long, used)
    assert first == "UBND các huyện, thành phố thuộc" and second == "UBND các huyện, thành phố (2)"
    assert all(len(n) <= 31 for n in (first, second))
    bank = sheet_name("Ngân hàng Nhà nước Việt Nam - Chi nhánh khu vực 5", used)
    assert bank == "NHNN Việt Nam - Chi nhánh khu" and len(bank) <= 31  # cut at a word, never mid-word
    assert sheet_name("[]:*?/\\", used) == "Cơ quan"


def test_workbook_prints_filters_and_has_contents_and_a_chart() -> None:
    book = load_workbook(io.BytesIO(report_bytes(risky_report(), "xlsx")))
    assert book.sheetnames[-1] == "Mục lục" and book.active.title == "Phụ lục II"
    contents = {r[0]: r[1] for r in book["Mục lục"].iter_rows(min_row=2, values_only=True)}
    assert set(contents) == set(book.sheetnames) - {"Mục lục"}
    for sheet in book.worksheets:
        assert sheet.auto_filter.ref, sheet.title
        assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.paperSize) == 9, sheet.title
        assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
    assert book["Phụ lục II"].print_title_rows == "$3:$3"
    assert book["Phụ lục II"].auto_filter.ref.startswith("A3:")
    assert len(book["Tổng hợp"]._charts) == 2  # the states, and the tasks by section


RISKY = ["=1+2", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def risky_report() -> Report:
    rows = [
        Row("task", i, str(i), "I", "Mục I", title, "Sở A", "", "", "", "overdue", "Chưa hoàn thành – quá hạn",
            document_number=title)
        for i, title in enumerate(RISKY, 1)
    ]  # fmt: skip
    return Report("25/KH-UBND", "Kế hoạch", "2025-08-05", tasks=rows)


def test_csv_cells_never_start_a_formula() -> None:
    import csv

    rows = list(csv.DictReader(io.StringIO(csv_text(risky_report()), newline="")))  # the Vietnamese header
    titles = [r["Nhiệm vụ"] for r in rows]
    assert titles == ["'" + t.replace("\r", "\n") for t in RISKY]  # a bare CR would end the row
    assert [r["Số hiệu văn bản"] for r in rows] == titles
    assert [r["TT"] for r in rows] == [str(i) for i in range(1, len(RISKY) + 1)]  # plain text untouched


def test_workbook_cells_starting_with_equals_are_text() -> None:
    book = load_workbook(io.BytesIO(report_bytes(risky_report(), "xlsx")))
    sheet = book["Phụ lục II"]
    # A bare CR survives when openpyxl writes with lxml (as _x000D_), becomes LF without it: either is text.
    written = {t.replace("\r", "\n") for t in RISKY}
    cells = [c for row in sheet.iter_rows(min_row=5) for c in row if str(c.value).replace("\r", "\n") in written]
    assert {c.value.replace("\r", "\n") for c in cells} == written
    assert all(c.data_type == "s" for c in cells), [(c.value, c.data_type) for c in cells]


def test_summary_carries_the_charts_by_section_agency_and_ageing() -> None:
    from models.domain.charts import COLORS, FOUR, completion_by_agency, completion_by_section, overdue_ageing
    from models.domain.report_states import CycleFacts

    day = date(2025, 8, 5)
    due = date(2025, 7, 31)

    def cycle(n: int, agency: str, status: str) -> CycleFacts:
        return CycleFacts(n, "task:1", 1, None, n, agency, "lead", "deadline", "p", "Tháng 7/2025", status,
                          date(2025, 7, 1), due, due, None)  # fmt: skip

    facts = [cycle(1, "Ủy ban nhân dân huyện Đại Từ", "overdue"), cycle(2, "Sở Tài chính", "open"),
             cycle(3, "Đài Phát thanh", "overdue")]  # fmt: skip
    r = risky_report()
    r.charts = [
        completion_by_section([r]),
        completion_by_agency(facts, day, None, by_name=True),
        overdue_ageing(facts, day),
    ]
    sheet = load_workbook(io.BytesIO(report_bytes(r, "xlsx")))["Tổng hợp"]
    charts = sheet._charts
    assert len(charts) == 4
    refs = [[(s.tx.strRef.f, s.val.numRef.f) for s in c.series] for c in charts[1:]]
    # By section: one series per state, the categories in column A under its header row.
    head = next(row[0].row for row in sheet.iter_rows(min_col=1, max_col=1) if row[0].value == "Mục của Kế hoạch")
    assert refs[0][0] == (f"'Tổng hợp'!B{head}", f"'Tổng hợp'!$B${head + 1}")  # one section
    assert [str(s.graphicalProperties.solidFill.srgbClr) for s in charts[1].series] == [
        COLORS[s].lstrip("#").upper() for s in FOUR
    ]
    assert charts[1].grouping == "stacked" and charts[1].overlap == 100 and charts[1].type == "bar"
    assert charts[2].grouping == "percentStacked"  # agencies: shares, the totals in the table
    assert len(refs[1]) == 4 and len(refs[2]) == 1
    # The agencies' table is in alphabetical order (Đ after D, Ủ with U), with a filter of its own.
    agency_head = next(r[0].row for r in sheet.iter_rows(min_col=1, max_col=1) if r[0].value == "Cơ quan")
    names = [sheet.cell(row=agency_head + i, column=1).value for i in (1, 2, 3)]
    assert names == ["Đài Phát thanh", "Sở Tài chính", "Ủy ban nhân dân huyện Đại Từ"]
    assert [sheet.cell(row=agency_head + 1, column=c).value for c in range(2, 7)] == [0, 0, 0, 1, 1]
    assert refs[1][3][1] == f"'Tổng hợp'!$E${agency_head + 1}:$E${agency_head + 3}"
    assert {t.displayName for t in sheet.tables.values()} == {"BieuDo1", "BieuDo2", "BieuDo3"}
    ageing_head = next(r[0].row for r in sheet.iter_rows(min_col=1, max_col=1) if r[0].value == "Số ngày quá hạn")
    assert [sheet.cell(row=ageing_head + i, column=2).value for i in (1, 2, 3)] == [3, 0, 0]  # 5 days past due
