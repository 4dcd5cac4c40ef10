"""A PDF with a text layer → :class:`Document`, with pdfplumber's table extraction.

Each page's tables (ruled lines) become tables; merged cells are found from the cell boxes (a box that
covers several grid positions is the origin, the positions it covers are copies); the text outside the
tables becomes paragraphs, a line each. Bold/italic come from the font names of a cell's characters.
A page with no text layer (a scan) is refused, naming the page: it needs OCR first — the reader never
guesses at an image. Line breaks inside a cell are only where the text wrapped, so a cell is one line.
"""

import bisect
import io
from typing import Any

from models.domain.plan_reader.document import Cell, Document, Paragraph, Row, Table, clean
from models.domain.plan_reader.model import PlanFormatError


def _font_flags(chars: list[dict[str, Any]]) -> tuple[bool, bool]:
    names = [str(c.get("fontname", "")).lower() for c in chars if str(c.get("text", "")).strip()]
    if not names:
        return False, False
    bold = all("bold" in n or "black" in n or "heavy" in n for n in names)
    italic = all("italic" in n or "oblique" in n for n in names)
    return bold, italic


def _inside(char: dict[str, Any], box: tuple[float, float, float, float]) -> bool:
    x = (char["x0"] + char["x1"]) / 2
    y = (char["top"] + char["bottom"]) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _table(page: Any, found: Any, ref: str, page_no: int) -> Table:
    """One pdfplumber table: texts from ``extract()``; spans from the cell boxes of ``rows``."""
    texts = found.extract()
    boxes = [list(row.cells) for row in found.rows]
    ncols = max((len(r) for r in boxes), default=0)
    col_x: list[float | None] = [None] * ncols
    for row in boxes:
        for c, box in enumerate(row):
            if box is not None and col_x[c] is None:
                col_x[c] = (box[0] + box[2]) / 2 if c + 1 >= len(row) or row[c + 1] is not None else box[0] + 1
    origins: dict[tuple[float, ...], tuple[int, int]] = {}
    chars = sorted(page.chars, key=lambda ch: ch["top"])
    tops = [ch["top"] for ch in chars]
    rows = []
    for r, row in enumerate(boxes):
        y = (found.rows[r].bbox[1] + found.rows[r].bbox[3]) / 2
        band = chars[
            bisect.bisect_left(tops, found.rows[r].bbox[1] - 2) : bisect.bisect_right(tops, found.rows[r].bbox[3])
        ]
        cells = []
        for c in range(ncols):
            box = row[c] if c < len(row) else None
            if box is not None:
                origins[tuple(box)] = (r, c)
                raw = (texts[r][c] if r < len(texts) and c < len(texts[r]) else "") or ""
                # a PDF's line breaks in a cell are where the text wrapped, not the writer's: one line
                text = clean(raw).replace("\n", " ")
                bold, italic = _font_flags([ch for ch in band if _inside(ch, box)]) if text else (False, False)
                cells.append(Cell(text, bold, italic))
                continue
            x = col_x[c]
            covering = None
            for other, (orow, ocol) in origins.items():
                if x is not None and other[0] <= x <= other[2] and other[1] <= y <= other[3]:
                    covering = (orow, ocol)
            if covering is None:
                cells.append(Cell(""))
                continue
            origin = rows[covering[0]].cells[covering[1]] if covering[0] < r else cells[covering[1]]
            cells.append(Cell(origin.text, origin.bold, origin.italic, covering))
        rows.append(Row(tuple(cells), f"{ref} row {r + 1}"))
    return Table(tuple(rows), ref, page_no)


def read_pdf(data: bytes, source: str) -> Document:
    import pdfplumber

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:
        raise PlanFormatError(
            f"expected a PDF, found a damaged one ({exc}) (tệp PDF bị hỏng)", expected="a PDF file", source=source
        ) from None
    blocks: list[Paragraph | Table] = []
    with pdf:
        for number, page in enumerate(pdf.pages, start=1):
            if not page.chars:
                raise PlanFormatError(
                    f"page {number} has no text layer (a scanned image): it needs OCR before it can be imported"
                    f" (trang {number} là ảnh quét, cần nhận dạng ký tự OCR trước)",
                    expected="a PDF with a text layer",
                    found=f"page {number} without text",
                    source=source,
                )
            found = sorted(page.find_tables(), key=lambda t: t.bbox[1])
            boxes = [t.bbox for t in found]
            outside = page.filter(
                lambda obj, boxes=boxes: obj.get("object_type") != "char" or not any(_inside(obj, b) for b in boxes)
            )
            lines = [(line["top"], clean(line["text"])) for line in outside.extract_text_lines()]
            items: list[tuple[float, Paragraph | Table]] = [
                (top, Paragraph(text, f"page {number}")) for top, text in lines if text
            ]
            for k, table in enumerate(found, start=1):
                items.append((table.bbox[1], _table(page, table, f"page {number} table {k}", number)))
            items.sort(key=lambda item: item[0])
            blocks.extend(block for _, block in items)
            page.close()  # pdfplumber caches each page's objects: free them (a 500-task plan stays small)
    return Document(tuple(blocks), "pdf")


__all__ = ["read_pdf"]
