"""Agency contacts in and out: read an officer's spreadsheet (.xlsx or .csv), write a template.

:func:`read_contacts` reads one row per agency. The agency column holds a directory code or any name or
alias the directory knows; the other columns are optional. Each bad row (unknown agency, invalid email,
a phone that is not a valid Vietnamese number, …) is reported with its spreadsheet row number (the header
is row 1) and a message in English and Vietnamese; a bad row is skipped as a whole, the good rows are kept.
Blank cells mean "no change". Phones are normalised to E.164 ("+84…").

Pure Python: no database, no network.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from models.domain.agencies import Agency, Directory, normalize_email, normalize_phone, valid_email
from models.domain.cells import csv_row, keep_text, uncsv_cell
from models.domain.text import fold, nfc, strip_diacritics

__all__ = [
    "CONTACT_FIELDS",
    "ContactUpdate",
    "ContactsFileError",
    "ContactsLoad",
    "MissingColumnError",
    "RowError",
    "UnsupportedFileError",
    "cell_text",
    "header_key",
    "normalize_phone",
    "read_contacts",
    "read_sheet",
    "valid_email",
    "write_contacts",
]

#: The contact fields a file may carry, in template order.
CONTACT_FIELDS = ("email", "phone", "zalo_user_id", "head_name", "head_title", "head_email", "head_phone")

# Header spellings (compared without diacritics, case, punctuation) -> column meaning.
_HEADERS: dict[str, tuple[str, ...]] = {
    "code": ("code", "agency_code", "ma", "ma co quan", "ma don vi"),
    "agency": (
        "agency", "agency name", "name", "co quan", "ten co quan", "don vi", "ten don vi", "ten",
        "co quan don vi",
    ),
    "email": ("email", "e mail", "mail", "thu dien tu", "email co quan", "dia chi email"),
    "phone": ("phone", "tel", "telephone", "dien thoai", "so dien thoai", "sdt", "dt", "dien thoai co quan"),
    "zalo_user_id": ("zalo", "zalo_user_id", "zalo user id", "zalo id", "ma zalo", "id zalo"),
    "head_name": (
        "head_name", "head", "head name", "thu truong", "ho ten thu truong", "ten thu truong",
        "nguoi dung dau", "lanh dao", "ho va ten thu truong",
    ),
    "head_title": ("head_title", "head title", "chuc vu", "chuc vu thu truong", "chuc danh"),
    "head_email": ("head_email", "head email", "email thu truong", "email nguoi dung dau", "email lanh dao"),
    "head_phone": (
        "head_phone", "head phone", "dien thoai thu truong", "sdt thu truong", "so dien thoai thu truong",
        "dien thoai nguoi dung dau", "dien thoai lanh dao",
    ),
}  # fmt: skip


def _header_key(text: str) -> str:
    """ "Điện thoại" -> "dien thoai"; "head_email" -> "head email"."""
    plain = strip_diacritics(fold(text)).lower()
    return " ".join(re.split(r"[^a-z0-9]+", plain)).strip()


_HEADER_MAP = {_header_key(alias): column for column, aliases in _HEADERS.items() for alias in aliases}

_ZALO = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


class ContactsFileError(ValueError):
    """The file cannot be read as a contacts file at all."""


class UnsupportedFileError(ContactsFileError):
    """Not a .xlsx or .csv file."""


class MissingColumnError(ContactsFileError):
    """No column names the agency."""


@dataclass
class RowError:
    """A bad row: spreadsheet ``row`` (header = 1), the ``column`` as written in the header, a message."""

    row: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column {self.column!r}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class ContactUpdate:
    """New contact values for one agency; ``None`` means "not given, keep the current value"."""

    code: str
    row: int = 0
    email: str | None = None
    phone: str | None = None
    zalo_user_id: str | None = None
    head_name: str | None = None
    head_title: str | None = None
    head_email: str | None = None
    head_phone: str | None = None

    def fields(self) -> dict[str, str]:
        """The contact fields given in the file."""
        return {name: getattr(self, name) for name in CONTACT_FIELDS if getattr(self, name) is not None}


@dataclass
class ContactsLoad:
    """What a contacts file gave: the updates of its good rows, the errors of its bad rows, warnings."""

    updates: list[ContactUpdate] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# --------------------------------------------------------------------------------------------------
# Field checks
# --------------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------------


def _cell_text(value: Any) -> str | None:
    """A cell as text; numbers from spreadsheets lose a spurious ".0"; blank -> None."""
    if value is None:
        return None
    if isinstance(value, bool):
        value = str(value)
    elif isinstance(value, float) and value.is_integer():
        value = str(int(value))
    elif not isinstance(value, str):
        value = str(value)
    text = nfc(value)
    return text or None


def _rows_xlsx(path: Path) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a damaged file
        raise ContactsFileError(f"{path.name}: cannot open as .xlsx ({exc}) / không mở được tệp") from exc
    try:
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), 1):
            yield number, list(row)
    finally:
        workbook.close()


def _rows_csv(path: Path) -> Iterator[tuple[int, list[Any]]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ContactsFileError(
            f"{path.name}: not UTF-8 text; save the file as 'CSV UTF-8' / tệp CSV phải lưu dạng UTF-8"
        ) from exc
    # The delimiter is the header's: "#" lines above it are comments (config/communes.csv cites its sources).
    first = next((line for line in text.splitlines() if line.strip() and not line.startswith("#")), "")
    delimiter = max((";", ",", "\t"), key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # e.g. "field larger than field limit (131072)": Python's csv module stops there and cannot
            # resync (a quoted cell may span lines), so the whole file is refused with the line it stopped
            # at rather than keeping a guess of the rows after it.
            raise ContactsFileError(
                f"{path.name}: line {reader.line_num}: cannot read the CSV ({exc}) / "
                f"dòng {reader.line_num}: không đọc được tệp CSV (ô quá dài hoặc sai dấu ngoặc kép)"
            ) from None
        number += 1
        yield number, [uncsv_cell(cell) for cell in row]  # "'+84…" as written by write_contacts


def read_sheet(path: str | Path) -> list[tuple[int, list[Any]]]:
    """The rows of a spreadsheet (.xlsx: the first sheet; .csv: UTF-8 with or without BOM, "," ";" or tab)
    as (row number, cell values), the first row being 1 — shared by every "load a sheet" command.

    Raises :class:`UnsupportedFileError` for another file type, :class:`ContactsFileError` when the file
    cannot be read."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        reader = _rows_xlsx
    elif suffix == ".csv":
        reader = _rows_csv
    elif suffix == ".xls":
        raise UnsupportedFileError(
            f"{path.name}: old Excel .xls is not supported; save it as .xlsx / hãy lưu lại dạng .xlsx"
        )
    else:
        raise UnsupportedFileError(
            f"{path.name}: unsupported file type {suffix or '(none)'}; use .xlsx or .csv / chỉ nhận tệp .xlsx hoặc .csv"
        )
    if not path.is_file():
        raise ContactsFileError(f"{path}: no such file / không tìm thấy tệp")
    return list(reader(path))


