"""The plan reader on the documents people have: the seed plan written as .docx (merged cells: Word's
gridSpan/vMerge), .xlsx (merged ranges), .html (rowspan/colspan) and a text .pdf (repeated headers over
pages) reads to the same 68 tasks and 42 indicators as its text copy; bad files get an error naming the
page, table row or cell and what was expected."""

import io
import json
import sys
import zipfile
from pathlib import Path

import pytest

from models.domain.plan_reader import (
    ParsedPlan,
    PlanFormatError,
    parse_columns,
    preview_plan,
    read_plan,
    read_plan_file,
)
from models.domain.plan_reader.formats import sniff

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from plan_docs import WRITERS, C, Spec, SpecTable, cells, seed_spec, unicode_font, write_pdf

SEED = Path(__file__).resolve().parents[2] / "config" / "plans" / "25-KH-UBND-2025-thai-nguyen.txt"
TASK_FIELDS = (
    "number",
    "section",
    "section_title",
    "title",
    "lead_raw",
    "coordinating_raw",
    "output_raw",
    "deadline_raw",
)
INDICATOR_FIELDS = (
    "code",
    "parent_code",
    "group",
    "group_title",
    "horizon",
    "title",
    "unit_raw",
    "target_raw",
    "monitor_raw",
)
needs_font = pytest.mark.skipif(unicode_font() is None, reason="no Unicode TTF font (fonts-dejavu-core) for the PDF")


@pytest.fixture(scope="module")
def seed() -> ParsedPlan:
    return read_plan_file(SEED)


def _same(seed: ParsedPlan, got: ParsedPlan) -> None:
    assert (got.number, got.issued_on, got.kind) == (seed.number, seed.issued_on, seed.kind)
    assert len(got.tasks) == 68 and len(got.indicators) == 42
    assert [tuple(getattr(t, f) for f in TASK_FIELDS) for t in got.tasks] == [
        tuple(getattr(t, f) for f in TASK_FIELDS) for t in seed.tasks
    ]
    assert [tuple(getattr(i, f) for f in INDICATOR_FIELDS) for i in got.indicators] == [
        tuple(getattr(i, f) for f in INDICATOR_FIELDS) for i in seed.indicators
    ]
    assert got.rows is not None and got.rows.unaccounted == 0
    assert (got.rows.tasks, got.rows.indicators) == (68, 42)
    assert got.rows.headings == 9 + (2 if got.source_kind == "xlsx" else 0)  # Excel: the "PHỤ LỤC II" title rows


@pytest.mark.parametrize("kind", ["docx", "xlsx", "html", pytest.param("pdf", marks=needs_font)])
def test_the_seed_plan_in_each_format_reads_like_its_text_copy(seed: ParsedPlan, kind: str, tmp_path: Path) -> None:
    path = WRITERS[kind](seed_spec(seed), tmp_path / f"plan.{kind}")
    got = read_plan_file(path)
    _same(seed, got)
    assert got.source_kind == kind
    assert all(t.ref for t in got.tasks)


def test_the_docx_keeps_word_merges_and_a_merged_deadline_reaches_every_task(seed: ParsedPlan, tmp_path: Path) -> None:
    path = WRITERS["docx"](seed_spec(seed), tmp_path / "plan.docx")
    xml = zipfile.ZipFile(path).read("word/document.xml").decode()
    assert "w:gridSpan" in xml and 'w:vMerge w:val="restart"' in xml  # real Word merges, not copies
    got = read_plan_file(path)
    assert got.tasks[2].deadline_raw == seed.tasks[2].deadline_raw == "Thường xuyên"


def test_markdown_pipes_of_the_seed_read_like_the_text_copy(seed: ParsedPlan, tmp_path: Path) -> None:
    path = WRITERS["md"](seed_spec(seed, merge_deadlines=False), tmp_path / "plan.md")
    _same(seed, read_plan_file(path))


