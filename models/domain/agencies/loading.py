"""Loading a directory: the YAML file or its parsed mapping → checked entries, with every problem named.

* :func:`read_file` (YAML text → data) and :func:`parse` (data → :class:`DirectoryData`): each entry is
  built field by field; a bad entry is reported (``agency 'so-y-te': …``) and the others still read, so
  one :class:`DirectoryError` lists every problem of the file;
* contact normalisation (:func:`valid_email`, :func:`normalize_email`, :func:`normalize_phone`: E.164),
  shared with the contacts spreadsheets (:mod:`models.domain.contacts`);
* :func:`validate`: the entries taken together — successors, members and candidates that exist, kinds,
  the standing agency, no succession or membership cycle, enumerations complete.

The file's path is the caller's business: the shipped one is named in ``config/files.py``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import phonenumbers
import yaml

from models.domain.agencies.entries import (
    KINDS,
    NATIONAL_KINDS,
    Agency,
    Confirmation,
    DirectoryError,
    Entries,
    Entry,
    Group,
    Head,
    Province,
    entry_label,
)
from models.domain.agencies.names import MatchingRules
from models.domain.text import fold, nfc

_CODE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}$"
)


@dataclass
class DirectoryData:
    """What a directory file holds, entries built and checked one by one (not yet against each other)."""

    agencies: dict[str, Agency] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    standing_agency: str = ""
    matching: MatchingRules = field(default_factory=MatchingRules)
    demo: bool = False
    province: Province = field(default_factory=Province)
    national_bodies: Any = None  # the ``national_bodies`` key: a file name (beside this file) or a mapping
    communes: str | None = None  # the ``communes`` key: a CSV file beside this one (``.communes``)
    confirmed: tuple[Confirmation, ...] = ()


def read_file(path: Path) -> Any:
    """The parsed YAML of a directory file (:class:`DirectoryError` when it is not YAML)."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DirectoryError(f"not valid YAML: {exc}", str(path)) from exc


def parse(data: Any, source: str | None = None) -> DirectoryData:
    """Build the entries of the parsed YAML structure (see ``config/agencies.yaml``).

    Steps: the ``agencies`` and ``groups`` sections entry by entry (:func:`_read_section`), then the
    ``standing_agency``; every problem is collected, and raised together as one :class:`DirectoryError`.
    """
    if not isinstance(data, dict):
        raise DirectoryError("the file must be a mapping with 'agencies', 'groups', 'standing_agency'", source)
    problems: list[str] = []
    out = DirectoryData()
    seen: dict[str, str] = {}  # code -> "agency" / "group": codes are unique across both sections
    out.agencies = _read_section(data, "agencies", "agency", _build_agency, seen, problems)
    out.groups = _read_section(data, "groups", "group", _build_group, seen, problems)
    standing = data.get("standing_agency")
    if not isinstance(standing, str):
        problems.append("'standing_agency' (an agency code) is missing")
        standing = ""
    matching = data.get("matching") or {}
    out.province = _province(data, problems)
    out.national_bodies = data.get("national_bodies")
    communes = data.get("communes")
    if communes is not None and not isinstance(communes, str):
        problems.append("'communes' must name a CSV file (beside the directory file)")
    out.communes = communes if isinstance(communes, str) else None
    out.confirmed = _confirmed(data, problems)
    if problems:
        raise DirectoryError(problems, source)
    out.standing_agency = standing
    out.matching = MatchingRules(
        abbreviations=matching.get("abbreviations") or {},
        glue_words=tuple(matching.get("glue_words") or ("và",)),
        qualifiers=tuple(matching.get("qualifiers") or ()),
        enumerations=tuple(matching.get("enumerations") or ()),
    )
    out.demo = bool(data.get("demo", False))
    return out


def _province(data: dict[str, Any], problems: list[str]) -> Province:
    """The ``province`` mapping (name, former_names) and ``national_focal_agency`` of the file."""
    raw = data.get("province") or {}
    focal = data.get("national_focal_agency")
    if not isinstance(raw, dict) or not (focal is None or isinstance(focal, str)):
        problems.append("'province' must be a mapping (name, former_names); 'national_focal_agency' a code")
        return Province()
    try:
        name = _text(raw, "name", "province")
        former = _texts(raw, "former_names", "province")
        _unknown_keys(raw, {"name", "former_names"}, "province")
    except ValueError as exc:
        problems.append(str(exc))
        return Province()
    return Province(name=name, former_names=former, national_focal_agency=focal)


