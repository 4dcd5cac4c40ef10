"""The communes and wards of the province (``config/communes.csv``): commune-level UBNDs and, for each former
district, the group of the communes that took over its work.

The shipped file is the list of Nghị quyết 1683/NQ-UBTVQH15 (16/06/2025, effective 01/07/2025): 92 units of
the merged Thái Nguyên, each with the former district(s) of the units it was formed from (the file's header
cites the sources). An officer may point the directory's ``communes`` key at another file of the same shape
(``config/communes.example.csv`` documents it). Columns, one row per commune or ward:

* ``code`` (ascii, as in the YAML), ``name`` ("UBND xã Tân Cương"), ``kind`` (``xã`` or ``phường``);
* ``former_districts``: the former district(s), ";" between them, as the source names them ("Thành phố
  Thái Nguyên; Thành phố Sông Công"). Empty when not sourced: then no district routes to it by succession
  (an officer chooses on the directory page) — a mapping is never guessed;
* ``formed_from``, ``basis``: the units merged and the clause that merged them (shown, not interpreted);
* ``sample``: ``yes`` marks a sample entry (an officer's template): shown as a sample everywhere;
* the contact columns of :mod:`models.domain.contacts` (``email``, ``phone``, ``zalo_user_id``, ``head_*``).

Lines starting with ``#`` are comments. A former district is matched to the directory's district-level UBND
("Thành phố Thái Nguyên" → ``ubnd-tp-thai-nguyen``, named "UBND thành phố Thái Nguyên"); a district the
directory does not hold (Bắc Kạn's, which no plan of the directory names yet) is kept as text only.

For each district-level UBND, :func:`successor_groups` makes the group ``xa-sau-<district code>`` ("Các xã,
phường kế thừa UBND huyện Đại Từ"): the district's ``successor`` in the YAML names it, so
that from 01/07/2025 a task of that district routes to those communes only.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from models.domain.agencies.entries import Agency, DirectoryError, Group
from models.domain.agencies.loading import agency_contacts
from models.domain.text import fold, nfc

#: The first day of the commune-level UBNDs of 2025 (Nghị quyết 1683/NQ-UBTVQH15, Điều 2 khoản 2).
COMMUNES_FROM = date(2025, 7, 1)
#: Prefix of the generated group of a district's successor communes.
GROUP_PREFIX = "xa-sau-"
_KINDS = {"xã": "xã", "xa": "xã", "phường": "phường", "phuong": "phường"}
_YES = {"yes", "y", "true", "1", "có", "co", "x"}


@dataclass(frozen=True)
class CommuneRow:
    """One row of a communes file, as written (NFC, trimmed)."""

    line: int
    values: dict[str, str]

    def get(self, key: str) -> str | None:
        value = self.values.get(key, "").strip()
        return value or None


def read_communes(path: Path) -> list[CommuneRow]:
    """The rows of a communes CSV (comments skipped; :class:`DirectoryError` when unreadable)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise DirectoryError(f"communes: cannot read {path}: {exc}", str(path)) from exc
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip() and not line.startswith("#")]
    if not lines:
        raise DirectoryError("communes: the file has no header row", str(path))
    reader = csv.reader(io.StringIO("\n".join(line for _, line in lines)))
    header = [nfc(h).strip().lower() for h in next(reader)]
    missing = [c for c in ("code", "name", "kind") if c not in header]
    if missing:
        raise DirectoryError(f"communes: missing column(s) {', '.join(missing)}", str(path))
    rows = []
    for (n, _), cells in zip(lines[1:], reader, strict=False):
        rows.append(CommuneRow(n, {h: nfc(c).strip() for h, c in zip(header, cells, strict=False)}))
    return rows


def commune_agencies(rows: list[CommuneRow], source: str) -> dict[str, Agency]:
    """The commune-level UBNDs of the rows (kind ``ubnd_xa``, from 01/07/2025), every bad row reported."""
    out: dict[str, Agency] = {}
    problems: list[str] = []
    for row in rows:
        label = f"communes line {row.line}"
        code, name, kind = row.get("code"), row.get("name"), _KINDS.get(fold(row.get("kind") or ""))
        if not code or not name or kind is None:
            problems.append(f"{label}: needs code, name and kind (xã or phường)")
            continue
        if code in out:
            problems.append(f"{label}: duplicate code {code!r}")
            continue
        try:
            contacts = agency_contacts(
                {k: row.get(k) for k in ("email", "phone", "zalo_user_id")},
                {k.removeprefix("head_"): row.get(k) for k in ("head_name", "head_title", "head_email", "head_phone")},
                label,
            )
        except ValueError as exc:
            problems.append(str(exc))
            continue
        formed = row.get("formed_from")
        out[code] = Agency(
            code=code,
            name=name,
            kind="ubnd_xa",
            valid_from=COMMUNES_FROM,
            legal_basis=row.get("basis"),
            notes=f"Hình thành từ: {formed}" if formed else None,
            sample=fold(row.get("sample") or "") in _YES,
            former_districts=tuple(d.strip() for d in (row.get("former_districts") or "").split(";") if d.strip()),
            **contacts,
        )
    if problems:
        raise DirectoryError(problems, source)
    return out


def district_key(name: str) -> str:
    """ "UBND thành phố Thái Nguyên" and "Thành phố Thái Nguyên" compare equal (case, NFC, tone place)."""
    text = fold(name)
    return text.removeprefix("ubnd ").strip()


def successor_groups(agencies: dict[str, Agency]) -> dict[str, Group]:
    """For each district-level UBND, the group of the communes that name it as a former district (in file
    order; a commune formed from several districts is in each of their groups). A district no commune
    names gets an empty group: its work routes nowhere until an officer chooses its successor."""
    districts = {district_key(a.name): a for a in agencies.values() if a.kind == "ubnd_huyen"}
    members: dict[str, list[str]] = {a.code: [] for a in districts.values()}
    for agency in agencies.values():
        for name in agency.former_districts:
            district = districts.get(district_key(name))
            if district is not None:
                members[district.code].append(agency.code)
    return {
        GROUP_PREFIX + code: Group(
            code=GROUP_PREFIX + code,
            name=f"Các xã, phường kế thừa {agencies[code].name}",
            members=tuple(codes),
            legal_basis="Nghị quyết 1683/NQ-UBTVQH15",
        )
        for code, codes in members.items()
    }


def unmatched_districts(agencies: dict[str, Agency]) -> list[str]:
    """Former districts named by communes that the directory does not hold (kept as text only)."""
    known = {district_key(a.name) for a in agencies.values() if a.kind == "ubnd_huyen"}
    out: list[str] = []
    for agency in agencies.values():
        for name in agency.former_districts:
            if district_key(name) not in known and name not in out:
                out.append(name)
    return out


def kind_label(agency: Agency) -> str:
    """ "xã" / "phường" of a commune-level UBND (from its name), "" otherwise."""
    if agency.kind != "ubnd_xa":
        return ""
    words = agency.name.split()
    return words[1] if len(words) > 1 and words[0] == "UBND" else ""


__all__ = [
    "COMMUNES_FROM",
    "GROUP_PREFIX",
    "CommuneRow",
    "commune_agencies",
    "district_key",
    "kind_label",
    "read_communes",
    "successor_groups",
    "unmatched_districts",
]