def test_the_format_is_found_from_the_content_not_the_name(seed: ParsedPlan, tmp_path: Path) -> None:
    docx = WRITERS["docx"](seed_spec(seed), tmp_path / "plan.docx")
    disguised = tmp_path / "ke-hoach.txt"
    disguised.write_bytes(docx.read_bytes())
    assert sniff(disguised.read_bytes()) == "docx"
    assert len(read_plan_file(disguised).tasks) == 68


def _small(rows: list[list[C]], heading: list[str] | None = None) -> Spec:
    return Spec(
        heading if heading is not None else ["Số: 7/KH-UBND", "Hà Nội, ngày 1 tháng 2 năm 2025"], [SpecTable(rows)]
    )


@needs_font
def test_a_scanned_page_is_refused_naming_the_page(tmp_path: Path) -> None:
    from fpdf import FPDF

    path = write_pdf(
        _small([cells("TT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"), cells("1", "A", "Sở Y tế", "2025")]),
        tmp_path / "a.pdf",
    )
    pdf = FPDF()  # page 1: text; page 2: only a drawn rectangle standing for a scanned image
    pdf.add_font("dv", "", str(unicode_font()))
    pdf.set_font("dv", size=10)
    pdf.add_page()
    pdf.cell(0, 10, "Số: 7/KH-UBND")
    pdf.add_page()
    pdf.rect(10, 10, 150, 200, style="F")
    scanned = tmp_path / "scanned.pdf"
    pdf.output(str(scanned))
    assert read_plan_file(path).tasks[0].lead_raw == "Sở Y tế"
    with pytest.raises(PlanFormatError, match=r"page 2 has no text layer.*OCR"):
        read_plan_file(scanned)


def test_an_old_doc_file_is_refused_with_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "ke-hoach.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(PlanFormatError, match=r"save it as \.docx"):
        read_plan_file(path)


def test_a_damaged_docx_and_a_foreign_zip_are_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<not xml")
    (tmp_path / "bad.docx").write_bytes(buffer.getvalue())
    with pytest.raises(PlanFormatError, match=r"damaged \.docx"):
        read_plan_file(tmp_path / "bad.docx")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("photo.jpg", "x")
    (tmp_path / "photos.zip").write_bytes(buffer.getvalue())
    with pytest.raises(PlanFormatError, match="neither a Word"):
        read_plan_file(tmp_path / "photos.zip")


def test_a_word_file_of_prose_is_refused_as_not_a_plan(tmp_path: Path) -> None:
    spec = Spec(["Số: 7/KH-UBND", "Kính gửi các sở, ngành.", "Đề nghị các đơn vị báo cáo trước ngày 15/3."], [])
    path = WRITERS["docx"](spec, tmp_path / "letter.docx")
    with pytest.raises(PlanFormatError, match="does not look like a plan"):
        read_plan_file(path)


def test_a_missing_lead_column_names_the_table_row(tmp_path: Path) -> None:
    rows = [
        cells("TT", "Nội dung nhiệm vụ", "Cơ quan phối hợp", "Kết quả", "Thời hạn"),
        cells("1", "A", "Sở Y tế", "Báo cáo", "2025"),
    ]
    path = WRITERS["docx"](_small(rows), tmp_path / "plan.docx")
    with pytest.raises(PlanFormatError) as info:
        read_plan_file(path)
    assert str(info.value).startswith("table 1 row 1: expected a lead-agency column")


def test_a_row_number_error_names_the_sheet_row(tmp_path: Path) -> None:
    rows = [
        cells("TT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"),
        cells("1", "Xây dựng kế hoạch", "Sở Y tế", "2025"),
        cells("2", "Triển khai", "Sở Y tế", "2025"),
        cells("2", "Triển khai lại", "Sở Y tế", "2026"),
    ]
    path = WRITERS["xlsx"](_small(rows), tmp_path / "plan.xlsx")
    with pytest.raises(
        PlanFormatError, match=r"task number 2 appears twice \(sheet 'Sheet' row 5 and sheet 'Sheet' row 6\)"
    ):
        read_plan_file(path)


