"""Word ``.docx`` → :class:`Document`, read from the XML python-docx opens.

Merged cells as Word stores them: ``w:gridSpan`` (a cell over several grid columns) and ``w:vMerge``
(``restart`` opens a vertical merge, a bare ``vMerge`` continues it: that cell gets the text above and
is marked a copy). ``w:gridBefore`` (rows starting right of the first column) is honoured. Paragraphs
and tables are taken in body order, including those inside content controls (``w:sdt``). Bold/italic
come from the runs (a cell is bold when all its text is). Automatic list numbering (``w:numPr``, an
STT column numbered by Word) is turned into the text it shows (:class:`Numbering`).
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


def _roman(value: int) -> str:
    out = ""
    for number, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                            (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):  # fmt: skip
        while value >= number:
            out += letters
            value -= number
    return out


def _format(value: int, fmt: str) -> str:
    if fmt == "upperRoman":
        return _roman(value)
    if fmt == "lowerRoman":
        return _roman(value).lower()
    if fmt in ("upperLetter", "lowerLetter"):
        letter = chr(64 + (value - 1) % 26 + 1)
        return letter if fmt == "upperLetter" else letter.lower()
    return str(value)


class Numbering:
    """Word's automatic numbering (``w:numPr``): the "1.", "II.", "a)" or bullet a paragraph shows but
    does not hold as text — in real plans the STT column is often numbered this way. Counters run in
    document order per list; a level's counter restarts when a shallower level moves on."""

    def __init__(self, root: Any | None, styles: Any | None = None) -> None:
        self.styles: dict[str, Any] = {}  # paragraph style id → its w:numPr (a "List Number" style)
        if styles is not None:
            for style in styles.findall(W + "style"):
                props = style.find(W + "pPr")
                numpr = props.find(W + "numPr") if props is not None else None
                if numpr is not None:
                    self.styles[style.get(W + "styleId", "")] = numpr
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}  # abstractNumId → ilvl → (fmt, text, start)
        self.nums: dict[str, str] = {}  # numId → abstractNumId
        self.counters: dict[str, list[int]] = {}
        if root is None:
            return
        for abstract in root.findall(W + "abstractNum"):
            levels = {}
            for lvl in abstract.findall(W + "lvl"):
                fmt = _val(lvl, "numFmt") or "decimal"
                text = _val(lvl, "lvlText") or ""
                start = int(_val(lvl, "start") or 1)
                levels[int(lvl.get(W + "ilvl", "0"))] = (fmt, text, start)
            self.levels[abstract.get(W + "abstractNumId", "")] = levels
        for num in root.findall(W + "num"):
            self.nums[num.get(W + "numId", "")] = _val(num, "abstractNumId") or ""

    def label(self, paragraph: Any) -> str:
        props = paragraph.find(W + "pPr")
        numpr = props.find(W + "numPr") if props is not None else None
        if numpr is None and props is not None:
            numpr = self.styles.get(_val(props, "pStyle") or "")
        if numpr is None:
            return ""
        num_id = _val(numpr, "numId") or ""
        ilvl = int(_val(numpr, "ilvl") or 0)
        levels = self.levels.get(self.nums.get(num_id, ""), {})
        if num_id in ("", "0") or ilvl not in levels:
            return ""
        counters = self.counters.setdefault(num_id, [0] * 10)
        fmt, text, start = levels[ilvl]
        counters[ilvl] = max(counters[ilvl] + 1, start)
        for deeper in range(ilvl + 1, 10):
            counters[deeper] = 0
        if fmt in ("bullet", "none"):
            return "-" if fmt == "bullet" else ""
        for level in range(ilvl, -1, -1):
            lfmt, _, lstart = levels.get(level, ("decimal", "", 1))
            text = text.replace(f"%{level + 1}", _format(max(counters[level], lstart), lfmt))
        return text


NO_NUMBERING = Numbering(None)


def _numbered(paragraph: Any, numbering: Numbering) -> tuple[str, bool, bool]:
    text, bold, italic = _runs_text(paragraph)
    label = numbering.label(paragraph)
    return (f"{label} {text}".strip() if label else text), bold, italic


def _cell(tc: Any, numbering: Numbering = NO_NUMBERING) -> tuple[str, bool, bool]:
    texts, bolds, italics = [], [], []
    for p in tc.iter(W + "p"):
        text, bold, italic = _numbered(p, numbering)
        if text.strip():
            texts.append(text)
            bolds.append(bold)
            italics.append(italic)
    return "\n".join(texts), bool(bolds) and all(bolds), bool(italics) and all(italics)


def _table(tbl: Any, ref: str, numbering: Numbering) -> Table:
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
                text, bold, italic = _cell(tc, numbering)
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
        document = docx.Document(io.BytesIO(data))
        body = document.element.body
        try:
            numbering = Numbering(document.part.numbering_part.element, document.styles.element)
        except (KeyError, NotImplementedError, AttributeError):  # a document without lists
            numbering = NO_NUMBERING
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
            blocks.append(_table(element, f"table {tables}", numbering))
            continue
        paragraphs += 1
        text, bold, italic = _numbered(element, numbering)
        if clean(text):
            blocks.append(Paragraph(clean(text), f"paragraph {paragraphs}", bold, italic))
    return Document(tuple(blocks), "docx")


__all__ = ["read_docx"]
