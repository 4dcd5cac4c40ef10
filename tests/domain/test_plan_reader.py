"""The plan reader: the real 25/KH-UBND file, other layouts, and inputs it must refuse."""

import hashlib
import unicodedata
from dataclasses import FrozenInstanceError
from datetime import date
from pathlib import Path

import pytest

from models.domain.plan_reader import (
    ParsedIndicator,
    ParsedPlan,
    ParsedTask,
    PlanFormatError,
    generic_role,
    read_plan,
    read_plan_file,
)

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "plans" / "25-KH-UBND-2025-thai-nguyen.txt"
SHIPPED = ROOT / "config" / "plans" / "25-KH-UBND-2025-thai-nguyen.txt"
REAL = SHIPPED if SHIPPED.exists() else SHARED
DATA = Path(__file__).resolve().parents[1] / "data" / "plans"


@pytest.fixture(scope="module")
def real_text() -> str:
    return REAL.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def real_lines(real_text: str) -> list[str]:
    return real_text.split("\n")


@pytest.fixture(scope="module")
def plan() -> ParsedPlan:
    return read_plan_file(REAL)


def task(plan: ParsedPlan, number: str) -> ParsedTask:
    [found] = [t for t in plan.tasks if t.number == number]
    return found


def indicator(plan: ParsedPlan, code: str) -> ParsedIndicator:
    [found] = [i for i in plan.indicators if i.code == code]
    return found


def error_of(text: str) -> PlanFormatError:
    with pytest.raises(PlanFormatError) as info:
        read_plan(text)
    return info.value


HEAD = (
    "Kế hoạch 5/KH-UBND thử nghiệm bộ đọc\n"
    "Số: 5/KH-UBND |\n"
    "TT |\nTên nhiệm vụ |\nCơ quan chủ trì |\nThời gian hoàn thành |\n"
)


def rows(*cells: tuple[str, str, str, str]) -> str:
    return "".join(f"{n} |\n{title} |\n{lead} |\n{deadline} |\n" for n, title, lead, deadline in cells)


# --- the real plan: heading ---------------------------------------------------------------------


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/plans not present")
def test_shipped_copy_is_the_shared_plan() -> None:
    assert SHIPPED.read_bytes() == SHARED.read_bytes()


def test_heading(plan: ParsedPlan) -> None:
    assert plan.number == "25/KH-UBND"
    assert plan.issued_on == date(2025, 1, 24)
    assert plan.issuer == "Tỉnh Thái Nguyên"
    assert plan.signer == "Nguyễn Thanh Bình"
    assert plan.kind == "Kế hoạch"
    assert plan.title.startswith("Kế hoạch 25/KH-UBND năm 2025 thực hiện Nghị quyết 03/NQ-CP")
    assert plan.title.endswith("do tỉnh Thái Nguyên ban hành")
    assert plan.official_title is not None
    assert plan.official_title.startswith("KẾ HOẠCH THỰC HIỆN NGHỊ QUYẾT SỐ 03/NQ-CP NGÀY 09/01/2025")
    assert plan.metadata["Lĩnh vực"] == "Công nghệ thông tin"
    assert plan.source == str(REAL)


def test_repeated_title_block_is_reported_once_and_not_duplicated(plan: ParsedPlan) -> None:
    # Lines 9–38 (title block + opening of the body) are repeated from line 39 by the web copy.
    assert plan.warnings == ("line 39: lines 9–38 reappear at lines 39–68 (copied twice); first copy ignored",)
    assert sum("Số: 25/KH-UBND" in line for line in REAL.read_text(encoding="utf-8").split("\n")) == 2


def test_content_hash_is_sha256_of_nfc_text(plan: ParsedPlan, real_text: str) -> None:
    expected = hashlib.sha256(unicodedata.normalize("NFC", real_text).encode()).hexdigest()
    assert plan.content_hash == expected


def test_nfd_crlf_and_bom_give_the_same_plan(plan: ParsedPlan, real_text: str, tmp_path: Path) -> None:
    variant = tmp_path / "variant.txt"
    variant.write_bytes(b"\xef\xbb\xbf" + unicodedata.normalize("NFD", real_text).replace("\n", "\r\n").encode())
    again = read_plan_file(variant)
    assert again.content_hash == plan.content_hash
    assert again.tasks == plan.tasks
    assert again.indicators == plan.indicators