def cell_text(value: Any) -> str | None:
    """A spreadsheet cell as NFC text ("12.0" from a number cell becomes "12"); blank -> None."""
    return _cell_text(value)


def header_key(text: str) -> str:
    """A header as compared: no diacritics, case or punctuation ("Số văn bản" -> "so van ban")."""
    return _header_key(text)


def _find_header(rows: list[tuple[int, list[Any]]]) -> tuple[int, dict[int, tuple[str, str]]]:
    """The header row (the first of the first 10 rows naming an agency column) and its columns:
    index -> (meaning, header as written)."""
    for position, (_, row) in enumerate(rows[:10]):
        columns: dict[int, tuple[str, str]] = {}
        for index, value in enumerate(row):
            text = _cell_text(value)
            if text is None:
                continue
            meaning = _HEADER_MAP.get(_header_key(text))
            if meaning is not None:
                columns[index] = (meaning, text)
        if any(m in ("code", "agency") for m, _ in columns.values()):
            seen: dict[str, str] = {}
            for meaning, text in columns.values():
                if meaning in seen:
                    raise ContactsFileError(
                        f"columns {seen[meaning]!r} and {text!r} both mean {meaning!r} / hai cột trùng nhau"
                    )
                seen[meaning] = text
            return position, columns
    raise MissingColumnError(
        "no agency column: the header row needs 'code' or 'agency' (or 'Mã', 'Cơ quan', 'Đơn vị') / "
        "thiếu cột cơ quan (Mã hoặc Cơ quan)"
    )


def read_contacts(path: str | Path, directory: Directory) -> ContactsLoad:
    """Read a contacts file (.xlsx: the first sheet; .csv: UTF-8 with or without BOM, "," or ";") against
    ``directory``, which tells the agencies apart.

    Raises :class:`UnsupportedFileError` for another file type, :class:`MissingColumnError` when no
    column names the agency, :class:`ContactsFileError` when the file cannot be read.
    """
    rows = read_sheet(path)
    position, columns = _find_header(rows)
    result = ContactsLoad()
    ignored = [
        text
        for index, value in enumerate(rows[position][1])
        if (text := _cell_text(value)) is not None and index not in columns
    ]
    if ignored:
        listed = ", ".join(ignored)
        result.warnings.append(f"columns ignored: {listed} / các cột không dùng: {listed}")
    first_row: dict[str, int] = {}
    for number, row in rows[position + 1 :]:
        values = {
            meaning: (_cell_text(row[i]) if i < len(row) else None, header) for i, (meaning, header) in columns.items()
        }
        if all(v is None for v, _ in values.values()):
            continue  # blank row
        update, errors = _read_row(number, values, directory, result.warnings)
        if update is not None and update.code in first_row:
            errors.append(
                RowError(
                    number,
                    None,
                    f"agency {update.code!r} already given on row {first_row[update.code]} / "
                    f"cơ quan đã có ở dòng {first_row[update.code]}",
                )
            )
        if errors:
            result.errors.extend(errors)
            continue
        assert update is not None
        first_row[update.code] = number
        result.updates.append(update)
    return result


