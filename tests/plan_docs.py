"""Writing plans as the documents people have — Word, Excel, a web page, a text PDF, markdown — from one
small spec, for the reader's tests and ``bench/bench_import.py``. Real writers (python-docx, openpyxl,
fpdf2 with a Unicode TTF font), so the readers meet real files: merged cells are Word's gridSpan/vMerge,
Excel's merged ranges, HTML's rowspan/colspan, ruled PDF tables with headings repeated on every page.

A spec: ``Spec(heading=[lines…], tables=[SpecTable(title=[lines…], rows=[[C(...), …], …])], after=[…])``;
a row lists its cells left to right, leaving out the positions a span from another cell covers.
"""

import html
from dataclasses import dataclass, field
from pathlib import Path

from models.domain.plan_reader import ParsedPlan


@dataclass
class C:
    text: str
    rowspan: int = 1
    colspan: int = 1
    bold: bool = False
    italic: bool = False


@dataclass
class SpecTable:
    rows: list[list[C]]
    title: list[str] = field(default_factory=list)


@dataclass
class Spec:
    heading: list[str]
    tables: list[SpecTable]
    after: list[str] = field(default_factory=list)


def cells(*texts: str, bold: bool = False, italic: bool = False) -> list[C]:
    return [C(text, bold=bold, italic=italic) for text in texts]


def _grid(table: SpecTable) -> tuple[int, list[list[tuple[int, C]]]]:
    """Each row's cells with their start column, and the column count."""
    taken: set[tuple[int, int]] = set()
    out: list[list[tuple[int, C]]] = []
    ncols = 0
    for r, row in enumerate(table.rows):
        col = 0
        placed = []
        for cell in row:
            while (r, col) in taken:
                col += 1
            placed.append((col, cell))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, col + dc))
            col += cell.colspan
            ncols = max(ncols, col)
        out.append(placed)
    return ncols, out


# --- writers --------------------------------------------------------------------------------------------