def test_a_change_changes_the_hash(plan: ParsedPlan, real_text: str) -> None:
    changed = read_plan(real_text.replace("Tháng 11 của năm trước", "Tháng 10 của năm trước"))
    assert changed.content_hash != plan.content_hash
    assert task(changed, "33").deadline_raw == "Tháng 10 của năm trước"


# --- the real plan: tasks ------------------------------------------------------------------------


def test_all_68_tasks_in_order(plan: ParsedPlan) -> None:
    assert [t.number for t in plan.tasks] == [str(n) for n in range(1, 69)]
    assert [t.number_raw for t in plan.tasks] == [f"{n}." for n in range(1, 69)]


@pytest.mark.parametrize(
    ("section", "first", "last"),
    [
        ("I", 1, 10),
        ("II", 11, 12),
        ("III", 13, 29),
        ("IV", 30, 32),
        ("V", 33, 54),
        ("VI", 55, 65),
        ("VII", 66, 68),
    ],
)
def test_sections(plan: ParsedPlan, section: str, first: int, last: int) -> None:
    numbers = [int(t.number) for t in plan.tasks if t.section == section]
    assert numbers == list(range(first, last + 1))


def test_section_titles_from_merged_section_rows(plan: ParsedPlan) -> None:
    # section rows end in "|" + "|||" (I, II, VI, VII) or "||||" (III, IV, V): merged empty cells
    titles = {t.section: t.section_title for t in plan.tasks}
    assert titles["I"].startswith("Nâng cao nhận thức, đột phá về đổi mới tư duy")
    science = "khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số"
    assert titles["III"] == f"Tăng cường đầu tư, hoàn thiện hạ tầng cho {science}"
    assert titles["VI"] == f"Thúc đẩy mạnh mẽ hoạt động {science} trong doanh nghiệp"
    assert titles["VII"] == f"Tăng cường hợp tác quốc tế trong phát triển {science}"
    assert all(t.part == "" for t in plan.tasks)


def test_task_1(plan: ParsedPlan) -> None:
    first = task(plan, "1")
    assert first.section == "I"
    assert first.title.startswith("Xây dựng, trình UBND tỉnh ban hành và tổ chức triển khai thực hiện chương trình")
    assert first.lead_raw == "Sở Thông tin và Truyền thông"
    assert first.coordinating_raw == (
        "Các Sở, ban, ngành; UBND các huyện, thành phố; Đài phát thanh - truyền hình tỉnh, "
        "Báo Thái Nguyên Trung tâm Thông tin tỉnh"
    )
    assert first.output_raw == "Chương trình"
    assert first.deadline_raw == "Tháng 7/2025"
    assert first.line == 396
    assert first.extra == {}
    assert first.parent_number is None


def test_deadline_phrases_kept_as_written(plan: ParsedPlan) -> None:
    assert task(plan, "33").deadline_raw == "Tháng 11 của năm trước"
    assert task(plan, "7").deadline_raw == "Nhiệm vụ thường xuyên"
    assert task(plan, "28").deadline_raw == "2025 - 2026"
    assert task(plan, "35").deadline_raw == "Năm 2025- 2026"
    assert task(plan, "61").deadline_raw == "Từ năm 2025 và các năm tiếp theo"


def test_empty_cells(plan: ParsedPlan) -> None:
    t48 = task(plan, "48")
    assert t48.coordinating_raw == ""
    assert t48.output_raw == ""
    assert t48.deadline_raw == "Năm 2025"
    assert t48.lead_raw.startswith("Công an tỉnh, Sở Lao động - Thương binh và Xã hội, Sở VHTT&DL")
    t25 = task(plan, "25")
    assert t25.output_raw == ""
    assert t25.coordinating_raw == "Sở Thông tin và Truyền thông, Sở Xây dựng"
    assert t25.deadline_raw == "Tháng 01/2029"
    assert task(plan, "6").coordinating_raw == ""
    assert {t.number for t in plan.tasks if not t.output_raw} == {"25", "48", "52", "53", "63", "65"}


