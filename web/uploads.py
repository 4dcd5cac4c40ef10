"""Attachments of answers: what a file really is (by its content, never its name) and where it is kept.

Accepted: PDF, DOCX, XLSX, JPEG, PNG, up to ``MAX_ATTACHMENT`` bytes. DOCX and XLSX are ZIP archives
with ``[Content_Types].xml`` and a ``word/`` or ``xl/`` part; their member list is read (never
extracted, so a ZIP bomb costs nothing). Files are written under the attachments folder
(``DONDOC_ATTACHMENTS_DIR``, default ``data_dir/attachments``; several web servers share one) in
``YYYY/MM/`` with a random name and no extension, outside any folder the web server serves; officers
download them through a logged-in route with ``Content-Disposition: attachment``.
"""

import hashlib
import secrets
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from models.domain.answer_form import StoredFile

MAX_ATTACHMENT = 10 * 1024 * 1024  # 10 MB: a scanned signed document fits; a video does not
# Stored paths start with this (as they always have: rows of earlier versions stay readable).
STORED_PREFIX = "attachments/"

TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jpg": "image/jpeg",
    "png": "image/png",
}


class UploadError(ValueError):
    """A file refused (message in Vietnamese, for the form)."""


@dataclass
class Sniffed:
    kind: str  # key of TYPES
    content_type: str


def sniff(stream: BinaryIO) -> Sniffed | None:
    """The file's type from its first bytes (and, for ZIP, its member names); None when not accepted."""
    stream.seek(0)
    head = stream.read(16)
    stream.seek(0)
    if head.startswith(b"%PDF-"):
        return Sniffed("pdf", TYPES["pdf"])
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("png", TYPES["png"])
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("jpg", TYPES["jpg"])
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(stream) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        finally:
            stream.seek(0)
        if "[Content_Types].xml" not in names:
            return None
        if any(n.startswith("word/") for n in names):
            return Sniffed("docx", TYPES["docx"])
        if any(n.startswith("xl/") for n in names):
            return Sniffed("xlsx", TYPES["xlsx"])
    return None


def safe_display_name(name: str | None, kind: str) -> str:
    """The uploaded file name for display only: no folders, no control characters, bounded length."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip() or f"tep-dinh-kem.{kind}"
    return base[-120:]


def check_upload(stream: BinaryIO, size: int) -> Sniffed:
    """Refuse empty, oversized or unaccepted files (``UploadError`` with a Vietnamese message)."""
    if size <= 0:
        raise UploadError("Tệp đính kèm rỗng.")
    if size > MAX_ATTACHMENT:
        raise UploadError(f"Tệp đính kèm quá lớn ({size / 1048576:.1f} MB); tối đa {MAX_ATTACHMENT // 1048576} MB.")
    found = sniff(stream)
    if found is None:
        raise UploadError("Chỉ nhận tệp PDF, Word (DOCX), Excel (XLSX) hoặc ảnh JPG/PNG.")
    return found


def _under(root: Path, relative: str) -> Path:
    """A stored path (``attachments/YYYY/MM/name``, kept relative so that the folder can move) in ``root``."""
    return root / relative.removeprefix(STORED_PREFIX)


def store(stream: BinaryIO, root: Path, original_name: str | None, sniffed: Sniffed) -> StoredFile:
    """Copy the checked upload to its random name in the attachments folder ``root`` (atomically: a crash
    leaves no half file)."""
    now = datetime.now()
    relative = f"{STORED_PREFIX}{now:%Y}/{now:%m}/{secrets.token_hex(16)}"
    target = _under(root, relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".part")
    digest = hashlib.sha256()
    size = 0
    stream.seek(0)
    with tmp.open("wb") as out:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    tmp.replace(target)
    return StoredFile(
        path=relative,
        name=safe_display_name(original_name, sniffed.kind),
        content_type=sniffed.content_type,
        size=size,
        sha256=digest.hexdigest(),
    )


def remove(root: Path, stored: StoredFile) -> None:
    """Delete a stored file whose answer could not be recorded (nothing is kept for a refused answer)."""
    _under(root, stored.path).unlink(missing_ok=True)


def resolve(root: Path, relative: str) -> Path:
    """The absolute path of a stored attachment; refuses anything outside the attachments folder ``root``."""
    root = root.resolve()
    path = _under(root, relative).resolve()
    if root not in path.parents:
        raise UploadError("đường dẫn tệp không hợp lệ")
    return path
