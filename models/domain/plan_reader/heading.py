"""The plan's heading (number, date, issuer, signer, kind, title) and repeated blocks of a web copy.

Legal-document websites put a metadata block first (``Số hiệu | 25/KH-UBND |``, ``Ngày ban hành |
24/01/2025 |`` …), then the document's own heading (``Số: 25/KH-UBND``, ``Thái Nguyên, ngày 24 tháng
01 năm 2025``, ``KẾ HOẠCH`` and its title in capitals). Both are read; the metadata block wins and a
disagreement is reported.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from models.domain.plan_reader.cells import key
from models.domain.text import fold, nfc

KINDS = {
    "ke hoach": "Kế hoạch",
    "quyet dinh": "Quyết định",
    "chuong trinh": "Chương trình",
    "chuong trinh hanh dong": "Chương trình hành động",
    "de an": "Đề án",
    "chi thi": "Chỉ thị",
    "nghi quyet": "Nghị quyết",
    "cong van": "Công văn",
    "thong bao": "Thông báo",
    "ke hoach hanh dong": "Kế hoạch hành động",
}
# Document-number suffixes → kind ("25/KH-UBND" is a Kế hoạch).
_NUMBER_KINDS = {
    "kh": "Kế hoạch",
    "qd": "Quyết định",
    "ctr": "Chương trình",
    "ct": "Chỉ thị",
    "tb": "Thông báo",
}

_META_LINE = re.compile(r"^\s*([^|]{2,40}?)\s*\|\s*([^|]+?)\s*\|\s*$")
_META_KEYS = {
    "so hieu": "number",
    "ngay ban hanh": "issued_on",
    "loai van ban": "kind",
    "co quan ban hanh": "issuer",
    "nguoi ky": "signer",
}
_NUMBER_LINE = re.compile(r"^\s*số\s*:\s*([^|]+?)\s*\|?\s*$", re.IGNORECASE)
_PLACE_DATE = re.compile(r"^\s*[^|\d,]{2,60},\s*ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})\b", re.IGNORECASE)
_DMY = re.compile(r"^\s*(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})\s*$")
_DOC_NUMBER = re.compile(r"\b(\d{1,5}\s*/\s*[0-9A-Za-zĐđ\-/]*[A-Za-zĐđ][0-9A-Za-zĐđ\-]*)")


Warnings = list[tuple[int, str]]  # (1-based line, message)
Numbered = list[tuple[int, str]]  # (0-based line index, line) of the lines read


@dataclass
class Heading:
    number: str = ""
    title: str = ""
    official_title: str | None = None
    issued_on: date | None = None
    issuer: str | None = None
    signer: str | None = None
    kind: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


def _clean_number(text: str) -> str:
    return re.sub(r"\s*([/-])\s*", r"\1", nfc(text)).strip(" .;,")


def _date(day: str, month: str, year: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def read_heading(lines: Sequence[str], skip: frozenset[int], stop: int, warnings: Warnings) -> Heading:
    """Read the heading from lines ``[0, stop)`` (``stop``: the first table header), in four steps:

    1. :func:`_read_metadata` — the website's metadata block ("Key | Value |" lines near the top);
    2. :func:`_read_own_heading` — the document's own "Số: …", "…, ngày … tháng … năm …", issuer and
       signer, checked against the metadata;
    3. :func:`_read_kind` — the kind heading ("KẾ HOẠCH") and the official title in capitals under it;
    4. :func:`_read_title` — the website's headline, else the official title (and a number from it).
    """
    heading = Heading()
    numbered = [(idx, lines[idx]) for idx in range(min(stop, len(lines))) if idx not in skip]
    from_metadata = _read_metadata(heading, numbered, warnings)
    _read_own_heading(heading, numbered, "issued_on" in from_metadata, warnings)
    _read_kind(heading, numbered)
    _read_title(heading, numbered)
    return heading


def _read_metadata(heading: Heading, numbered: Numbered, warnings: Warnings) -> set[str]:
    """Step 1: fill ``heading`` from the metadata block; the fields the block named (first one wins)."""
    named: set[str] = set()
    for idx, line in numbered[:40]:
        match = _META_LINE.match(line)
        if not match or re.search(r"\d", match.group(1)):
            continue
        name, value = nfc(match.group(1)), nfc(match.group(2))
        heading.metadata.setdefault(name, value)
        field_name = _META_KEYS.get(key(name))
        if not field_name or field_name in named:
            continue
        named.add(field_name)
        if field_name == "number":
            heading.number = _clean_number(value)
        elif field_name == "issued_on":
            match_date = _DMY.match(value)
            heading.issued_on = _date(*match_date.groups()) if match_date else None
            if heading.issued_on is None:
                warnings.append((idx + 1, f"issue date {value!r} is not a valid dd/mm/yyyy date"))
        else:  # kind, issuer, signer: the text as written
            setattr(heading, field_name, value)
    return named


def _read_own_heading(heading: Heading, numbered: Numbered, dated_by_metadata: bool, warnings: Warnings) -> None:
    """Step 2: the document's number line, place-and-date line, issuer and signature block.

    The metadata wins where it spoke; a disagreement is a warning. ``dated_by_metadata``: the block
    named an issue date (even an invalid one, which the own date then does not replace).
    """
    number_seen = date_seen = False
    signer_from = None
    for idx, line in numbered:
        if not number_seen and (match := _NUMBER_LINE.match(line)):
            number_seen = True
            own = _clean_number(match.group(1))
            if not heading.number:
                heading.number = own
            elif fold(own) != fold(heading.number):
                warnings.append((idx + 1, f"number {own!r} differs from the metadata's {heading.number!r}"))
        if not date_seen and (match := _PLACE_DATE.match(line)):
            date_seen = True
            _own_date(heading, idx, line, _date(*match.groups()), dated_by_metadata, warnings)
        if heading.issuer is None and not number_seen and _issuer_line(line):
            heading.issuer = _cell_from(numbered, idx)
        if heading.signer is None and signer_from is None and re.match(r"^(kt|tm|t/m)\b", key(line)):
            signer_from = idx
    if heading.signer is None and signer_from is not None:
        heading.signer = _signer(numbered, signer_from)


def _own_date(
    heading: Heading, idx: int, line: str, own_date: date | None, dated_by_metadata: bool, warnings: Warnings
) -> None:
    """The date of the place-and-date line (at line index ``idx``) against the metadata's."""
    if own_date is None:
        warnings.append((idx + 1, f"date {nfc(line).rstrip(' |')!r} is not a valid date"))
    elif heading.issued_on is None and not dated_by_metadata:
        heading.issued_on = own_date
    elif heading.issued_on is not None and own_date != heading.issued_on:
        meta = heading.issued_on
        warnings.append((idx + 1, f"date {own_date:%d/%m/%Y} differs from the metadata's {meta:%d/%m/%Y}"))