def test_typos_and_comma_names_kept_raw(plan: ParsedPlan) -> None:
    assert task(plan, "9").lead_raw == "Sỏ Khoa học và Công nghệ, Sở Nội vụ, Sở Thông tin và Truyền thông"
    assert task(plan, "2").lead_raw == "Đài phát thanh - truyền hình tỉnh, Báo Thái Nguyên, Trung tâm Thông tin tỉnh"
    assert task(plan, "13").lead_raw == ("Sở Khoa học, Công nghệ, Sở Thông tin và Truyền thông, Sở Kế hoạch và Đầu tư")
    assert task(plan, "25").lead_raw == "UBND các thành phố: Thái Nguyên, Sông Công, Phổ Yên"


def test_row_lines(plan: ParsedPlan, real_lines: list[str]) -> None:
    for t in plan.tasks:
        assert real_lines[t.line - 1] == f"{t.number}. |"
    assert task(plan, "68").line == 819


def test_text_is_nfc_with_collapsed_whitespace(plan: ParsedPlan) -> None:
    for t in plan.tasks:
        for value in (t.section_title, t.title, t.lead_raw, t.coordinating_raw, t.output_raw, t.deadline_raw):
            assert value == unicodedata.normalize("NFC", value)
            assert "  " not in value and value == value.strip() and "\n" not in value


def test_results_are_frozen(plan: ParsedPlan) -> None:
    with pytest.raises(FrozenInstanceError):
        plan.tasks[0].title = "x"  # type: ignore[misc]
    # Hashed by value: a second read gives new objects with the same hashes, and the rows can be keys.
    again = read_plan_file(REAL)
    assert again.tasks[0] is not plan.tasks[0]
    assert hash(again.tasks[0]) == hash(plan.tasks[0]) and hash(again) == hash(plan)
    assert len(set(plan.tasks)) == len(plan.tasks) and len(set(plan.indicators)) == len(plan.indicators)
    assert again.content_hash == plan.content_hash


# --- the real plan: indicators -------------------------------------------------------------------

EXPECTED_CODES = (
    [str(n) for n in range(1, 9)]
    + [f"8.{n}" for n in range(1, 13)]
    + [str(n) for n in range(9, 19)]
    + ["18.1", "18.2"]
    + [str(n) for n in range(19, 29)]
)


def test_indicator_codes(plan: ParsedPlan) -> None:
    assert [i.code for i in plan.indicators] == EXPECTED_CODES
    assert len(plan.indicators) == 42


def test_indicator_parents(plan: ParsedPlan) -> None:
    for ind in plan.indicators:
        expected = ind.code.split(".")[0] if "." in ind.code else None
        assert ind.parent_code == expected
    eight = indicator(plan, "8")
    assert (eight.unit_raw, eight.target_raw, eight.monitor_raw) == ("", "", "")
    assert eight.title.startswith("Chỉ tiêu về thực hiện thủ tục hành chính")
    eighteen = indicator(plan, "18")
    assert eighteen.unit_raw == ""
    assert eighteen.target_raw == "Tiên tiến, hiện đại, dung lượng siêu lớn, băng thông siêu rộng"
    assert indicator(plan, "18.2").unit_raw == "% dân số"


def test_indicator_groups_and_horizons(plan: ParsedPlan) -> None:
    group_one = [i for i in plan.indicators if i.group == "I"]
    group_two = [i for i in plan.indicators if i.group == "II"]
    assert len(group_one) == 39 and group_one[-1].code == "25"
    assert [i.code for i in group_two] == ["26", "27", "28"]
    assert {(i.group_title, i.horizon) for i in group_one} == {("Đến năm 2030", 2030)}
    assert {(i.group_title, i.horizon) for i in group_two} == {("Đến năm 2045", 2045)}