def test_an_excerpt_takes_number_date_and_issuer_from_the_options(tmp_path: Path) -> None:
    rows = [
        cells("TT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"),
        cells("1", "Xây dựng kế hoạch", "Sở Y tế", "2025"),
    ]
    path = WRITERS["html"](_small(rows, heading=["PHỤ LỤC", "DANH MỤC NHIỆM VỤ"]), tmp_path / "excerpt.html")
    with pytest.raises(PlanFormatError, match="--number"):
        read_plan_file(path)
    from datetime import date

    plan = read_plan_file(path, number="9/KH-UBND", issued=date(2025, 2, 3), issuer="Tỉnh Hà Nam")
    assert (plan.number, plan.issued_on, plan.issuer) == ("9/KH-UBND", date(2025, 2, 3), "Tỉnh Hà Nam")
    assert any("taken from the command line" in w for w in plan.warnings)


def test_preview_shows_tables_roles_and_first_rows_and_columns_override_a_role(tmp_path: Path) -> None:
    rows = [
        cells("TT", "Nội dung nhiệm vụ", "Đơn vị", "Cơ quan phối hợp", "Mốc thời gian báo cáo"),
        cells("1", "Xây dựng kế hoạch", "Sở Y tế", "Sở Tài chính", "Quý I/2025"),
    ]
    path = WRITERS["docx"](_small(rows), tmp_path / "plan.docx")
    shown = preview_plan(path)
    roles = {c["header"]: c["role"] for c in shown["tables"][0]["columns"]}
    assert roles["Đơn vị"] == "lead agency" and roles["Mốc thời gian báo cáo"] == "deadline"
    assert shown["tasks"][0]["lead"] == "Sở Y tế" and shown["rows"]["tasks"] == 1
    json.dumps(shown, ensure_ascii=False)
    overridden = read_plan_file(path, columns=parse_columns("4=extra, 3=lead"))
    assert overridden.tasks[0].coordinating_raw == "" and overridden.tasks[0].extra == {"Cột 4": "Sở Tài chính"}
    with pytest.raises(PlanFormatError, match="--columns"):
        parse_columns("3=boss")


def test_html_fragments_inside_markdown_are_read_as_tables(tmp_path: Path) -> None:
    text = (
        "Số: 5/KH-UBND\n\n<table><tr><th>TT</th><th>Nội dung nhiệm vụ</th>"
        "<th>Cơ quan chủ trì</th><th>Thời hạn</th></tr>"
        "<tr><td>1</td><td>Rà soát<br>thủ tục</td><td rowspan='2'>Sở Nội vụ</td><td>2025</td></tr>"
        "<tr><td>2</td><td>Công bố</td><td>2026</td></tr></table>\n"
    )
    path = tmp_path / "plan.md"
    path.write_text(text, encoding="utf-8")
    plan = read_plan_file(path)
    assert [(t.title, t.lead_raw) for t in plan.tasks] == [("Rà soát thủ tục", "Sở Nội vụ"), ("Công bố", "Sở Nội vụ")]


def test_text_layouts_still_read_by_the_text_reader(seed: ParsedPlan) -> None:
    assert read_plan(SEED.read_text(encoding="utf-8")).tasks == seed.tasks
    assert seed.rows is not None and seed.rows.unaccounted == 0 and seed.rows.tasks == 68