def _confirmed(data: dict[str, Any], problems: list[str]) -> tuple[Confirmation, ...]:
    """The ``confirmed_names`` list: names an officer confirmed (plan optional, name, code)."""
    items = data.get("confirmed_names") or []
    if not isinstance(items, list):
        problems.append("'confirmed_names' must be a list of {plan, name, code}")
        return ()
    out = []
    for n, item in enumerate(items, 1):
        label = f"confirmed_names #{n}"
        try:
            if not isinstance(item, dict):
                raise ValueError(f"{label}: must be a mapping (plan, name, code)")
            _unknown_keys(item, {"plan", "name", "code"}, label)
            name, code = _text(item, "name", label, required=True), _text(item, "code", label, required=True)
            out.append(Confirmation(name=name or "", code=code or "", plan=_text(item, "plan", label)))
        except ValueError as exc:
            problems.append(str(exc))
    return tuple(out)


def parse_national(data: Any, source: str | None = None) -> tuple[dict[str, Agency], dict[str, Group]]:
    """The national bodies file (``config/national_bodies.yaml``): its agencies, each of a national kind
    (``bo_nganh``, ``trung_uong``), and its groups, all marked ``national``."""
    if not isinstance(data, dict):
        raise DirectoryError("the national bodies file must be a mapping with 'agencies' and 'groups'", source)
    problems: list[str] = []
    seen: dict[str, str] = {}
    agencies = _read_section(data, "agencies", "agency", _build_agency, seen, problems)
    groups = _read_section(data, "groups", "group", _build_group, seen, problems)
    for agency in agencies.values():
        if agency.kind not in NATIONAL_KINDS:
            kinds = ", ".join(sorted(NATIONAL_KINDS))
            problems.append(f"{entry_label(agency)}: kind {agency.kind!r} is not national ({kinds})")
    if problems:
        raise DirectoryError(problems, source)
    return agencies, {code: dataclasses.replace(g, national=True) for code, g in groups.items()}


def _read_section(
    data: dict[str, Any],
    section: str,
    kind: str,
    builder: Callable[[dict[str, Any], str], Any],
    seen: dict[str, str],
    problems: list[str],
) -> dict[str, Any]:
    """One section's entries by code; each bad entry adds its problem to ``problems`` and is left out."""
    target: dict[str, Any] = {}
    items = data.get(section) or []
    if not isinstance(items, list):
        problems.append(f"'{section}' must be a list")
        return target
    for n, item in enumerate(items, 1):
        label = f"{kind} #{n}"
        if not isinstance(item, dict):
            problems.append(f"{label}: must be a mapping")
            continue
        code = item.get("code")
        if isinstance(code, str):
            label = f"{kind} '{code}'"
        try:
            entry = builder(item, label)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        if entry.code in seen:
            problems.append(f"{label}: duplicate code (already used by a {seen[entry.code]})")
            continue
        seen[entry.code] = kind
        target[entry.code] = entry
    return target


# --------------------------------------------------------------------------------------------------
# The entries together
# --------------------------------------------------------------------------------------------------


def validate(entries: Entries, standing_agency: str, enumerations: tuple[Any, ...]) -> list[str]:
    """Problems between entries: unknown references first; when there are none, cycles and enumerations."""
    problems = [*_reference_problems(entries)]
    if standing_agency and standing_agency not in entries.agencies:
        problems.append(f"standing_agency {standing_agency!r} is not a known agency code")
    if problems:
        return problems
    problems += _succession_cycles(entries)
    for group in entries.groups.values():
        cycle = _member_cycle(entries, group.code, [])
        if cycle:
            problems.append(f"{entry_label(group)}: membership cycle {' -> '.join(cycle)}")
    for e in enumerations:
        if not e.get("heads") or not e.get("item_prefixes"):
            problems.append(f"enumeration {e!r}: needs 'heads' and 'item_prefixes'")
    return problems