def test_indicator_cells_raw(plan: ParsedPlan) -> None:
    first = indicator(plan, "1")
    assert first.title == "Tiềm lực, trình độ khoa học, công nghệ và đổi mới sáng tạo"
    assert first.unit_raw == "Thứ bậc"
    assert first.target_raw == "Đạt mức tiên tiến ở nhiều lĩnh vực quan trọng, thuộc nhóm dẫn đầu trong cả nước"
    assert first.monitor_raw == "Sở Khoa học và Công nghệ"
    assert first.line == 166
    assert indicator(plan, "8.1").target_raw == "≥ 85"
    assert indicator(plan, "27").target_raw == "≤ n10"  # typo kept
    assert indicator(plan, "14").target_raw == "15"  # a target that looks like the next number
    assert indicator(plan, "10").unit_raw == "Chỉ số phát triển con người (HDI)"
    assert indicator(plan, "19").monitor_raw == (
        "Sở Thông tin và Truyền thông, Sở Xây dựng. UBND các thành phố: Phổ Yên, Sông Công, Thái Nguyên"
    )


# --- other layouts -----------------------------------------------------------------------------


def test_other_province_lettered_sections_extra_column_other_order() -> None:
    parsed = read_plan_file(DATA / "other-province-lettered.txt")
    assert parsed.number == "118/KH-UBND"  # "Số: 118 /KH-UBND"
    assert parsed.issued_on == date(2025, 3, 5)
    assert parsed.issuer == "ỦY BAN NHÂN DÂN TỈNH BẮC NINH"
    assert parsed.signer == "Trần Văn A"
    assert parsed.kind == "Kế hoạch"
    assert parsed.title == "KẾ HOẠCH TRIỂN KHAI CHUYỂN ĐỔI SỐ TRÊN ĐỊA BÀN TỈNH NĂM 2025"
    assert [(t.section, t.number, t.parent_number) for t in parsed.tasks] == [
        ("A", "1", None),
        ("A", "2", None),
        ("A", "2.1", "2"),
        ("A", "2.2", "2"),
        ("B", "3", None),
        ("B", "4", None),
    ]
    first = parsed.tasks[0]
    assert first.section_title == "Hoàn thiện thể chế"
    assert first.title == "Rà soát, sửa đổi quy định về quản lý dữ liệu của tỉnh"  # two-line cell
    assert first.deadline_raw == "Quý II/2025"  # deadline column is third here
    assert first.lead_raw == "Sở Tư pháp"
    assert first.coordinating_raw == "Sở Khoa học và Công nghệ, Văn phòng UBND tỉnh"
    assert first.output_raw == "Quyết định của UBND tỉnh"
    assert first.extra == {"Nguồn kinh phí": "Ngân sách tỉnh"}  # no known role → extra
    assert first.note_raw == ""
    second = parsed.tasks[1]
    assert second.note_raw == "Phụ thuộc hướng dẫn của Bộ"
    assert second.deadline_raw == ""
    assert parsed.tasks[3].extra == {"Nguồn kinh phí": ""}  # "||" closes the last two cells
    assert parsed.tasks[5].note_raw == "Tiếp tục từ năm 2024"
    assert parsed.warnings == ("line 43: task 2 has an empty deadline cell (column 'Thời hạn hoàn thành')",)
    assert parsed.indicators == ()


def test_row_per_line_layout_with_restarting_numbers() -> None:
    parsed = read_plan_file(DATA / "row-per-line.txt")
    assert parsed.number == "07/KH-UBND"
    assert parsed.issued_on == date(2025, 2, 10)
    assert (parsed.issuer, parsed.signer) == ("Tỉnh Lào Cai", "Hoàng Thị B")
    # numbering restarts in each section: numbers are qualified so they stay unique keys
    assert [(t.section, t.number, t.number_raw) for t in parsed.tasks] == [
        ("I", "I.1", "1"),
        ("I", "I.2", "2"),
        ("II", "II.1", "1"),
        ("II", "II.2", "2"),
    ]
    hop = parsed.tasks[2]
    assert hop.coordinating_raw == "Hiệp hội doanh nghiệp tỉnh"  # a cell over two lines
    assert (hop.output_raw, hop.deadline_raw) == ("Chương trình hỗ trợ", "Năm 2025")
    assert parsed.tasks[3].coordinating_raw == "" and parsed.tasks[3].deadline_raw == ""
    assert [(i.code, i.unit_raw, i.target_raw, i.monitor_raw, i.horizon) for i in parsed.indicators] == [
        ("1", "%", "≥ 10", "Sở Tài chính", 2025),  # horizon from the header "Mục tiêu 2025"
        ("2", "%", "85", "Sở Khoa học và Công nghệ", 2025),
    ]
    assert parsed.warnings == (
        "line 18: task numbers restart in each section: qualified by section (e.g. II.2)",
        "line 23: task 2 has an empty deadline cell (column 'Thời gian thực hiện')",
    )


