"""Who issued a document, as far as its agencies are concerned: this province, the centre, or another
province (:func:`issuer_scope`).

The importer knows a document's issuer from its heading (``ParsedPlan.issuer``: the website's "Cơ quan
ban hành", the "ỦY BAN NHÂN DÂN TỈNH …" line, or ``--issuer``) and its number ("25/KH-UBND",
"1131/QĐ-TTg"). The scope decides how the agency cells read (:meth:`Directory.resolve_cell`):

* ``national`` — the Government, the Prime Minister, a ministry or another national body issued it:
  "UBND các tỉnh, thành phố", "các địa phương", "các bộ, ngành, địa phương" include this province, and
  route to its focal agency, not to its communes;
* ``other_province`` — another province's plan: its "Sở Tài chính" is that province's, so a provincial
  name is flagged for an officer unless it names this province;
* ``own`` — this province's plan, and the reading when nothing tells (today's behaviour).

Pure text rules on ascii-folded words; the directory supplies what it knows (its national names, its
province's names).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from models.domain.text import fold, strip_diacritics

#: Issuers that are national bodies whatever the national list holds (ascii-folded prefixes).
_NATIONAL_PREFIXES = (
    "chinh phu", "thu tuong", "van phong chinh phu", "bo ", "quoc hoi", "uy ban thuong vu quoc hoi",
    "ban chap hanh trung uong", "ban bi thu", "ngan hang nha nuoc viet nam", "thanh tra chinh phu",
    "kiem toan nha nuoc", "toa an nhan dan toi cao", "vien kiem sat nhan dan toi cao",
)  # fmt: skip
#: The issuing body's code at the end of a document number ("1131/QĐ-TTg"), ascii-folded, lower case:
#: the Prime Minister and the Government, the ministries of 2025 and the ones they absorbed, the
#: ministry-level bodies, the Supreme Court and Procuracy, State Audit, the Party's Central Committee
#: ("57-NQ/TW") and central steering committees ("…/KH-BCĐTW").
_NATIONAL_CODES = frozenset(
    {
        "ttg", "cp", "vpcp", "bqp", "bca", "bng", "bnv", "btp", "btc", "bct", "bnnmt", "bxd", "bvhttdl",
        "bkhcn", "bgddt", "byt", "bdttg", "bkhdt", "btttt", "bldtbxh", "bgtvt", "btnmt", "bnnptnt", "ubdt",
        "nhnn", "ttcp", "ktnn", "tandtc", "vkstc", "vksndtc", "qh", "ubtvqh", "tw", "bcdtw",
    }
)  # fmt: skip
# A provincial body's name, then the province: "UBND tỉnh Bắc Ninh", "Tỉnh Thái Nguyên", "HĐND TP Hà Nội".
_PROVINCIAL = re.compile(
    r"^(?:(?:uy ban nhan dan|ubnd|hoi dong nhan dan|hdnd|tinh uy|thanh uy|ban thuong vu (?:tinh|thanh) uy"
    r"|van phong ubnd|van phong uy ban nhan dan)\s+)?(?:tinh|thanh pho|tp)\.?\s+(?P<place>.+)$"
)


@dataclass(frozen=True)
class IssuerScope:
    """The scope (``own`` / ``national`` / ``other_province``) and why, in words for the import report."""

    scope: str
    why: str
    known: bool = True  # False: nothing told (the ``own`` default); the cells may still tell

    def as_json(self) -> dict[str, str]:
        return {"scope": self.scope, "why": self.why}


def _ascii(text: str) -> str:
    return re.sub(r"\s+", " ", strip_diacritics(fold(text)).replace("-", " ")).strip()


def number_code(number: str | None) -> str | None:
    """The issuing body's code of a document number, ascii-folded: "1131/QĐ-TTg" -> "ttg"."""
    if not number or "/" not in number:
        return None
    return _ascii(number.rsplit("/", 1)[-1].rsplit("-", 1)[-1]).replace(" ", "") or None


def issuer_scope(
    issuer: str | None,
    number: str | None,
    *,
    is_national: Callable[[str], bool],
    names_home: Callable[[str], bool],
    elsewhere: Callable[[str], bool] = lambda _text: False,
    ours: Callable[[str], bool] = lambda _text: False,
) -> IssuerScope:
    """The scope of a document issued by ``issuer`` (as written) under ``number``.

    ``is_national(text)``: the text names a national body of the directory; ``names_home(text)``: the
    text names the directory's province (or a province merged into it); ``elsewhere(text)``: the text
    is a provincial body of another province ("Sở Khoa học và Công nghệ tỉnh Bắc Ninh"); ``ours(text)``:
    the text is one of this directory's own bodies ("UBND thành phố Phổ Yên"). The issuer's
    text decides first; then the number's code; otherwise ``own``.
    """
    if issuer and issuer.strip():
        text = _ascii(issuer)
        if is_national(issuer) or text.startswith(_NATIONAL_PREFIXES):
            return IssuerScope("national", f"issuer {issuer!r} is a national body / cơ quan trung ương ban hành")
        if elsewhere(issuer):
            return IssuerScope("other_province", f"issuer {issuer!r} is another province's body / cơ quan tỉnh khác")
        if ours(issuer):
            return IssuerScope("own", f"issuer {issuer!r} is a body of this province / cơ quan của tỉnh")
        if match := _PROVINCIAL.match(text):
            if names_home(issuer):
                return IssuerScope("own", f"issuer {issuer!r} is this province / tỉnh ban hành")
            return IssuerScope(
                "other_province",
                f"issuer {issuer!r} is another province: its provincial agencies are not ours / "
                f"văn bản của tỉnh khác ({match.group('place')})",
            )
    code = number_code(number)
    if code in _NATIONAL_CODES:
        return IssuerScope("national", f"number {number!r} is a national body's ({code}) / số hiệu cơ quan trung ương")
    return IssuerScope(
        "own", "issuer not recognised: read as this province's document / coi là văn bản của tỉnh", known=False
    )