def test_word_automatic_numbering_in_the_stt_column_is_read(tmp_path: Path) -> None:
    """Real Word plans often number the STT column with a list style: the number is not in the text."""
    import docx

    document = docx.Document()
    document.add_paragraph("Số: 8/KH-UBND")
    table = document.add_table(rows=4, cols=4)
    for k, text in enumerate(("TT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời hạn")):
        table.cell(0, k).text = text
    for r in (1, 2, 3):
        table.cell(r, 0).paragraphs[0].style = document.styles["List Number"]
        table.cell(r, 1).text, table.cell(r, 2).text, table.cell(r, 3).text = f"Nhiệm vụ {r}", "Sở Y tế", "2025"
    document.save(str(tmp_path / "numbered.docx"))
    plan = read_plan_file(tmp_path / "numbered.docx")
    assert [(t.number, t.title) for t in plan.tasks] == [("1", "Nhiệm vụ 1"), ("2", "Nhiệm vụ 2"), ("3", "Nhiệm vụ 3")]


@needs_font
def test_a_pdf_of_prose_without_a_ruled_table_is_refused_clearly(tmp_path: Path) -> None:
    path = write_pdf(
        Spec(["Số: 7/KH-UBND", "Kính gửi các sở, ngành: đề nghị báo cáo trước ngày 15/3."], []), tmp_path / "p.pdf"
    )
    with pytest.raises(PlanFormatError, match="no ruled table on any page"):
        read_plan_file(path)


def test_a_web_page_wrapped_in_a_layout_table_is_read_inside(tmp_path: Path) -> None:
    """Legal-document sites wrap the whole text in layout tables: the plan's table is the one inside."""
    page = (
        "<html><body><table><tr><td>menu</td><td><p>Số: 6/KH-UBND</p>"
        "<table border=1><tr><td><b>TT</b></td><td><b>Nội dung nhiệm vụ</b></td><td><b>Cơ quan chủ trì</b></td>"
        "<td><b>Thời hạn</b></td></tr><tr><td>1</td><td><p>Rà soát&nbsp;thủ tục</p></td>"
        "<td><span style='font-weight: bold'>Sở Nội vụ</span></td><td>2025</td></tr></table>"
        "<p>Nơi nhận:</p></td></tr></table></body></html>"
    )
    path = tmp_path / "page.htm"
    path.write_text(page, encoding="utf-8")
    plan = read_plan_file(path)
    assert [(t.number, t.title, t.lead_raw) for t in plan.tasks] == [("1", "Rà soát thủ tục", "Sở Nội vụ")]
    assert plan.number == "6/KH-UBND"


def test_preview_numbers_columns_as_in_the_source_for_columns_overrides() -> None:
    corpus = Path(__file__).resolve().parents[1] / "data" / "plans" / "corpus"
    shown = preview_plan(corpus / "04-columns-reordered.xlsx")
    columns = {c["header"]: c["column"] for c in shown["tables"][0]["columns"]}
    assert columns == {"TT": 2, "Cơ quan chủ trì": 1, "Thuộc nhóm nhiệm vụ": 3, "Nội dung nhiệm vụ": 4,
                       "Cơ quan phối hợp": 5, "Tiến độ": 6}  # fmt: skip
    swapped = read_plan_file(corpus / "04-columns-reordered.xlsx", columns={1: "coordinating", 5: "lead"})
    assert swapped.tasks[0].lead_raw == "Sở Tư pháp" and swapped.tasks[0].coordinating_raw == "Sở Tài chính"


def test_extractor_markdown_with_empty_cells_and_rows_without_leading_pipe(tmp_path: Path) -> None:
    lines = ["Số: 2/KH-UBND", "|", "**TT**", "|", "**Nội dung nhiệm vụ**", "|", "**Cơ quan chủ trì**", "|",
             "**Cơ quan phối hợp**", "|", "**Thời hạn**", "| |",
             "|", "1", "|", "Rà soát thủ tục", "|", "Sở Nội vụ", "|", "|", "Năm 2025", "|", "|",
             "2", "|", "Công bố<br>danh mục", "|", "Sở Tư pháp", "|", "Sở Nội vụ", "|", "Quý I/2026", "| |",
             "Nơi nhận:"]  # fmt: skip
    path = tmp_path / "plan.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    plan = read_plan_file(path)
    assert [(t.number, t.title, t.lead_raw, t.coordinating_raw, t.deadline_raw) for t in plan.tasks] == [
        ("1", "Rà soát thủ tục", "Sở Nội vụ", "", "Năm 2025"),
        ("2", "Công bố danh mục", "Sở Tư pháp", "Sở Nội vụ", "Quý I/2026"),
    ]