def test_markdown_pipes_and_mixed_roman_inside_letters() -> None:
    parsed = read_plan(
        "Số: 9/KH-UBND\n"
        "| STT | Nhiệm vụ | Đơn vị chủ trì | Đơn vị phối hợp | Kết quả/sản phẩm | Thời hạn hoàn thành |\n"
        "|---|---|---|---|---|---|\n"
        "| A | Chính quyền số | | | | |\n"
        "| I | Dữ liệu | | | | |\n"
        "| 1 | Việc một | Sở A | Sở B | Báo cáo | 2025 |\n"
        "| II | Nền tảng | | | | |\n"
        "| 2 | Việc hai, viết\ntrên hai dòng | Sở C | | | Quý I/2026 |\n"
        "| B | Kinh tế số | | | | |\n"
        "| I | Thương mại điện tử | | | | |\n"
        "| 3 | Việc ba | Sở D | | Sàn | Năm 2026 |\n"
    )
    assert [(t.part, t.section, t.number, t.title) for t in parsed.tasks] == [
        ("A", "I", "1", "Việc một"),
        ("A", "II", "2", "Việc hai, viết trên hai dòng"),
        ("B", "I", "3", "Việc ba"),
    ]
    assert parsed.tasks[2].part_title == "Kinh tế số"
    assert parsed.tasks[2].section_title == "Thương mại điện tử"
    assert parsed.kind == "Kế hoạch"  # from the number's "KH"


def test_number_column_not_first_and_column_numbering_row() -> None:
    parsed = read_plan(
        "Số: 11/QĐ-UBND |\n"
        "Nội dung công việc | TT | Thời gian | Cơ quan thực hiện | Ghi chú |\n"
        "(1) | (2) | (3) | (4) | (5) |\n"
        "Việc một | 1 | Tháng 5/2025 | Sở A | |\n"
        "Việc hai | 2 | Tháng 6/2025 | Sở B | gấp |\n"
    )
    assert [(t.number, t.title, t.lead_raw, t.deadline_raw, t.note_raw) for t in parsed.tasks] == [
        ("1", "Việc một", "Sở A", "Tháng 5/2025", ""),
        ("2", "Việc hai", "Sở B", "Tháng 6/2025", "gấp"),
    ]
    assert parsed.kind == "Quyết định"
    assert "line 3: column-numbering row (1), (2), … under the header skipped" in parsed.warnings


def test_repeated_header_after_a_page_break_continues_the_table() -> None:
    parsed = read_plan(
        "Số: 10/KH-UBND |\n"
        "TT | Tên nhiệm vụ | Cơ quan chủ trì | Thời gian hoàn thành |\n"
        "I | Nhóm một | | |\n"
        "1 | Việc một | Sở A | 2025 |\n"
        "TT | Tên nhiệm vụ | Cơ quan chủ trì | Thời gian hoàn thành |\n"
        "2 | Việc hai | Sở B | 2026 |\n"
    )
    assert [(t.section, t.number) for t in parsed.tasks] == [("I", "1"), ("I", "2")]
    assert "line 5: the task table header repeats (page break?); the table continues" in parsed.warnings


