"""The current status of a plan from an officer's spreadsheet (``dondoc status load FILE.xlsx|.csv``):
when a province adopts dondoc in the middle of a plan, the work already done must not be chased on day
one.

One row per task and agency: task (its number), agency, status, document number, date, note — with
English or Vietnamese headers ("STT" / "Nhiệm vụ", "Cơ quan", "Tình trạng", "Số văn bản", "Ngày",
"Ghi chú"; compared without diacritics or case). Status words (:data:`STATUS_WORDS`): "Đã hoàn thành"
/ "Hoàn thành" / "done" → done; "Đang thực hiện" / "Đang triển khai" / "in progress" → in progress;
"Chưa thực hiện" / "Chưa triển khai" / "not started" → not started. A percentage column ("Tiến độ",
"progress") is optional.

Each bad row (no task number, unknown agency, a group instead of one agency, an unknown status, a date
that is not a date, the same task and agency twice) is reported with its spreadsheet row number (the
header is row 1) and what is wrong, in English and Vietnamese; the good rows are kept. Whether the task
exists and the agency holds it is for the service to say (``models.services.status_load``).

Pure Python: no database, no network.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from models.domain.agencies import Agency, Directory
from models.domain.answer_form import parse_form_date
from models.domain.contacts import ContactsFileError, RowError, cell_text, header_key, read_sheet
from models.domain.states import AnswerStatus

__all__ = ["STATUS_WORDS", "StatusFileError", "StatusLoad", "StatusRow", "read_status_sheet"]


class StatusFileError(ContactsFileError):
    """The file cannot be read as a status sheet at all (no task or status column, …)."""


_HEADERS: dict[str, tuple[str, ...]] = {
    "task": ("task", "task number", "stt", "tt", "so tt", "nhiem vu", "stt nhiem vu", "so thu tu", "ma nhiem vu"),
    "agency": ("agency", "co quan", "don vi", "co quan don vi", "co quan chu tri", "ten co quan", "code", "ma co quan"),
    "status": ("status", "tinh trang", "trang thai", "tinh hinh thuc hien", "ket qua thuc hien"),
    "document_number": ("document number", "document", "so van ban", "so hieu van ban", "van ban", "so ky hieu"),
    "date": ("date", "ngay", "ngay van ban", "ngay hoan thanh", "ngay ban hanh"),
    "note": ("note", "notes", "ghi chu", "noi dung"),
    "progress": ("progress", "tien do", "ty le", "ty le hoan thanh", "tien do %"),
}  # fmt: skip
_HEADER_MAP = {header_key(alias): column for column, aliases in _HEADERS.items() for alias in aliases}

#: Status words (compared as header keys: no diacritics, case, punctuation) → the answer status.
STATUS_WORDS: dict[str, AnswerStatus] = {
    **dict.fromkeys(("da hoan thanh", "hoan thanh", "done", "completed", "xong"), AnswerStatus.done),
    **dict.fromkeys(
        ("dang thuc hien", "dang trien khai", "in progress", "in_progress", "dang lam"), AnswerStatus.in_progress
    ),
    **dict.fromkeys(
        ("chua thuc hien", "chua trien khai", "not started", "not_started", "chua lam"), AnswerStatus.not_started
    ),
}


@dataclass
class StatusRow:
    """A good row: the task number, the agency it names (a directory agency), what it says."""

    row: int
    task: str
    agency_written: str
    agency_code: str
    status: AnswerStatus
    document_number: str | None = None
    document_date: date | None = None
    note: str = ""
    progress: int | None = None


@dataclass
class StatusLoad:
    """What a status sheet gave: its good rows, the errors of its bad rows, warnings."""

    rows: list[StatusRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# Headers that name the task's number rather than its text: preferred when a sheet has both ("STT" beside
# "Nhiệm vụ" holding the task's title).
_NUMBER_HEADERS = {
    header_key(h) for h in ("task number", "stt", "tt", "so tt", "stt nhiem vu", "so thu tu", "ma nhiem vu")
}


def _find_header(rows: list[tuple[int, list[Any]]]) -> tuple[int, dict[int, tuple[str, str]]]:
    """The header row (the first of the first 10 naming a task, an agency and a status column) and its
    columns: index -> (meaning, header as written); the first column of each meaning, except that a task
    number column wins over a task text column."""
    for position, (_, row) in enumerate(rows[:10]):
        found: dict[str, list[tuple[int, str]]] = {}
        for index, value in enumerate(row):
            text = cell_text(value)
            meaning = _HEADER_MAP.get(header_key(text)) if text else None
            if meaning is not None:
                found.setdefault(meaning, []).append((index, text or ""))
        if not {"task", "agency", "status"} <= set(found):
            continue
        numbered = [c for c in found["task"] if header_key(c[1]) in _NUMBER_HEADERS]
        found["task"] = numbered or found["task"]
        return position, {found[m][0][0]: (m, found[m][0][1]) for m in found}
    raise StatusFileError(
        "no header row with task, agency and status columns ('STT'/'Nhiệm vụ', 'Cơ quan', 'Tình trạng') / "
        "thiếu dòng tiêu đề có các cột nhiệm vụ, cơ quan, tình trạng"
    )


def read_status_sheet(path: str | Path, directory: Directory) -> StatusLoad:
    """Read a status sheet (.xlsx: the first sheet; .csv: UTF-8) against ``directory``.

    Raises ``ContactsFileError`` subclasses (``UnsupportedFileError``, :class:`StatusFileError`) when the
    file cannot be read at all; a bad row is an error of :class:`StatusLoad`, never an exception."""
    rows = read_sheet(path)
    position, columns = _find_header(rows)
    out = StatusLoad()
    seen: dict[tuple[str, str], int] = {}
    for number, row in rows[position + 1 :]:
        values = {m: (row[i] if i < len(row) else None, h) for i, (m, h) in columns.items()}
        if all(cell_text(v) is None for v, _ in values.values()):
            continue  # a blank row
        good, errors = _read_row(number, values, directory)
        if good is not None and (good.task, good.agency_code) in seen:
            first = seen[(good.task, good.agency_code)]
            errors.append(
                RowError(
                    number, None, f"task {good.task} and this agency already on row {first} / đã có ở dòng {first}"
                )
            )
        if errors:
            out.errors.extend(errors)
            continue
        assert good is not None
        seen[(good.task, good.agency_code)] = number
        out.rows.append(good)
    return out


def _read_row(
    number: int, values: dict[str, tuple[Any, str]], directory: Directory
) -> tuple[StatusRow | None, list[RowError]]:
    errors: list[RowError] = []

    def text(meaning: str) -> tuple[str | None, str]:
        value, header = values.get(meaning, (None, meaning))
        return cell_text(value), header

    task, task_header = text("task")
    task = (task or "").strip().rstrip(".").strip() or None
    if task is None:
        errors.append(RowError(number, task_header, "task number missing / thiếu số thứ tự nhiệm vụ"))
    written, agency_header = text("agency")
    agency = directory.match(written) if written else None
    if written is None:
        errors.append(RowError(number, agency_header, "agency missing / thiếu cơ quan"))
    elif agency is None:
        errors.append(RowError(number, agency_header, f"unknown agency {written!r} / không tìm thấy cơ quan"))
    elif not isinstance(agency, Agency):
        errors.append(
            RowError(number, agency_header, f"{written!r} is a group, not one agency / đây là nhóm, không phải cơ quan")
        )
    word, status_header = text("status")
    status = STATUS_WORDS.get(header_key(word)) if word else None
    if status is None:
        errors.append(
            RowError(
                number,
                status_header,
                f"status {word!r} not understood; write 'Đã hoàn thành', 'Đang thực hiện' or 'Chưa thực hiện' / "
                "không hiểu tình trạng",
            )
        )
    day, day_error = _day(values.get("date", (None, "date")))
    if day_error:
        errors.append(RowError(number, values["date"][1], day_error))
    progress, progress_error = _progress(values.get("progress", (None, "progress")))
    if progress_error:
        errors.append(RowError(number, values["progress"][1], progress_error))
    if errors:
        return None, errors
    assert task and written and isinstance(agency, Agency) and status
    return StatusRow(
        row=number,
        task=task,
        agency_written=written,
        agency_code=agency.code,
        status=status,
        document_number=text("document_number")[0],
        document_date=day,
        note=text("note")[0] or "",
        progress=100 if status == AnswerStatus.done and progress is None else progress,
    ), []


def _day(cell: tuple[Any, str]) -> tuple[date | None, str]:
    value, _header = cell
    if isinstance(value, datetime):
        return value.date(), ""
    if isinstance(value, date):
        return value, ""
    written = cell_text(value)
    if written is None:
        return None, ""
    day = parse_form_date(written)
    if day is None:
        return None, f"{written!r} is not a date (DD/MM/YYYY) / ngày không hợp lệ"
    return day, ""


def _progress(cell: tuple[Any, str]) -> tuple[int | None, str]:
    written = cell_text(cell[0])
    if written is None:
        return None, ""
    try:
        value = float(written.rstrip("%").strip().replace(",", "."))
    except ValueError:
        return None, f"progress {written!r} is not a percentage / tiến độ không hợp lệ"
    if 0 < value <= 1 and "%" not in written and not isinstance(cell[0], str):
        value *= 100  # a spreadsheet cell formatted as a percentage holds 0.45
    if not 0 <= value <= 100:
        return None, f"progress {written!r} outside 0-100 / tiến độ phải từ 0 đến 100"
    return round(value), ""