def _read_row(
    number: int, values: dict[str, tuple[str | None, str]], directory: Directory, warnings: list[str]
) -> tuple[ContactUpdate | None, list[RowError]]:
    errors: list[RowError] = []
    agency = _row_agency(number, values, directory, errors, warnings)
    update = ContactUpdate(code=agency.code if agency else "", row=number)
    for meaning in CONTACT_FIELDS:
        value, header = values.get(meaning, (None, meaning))
        if value is None:
            continue
        if meaning in ("email", "head_email"):
            if not valid_email(value):
                errors.append(RowError(number, header, f"invalid email {value!r} / email không hợp lệ"))
                continue
            value = normalize_email(value)
        elif meaning in ("phone", "head_phone"):
            phone = normalize_phone(value)
            if phone is None:
                errors.append(
                    RowError(
                        number,
                        header,
                        f"{value!r} is not a valid Vietnamese phone number / số điện thoại không hợp lệ",
                    )
                )
                continue
            value = phone
        elif meaning == "zalo_user_id" and not _ZALO.match(value):
            errors.append(RowError(number, header, f"invalid Zalo id {value!r} / mã Zalo không hợp lệ"))
            continue
        setattr(update, meaning, value)
    if agency is None or errors:
        return None, errors
    if not update.fields():
        warnings.append(f"row {number}: no contact given for {agency.code!r} / dòng không có liên hệ")
    if agency.valid_to is not None and agency.successor is not None:
        warnings.append(
            f"row {number}: {agency.name!r} no longer exists after {agency.valid_to}; reminders go to its "
            f"successor {agency.successor!r} / cơ quan đã giải thể, nhắc việc gửi cơ quan kế nhiệm"
        )
    return update, errors


def _row_agency(
    number: int,
    values: dict[str, tuple[str | None, str]],
    directory: Directory,
    errors: list[RowError],
    warnings: list[str],
) -> Agency | None:
    found: list[tuple[Any, str, str]] = []  # (entry, written, header)
    for meaning in ("code", "agency"):
        written, header = values.get(meaning, (None, meaning))
        if written is None:
            continue
        entry = directory.match(written)
        if entry is None and (entry := directory.suggest(written)) is not None:
            # A name typed in the officer's own sheet, unique without diacritics: kept, and said so.
            warnings.append(f"row {number}: {written!r} read as {entry.name!r} (without diacritics / bỏ dấu)")
        if entry is None:
            errors.append(RowError(number, header, f"unknown agency {written!r} / không tìm thấy cơ quan"))
            return None
        found.append((entry, written, header))
    if not found:
        header = next(h for m, (_, h) in values.items() if m in ("code", "agency"))
        errors.append(RowError(number, header, "agency missing / thiếu tên hoặc mã cơ quan"))
        return None
    if len(found) == 2 and found[0][0].code != found[1][0].code:
        errors.append(
            RowError(
                number,
                found[1][2],
                f"code {found[0][1]!r} and name {found[1][1]!r} differ / mã và tên cơ quan không khớp",
            )
        )
        return None
    entry, written, header = found[0]
    if not isinstance(entry, Agency):
        errors.append(
            RowError(
                number,
                header,
                f"{written!r} is a group ({entry.name}), not one agency / đây là nhóm, không phải cơ quan",
            )
        )
        return None
    return entry


# --------------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------------

_TEMPLATE_HEADER = ("code", "agency", *CONTACT_FIELDS)


def _template_rows(directory: Directory, on: date | None) -> Iterable[list[str]]:
    for a in directory.agencies.values():
        if on is not None and not a.is_valid_on(on):
            continue
        yield [
            a.code, a.name, a.email or "", a.phone or "", a.zalo_user_id or "",
            a.head.name or "", a.head.title or "", a.head.email or "", a.head.phone or "",
        ]  # fmt: skip


def write_contacts(directory: Directory, path: str | Path, on: date | None = None) -> int:
    """Write the directory's agencies and contacts as a file :func:`read_contacts` reads back
    (.xlsx or .csv, UTF-8 with BOM so that Excel shows the diacritics). With ``on``, only the agencies
    that exist on that date. Returns the number of agency rows."""
    path = Path(path)
    rows = list(_template_rows(directory, on))
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(_TEMPLATE_HEADER)
            writer.writerows(csv_row(row) for row in rows)
    elif suffix == ".xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "contacts"
        sheet.append(list(_TEMPLATE_HEADER))
        for row in rows:
            sheet.append(row)
            keep_text(sheet[sheet.max_row])
        workbook.save(path)
    else:
        raise UnsupportedFileError(f"{path.name}: write .xlsx or .csv / chỉ ghi tệp .xlsx hoặc .csv")
    return len(rows)