def test_a_repeated_block_with_a_table_is_read_once() -> None:
    block = "".join(
        f"{n}. |\nNhiệm vụ số {n} về chuyển đổi số trong các cơ quan của tỉnh |\nSở A |\nNăm 2025 |\n"
        for n in (1, 2, 3)
    )
    parsed = read_plan(HEAD + block + block)  # the copy repeated the whole table body
    assert [t.number for t in parsed.tasks] == ["1", "2", "3"]
    assert [t.line for t in parsed.tasks] == [19, 23, 27]
    assert parsed.warnings == ("line 19: lines 7–18 reappear at lines 19–30 (copied twice); first copy ignored",)


@pytest.mark.parametrize(
    ("header", "role"),
    [
        ("TT", "number"),
        ("STT", "number"),
        ("Số TT", "number"),
        ("Tên nhiệm vụ", "title"),
        ("Nội dung", "title"),
        ("Nhiệm vụ", "title"),
        ("Chỉ tiêu", "title"),
        ("Cơ quan chủ trì tham mưu/thực hiện", "agency"),
        ("Cơ quan chủ trì", "agency"),
        ("Đơn vị chủ trì", "agency"),
        ("Cơ quan thực hiện", "agency"),
        ("Cơ quan phối hợp", "coordinating"),
        ("Đơn vị phối hợp", "coordinating"),
        ("Kết quả", "result"),
        ("Sản phẩm", "result"),
        ("Kết quả/sản phẩm", "result"),
        ("Mục tiêu 2030", "result"),
        ("Thời gian hoàn thành", "deadline"),
        ("Thời gian thực hiện", "deadline"),
        ("Thời hạn hoàn thành", "deadline"),
        ("Tiến độ", "deadline"),
        ("Đơn vị tính", "unit"),
        ("ĐVT", "unit"),
        ("Cơ quan chủ trì theo dõi, đánh giá", "monitor"),
        ("Ghi chú", "note"),
        ("THOI GIAN HOAN THANH", "deadline"),  # no diacritics, capitals
        ("Nguồn kinh phí", None),
    ],
)
def test_header_roles(header: str, role: str | None) -> None:
    assert generic_role(header) == role


# --- soft oddities ---------------------------------------------------------------------------------


def test_non_monotonic_and_skipped_numbers_are_warnings() -> None:
    parsed = read_plan(HEAD + rows(("1.", "A", "Sở A", "2025"), ("3.", "B", "Sở B", "2025"), ("2.", "C", "Sở C", "")))
    assert [t.number for t in parsed.tasks] == ["1", "3", "2"]
    assert parsed.warnings == (
        "line 11: task number 3 comes after 1 (numbers skipped)",
        "line 15: task number 2 comes after 3 (numbers go backwards)",
        "line 18: task 2 has an empty deadline cell (column 'Thời gian hoàn thành')",
    )


def test_trailing_text_after_the_table_is_a_warning() -> None:
    parsed = read_plan(HEAD + rows(("1.", "A", "Sở A", "2025")) + "Một đoạn văn bản sau bảng.\nKhông có dấu gạch.\n")
    assert len(parsed.tasks) == 1
    assert parsed.warnings == (
        "line 11: text after the task table ignored: 'Một đoạn văn bản sau bảng. Không có dấu gạch.'",
    )


# --- bad input -------------------------------------------------------------------------------------


def test_format_error_reads_like_a_sentence() -> None:
    error = error_of((DATA / "bad-row-number.txt").read_text(encoding="utf-8"))
    assert str(error).startswith("line 17: expected a task number in column TT, found 'abc'")
    assert error.line == 17
    assert error.expected == "a task number in column TT"
    assert error.found == "abc"
    assert isinstance(error, ValueError)


def test_truncated_fixture() -> None:
    with pytest.raises(PlanFormatError) as info:
        read_plan_file(DATA / "bad-truncated.txt")
    assert info.value.line == 23
    assert "stops in the middle of task 2 (row from line 21): expected 6 cells, found 3" in str(info.value)
    assert info.value.source == str(DATA / "bad-truncated.txt")


@pytest.mark.parametrize(("cut", "line"), [(700, 700), (603, 603), (396, 396), (456, 456), (392, 392), (390, 390)])
def test_real_plan_cut_mid_table(real_lines: list[str], cut: int, line: int) -> None:
    error = error_of("\n".join(real_lines[:cut]))
    assert error.line == line
    assert "cut short" in str(error)


