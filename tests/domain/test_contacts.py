"""Contacts in (.csv, .xlsx) and out (template files)."""

from pathlib import Path

import pytest
from openpyxl import Workbook

from config.files import SHIPPED_AGENCIES
from models.domain.agencies import Directory
from models.domain.contacts import (
    ContactsFileError,
    MissingColumnError,
    UnsupportedFileError,
    normalize_phone,
    read_contacts,
    write_contacts,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "contacts"


@pytest.fixture(scope="module")
def directory() -> Directory:
    return Directory.load(SHIPPED_AGENCIES)


def test_csv_with_bom_and_english_headers(directory: Directory) -> None:
    load = read_contacts(DATA / "contacts_ok.csv", directory)
    assert load.errors == []
    by_code = {u.code: u for u in load.updates}
    assert list(by_code) == ["so-khcn", "so-tu-phap", "ubnd-huyen-phu-binh", "ubnd-tp-pho-yen"]
    khcn = by_code["so-khcn"]
    assert khcn.row == 2
    assert khcn.phone == "+84900000201"
    assert khcn.head_phone == "+84900000202"
    assert khcn.head_email == "giamdoc.so-khcn@thainguyen.example"  # domain lower-cased
    assert khcn.head_name == "Nguyễn Văn Demo (demo)"
    assert khcn.fields()["zalo_user_id"] == "demo-khcn-2"
    assert by_code["so-tu-phap"].fields() == {}  # "Sỏ Tư pháp": a name without contacts
    assert by_code["ubnd-huyen-phu-binh"].phone == "+84900000203"
    assert by_code["ubnd-tp-pho-yen"].fields() == {"zalo_user_id": "demo-phoyen"}
    assert any("row 3" in w and "no contact" in w for w in load.warnings)
    # The district UBNDs ended on 2025-06-30: loading their contacts is allowed but flagged.
    assert any("row 4" in w and "xa-sau-ubnd-huyen-phu-binh" in w for w in load.warnings)


def test_semicolon_csv_with_vietnamese_headers_bad_rows_reported_good_rows_kept(directory: Directory) -> None:
    load = read_contacts(DATA / "contacts_vi_semicolon.csv", directory)
    # Row 1 is a title, row 2 the header: row numbers are the spreadsheet's.
    assert [(u.code, u.row) for u in load.updates] == [
        ("so-tttt", 3),
        ("so-tai-chinh", 9),
        ("so-tu-phap", 11),
    ]
    tttt = load.updates[0]
    assert (tttt.email, tttt.phone, tttt.zalo_user_id) == (
        "tttt@thainguyen.example",
        "+84900000301",
        "demo-tttt",
    )
    assert (tttt.head_name, tttt.head_phone) == ("Trần Thị Demo (demo)", "+84900000302")
    errors = {(e.row, e.column): e.message for e in load.errors}
    assert set(errors) == {(4, "Cơ quan"), (5, "Email"), (6, "Điện thoại"), (7, "Cơ quan"), (8, "Điện thoại"),
                           (12, None)}  # fmt: skip
    assert "unknown agency" in errors[(4, "Cơ quan")] and "không tìm thấy" in errors[(4, "Cơ quan")]
    assert "invalid email" in errors[(5, "Email")]
    assert "not a valid Vietnamese phone number" in errors[(6, "Điện thoại")]
    assert "is a group" in errors[(7, "Cơ quan")]
    assert "+1 650" in errors[(8, "Điện thoại")]  # a valid number, but not Vietnamese
    assert "already given on row 9" in errors[(12, None)]
    assert all(" / " in e.message for e in load.errors)  # English / Vietnamese
    assert "row 5, column 'Email'" in str(load.errors[1])
    assert any("STT" in w for w in load.warnings)
    assert not load.ok


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def test_xlsx_good_and_bad_rows(directory: Directory, tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "danh-ba.xlsx",
        [
            ["Mã", "Tên cơ quan", "E-mail", "Số điện thoại", "Zalo", "Thủ trưởng", "Email thủ trưởng"],
            ["so-y-te", "Sở Y tế", "yte@thainguyen.example", 900000401, 123456789012, "Lê Văn Demo", None],
            [None, "Sở Văn hoá, Thể thao và Du lịch", "vhttdl@thainguyen.example", "0900 000 402", None, None,
             "gd@@thainguyen.example"],
            ["so-tu-phap", "Sở Y tế", "x@thainguyen.example", None, None, None, None],
            [None, None, None, None, None, None, None],
            [None, None, "mo-coi@thainguyen.example", None, None, None, None],
            [None, "Sở Nội vụ", "noivu@thainguyen.example", 900000403.0, "demo noivu", None, None],
            [None, "UBND huyện Đại Từ", "daitu@thainguyen.example", None, None, None, None],
        ],
    )  # fmt: skip
    load = read_contacts(path, directory)
    assert [(u.code, u.row) for u in load.updates] == [("so-y-te", 2), ("ubnd-huyen-dai-tu", 8)]
    yte = load.updates[0]
    assert yte.phone == "+84900000401"  # a number cell that lost its leading 0
    assert yte.zalo_user_id == "123456789012"
    assert yte.head_name == "Lê Văn Demo"
    errors = [(e.row, e.column) for e in load.errors]
    assert errors == [(3, "Email thủ trưởng"), (4, "Tên cơ quan"), (6, "Mã"), (7, "Zalo")]
    assert "differ" in load.errors[1].message
    assert "agency missing" in load.errors[2].message


def test_xlsx_uses_the_first_sheet(directory: Directory, tmp_path: Path) -> None:
    workbook = Workbook()
    first = workbook.active
    first.append(["agency", "email"])
    first.append(["Sở Y tế", "yte@thainguyen.example"])
    other = workbook.create_sheet("other")
    other.append(["agency", "email"])
    other.append(["Sở Tư pháp", "tp@thainguyen.example"])
    path = tmp_path / "two-sheets.xlsx"
    workbook.save(path)
    assert [u.code for u in read_contacts(path, directory).updates] == ["so-y-te"]


def test_unsupported_files_and_missing_columns(directory: Directory, tmp_path: Path) -> None:
    for name in ("contacts.txt", "contacts.json", "contacts"):
        (tmp_path / name).write_text("code,email\n", encoding="utf-8")
        with pytest.raises(UnsupportedFileError, match=r"\.xlsx or \.csv"):
            read_contacts(tmp_path / name, directory)
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(UnsupportedFileError, match=r"save it as \.xlsx"):
        read_contacts(tmp_path / "old.xls", directory)
    no_agency = tmp_path / "no-agency.csv"
    no_agency.write_text("email,phone\nx@thainguyen.example,0900000001\n", encoding="utf-8")
    with pytest.raises(MissingColumnError, match="agency"):
        read_contacts(no_agency, directory)
    with pytest.raises(MissingColumnError):
        read_contacts(_xlsx(tmp_path / "empty.xlsx", []), directory)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("agency,email\nS\u1edf Y t\u1ebf,x@thainguyen.example\n".encode("utf-16"))
    with pytest.raises(ContactsFileError, match="UTF-8"):
        read_contacts(latin, directory)
    doubled = tmp_path / "doubled.csv"
    doubled.write_text("agency,email,E-mail\nSở Y tế,a@thainguyen.example,b@thainguyen.example\n", encoding="utf-8")
    with pytest.raises(ContactsFileError, match="both mean 'email'"):
        read_contacts(doubled, directory)
    with pytest.raises(ContactsFileError, match="no such file"):
        read_contacts(tmp_path / "missing.csv", directory)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(ContactsFileError, match="cannot open"):
        read_contacts(broken, directory)


def test_normalize_phone() -> None:
    assert normalize_phone("0912 345 678") == "+84912345678"
    assert normalize_phone("+84 90 000 0001") == "+84900000001"
    assert normalize_phone("84900000001") == "+84900000001"
    assert normalize_phone("0208 3 855 123") == "+842083855123"  # a landline
    assert normalize_phone("12345") is None
    assert normalize_phone("+1 650 253 0000") is None
    assert normalize_phone("không có") is None


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_written_template_reads_back(directory: Directory, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"contacts{suffix}"
    count = write_contacts(directory, path)
    assert count == len(directory.agencies)
    load = read_contacts(path, directory)
    assert load.errors == []
    assert len(load.updates) == count
    khcn = next(u for u in load.updates if u.code == "so-khcn")
    agency = directory.agencies["so-khcn"]
    assert (khcn.email, khcn.phone, khcn.head_name) == (agency.email, agency.phone, agency.head.name)


def test_written_csv_template_has_no_formula_and_reads_back(directory: Directory, tmp_path: Path) -> None:
    """Issue 15 #10: "+84…" and "=…" start no formula in the CSV, and come back as written."""
    import csv
    import dataclasses
    from types import SimpleNamespace

    agency = directory.agencies["so-khcn"]
    head = dataclasses.replace(agency.head, name='=HYPERLINK("http://x.example")')
    risky = SimpleNamespace(agencies={**directory.agencies, "so-khcn": dataclasses.replace(agency, head=head)})
    path = tmp_path / "contacts.csv"
    write_contacts(risky, path)  # type: ignore[arg-type]
    cells = [c for row in csv.reader(path.read_text(encoding="utf-8-sig").splitlines()) for c in row]
    assert "'" + head.name in cells and "'" + str(agency.phone) in cells
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
    khcn = next(u for u in read_contacts(path, directory).updates if u.code == "so-khcn")
    assert (khcn.phone, khcn.head_name) == (agency.phone, head.name)


def test_template_for_a_date_lists_existing_agencies_only(directory: Directory, tmp_path: Path) -> None:
    from datetime import date

    path = tmp_path / "today.csv"
    write_contacts(directory, path, on=date(2026, 1, 1))
    text = path.read_text(encoding="utf-8-sig")
    assert "so-khcn" in text and "so-tttt" not in text and "ubnd-tp-pho-yen" not in text
    with pytest.raises(UnsupportedFileError):
        write_contacts(directory, tmp_path / "x.txt")


def test_updates_apply_to_the_directory(directory: Directory) -> None:
    load = read_contacts(DATA / "contacts_ok.csv", directory)
    updated = directory.with_contacts(load.updates)
    khcn = updated.agencies["so-khcn"]
    assert khcn.email == "vanthu.so-khcn@thainguyen.example"
    assert khcn.head.phone == "+84900000202"
    assert khcn.head.title == "Giám đốc Sở"
    tu_phap = updated.agencies["so-tu-phap"]
    assert tu_phap == directory.agencies["so-tu-phap"]  # nothing given, nothing changed


def test_csv_cell_over_the_csv_module_limit_is_a_file_error(directory: Directory, tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("code,email\nso-khcn,van.thu@khcn.example\n" + '"' + "y" * 200_000 + '",x\n', encoding="utf-8")
    with pytest.raises(ContactsFileError, match=r"big\.csv: line 3"):
        read_contacts(path, directory)
