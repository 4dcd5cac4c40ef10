"""Format readers: a plan file's bytes → one :class:`~models.domain.plan_reader.document.Document`.

The format is found from the content, not the name: a zip holding ``word/document.xml`` is Word,
``xl/workbook.xml`` Excel, ``%PDF`` a PDF, ``<html``/``<table`` a web page, an OLE2 header an old
binary ``.doc``/``.xls`` (refused: "save it as .docx/.xlsx" — LibreOffice is not assumed on the
machine, and a silent conversion would hide where a row came from), text with markdown pipes or the
extractors' lone-pipe layout is markdown. Plain text in today's cell-a-line layout is None here: the
text reader reads it directly.

The libraries (python-docx, openpyxl, lxml, pdfplumber) are pure readers with no I/O of their own
beyond the bytes handed to them, so they may live in the domain layer; each is imported only when
its format is met.
"""

import io
import zipfile

from models.domain.plan_reader.document import Document
from models.domain.plan_reader.model import PlanFormatError

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff(data: bytes) -> str:
    """ "docx", "xlsx", "pdf", "html", "doc" (old binary Office), "zip" (another zip) or "text"."""
    head = data[:2048].lstrip()
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            return "zip"
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        return "zip"
    if data.startswith(OLE2):
        return "doc"
    if data[:1024].lstrip().startswith(b"%PDF") or b"%PDF-" in data[:1024]:
        return "pdf"
    lowered = head.lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<html" in lowered[:512]:
        return "html"
    if lowered.startswith(b"<table") or lowered.startswith(b"<body"):
        return "html"
    return "text"


def read_document(data: bytes, source: str, text: str | None = None) -> Document | None:
    """The document of a plan file, or None for text in today's cell-a-line layout (``text``: the file
    already decoded, when it is text)."""
    kind = sniff(data)
    if kind == "docx":
        from models.domain.plan_reader.formats.docx import read_docx

        return read_docx(data, source)
    if kind == "xlsx":
        from models.domain.plan_reader.formats.xlsx import read_xlsx

        return read_xlsx(data, source)
    if kind == "pdf":
        from models.domain.plan_reader.formats.pdf import read_pdf

        return read_pdf(data, source)
    if kind == "html":
        from models.domain.plan_reader.formats.html import read_html

        return read_html(data, source)
    if kind == "doc":
        raise PlanFormatError(
            "expected .docx, .xlsx, .pdf, .html or text, found an old binary Office file (.doc/.xls):"
            " open it in Word/LibreOffice and save it as .docx (or .xlsx) (hãy lưu lại dưới dạng .docx)",
            expected="a .docx file",
            found="an old .doc/.xls file",
            source=source,
        )
    if kind == "zip":
        raise PlanFormatError(
            "expected a plan, found a zip archive that is neither a Word (.docx) nor an Excel (.xlsx) file"
            " (tệp nén không phải Word/Excel)",
            expected="a .docx or .xlsx file",
            found="a zip archive",
            source=source,
        )
    if text is None:
        return None
    from models.domain.plan_reader.formats.markdown import is_extractor_layout, is_pipe_markdown, read_markdown

    if "<table" in text.lower():
        from models.domain.plan_reader.formats.html import read_html

        return read_html(text, source)
    lines = text.split("\n")
    if is_extractor_layout(lines) or is_pipe_markdown(lines):
        return read_markdown(text, source)
    return None


__all__ = ["read_document", "sniff"]