def test_agency_names_on_separate_lines_of_a_cell_are_a_list_and_sheets_stay_apart(tmp_path: Path) -> None:
    header = cells("TT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời hạn")
    first = [
        header,
        cells("1", "Rà soát", "Sở Nội vụ", "Sở Tài chính\nSở Tư pháp\nỦy ban nhân dân các\nxã, phường", "2025"),
    ]
    second = [header, cells("1", "Công bố", "Sở Tư pháp", "", "2026")]
    spec = Spec(["Số: 3/KH-UBND"], [SpecTable(first), SpecTable(second, ["PHỤ LỤC II"])])
    html = read_plan_file(WRITERS["html"](spec, tmp_path / "p.html"))
    assert html.tasks[0].coordinating_raw == "Sở Tài chính; Sở Tư pháp; Ủy ban nhân dân các xã, phường"
    assert [t.number for t in html.tasks] == ["1", "PLII.1"]


def test_a_task_row_with_header_words_is_a_task_and_a_long_header_is_a_header(tmp_path: Path) -> None:
    long_lead = "Cơ quan, đơn vị chủ trì thực hiện và chịu trách nhiệm báo cáo kết quả với Ủy ban nhân dân tỉnh"
    rows = [
        cells("TT", "Nội dung nhiệm vụ", long_lead, "Thời gian hoàn thành"),
        cells("1", "Nhiệm vụ", "Sở Nội vụ chủ trì", "Thời gian: quý I"),
    ]
    plan = read_plan_file(WRITERS["docx"](_small(rows), tmp_path / "p.docx"))
    assert [(t.number, t.lead_raw, t.deadline_raw) for t in plan.tasks] == [
        ("1", "Sở Nội vụ chủ trì", "Thời gian: quý I")
    ]


def test_an_italic_sub_heading_in_a_copied_text_does_not_end_the_table() -> None:
    """The text layout with markdown emphasis: "*Lĩnh vực …*" where a row starts is a sub-heading."""
    text = "\n".join(
        ["Số: 4/KH-UBND |", "TT |", "Nội dung nhiệm vụ |", "Cơ quan chủ trì |", "Thời hạn |",
         "1 |", "Rà soát |", "Sở Nội vụ |", "2025 |",
         "*Lĩnh vực văn hóa* |", "|||",
         "2 |", "Số hóa di sản |", "Sở Văn hóa, Thể thao và Du lịch |", "2026 |",
         "3 |", "Bảo tàng số |", "Sở Văn hóa, Thể thao và Du lịch |", "2027 |"]
    )  # fmt: skip
    plan = read_plan(text)
    assert [t.number for t in plan.tasks] == ["1", "2", "3"]
    assert any("sub-heading row read" in w for w in plan.warnings)


def test_numbered_rows_after_a_text_table_ended_are_listed_not_dropped(tmp_path: Path) -> None:
    text = "\n".join(
        ["Số: 4/KH-UBND |", "TT | Nội dung nhiệm vụ | Cơ quan chủ trì | Thời hạn |", "1 | Rà soát | Sở Nội vụ | 2025 |",
         "KT. CHỦ TỊCH", "Trần Văn A |", "2 | Công bố | Sở Tư pháp | 2026 |"]
    )  # fmt: skip
    path = tmp_path / "plan.txt"
    path.write_text(text, encoding="utf-8")
    plan = read_plan_file(path)
    assert [t.number for t in plan.tasks] == ["1"]
    assert plan.rows is not None and [(r.line, r.why) for r in plan.rows.ignored] == [
        (6, "a numbered row after the end of the table: not read")
    ]
    assert any("line 6: a numbered row after the end of the table" in w for w in plan.warnings)
