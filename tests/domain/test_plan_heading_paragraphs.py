"""The heading of a structured document (Word, a web page, extractor markdown) comes as separate paragraphs
with no cell pipes: the issuer stops before the number line, national issuers are read, and a mixed-case
subject under "KẾ HOẠCH" becomes the title."""

from pathlib import Path

from models.domain.plan_reader import read_plan_file

TABLE = """
| **STT** | **Nội dung nhiệm vụ** | **Cơ quan chủ trì** | **Cơ quan phối hợp** | **Sản phẩm** | **Thời hạn** |
|---|---|---|---|---|---|
| 1 | Rà soát các quy định | Bộ Tư pháp | Các bộ, ngành, địa phương | Báo cáo | Quý II/2025 |
| 2 | Xây dựng cơ sở dữ liệu | Bộ Công an | Bộ Tài chính | Hệ thống | Năm 2026 |
"""


def _plan(tmp_path: Path, heading: str):
    path = tmp_path / "plan.md"
    path.write_text(heading + TABLE, encoding="utf-8")
    return read_plan_file(path)


def test_a_provincial_issuer_stops_before_the_number_line(tmp_path: Path) -> None:
    plan = _plan(
        tmp_path,
        "**ỦY BAN NHÂN DÂN TỈNH BẮC NINH**\n\nSố: 112/KH-UBND\n\n*Bắc Ninh, ngày 15 tháng 3 năm 2025*\n\n"
        "**KẾ HOẠCH**\n\n**Triển khai Nghị quyết số 57-NQ/TW của Bộ Chính trị**\n",
    )
    assert plan.issuer == "ỦY BAN NHÂN DÂN TỈNH BẮC NINH"
    assert plan.number == "112/KH-UBND" and str(plan.issued_on) == "2025-03-15"
    assert plan.official_title == "KẾ HOẠCH Triển khai Nghị quyết số 57-NQ/TW của Bộ Chính trị"
    assert plan.title == plan.official_title


def test_national_issuers_are_read(tmp_path: Path) -> None:
    for issuer, number in (("THỦ TƯỚNG CHÍNH PHỦ", "123/QĐ-TTg"), ("BỘ KHOA HỌC VÀ CÔNG NGHỆ", "45/KH-BKHCN")):
        heading = f"{issuer}\n\nSố: {number}\n\nHà Nội, ngày 02 tháng 4 năm 2025\n\nKẾ HOẠCH\n\nHÀNH ĐỘNG\n"
        plan = _plan(tmp_path, heading)
        assert plan.issuer == issuer and plan.number == number


def test_a_preamble_under_the_kind_word_is_not_a_title(tmp_path: Path) -> None:
    plan = _plan(
        tmp_path,
        "ỦY BAN NHÂN DÂN TỈNH THÁI NGUYÊN\n\nSố: 9/KH-UBND\n\nKẾ HOẠCH\n\n"
        "Căn cứ Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị, UBND tỉnh ban hành kế hoạch như sau:\n",
    )
    assert plan.official_title is None
