"""Word ``.docx`` → :class:`Document`, read from the XML python-docx opens.

Merged cells as Word stores them: ``w:gridSpan`` (a cell over several grid columns) and ``w:vMerge``
(``restart`` opens a vertical merge, a bare ``vMerge`` continues it: that cell gets the text above and
is marked a copy). ``w:gridBefore`` (rows starting right of the first column) is honoured. Paragraphs
and tables are taken in body order, including those inside content controls (``w:sdt``). Bold/italic
come from the runs (a cell is bold when all its text is).
"""

import io
from collections.abc import Iterator
from typing import Any

from models.domain.plan_reader.document import Document, GridBuilder, Paragraph, RefOf, Table, clean
from models.domain.plan_reader.model import PlanFormatError

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _val(element: Any, tag: str) -> str | None:
    """The ``w:val`` of child ``tag`` of ``element`` ("" when present without a value), None when absent."""
    if element is None:
        return None
    child = element.find(W + tag)
    if child is None:
        return None
    return child.get(W + "val", "")


def _on(value: str | None) -> bool:
    return value is not None and value not in ("0", "false", "off", "none")


def _runs_text(paragraph: Any) -> tuple[str, bool, bool]:
    """A ``w:p``'s text (tabs as spaces, ``w:br`` as line breaks) and whether all of it is bold/italic."""
    parts: list[str] = []
    bold = italic = True
    seen = False
    for run in paragraph.iter(W + "r"):
        props = run.find(W + "rPr")
        text = ""
        for node in run:
            if node.tag == W + "t":
                text += node.text or ""
            elif node.tag == W + "tab":
                text += " "
            elif node.tag in (W + "br", W + "cr"):
                text += "\n"
        if text.strip():
            seen = True
            bold &= _on(_val(props, "b"))
            italic &= _on(_val(props, "i"))
        parts.append(text)
    return "".join(parts), bold and seen, italic and seen


def _cell(tc: Any) -> tuple[str, bool, bool]:
    texts, bolds, italics = [], [], []
    for p in tc.iter(W + "p"):
        text, bold, italic = _runs_text(p)
        if text.strip():
            texts.append(text)
            bolds.append(bold)
            italics.append(italic)
    return "\n".join(texts), bool(bolds) and all(bolds), bool(italics) and all(italics)


def _table(tbl: Any, ref: str) -> Table:
    grid = GridBuilder()
    for r, tr in enumerate(tbl.findall(W + "tr")):
        col = int(_val(tr.find(W + "trPr"), "gridBefore") or 0)
        for tc in tr.findall(W + "tc"):
            props = tc.find(W + "tcPr")
            span = int(_val(props, "gridSpan") or 1)
            merge = _val(props, "vMerge")
            if merge is not None and merge != "restart":
                for c in range(col, col + span):
                    if not grid.extend(r, c):
                        grid.add(r, "", col=c)
            else:
                text, bold, italic = _cell(tc)
                grid.add(r, text, colspan=span, bold=bold, italic=italic, col=col)
            col += span
    return Table(grid.rows(RefOf(ref)), ref)


def _blocks(parent: Any) -> Iterator[Any]:
    for child in parent:
        if child.tag in (W + "p", W + "tbl"):
            yield child
        elif child.tag in (W + "sdt", W + "sdtContent", W + "customXml"):
            yield from _blocks(child)


def read_docx(data: bytes, source: str) -> Document:
    import docx  # python-docx; imported here so text plans need none of the format libraries

    try:
        body = docx.Document(io.BytesIO(data)).element.body
    except Exception as exc:  # a damaged zip or XML: say so, never a traceback
        raise PlanFormatError(
            f"expected a Word document, found a damaged .docx ({exc}) (tệp Word bị hỏng)",
            expected="a .docx file",
            source=source,
        ) from None
    blocks: list[Paragraph | Table] = []
    paragraphs = tables = 0
    for element in _blocks(body):
        if element.tag == W + "tbl":
            tables += 1
            blocks.append(_table(element, f"table {tables}"))
            continue
        paragraphs += 1
        text, bold, italic = _runs_text(element)
        if clean(text):
            blocks.append(Paragraph(clean(text), f"paragraph {paragraphs}", bold, italic))
    return Document(tuple(blocks), "docx")


__all__ = ["read_docx"]
