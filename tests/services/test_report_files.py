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
    summary = {r[0]: r[1:] for r in book["Tổng hợp"].iter_rows(min_row=2, values_only=True)}
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
    assert len(book["Tổng hợp"]._charts) == 1


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
