"""A saved web page (``.html``/``.htm``, or HTML fragments inside markdown) → :class:`Document`, with lxml.

Tables with ``rowspan``/``colspan`` resolved, ``<br>`` and block elements inside a cell kept as line
breaks; text outside tables becomes paragraphs (one per block element). A table nested in a cell is
read as that cell's text. Bold/italic: ``<b>``/``<strong>``/``<i>``/``<em>`` or ``font-weight``/
``font-style`` holding all of a cell's text.
"""

import contextlib
import re
from typing import Any

from models.domain.plan_reader.document import Document, GridBuilder, Paragraph, RefOf, Table, clean
from models.domain.plan_reader.model import PlanFormatError

_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "section", "article", "blockquote", "pre"}
_SKIP = {"script", "style", "head", "title", "noscript", "template"}


def _styled(element: Any, tags: set[str], css: str) -> bool:
    """Whether every piece of text under ``element`` sits inside one of ``tags`` (or a ``css`` style)."""
    pieces = []

    def walk(node: Any, inside: bool) -> None:
        if not isinstance(node.tag, str):
            return
        style = (node.get("style") or "").replace(" ", "").lower()
        here = inside or node.tag in tags or css in style
        if node.text and node.text.strip():
            pieces.append(here)
        for child in node:
            walk(child, here)
            if child.tail and child.tail.strip():
                pieces.append(here)

    walk(element, False)
    return bool(pieces) and all(pieces)


def _text(element: Any) -> str:
    """Text with ``<br>`` and block boundaries as line breaks."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if not isinstance(node.tag, str) or node.tag in _SKIP:
            if node.tail:
                out.append(node.tail)
            return
        if node.tag == "br" or node.tag in _BLOCK:
            out.append("\n")
        if node.text:
            out.append(node.text)
        for child in node:
            walk(child)
        if node.tag in _BLOCK or node.tag in ("td", "th"):
            out.append("\n")
        if node.tail:
            out.append(node.tail)

    walk(element)
    text = "".join(out)
    if element.tail:
        text = text[: len(text) - len(element.tail)]
    return text


def _int(value: str | None) -> int:
    match = re.match(r"\s*(\d{1,3})", value or "")
    return max(int(match.group(1)), 1) if match else 1


def _rows_of(table: Any) -> list[Any]:
    """The table's own rows (not those of a table nested in a cell)."""
    return [tr for tr in table.iter("tr") if next(tr.iterancestors("table")) is table]


def _table(table: Any, ref: str) -> Table:
    grid = GridBuilder()
    for r, tr in enumerate(_rows_of(table)):
        for td in tr:
            if td.tag not in ("td", "th"):
                continue
            bold = td.tag == "th" or _styled(td, {"b", "strong"}, "font-weight:bold")
            italic = _styled(td, {"i", "em"}, "font-style:italic")
            grid.add(
                r, _text(td), rowspan=_int(td.get("rowspan")), colspan=_int(td.get("colspan")), bold=bold, italic=italic
            )
    return Table(grid.rows(RefOf(ref)), ref)


def document_from_tree(root: Any, kind: str = "html") -> Document:
    blocks: list[Paragraph | Table] = []
    count = {"table": 0, "p": 0}

    def paragraph(text: str, bold: bool = False, italic: bool = False) -> None:
        count["p"] += 1
        blocks.append(Paragraph(text, f"paragraph {count['p']}", bold, italic))

    def walk(node: Any) -> None:
        if not isinstance(node.tag, str) or node.tag in _SKIP:
            return
        if node.tag == "table" and any(inner is not node for inner in node.iter("table")):
            for cell in node.iter("td", "th"):  # a layout table wrapping the page: read what it holds
                if next(cell.iterancestors("table")) is node:
                    walk_children(cell)
            return
        if node.tag == "table":
            count["table"] += 1
            blocks.append(_table(node, f"table {count['table']}"))
            return
        has_block_child = any(
            isinstance(c.tag, str) and (c.tag in _BLOCK or c.tag == "table") for c in node.iter() if c is not node
        )
        if node.tag in _BLOCK and not has_block_child:
            if text := clean(_text(node)):
                bold = _styled(node, {"b", "strong"}, "font-weight:bold")
                paragraph(text, bold, _styled(node, {"i", "em"}, "font-style:italic"))
            return
        walk_children(node, loose=node.tag not in _BLOCK)

    def walk_children(node: Any, loose: bool = True) -> None:
        """The node's own loose text (unless it is a block of its own), then each child and the text after it."""
        if loose and (text := clean(node.text or "")):
            paragraph(text)
        for child in node:
            walk(child)
            if tail := clean(child.tail or ""):
                paragraph(tail)

    walk(root)
    return Document(tuple(blocks), kind)


def read_html(data: bytes | str, source: str) -> Document:
    import lxml.html

    if isinstance(data, bytes):  # UTF-8 unless it says otherwise (lxml alone assumes Latin-1 without <meta>)
        with contextlib.suppress(UnicodeDecodeError):  # else a declared legacy charset: lxml reads the <meta>
            data = data.decode("utf-8-sig")
    if isinstance(data, str) and data.lstrip().startswith("<?xml"):
        data = data.split("?>", 1)[-1]  # lxml refuses str input with an XML encoding declaration
    try:
        root = lxml.html.document_fromstring(data)
    except Exception as exc:
        raise PlanFormatError(
            f"expected a web page, found HTML that cannot be read ({exc}) (trang web không đọc được)",
            expected="an HTML page",
            source=source,
        ) from None
    body = root.find("body")
    return document_from_tree(body if body is not None else root)


__all__ = ["document_from_tree", "read_html"]