def _read_kind(heading: Heading, numbered: Numbered) -> None:
    """Step 3: the kind heading ("KẾ HOẠCH") and the official title in capitals under it; the kind falls
    back to the document number's suffix ("25/KH-UBND" is a Kế hoạch)."""
    kind_word = None
    for pos, (_idx, line) in enumerate(numbered):
        text = nfc(line.rstrip().rstrip("|"))
        if key(text) in KINDS and text == text.upper():
            kind_word = KINDS[key(text)]
            title_lines = []
            for _, following in numbered[pos + 1 : pos + 8]:
                part = nfc(following.rstrip().rstrip("|"))
                if not part or part != part.upper() or not re.search(r"[^\W\d_]", part):
                    break
                title_lines.append(part)
            if not title_lines:
                title_lines = _subtitle(numbered[pos + 1 : pos + 2])
            heading.official_title = " ".join([text, *title_lines]) if title_lines else None
            break
    if heading.kind is None:
        heading.kind = kind_word
    if heading.kind is None and heading.number:
        suffix = key(heading.number.split("/", 1)[-1].split("-", 1)[0])
        heading.kind = _NUMBER_KINDS.get(suffix)


def _subtitle(following: Numbered) -> list[str]:
    """The line under "KẾ HOẠCH" when it is not in capitals (web copies and Word files often write the
    subject in bold mixed case: "Triển khai Nghị quyết số 57-NQ/TW …"): taken when it reads as a subject —
    short, not a preamble ("Căn cứ …", a sentence ending in ":" or ";") and not a section heading."""
    for _, line in following:
        part = nfc(line.rstrip().rstrip("|")).strip()
        words = part.split()
        if not (3 <= len(words) <= 60) or part.endswith((":", ";")) or key(part).startswith("can cu"):
            return []
        if re.match(r"^([IVXLC]+|[A-Z]|\d+)[.)]\s", part):
            return []
        return [part]
    return []