def test_real_plan_cut_in_the_middle_of_a_line(real_lines: list[str]) -> None:
    error = error_of("\n".join([*real_lines[:605], "Tháng 11 của"]))
    assert error.line == 606
    assert "task 33" in str(error)


def test_row_that_lost_a_cell(real_lines: list[str]) -> None:
    error = error_of("\n".join(real_lines[:603] + real_lines[604:]))  # task 33 loses its coordinating cell
    assert error.line == 606
    assert str(error).startswith(
        "line 606: expected the deadline cell of task 33 in column 'Thời gian hoàn thành', found '34.'"
    )


def test_misaligned_fixture() -> None:
    with pytest.raises(PlanFormatError) as info:
        read_plan_file(DATA / "bad-misaligned.txt")
    assert info.value.line == 22
    assert "found '3.'" in str(info.value)


def test_shuffled_header_fixture_missing_role() -> None:
    with pytest.raises(PlanFormatError) as info:
        read_plan_file(DATA / "bad-shuffled-header.txt")
    assert info.value.line == 5
    assert "expected a lead-agency column (Cơ quan chủ trì) in the task table header" in str(info.value)


def test_shuffled_header_cells_of_the_real_plan(real_lines: list[str]) -> None:
    shuffled = real_lines[:]
    shuffled[386], shuffled[387] = shuffled[387], shuffled[386]  # "Tên nhiệm vụ" ↔ "Cơ quan chủ trì …"
    error = error_of("\n".join(shuffled))
    assert error.line == 386
    assert "found them in column 'Tên nhiệm vụ'" in str(error)


def test_missing_header_cell_of_the_real_indicator_table(real_lines: list[str]) -> None:
    error = error_of("\n".join(real_lines[:157] + real_lines[158:]))  # "TT |" of Phụ lục I deleted
    assert error.line == 158
    assert "expected a number column (TT) in the indicator table header" in str(error)


def test_duplicate_number_is_an_error() -> None:
    error = error_of(HEAD + rows(("1.", "A", "Sở A", "2025"), ("1.", "B", "Sở B", "2025")))
    assert error.line == 11
    assert "task number 1 appears twice (lines 7 and 11)" in str(error)


def test_not_a_plan() -> None:
    with pytest.raises(PlanFormatError) as info:
        read_plan_file(DATA / "bad-not-a-plan.txt")
    assert info.value.line is None
    assert "expected a task table" in str(info.value)


def test_no_plan_number() -> None:
    error = error_of("TT | Tên nhiệm vụ | Cơ quan chủ trì |\n1 | Việc | Sở A |\n")
    assert "expected the plan number" in str(error)


def test_binary_file() -> None:
    with pytest.raises(PlanFormatError) as info:
        read_plan_file(DATA / "bad-binary.png")
    assert "binary data" in str(info.value)


def test_binary_text() -> None:
    assert "binary data" in str(error_of("Số: 1/KH\x00\x01\x02"))


@pytest.mark.parametrize("content", [b"", b"   \n\n\t\n", b"\xef\xbb\xbf"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    with pytest.raises(PlanFormatError) as info:
        read_plan_file(path)
    assert info.value.line is None
    assert "empty" in str(info.value)


def test_empty_fixture_and_empty_text() -> None:
    with pytest.raises(PlanFormatError):
        read_plan_file(DATA / "bad-empty.txt")
    assert "empty" in str(error_of(""))


def test_undecodable_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes(
        "Số: 1/KH-UBND |\nTT |\nTên nhiệm vụ |\n".encode() + "Cơ quan chủ trì |\n".encode("latin-1", "replace")
    )
    with pytest.raises(PlanFormatError) as info:
        read_plan_file(path)
    assert info.value.line == 4
    assert "expected UTF-8 text" in str(info.value)


def test_utf16_with_bom_is_read(tmp_path: Path, plan: ParsedPlan, real_text: str) -> None:
    path = tmp_path / "utf16.txt"
    path.write_bytes(real_text.encode("utf-16"))
    assert read_plan_file(path).tasks == plan.tasks