def _reference_problems(entries: Entries) -> list[str]:
    """Successors, members and candidates that name no entry (or the entry itself); unknown kinds."""
    problems: list[str] = []
    for entry in entries.entries():
        label = entry_label(entry)
        if entry.successor is not None:
            if entry.successor not in entries:
                problems.append(f"{label}: successor {entry.successor!r} is not a known code")
            elif entry.successor == entry.code:
                problems.append(f"{label}: is its own successor")
        if isinstance(entry, Group):
            for m in entry.members:
                if m not in entries:
                    problems.append(f"{label}: member {m!r} is not a known code")
                elif m == entry.code:
                    problems.append(f"{label}: is a member of itself")
            for c in entry.candidates:
                if c not in entries:
                    problems.append(f"{label}: candidate {c!r} is not a known code")
            for k in entry.kind_in:
                if k not in KINDS:
                    problems.append(f"{label}: kind_in {k!r} is not a known kind")
    return problems


def _succession_cycles(entries: Entries) -> list[str]:
    """Succession chains must end."""
    problems: list[str] = []
    for entry in entries.entries():
        chain = [entry.code]
        current: Entry = entry
        while current.successor is not None:
            if current.successor in chain:
                problems.append(f"{entry_label(entry)}: succession cycle {' -> '.join([*chain, current.successor])}")
                break
            chain.append(current.successor)
            current = entries.get(current.successor)
    return problems


def _member_cycle(entries: Entries, code: str, path: list[str]) -> list[str] | None:
    if code in path:
        return [*path, code]
    group = entries.groups.get(code)
    if group is None:
        return None
    for m in (*group.members, *group.candidates):
        found = _member_cycle(entries, m, [*path, code])
        if found:
            return found
    return None


# --------------------------------------------------------------------------------------------------
# Building entries from YAML
# --------------------------------------------------------------------------------------------------


def _text(item: dict[str, Any], key: str, label: str, *, required: bool = False) -> str | None:
    value = item.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValueError(f"{label}: '{key}' is missing")
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"{label}: '{key}' must be text")
    return nfc(value)


def _texts(item: dict[str, Any], key: str, label: str) -> tuple[str, ...]:
    value = item.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{label}: '{key}' must be a list of text")
    return tuple(nfc(v) for v in value)


def _date(item: dict[str, Any], key: str, label: str) -> date | None:
    value = item.get(key)
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{label}: '{key}' must be a date YYYY-MM-DD, not {value!r}") from None


def valid_email(value: str) -> bool:
    """A plain address check: one "@", a dotted domain with a 2+ letter top level, no spaces."""
    return bool(_EMAIL.match(value))


def normalize_email(value: str) -> str:
    """The address with its domain in lower case (the local part is kept as written)."""
    local, domain = value.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def normalize_phone(value: str) -> str | None:
    """A Vietnamese phone number in E.164 ("0912 345 678" -> "+84912345678"), or ``None`` if not valid.

    Read with region VN; a valid number of another country is not accepted.
    """
    try:
        number = phonenumbers.parse(value, "VN")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 84 or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _email(value: str | None, label: str, key: str) -> str | None:
    if value is None:
        return None
    if not valid_email(value):
        raise ValueError(f"{label}: '{key}' {value!r} is not a valid email address")
    return normalize_email(value)


def _phone(value: str | None, label: str, key: str) -> str | None:
    if value is None:
        return None
    phone = normalize_phone(value)
    if phone is None:
        raise ValueError(f"{label}: '{key}' {value!r} is not a valid Vietnamese phone number")
    return phone


def _dedupe_aliases(name: str, aliases: tuple[str, ...]) -> tuple[str, ...]:
    """Drop aliases that differ from the name or an earlier alias only by case or spacing."""
    seen = {fold(name)}
    out = []
    for a in aliases:
        if fold(a) not in seen:
            seen.add(fold(a))
            out.append(a)
    return tuple(out)


def _dated(item: dict[str, Any], label: str) -> dict[str, Any]:
    valid_from = _date(item, "valid_from", label)
    valid_to = _date(item, "valid_to", label)
    succeeded_on = _date(item, "succeeded_on", label)
    successor = _text(item, "successor", label)
    if valid_from and valid_to and valid_to < valid_from:
        raise ValueError(f"{label}: valid_to {valid_to} is before valid_from {valid_from}")
    if successor is not None:
        if valid_to is None and succeeded_on is None:
            raise ValueError(f"{label}: a successor needs 'valid_to' or 'succeeded_on'")
        if valid_to is None:
            valid_to = date.fromordinal(succeeded_on.toordinal() - 1)  # type: ignore[union-attr]
        if succeeded_on is None:
            succeeded_on = date.fromordinal(valid_to.toordinal() + 1)
        if succeeded_on <= valid_to:
            raise ValueError(f"{label}: succeeded_on {succeeded_on} must be after valid_to {valid_to}")
    elif succeeded_on is not None:
        raise ValueError(f"{label}: 'succeeded_on' without a 'successor'")
    return {
        "valid_from": valid_from,
        "valid_to": valid_to,
        "successor": successor,
        "succeeded_on": succeeded_on,
        "legal_basis": _text(item, "legal_basis", label),
        "notes": _text(item, "notes", label),
    }