def _read_title(heading: Heading, numbered: Numbered) -> None:
    """Step 4: the title — the website's headline (first line, "Kế hoạch 25/KH-UBND năm 2025 …"), else
    the official title; a number still missing is taken from the title."""
    for _idx, line in numbered[:3]:
        text = nfc(line)
        if text and "|" not in text:
            if any(key(text).startswith(word + " ") for word in KINDS) and len(text.split()) >= 4:
                heading.title = text
            break
    if not heading.title and heading.official_title:
        heading.title = heading.official_title
    if not heading.number and heading.title and (match := _DOC_NUMBER.search(heading.title)):
        heading.number = _clean_number(match.group(1))


# The issuing body's line above the number: a provincial UBND, or — in national documents — the Government,
# the Prime Minister, a ministry or another central body, written in capitals ("BỘ KHOA HỌC VÀ CÔNG NGHỆ").
_ISSUER_START = re.compile(
    r"^(uy ban nhan dan|ubnd|chinh phu|thu tuong chinh phu|van phong chinh phu|bo |ngan hang nha nuoc)"
)


def _issuer_line(line: str) -> bool:
    text = nfc(line.rstrip(" |")).strip()
    if not _ISSUER_START.match(key(text)):
        return False
    return key(text).startswith(("uy ban nhan dan", "ubnd")) or text == text.upper()


def _starts_part(line: str) -> bool:
    """A heading line that begins a part of its own (the number, the place and date, the national motto):
    a cell that runs on without its pipe (a structured document's paragraphs) stops before it."""
    return bool(_NUMBER_LINE.match(line) or _PLACE_DATE.match(line) or key(line).startswith("cong hoa xa hoi"))


def _cell_from(numbered: Numbered, idx: int) -> str:
    """The text of the cell that starts at line index ``idx`` (up to three lines, to its pipe, or to the
    next heading part)."""
    parts: list[str] = []
    for line_idx, line in numbered:
        if line_idx < idx:
            continue
        if parts and _starts_part(line):
            break
        parts.append(line.rstrip().rstrip("|"))
        if line.rstrip().endswith("|") or len(parts) == 3:
            break
    return nfc(" ".join(parts))


def _signer(numbered: Numbered, idx: int) -> str | None:
    """The name under a signature block ("KT. CHỦ TỊCH / PHÓ CHỦ TỊCH / Trần Văn A"): the first line
    in mixed case within the next four lines."""
    following = [line for line_idx, line in numbered if idx < line_idx <= idx + 4]
    for line in following:
        text = nfc(line.rstrip().rstrip("|"))
        if text and text != text.upper() and len(text.split()) <= 6 and not re.search(r"\d", text):
            return text
        if text and not text.isupper():
            break
    return None


# --- repeated blocks ------------------------------------------------------------------------------

_MIN_RUN = 5  # lines
_MIN_CHARS = 200


def find_repeats(lines: Sequence[str], warnings: Warnings) -> frozenset[int]:
    """Line indexes to ignore because a copy repeated them.

    A run of at least five identical lines (and 200 characters) seen twice is a copy artefact. When
    the first copy runs right up to the second (the copy restarted: 25/KH-UBND repeats its title block
    and the opening of the body), the first copy is dropped; otherwise the second is.
    """
    keys = [fold(line) for line in lines]
    first_seen: dict[str, list[int]] = {}
    skip: set[int] = set()
    j = 0
    while j < len(lines):
        k = keys[j]
        found = None
        if len(k) >= 8 and j not in skip:
            for i in first_seen.get(k, ()):
                run = 0
                while j + run < len(lines) and i + run < j and keys[i + run] == keys[j + run]:
                    run += 1
                if run >= _MIN_RUN and sum(len(keys[i + t]) for t in range(run)) >= _MIN_CHARS:
                    found = (i, run)
                    break
        if found:
            i, run = found
            while i > 0 and keys[i - 1] == keys[j - 1] and i + run < j and j - 1 not in skip:
                i, j, run = i - 1, j - 1, run + 1  # take in the short lines just before ("1. |")
            if i + run == j:
                skip.update(range(i, j))
                again = f"lines {j + 1}–{j + run}"
                message = f"lines {i + 1}–{j} reappear at {again} (copied twice); first copy ignored"
            else:
                skip.update(range(j, j + run))
                message = f"lines {j + 1}–{j + run} repeat lines {i + 1}–{i + run} (copied twice); ignored"
            warnings.append((j + 1, message))
            for t in range(run):
                first_seen.setdefault(keys[j + t], []).append(j + t)
            j += run
            continue
        if len(k) >= 8:
            first_seen.setdefault(k, []).append(j)
        j += 1
    return frozenset(skip)