def write_html(spec: Spec, path: Path) -> Path:
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>Kế hoạch</title></head><body>"]
    parts += [f"<p>{html.escape(line)}</p>" for line in spec.heading]
    for table in spec.tables:
        parts += [f"<p><b>{html.escape(line)}</b></p>" for line in table.title]
        parts.append("<table border='1'>")
        for row in table.rows:
            parts.append("<tr>")
            for cell in row:
                text = "<br>".join(html.escape(part) for part in cell.text.split("\n"))
                if cell.bold:
                    text = f"<strong>{text}</strong>"
                if cell.italic:
                    text = f"<em>{text}</em>"
                span = (f" rowspan='{cell.rowspan}'" if cell.rowspan > 1 else "") + (
                    f" colspan='{cell.colspan}'" if cell.colspan > 1 else ""
                )
                parts.append(f"<td{span}>{text}</td>")
            parts.append("</tr>")
        parts.append("</table>")
    parts += [f"<p>{html.escape(line)}</p>" for line in spec.after]
    parts.append("</body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def _docx_text(target: object, text: str, bold: bool, italic: bool) -> None:
    lines = text.split("\n")
    paragraph = target.paragraphs[0]  # type: ignore[attr-defined]
    for k, line in enumerate(lines):
        if k:
            paragraph = target.add_paragraph()  # type: ignore[attr-defined]
        run = paragraph.add_run(line)
        run.bold = bold or None
        run.italic = italic or None


def _grid_cells(out: object, ncols: int) -> list[list[object]]:
    """The unmerged table's cells row by row, built from its XML in one pass."""
    from docx.table import _Cell

    return [[_Cell(tc, out) for tc in tr.tc_lst] for tr in out._tbl.tr_lst]  # type: ignore[attr-defined]


def write_docx(spec: Spec, path: Path) -> Path:
    import docx

    document = docx.Document()
    for line in spec.heading:
        document.add_paragraph(line)
    for table in spec.tables:
        for line in table.title:
            document.add_paragraph().add_run(line).bold = True
        ncols, grid = _grid(table)
        out = document.add_table(rows=len(table.rows), cols=ncols)
        # the cells once, before any merge (python-docx's table.cell() rescans the whole table each call)
        flat = [row.cells for row in out.rows] if len(table.rows) < 50 else _grid_cells(out, ncols)
        merges = []
        for r, placed in enumerate(grid):
            for col, cell in placed:
                _docx_text(flat[r][col], cell.text, cell.bold, cell.italic)
                if cell.rowspan > 1 or cell.colspan > 1:
                    merges.append((flat[r][col], flat[r + cell.rowspan - 1][col + cell.colspan - 1]))
        for origin, corner in merges:
            origin.merge(corner)
    for line in spec.after:
        document.add_paragraph(line)
    document.save(str(path))
    return path


def write_xlsx(spec: Spec, path: Path) -> Path:
    import openpyxl
    from openpyxl.styles import Alignment, Font

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    r = 1
    for line in spec.heading:
        sheet.cell(r, 1, line)
        r += 1
    for table in spec.tables:
        for line in table.title:
            sheet.cell(r, 1, line).font = Font(bold=True)
            r += 1
        _, grid = _grid(table)
        for k, placed in enumerate(grid):
            for col, cell in placed:
                target = sheet.cell(r + k, col + 1, cell.text)
                target.alignment = Alignment(wrap_text=True)
                if cell.bold or cell.italic:
                    target.font = Font(bold=cell.bold, italic=cell.italic)
                if cell.rowspan > 1 or cell.colspan > 1:
                    sheet.merge_cells(
                        start_row=r + k,
                        start_column=col + 1,
                        end_row=r + k + cell.rowspan - 1,
                        end_column=col + cell.colspan,
                    )
        r += len(grid) + 1
    for line in spec.after:
        sheet.cell(r, 1, line)
        r += 1
    book.save(str(path))
    return path


FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/share/fonts/TTF")


def unicode_font() -> Path | None:
    """A TTF with Vietnamese glyphs (DejaVu Sans, Debian's fonts-dejavu-core), or None."""
    for folder in FONT_DIRS:
        for name in ("DejaVuSans.ttf",):
            candidate = Path(folder) / name
            if candidate.exists():
                return candidate
    return None


def write_pdf(spec: Spec, path: Path) -> Path:
    from fpdf import FPDF

    font = unicode_font()
    if font is None:
        raise RuntimeError("no Unicode TTF font (apt-get install fonts-dejavu-core)")
    bold_font = font.with_name("DejaVuSans-Bold.ttf")
    italic_font = font.with_name("DejaVuSans-Oblique.ttf")
    pdf = FPDF(orientation="L", format="A4")
    pdf.add_font("dv", "", str(font))
    pdf.add_font("dv", "B", str(bold_font if bold_font.exists() else font))
    pdf.add_font("dv", "I", str(italic_font if italic_font.exists() else font))
    pdf.set_font("dv", size=8)
    pdf.add_page()
    for line in spec.heading:
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    for table in spec.tables:
        for line in table.title:
            pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
        ncols, _ = _grid(table)
        widths = _pdf_widths(ncols)
        with pdf.table(col_widths=widths, repeat_headings=1, first_row_as_headings=True) as out:
            for row in table.rows:
                target = out.row()
                for cell in row:
                    style = ("B" if cell.bold else "") + ("I" if cell.italic else "")
                    if style:
                        from fpdf.fonts import FontFace

                        target.cell(
                            cell.text, colspan=cell.colspan, rowspan=cell.rowspan, style=FontFace(emphasis=style)
                        )
                    else:
                        target.cell(cell.text, colspan=cell.colspan, rowspan=cell.rowspan)
        pdf.ln(4)
    for line in spec.after:
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def _pdf_widths(ncols: int) -> tuple[int, ...]:
    if ncols <= 2:
        return (1,) * ncols
    return (1, 5, *([3] * (ncols - 2)))


def write_markdown(spec: Spec, path: Path) -> Path:
    """Markdown pipe tables (spans written as copies, as converters do), ``**bold**``/``*italic*``."""
    out = list(spec.heading)
    for table in spec.tables:
        out += ["", *[f"**{line}**" for line in table.title], ""]
        ncols, grid = _grid(table)
        covered: dict[tuple[int, int], str] = {}
        for r, placed in enumerate(grid):
            row = [""] * ncols
            for col, cell in placed:
                text = cell.text.replace("\n", "<br>").replace("|", "\\|")
                if cell.bold and text:
                    text = f"**{text}**"
                if cell.italic and text:
                    text = f"*{text}*"
                row[col] = text
                for dr in range(1, cell.rowspan):
                    covered[(r + dr, col)] = ""
            for (cr, cc), text in covered.items():
                if cr == r:
                    row[cc] = text
            out.append("| " + " | ".join(row) + " |")
            if r == 0:
                out.append("|" + "---|" * ncols)
    out += ["", *spec.after]
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


WRITERS = {"docx": write_docx, "xlsx": write_xlsx, "html": write_html, "pdf": write_pdf, "md": write_markdown}


# --- the seed plan as a spec ----------------------------------------------------------------------------

TASK_HEADER = (
    "TT",
    "Tên nhiệm vụ",
    "Cơ quan chủ trì tham mưu/thực hiện",
    "Cơ quan phối hợp",
    "Kết quả",
    "Thời gian hoàn thành",
)
INDICATOR_HEADER = ("TT", "Chỉ tiêu", "Đơn vị tính", "Kết quả", "Cơ quan chủ trì theo dõi, đánh giá")


def seed_spec(plan: ParsedPlan, *, merge_deadlines: bool = True) -> Spec:
    """The plan read from its text copy, as a document: heading, indicator table (Phụ lục I), task table
    (Phụ lục II) with section rows spanning the table and runs of equal deadlines merged vertically."""
    assert plan.issued_on is not None
    heading = [
        "ỦY BAN NHÂN DÂN TỈNH THÁI NGUYÊN",
        f"Số: {plan.number}",
        f"Thái Nguyên, ngày {plan.issued_on.day:02d} tháng {plan.issued_on.month:02d} năm {plan.issued_on.year}",
        "KẾ HOẠCH",
        (plan.official_title or plan.title).removeprefix("KẾ HOẠCH ").strip(),
    ]
    indicators: list[list[C]] = [cells(*INDICATOR_HEADER, bold=True)]
    group = None
    for ind in plan.indicators:
        if ind.group != group:
            group = ind.group
            indicators.append([C(f"{ind.group}. {ind.group_title}", colspan=len(INDICATOR_HEADER), bold=True)])
        indicators.append(cells(ind.code_raw or ind.code, ind.title, ind.unit_raw, ind.target_raw, ind.monitor_raw))
    tasks: list[list[C]] = [cells(*TASK_HEADER, bold=True)]
    section = None
    run: list[list[C]] = []

    def close_run() -> None:
        if run and merge_deadlines and len(run) > 1:
            run[0][-1].rowspan = len(run)
            for row in run[1:]:
                row.pop()
        run.clear()

    for task in plan.tasks:
        if task.section != section:
            close_run()
            section = task.section
            tasks.append([C(f"{task.section}. {task.section_title}", colspan=len(TASK_HEADER), bold=True)])
        row = cells(
            task.number_raw or task.number,
            task.title,
            task.lead_raw,
            task.coordinating_raw,
            task.output_raw,
            task.deadline_raw,
        )
        if run and run[0][-1].text != task.deadline_raw:
            close_run()
        run.append(row)
        tasks.append(row)
    close_run()
    return Spec(
        heading=heading,
        tables=[
            SpecTable(indicators, ["PHỤ LỤC I", "DANH MỤC CÁC CHỈ TIÊU CỤ THỂ"]),
            SpecTable(tasks, ["PHỤ LỤC II", "DANH MỤC NHIỆM VỤ"]),
        ],
        after=["Nơi nhận:", "- Như trên;", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"],
    )