def _code(item: dict[str, Any], label: str) -> str:
    code = _text(item, "code", label, required=True)
    assert code is not None
    if not _CODE.match(code):
        raise ValueError(f"{label}: code {code!r} must be lower-case ascii words joined by '-'")
    return code


_AGENCY_KEYS = {
    "code", "name", "kind", "email", "phone", "zalo_user_id", "head", "aliases", "sample", "review",
    "valid_from", "valid_to", "successor", "succeeded_on", "legal_basis", "notes",
}  # fmt: skip
_GROUP_KEYS = {
    "code", "name", "aliases", "members", "kind_in", "open_ended", "candidates", "only_in_national_documents",
    "focal",
    "valid_from", "valid_to", "successor", "succeeded_on", "legal_basis", "notes",
}  # fmt: skip


def _unknown_keys(item: dict[str, Any], allowed: set[str], label: str) -> None:
    extra = sorted(set(item) - allowed)
    if extra:
        raise ValueError(f"{label}: unknown field(s) {', '.join(map(str, extra))}")


def agency_contacts(office: dict[str, Any], head_data: dict[str, Any], label: str) -> dict[str, Any]:
    """An agency's checked contact fields (``email``, ``phone`` in E.164, ``zalo_user_id``, ``head``) from
    the office's values and the head's (name, title, email, phone); ValueError naming ``label``."""
    _unknown_keys(head_data, {"name", "title", "email", "phone"}, f"{label} head")
    head = Head(
        name=_text(head_data, "name", label),
        title=_text(head_data, "title", label),
        email=_email(_text(head_data, "email", label), label, "head.email"),
        phone=_phone(_text(head_data, "phone", label), label, "head.phone"),
    )
    return {
        "email": _email(_text(office, "email", label), label, "email"),
        "phone": _phone(_text(office, "phone", label), label, "phone"),
        "zalo_user_id": _text(office, "zalo_user_id", label),
        "head": head,
    }


def _build_agency(item: dict[str, Any], label: str) -> Agency:
    _unknown_keys(item, _AGENCY_KEYS, label)
    code = _code(item, label)
    name = _text(item, "name", label, required=True)
    kind = _text(item, "kind", label, required=True)
    assert name is not None and kind is not None
    if kind not in KINDS:
        raise ValueError(f"{label}: kind {kind!r} is not one of {', '.join(sorted(KINDS))}")
    head_data = item.get("head") or {}
    if not isinstance(head_data, dict):
        raise ValueError(f"{label}: 'head' must be a mapping (name, title, email, phone)")
    return Agency(
        code=code,
        name=name,
        kind=kind,
        aliases=_dedupe_aliases(name, _texts(item, "aliases", label)),
        sample=bool(item.get("sample", False)),
        review=_text(item, "review", label),
        **agency_contacts(item, head_data, label),
        **_dated(item, label),
    )


def _build_group(item: dict[str, Any], label: str) -> Group:
    _unknown_keys(item, _GROUP_KEYS, label)
    code = _code(item, label)
    name = _text(item, "name", label, required=True)
    assert name is not None
    group = Group(
        code=code,
        name=name,
        aliases=_dedupe_aliases(name, _texts(item, "aliases", label)),
        members=_texts(item, "members", label),
        kind_in=_texts(item, "kind_in", label),
        open_ended=bool(item.get("open_ended", False)),
        candidates=_texts(item, "candidates", label),
        only_in_national_documents=bool(item.get("only_in_national_documents", False)),
        focal=bool(item.get("focal", False)),
        **_dated(item, label),
    )
    if not (group.members or group.kind_in or group.open_ended or group.successor or group.focal):
        raise ValueError(f"{label}: a group needs 'members', 'kind_in', 'open_ended: true' or 'focal: true'")
    return group
