"""Reading a status sheet (``models.domain.status_sheet``): Vietnamese and English headers, the task
number column preferred over the task's text, status words, dates and percentages, and every bad row
reported with its row number and what is wrong."""

from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from config.files import SHIPPED_AGENCIES
from models.domain.agencies import Directory
from models.domain.contacts import UnsupportedFileError
from models.domain.states import AnswerStatus
from models.domain.status_sheet import StatusFileError, read_status_sheet


@pytest.fixture(scope="module")
def directory() -> Directory:
    return Directory.load(SHIPPED_AGENCIES)


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_vietnamese_headers_title_column_before_number(tmp_path: Path, directory: Directory) -> None:
    path = _xlsx(
        tmp_path / "s.xlsx",
        [
            ["BẢNG TÌNH HÌNH THỰC HIỆN"],  # a title row above the header
            ["Nhiệm vụ", "STT", "Cơ quan", "Tình trạng", "Số văn bản", "Ngày", "Ghi chú", "Tiến độ"],
            ["Xây dựng chương trình", 1.0, "Sở Nội vụ", "Đã hoàn thành", "12/QĐ", datetime(2025, 6, 30), "", None],
            ["Nghiên cứu", "5.", "SỞ NỘI VỤ", "đang triển khai", "", "30/6/2025", "dự thảo", "45%"],
            ["", None, None, None, None, None, None, None],  # a blank row
            ["X", "7", "Các Sở, ban, ngành", "Chưa thực hiện", "", "", "", ""],
            ["Y", "", "Sở Không Có", "xong rồi", "", "31/02/2025", "", "120"],
            ["Z", "1", "Sở Nội vụ", "Hoàn thành", "", "", "", ""],
        ],
    )
    load = read_status_sheet(path, directory)
    assert [(r.row, r.task, r.agency_code, r.status) for r in load.rows] == [
        (3, "1", "so-noi-vu", AnswerStatus.done),
        (4, "5", "so-noi-vu", AnswerStatus.in_progress),
    ]
    first, second = load.rows
    assert (first.document_number, first.document_date, first.progress) == ("12/QĐ", date(2025, 6, 30), 100)
    assert (second.document_date, second.note, second.progress) == (date(2025, 6, 30), "dự thảo", 45)
    errors = [(e.row, e.column) for e in load.errors]
    assert (6, "Cơ quan") in errors  # a group, not one agency
    assert {(7, "STT"), (7, "Cơ quan"), (7, "Tình trạng"), (7, "Ngày"), (7, "Tiến độ")} <= set(errors)
    assert (8, None) in errors  # task 1 and Sở Nội vụ already on row 3
    assert all("/" in e.message for e in load.errors)  # English / Vietnamese


def test_csv_english_headers_and_file_errors(tmp_path: Path, directory: Directory) -> None:
    path = tmp_path / "s.csv"
    path.write_text("task;agency;status;note\n12;so-noi-vu;in progress;ok\n", encoding="utf-8-sig")
    (row,) = read_status_sheet(path, directory).rows
    assert (row.task, row.agency_code, row.status, row.note, row.progress) == (
        "12",
        "so-noi-vu",
        "in_progress",
        "ok",
        None,
    )
    no_header = tmp_path / "n.csv"
    no_header.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(StatusFileError):
        read_status_sheet(no_header, directory)
    with pytest.raises(UnsupportedFileError):
        read_status_sheet(tmp_path / "s.ods", directory)
