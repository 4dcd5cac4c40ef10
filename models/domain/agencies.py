"""The agency directory: who is who, how plans spell them, and who answers for them today.

Pure Python: reads ``config/agencies.yaml`` (reviewed by people), no database, no network.

* :meth:`Directory.match` — one name to one agency or group.
* :meth:`Directory.resolve_cell` — a whole table cell naming several agencies ("Sở Thông tin và Truyền
  thông và các Sở, ban, ngành; UBND các huyện, thành phố").
* :meth:`Directory.route` — the agencies responsible *on a date*: follows the 2025 reorganisation
  (successors) and expands groups. :meth:`Directory.routing` also returns the original entry and the
  succession steps, so the plan's wording stays visible beside the routing.

How names are compared
----------------------
A name is cut into words at spaces and punctuation (``, ; . : / - – ( ) &`` …). Each word is compared
through a key that ignores case, NFC/NFD and where the tone mark sits ("Hoá"/"Hóa", "Uỷ"/"Ủy"), but
keeps diacritics ("Sở" and "Số" differ). A few abbreviations are folded to one form ("Ủy ban nhân dân" =
"UBND", "thành phố" = "TP", "Khu công nghiệp" = "KCN"; listed in the YAML under ``matching``). So
"Sở Khoa học, Công nghệ", "Sở Lao động, Thương binh và Xã hội" and "UBND TP. Phổ Yên" compare equal to
their written variants. Punctuation never matters inside a name, except ";" which always ends a name.

A cell is read left to right, taking at each word the *longest* known name that starts there (hence
"Sở Khoa học và Công nghệ" wins over a split at "và"). Between names, punctuation and the word "và" are
glue. Anything else left over is reported as unresolved, never dropped.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import phonenumbers
import yaml

from models.domain.text import fold, nfc, strip_diacritics

__all__ = [
    "KINDS",
    "SHIPPED_DIRECTORY",
    "Agency",
    "CellResolution",
    "Directory",
    "DirectoryError",
    "Group",
    "Head",
    "ResolvedName",
    "Routing",
    "SuccessionStep",
    "UnknownCodeError",
    "match_key",
    "normalize_email",
    "normalize_phone",
    "valid_email",
]

SHIPPED_DIRECTORY = Path(__file__).resolve().parents[2] / "config" / "agencies.yaml"

#: Kinds of agencies. ``so``: provincial department (Sở); ``ban_nganh``: other provincial agency under the
#: UBND (Văn phòng UBND, Thanh tra, Ban Quản lý các KCN); ``nganh_doc``: provincial branch of a central body
#: (Công an, Thuế, Ngân hàng Nhà nước); ``tu_phap``: court and procuracy; ``hdnd``: People's Council;
#: ``doan_the``: Fatherland Front, mass organisations and associations; ``don_vi_su_nghiep``: public
#: service units (radio-TV, newspaper, service centres); ``co_quan_dang``: Party bodies; ``external``:
#: outside the province's system (a national university, companies).
KINDS = frozenset(
    {
        "so",
        "ban_nganh",
        "ubnd_tinh",
        "hdnd",
        "ubnd_huyen",
        "ubnd_xa",
        "nganh_doc",
        "tu_phap",
        "doan_the",
        "don_vi_su_nghiep",
        "co_quan_dang",
        "external",
    }
)

_CODE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}$"
)
# Words are runs of anything but spaces and punctuation; the gaps between them are kept to see ";" etc.
_WORD = re.compile(r"[^\s,;.:/\\()\[\]{}&|+*\"'“”‘’«»–—‐‑\-…!?]+")
# Vietnamese tone marks (combining): grave, acute, tilde, hook above, dot below.
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")


class DirectoryError(ValueError):
    """The directory file is not valid. ``problems`` lists every problem found, each naming its entry."""

    def __init__(self, problems: list[str] | str, source: str | None = None) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(where + "; ".join(self.problems))


class UnknownCodeError(KeyError):
    """No agency or group has this code."""

    def __str__(self) -> str:
        return f"unknown agency or group code: {self.args[0]!r} (mã cơ quan/nhóm không tồn tại)"


# --------------------------------------------------------------------------------------------------
# Comparison keys
# --------------------------------------------------------------------------------------------------


def _word_key(word: str) -> str:
    """One word's comparison key: case-folded, NFC, tone mark moved to the end (so "hoá" == "hóa")."""
    decomposed = unicodedata.normalize("NFD", word.casefold())
    tones = "".join(ch for ch in decomposed if ch in _TONES)
    base = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONES))
    return base + tones


def _ascii_key(word: str) -> str:
    return strip_diacritics(word).casefold()


@dataclass(frozen=True)
class _Token:
    key: str
    ascii: str
    start: int  # offsets in the NFC text
    end: int
    gap: str  # the text between the previous token and this one

    @property
    def hard(self) -> bool:
        """A ";" (or a line break kept as one) before this word: no name runs across it."""
        return ";" in self.gap

    @property
    def bare(self) -> bool:
        """Only spaces before this word (no punctuation at all)."""
        return not self.gap.strip()


def _raw_tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    last = 0
    for m in _WORD.finditer(text):
        word = m.group()
        tokens.append(_Token(_word_key(word), _ascii_key(word), m.start(), m.end(), text[last : m.start()]))
        last = m.end()
    return tokens


def _merge(tokens: list[_Token], abbreviations: dict[tuple[str, ...], str]) -> list[_Token]:
    """Fold multi-word spellings to one key ("ủy ban nhân dân" -> "ubnd"); never across a ";"."""
    if not abbreviations:
        return tokens
    longest = max(len(k) for k in abbreviations)
    out: list[_Token] = []
    i = 0
    while i < len(tokens):
        for n in range(min(longest, len(tokens) - i), 0, -1):
            keys = tuple(t.key for t in tokens[i : i + n])
            short = abbreviations.get(keys)
            if short is not None and not any(t.hard for t in tokens[i + 1 : i + n]):
                first, last = tokens[i], tokens[i + n - 1]
                out.append(_Token(short, _ascii_key(short), first.start, last.end, first.gap))
                i += n
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


def match_key(name: str, abbreviations: dict[tuple[str, ...], str] | None = None) -> str:
    """The comparison key of a whole name (the words' keys joined by single spaces).

    Without ``abbreviations`` this is the key before abbreviation folding; use
    :meth:`Directory.key` for the key a directory compares with.
    """
    return " ".join(t.key for t in _merge(_raw_tokens(nfc(name)), abbreviations or {}))


# --------------------------------------------------------------------------------------------------
# Entries
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Head:
    """The head of an agency (thủ trưởng)."""

    name: str | None = None
    title: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class _Dated:
    """Validity and succession shared by agencies and groups."""

    valid_from: date | None = None  # first day it exists (None: always)
    valid_to: date | None = None  # last day it exists (None: still exists)
    successor: str | None = None  # code taking over from ``succeeded_on``
    succeeded_on: date | None = None
    legal_basis: str | None = None
    notes: str | None = None

    def is_valid_on(self, on: date) -> bool:
        """True when the entry exists on ``on``."""
        if self.valid_from is not None and on < self.valid_from:
            return False
        return not (self.valid_to is not None and on > self.valid_to)

    def ended_by(self, on: date) -> bool:
        return self.valid_to is not None and on > self.valid_to


@dataclass(frozen=True)
class Agency(_Dated):
    """One agency of the directory, past or present."""

    code: str = ""
    name: str = ""
    kind: str = ""
    email: str | None = None
    phone: str | None = None  # E.164 ("+84…")
    zalo_user_id: str | None = None
    head: Head = field(default_factory=Head)
    aliases: tuple[str, ...] = ()  # other spellings (case/spacing-only variants of the name dropped)
    sample: bool = False  # a sample entry (e.g. one of the communes); the officer loads the full list

    is_group = False

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Group(_Dated):
    """A group phrase of the plans ("Các Sở, ban, ngành") that expands to member agencies.

    Members are the listed ``members`` (agency or group codes, in order) followed by every agency
    whose kind is in ``kind_in`` (in directory order). An ``open_ended`` group ("các đơn vị có liên
    quan") has no fixed members: it resolves, but an officer must pick the agencies, optionally among
    ``candidates``.
    """

    code: str = ""
    name: str = ""
    aliases: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    kind_in: tuple[str, ...] = ()
    open_ended: bool = False
    candidates: tuple[str, ...] = ()

    is_group = True

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


Entry = Agency | Group


@dataclass
class ResolvedName:
    """One name found in a cell: ``raw`` as written (NFC), the entry's ``code``."""

    raw: str
    code: str
    is_group: bool
    open_ended: bool = False
    via: str = "name"  # "name", "enumeration" ("UBND các thành phố: A, B") or "no-diacritics"


@dataclass
class CellResolution:
    """A whole cell resolved: the names found (in order, no duplicates), what is left over, warnings."""

    entries: list[ResolvedName] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.unresolved

    @property
    def codes(self) -> list[str]:
        return [e.code for e in self.entries]


@dataclass(frozen=True)
class SuccessionStep:
    """``from_code`` ended; ``to_code`` took over on ``succeeded_on``."""

    from_code: str
    to_code: str
    succeeded_on: date | None
    legal_basis: str | None


@dataclass
class Routing:
    """Who answers on ``on`` for ``original`` (as the plan named it): ``agencies``, and why (``steps``)."""

    original: Entry
    on: date
    agencies: list[Agency]
    steps: list[SuccessionStep] = field(default_factory=list)
    raw: str | None = None  # the name as written, when routed from a cell

    @property
    def changed(self) -> bool:
        """True when today's agencies are not simply the original agency itself."""
        return [a.code for a in self.agencies] != [self.original.code]

    @property
    def open_ended(self) -> bool:
        return isinstance(self.original, Group) and self.original.open_ended


@dataclass(frozen=True)
class _Enumeration:
    head: tuple[str, ...]  # keys of "UBND các thành phố"
    item_prefixes: tuple[tuple[str, ...], ...]  # keys of "UBND thành phố"


@dataclass(frozen=True)
class _Match:
    end: int  # token index after the match
    code: str
    via: str
    raw: str
    items: tuple[tuple[str, str], ...] = ()  # enumeration: (raw, code) per item


# --------------------------------------------------------------------------------------------------
# Directory
# --------------------------------------------------------------------------------------------------


class Directory:
    """Agencies, groups and how to match and route them. Build with :meth:`load`."""

    def __init__(
        self,
        agencies: dict[str, Agency],
        groups: dict[str, Group],
        standing_agency: str,
        *,
        abbreviations: dict[str, str] | None = None,
        glue_words: Iterable[str] = ("và",),
        qualifiers: Iterable[str] = (),
        enumerations: Iterable[dict[str, Any]] = (),
        demo: bool = False,
        source: str | None = None,
    ) -> None:
        self.agencies = agencies
        self.groups = groups
        self.standing_agency = standing_agency
        self.demo = demo
        self.source = source
        self._abbrev_src = dict(abbreviations or {})
        self._glue_src = tuple(glue_words)
        self._qual_src = tuple(qualifiers)
        self._enum_src = tuple(enumerations)
        self._abbrev: dict[tuple[str, ...], str] = {}
        for long, short in self._abbrev_src.items():
            self._abbrev[tuple(t.key for t in _raw_tokens(nfc(long)))] = _word_key(nfc(short))
        self._glue = frozenset(self._tokens_key(w)[0] for w in self._glue_src if self._tokens_key(w))
        self._qualifiers = sorted((self._tokens_key(q) for q in self._qual_src), key=len, reverse=True)
        self._enumerations = [
            _Enumeration(
                head=self._tokens_key(h),
                item_prefixes=tuple(self._tokens_key(p) for p in e.get("item_prefixes", ())),
            )
            for e in self._enum_src
            for h in e.get("heads", ())
        ]
        self._names: dict[tuple[str, ...], str] = {}
        self._ascii: dict[tuple[str, ...], set[str]] = {}
        self._max_words = 1
        problems = self._index()
        problems += self._validate()
        if problems:
            raise DirectoryError(problems, source)

    # ---- loading ---------------------------------------------------------------------------------

    @classmethod
    def load(cls, path: Path | str | None = None) -> Directory:
        """Load and validate a directory file (``None``: the shipped ``config/agencies.yaml``)."""
        path = Path(path) if path is not None else SHIPPED_DIRECTORY
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise DirectoryError(f"not valid YAML: {exc}", str(path)) from exc
        return cls.from_dict(data, source=str(path))

    @classmethod
    def from_dict(cls, data: Any, source: str | None = None) -> Directory:
        """Build from the parsed YAML structure (see ``config/agencies.yaml``)."""
        if not isinstance(data, dict):
            raise DirectoryError("the file must be a mapping with 'agencies', 'groups', 'standing_agency'", source)
        problems: list[str] = []
        agencies: dict[str, Agency] = {}
        groups: dict[str, Group] = {}
        seen: dict[str, str] = {}
        for section, kind, builder, target in (
            ("agencies", "agency", _build_agency, agencies),
            ("groups", "group", _build_group, groups),
        ):
            items = data.get(section) or []
            if not isinstance(items, list):
                problems.append(f"'{section}' must be a list")
                continue
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
                target[entry.code] = entry  # type: ignore[index]
        standing = data.get("standing_agency")
        if not isinstance(standing, str):
            problems.append("'standing_agency' (an agency code) is missing")
            standing = ""
        matching = data.get("matching") or {}
        if problems:
            raise DirectoryError(problems, source)
        return cls(
            agencies,
            groups,
            standing,
            abbreviations=matching.get("abbreviations") or {},
            glue_words=matching.get("glue_words") or ("và",),
            qualifiers=matching.get("qualifiers") or (),
            enumerations=matching.get("enumerations") or (),
            demo=bool(data.get("demo", False)),
            source=source,
        )

    def _tokens_key(self, text: str) -> tuple[str, ...]:
        return tuple(t.key for t in _merge(_raw_tokens(nfc(text)), self._abbrev))

    def key(self, name: str) -> str:
        """The comparison key this directory uses for ``name`` (see the module docstring)."""
        return " ".join(self._tokens_key(name))

    def _index(self) -> list[str]:
        problems: list[str] = []
        for entry in self.entries():
            for name in entry.names:
                key = self._tokens_key(name)
                if not key:
                    problems.append(f"{_label(entry)}: empty name or alias {name!r}")
                    continue
                self._max_words = max(self._max_words, len(key))
                other = self._names.setdefault(key, entry.code)
                if other != entry.code:
                    problems.append(
                        f"{_label(entry)}: alias {name!r} also names {_label(self.get(other))} "
                        f"(an alias must point to one entry)"
                    )
                self._ascii.setdefault(tuple(strip_diacritics(k) for k in key), set()).add(entry.code)
        return problems

    def _validate(self) -> list[str]:
        problems: list[str] = []
        codes = set(self.agencies) | set(self.groups)
        for entry in self.entries():
            label = _label(entry)
            if entry.successor is not None:
                if entry.successor not in codes:
                    problems.append(f"{label}: successor {entry.successor!r} is not a known code")
                elif entry.successor == entry.code:
                    problems.append(f"{label}: is its own successor")
            if isinstance(entry, Group):
                for m in entry.members:
                    if m not in codes:
                        problems.append(f"{label}: member {m!r} is not a known code")
                    elif m == entry.code:
                        problems.append(f"{label}: is a member of itself")
                for c in entry.candidates:
                    if c not in codes:
                        problems.append(f"{label}: candidate {c!r} is not a known code")
                for k in entry.kind_in:
                    if k not in KINDS:
                        problems.append(f"{label}: kind_in {k!r} is not a known kind")
        if self.standing_agency and self.standing_agency not in self.agencies:
            problems.append(f"standing_agency {self.standing_agency!r} is not a known agency code")
        if problems:
            return problems
        # Cycles: succession chains and group membership must end.
        for entry in self.entries():
            chain = [entry.code]
            current: Entry = entry
            while current.successor is not None:
                if current.successor in chain:
                    problems.append(f"{_label(entry)}: succession cycle {' -> '.join([*chain, current.successor])}")
                    break
                chain.append(current.successor)
                current = self.get(current.successor)
        for group in self.groups.values():
            cycle = self._member_cycle(group.code, [])
            if cycle:
                problems.append(f"{_label(group)}: membership cycle {' -> '.join(cycle)}")
        for e in self._enum_src:
            if not e.get("heads") or not e.get("item_prefixes"):
                problems.append(f"enumeration {e!r}: needs 'heads' and 'item_prefixes'")
        return problems

    def _member_cycle(self, code: str, path: list[str]) -> list[str] | None:
        if code in path:
            return [*path, code]
        group = self.groups.get(code)
        if group is None:
            return None
        for m in (*group.members, *group.candidates):
            found = self._member_cycle(m, [*path, code])
            if found:
                return found
        return None

    # ---- look-up ---------------------------------------------------------------------------------

    def entries(self) -> Iterator[Entry]:
        """Every agency, then every group, in file order."""
        yield from self.agencies.values()
        yield from self.groups.values()

    def get(self, code: str) -> Entry:
        """The agency or group with this code (:class:`UnknownCodeError` otherwise)."""
        entry = self.agencies.get(code) or self.groups.get(code)
        if entry is None:
            raise UnknownCodeError(code)
        return entry

    def __contains__(self, code: object) -> bool:
        return code in self.agencies or code in self.groups

    @property
    def standing(self) -> Agency:
        """The standing agency (cơ quan thường trực) of the plan."""
        return self.agencies[self.standing_agency]

    def match(self, name: str) -> Entry | None:
        """The one agency or group ``name`` denotes (a code also works), or ``None``.

        ``None`` too when the text names several entries ("Sở Y tế, Sở Tư pháp") or has words left over.
        """
        text = nfc(name)
        if text in self.agencies or text in self.groups:
            return self.get(text)
        tokens = self._tokens(text)
        if not tokens:
            return None
        found = self._longest(text, tokens, 0)
        if found is None or found.end != len(tokens):
            return None
        if found.items:
            return self.get(found.items[0][1]) if len(found.items) == 1 else None
        return self.get(found.code)

    # ---- cells -----------------------------------------------------------------------------------

    def _tokens(self, text: str) -> list[_Token]:
        return _merge(_raw_tokens(text), self._abbrev)

    def _lookup(self, tokens: list[_Token], i: int, prefix: tuple[str, ...] = ()) -> tuple[int, str] | None:
        """Longest known name starting at token ``i`` (after ``prefix``): (end index, code)."""
        for end in range(min(len(tokens), i + self._max_words), i, -1):
            if any(t.hard for t in tokens[i + 1 : end]):
                continue
            code = self._names.get(prefix + tuple(t.key for t in tokens[i:end]))
            if code is not None:
                return end, code
        return None

    def _lookup_ascii(self, tokens: list[_Token], i: int) -> tuple[int, str] | None:
        for end in range(min(len(tokens), i + self._max_words), i, -1):
            if any(t.hard for t in tokens[i + 1 : end]):
                continue
            codes = self._ascii.get(tuple(t.ascii for t in tokens[i:end]))
            if codes is not None and len(codes) == 1:
                return end, next(iter(codes))
        return None

    def _absorb_qualifier(self, tokens: list[_Token], end: int) -> int:
        """Extend a match over "tỉnh", "Thái Nguyên"… written right after it ("Sở Tư pháp tỉnh")."""
        if end >= len(tokens) or not tokens[end].bare or self._lookup(tokens, end):
            return end
        for q in self._qualifiers:
            stop = end + len(q)
            words = tokens[end:stop]
            if stop <= len(tokens) and tuple(t.key for t in words) == q and all(t.bare for t in words):
                return stop
        return end

    def _enumeration(self, text: str, tokens: list[_Token], i: int) -> _Match | None:
        """An enumeration: "UBND các thành phố: Phổ Yên, Sông Công" -> one item per name."""
        best: _Match | None = None
        for enum in self._enumerations:
            h = len(enum.head)
            if tuple(t.key for t in tokens[i : i + h]) != enum.head or any(t.hard for t in tokens[i + 1 : i + h]):
                continue
            head_raw = text[tokens[i].start : tokens[i + h - 1].end]
            j, items, end = i + h, [], i + h
            while j < len(tokens) and not tokens[j].hard:
                while j < len(tokens) and tokens[j].key in self._glue and not tokens[j].hard:
                    j += 1
                if j >= len(tokens) or tokens[j].hard:
                    break
                hit = None
                for prefix in enum.item_prefixes:
                    found = self._lookup(tokens, j, prefix)
                    if found and (hit is None or found[0] > hit[0]):
                        hit = found
                if hit is None:
                    break
                item_raw = text[tokens[j].start : tokens[hit[0] - 1].end]
                items.append((f"{head_raw}: {item_raw}", hit[1]))
                j = end = hit[0]
            # Without a colon after the head, one item is not enough: "UBND các huyện, thành phố Thái
            # Nguyên" is the district group of the province, not the city alone.
            colon = i + h < len(tokens) and ":" in tokens[i + h].gap
            if (len(items) >= 2 or (items and colon)) and (best is None or end > best.end):
                best = _Match(end, items[0][1], "enumeration", head_raw, tuple(items))
        return best

    def _longest(self, text: str, tokens: list[_Token], i: int) -> _Match | None:
        candidates: list[_Match] = []
        found = self._lookup(tokens, i)
        if found:
            end, code = found
            candidates.append(_Match(end, code, "name", ""))
        enum = self._enumeration(text, tokens, i)
        if enum:
            candidates.append(enum)
        if not candidates:
            found = self._lookup_ascii(tokens, i)
            if found:
                candidates.append(_Match(found[0], found[1], "no-diacritics", ""))
        if not candidates:
            return None
        best = max(candidates, key=lambda m: m.end)  # first wins on ties: a plain name before an enumeration
        if best.items:
            return best
        end = self._absorb_qualifier(tokens, best.end)
        return dataclasses.replace(best, end=end, raw=text[tokens[i].start : tokens[end - 1].end])

    def resolve_cell(self, cell: str, on: date | None = None) -> CellResolution:
        """Resolve a table cell that names one or more agencies (see the module docstring).

        With ``on``, also warns about names that no longer exist on that date and who took over.
        """
        text = nfc(cell)
        result = CellResolution()
        tokens = self._tokens(text)
        seen: dict[str, str] = {}
        leftover: list[int] = []
        prev_end: int | None = None  # token index after the previous match, when nothing came between

        def flush() -> None:
            if leftover:
                result.unresolved.append(text[tokens[leftover[0]].start : tokens[leftover[-1]].end])
                leftover.clear()

        def add(raw: str, code: str, via: str) -> None:
            entry = self.get(code)
            if code in seen:
                result.warnings.append(
                    f"{raw!r} names {entry.name!r} again (already as {seen[code]!r}) / tên cơ quan bị lặp"
                )
                return
            seen[code] = raw
            open_ended = isinstance(entry, Group) and entry.open_ended
            result.entries.append(ResolvedName(raw, code, entry.is_group, open_ended, via))
            if open_ended:
                result.warnings.append(
                    f"{raw!r} is open-ended: an officer must pick the agencies / "
                    f"nhóm không xác định cụ thể, cán bộ cần chọn cơ quan"
                )
            if via == "no-diacritics":
                result.warnings.append(
                    f"{raw!r} read without diacritics as {entry.name!r} / nhận diện khi bỏ dấu: kiểm tra lại"
                )
            if on is not None:
                result.warnings.extend(self._date_warnings(raw, entry, on))

        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if tok.hard:
                flush()
            found = self._longest(text, tokens, i)
            if found is None:
                if tok.key in self._glue and not leftover:
                    i += 1
                    continue
                if tok.key not in self._glue:
                    leftover.append(i)
                prev_end = None
                i += 1
                continue
            flush()
            if prev_end == i and tok.bare:
                before = result.entries[-1].raw if result.entries else ""
                after = found.items[0][0] if found.items else found.raw
                result.warnings.append(
                    f"no separator between {before!r} and {after!r}: read as two names / "
                    f"thiếu dấu phân cách giữa hai tên cơ quan"
                )
            if found.items:
                for raw, code in found.items:
                    add(raw, code, "enumeration")
            else:
                add(found.raw, found.code, found.via)
            i = prev_end = found.end
        flush()
        return result

    def _date_warnings(self, raw: str, entry: Entry, on: date) -> list[str]:
        if entry.ended_by(on):
            now = ", ".join(a.name for a in self.route(entry.code, on)) or "—"
            basis = f" ({entry.legal_basis})" if entry.legal_basis else ""
            return [
                f"{raw!r} no longer exists after {entry.valid_to}{basis}; on {on} routed to: {now} / "
                f"cơ quan không còn từ sau ngày {entry.valid_to:%d/%m/%Y}, nay giao cho: {now}"
            ]
        if entry.valid_from is not None and on < entry.valid_from:
            return [f"{raw!r} exists only from {entry.valid_from} / cơ quan chỉ có từ {entry.valid_from}"]
        return []

    # ---- routing ---------------------------------------------------------------------------------

    def route(self, code: str, on: date) -> list[Agency]:
        """Agencies responsible on ``on`` for an agency or group code.

        Follows succession chains (an entry ended before ``on`` hands over to its successor), expands
        groups to their members valid on ``on`` (listed members follow succession too; ``kind_in``
        members are the agencies of those kinds that exist on ``on``), de-duplicated in a stable order.
        An entry that does not exist yet on ``on``, or ended with no successor, yields nothing; so does an
        open-ended group without members (an officer picks: see :meth:`candidates`).
        """
        return self.routing(code, on).agencies

    def routing(self, code: str, on: date) -> Routing:
        """Like :meth:`route`, with the original entry and the succession steps taken."""
        original = self.get(code)
        out: list[Agency] = []
        steps: list[SuccessionStep] = []
        self._route_into(original, on, out, steps, set(), [])
        return Routing(original, on, out, steps)

    def route_cell(self, cell: str, on: date) -> list[Routing]:
        """Resolve a cell and route each name: the name as written beside today's agencies."""
        routings = []
        for entry in self.resolve_cell(cell).entries:
            r = self.routing(entry.code, on)
            r.raw = entry.raw
            routings.append(r)
        return routings

    def _route_into(
        self,
        entry: Entry,
        on: date,
        out: list[Agency],
        steps: list[SuccessionStep],
        done: set[str],
        path: list[str],
    ) -> None:
        if entry.code in path:  # cannot happen after validation; guard anyway
            return
        path = [*path, entry.code]
        if entry.ended_by(on):
            if entry.successor is not None:
                step = SuccessionStep(entry.code, entry.successor, entry.succeeded_on, entry.legal_basis)
                if step not in steps:
                    steps.append(step)
                self._route_into(self.get(entry.successor), on, out, steps, done, path)
            return
        if not entry.is_valid_on(on):
            return
        if isinstance(entry, Agency):
            if entry.code not in done:
                done.add(entry.code)
                out.append(entry)
            return
        for m in entry.members:
            self._route_into(self.get(m), on, out, steps, done, path)
        for agency in self.agencies.values():
            if agency.kind in entry.kind_in and agency.is_valid_on(on) and agency.code not in done:
                done.add(agency.code)
                out.append(agency)

    def candidates(self, code: str, on: date) -> list[Agency]:
        """For an open-ended group: the agencies an officer may pick from on ``on`` (may be empty)."""
        group = self.get(code)
        if not isinstance(group, Group):
            return []
        out: list[Agency] = []
        seen: set[str] = set()
        for c in group.candidates:
            for a in self.route(c, on):
                if a.code not in seen:
                    seen.add(a.code)
                    out.append(a)
        return out

    def members(self, code: str) -> list[str]:
        """A group's agency codes regardless of dates or succession (every agency it can expand to)."""
        group = self.get(code)
        if not isinstance(group, Group):
            return [group.code]
        out: list[str] = []

        def walk(g: Group) -> None:
            for m in g.members:
                e = self.get(m)
                if isinstance(e, Group):
                    walk(e)
                elif m not in out:
                    out.append(m)
            for a in self.agencies.values():
                if a.kind in g.kind_in and a.code not in out:
                    out.append(a.code)

        walk(group)
        return out

    def successor_chain(self, code: str) -> list[str]:
        """``code`` and its successors in order, e.g. ["ubnd-tp-pho-yen", "ubnd-cap-xa"]."""
        chain = [code]
        entry = self.get(code)
        while entry.successor is not None and entry.successor not in chain:
            chain.append(entry.successor)
            entry = self.get(entry.successor)
        return chain

    def predecessors(self, code: str) -> list[str]:
        """Codes whose successor is ``code`` (directly), in directory order."""
        return [e.code for e in self.entries() if e.successor == code]

    # ---- contacts --------------------------------------------------------------------------------

    def with_contacts(self, updates: Iterable[Any]) -> Directory:
        """A copy with contact updates applied (objects with ``code`` and ``fields()``, see
        :class:`models.contacts.ContactUpdate`). Fields not given keep their value."""
        agencies = dict(self.agencies)
        for u in updates:
            agency = agencies.get(u.code)
            if agency is None:
                raise UnknownCodeError(u.code)
            values = u.fields()
            head = dataclasses.replace(
                agency.head,
                **{k.removeprefix("head_"): v for k, v in values.items() if k.startswith("head_")},
            )
            plain = {k: v for k, v in values.items() if not k.startswith("head_")}
            agencies[u.code] = dataclasses.replace(agency, head=head, **plain)
        return Directory(
            agencies,
            dict(self.groups),
            self.standing_agency,
            abbreviations=self._abbrev_src,
            glue_words=self._glue_src,
            qualifiers=self._qual_src,
            enumerations=self._enum_src,
            demo=self.demo,
            source=self.source,
        )


# --------------------------------------------------------------------------------------------------
# Building entries from YAML
# --------------------------------------------------------------------------------------------------


def _label(entry: Entry) -> str:
    return f"{'group' if entry.is_group else 'agency'} '{entry.code}'"


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
    "code", "name", "kind", "email", "phone", "zalo_user_id", "head", "aliases", "sample",
    "valid_from", "valid_to", "successor", "succeeded_on", "legal_basis", "notes",
}  # fmt: skip
_GROUP_KEYS = {
    "code", "name", "aliases", "members", "kind_in", "open_ended", "candidates",
    "valid_from", "valid_to", "successor", "succeeded_on", "legal_basis", "notes",
}  # fmt: skip


def _unknown_keys(item: dict[str, Any], allowed: set[str], label: str) -> None:
    extra = sorted(set(item) - allowed)
    if extra:
        raise ValueError(f"{label}: unknown field(s) {', '.join(map(str, extra))}")


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
    _unknown_keys(head_data, {"name", "title", "email", "phone"}, f"{label} head")
    head = Head(
        name=_text(head_data, "name", label),
        title=_text(head_data, "title", label),
        email=_email(_text(head_data, "email", label), label, "head.email"),
        phone=_phone(_text(head_data, "phone", label), label, "head.phone"),
    )
    return Agency(
        code=code,
        name=name,
        kind=kind,
        email=_email(_text(item, "email", label), label, "email"),
        phone=_phone(_text(item, "phone", label), label, "phone"),
        zalo_user_id=_text(item, "zalo_user_id", label),
        head=head,
        aliases=_dedupe_aliases(name, _texts(item, "aliases", label)),
        sample=bool(item.get("sample", False)),
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
        **_dated(item, label),
    )
    if not (group.members or group.kind_in or group.open_ended or group.successor):
        raise ValueError(f"{label}: a group needs 'members', 'kind_in' or 'open_ended: true'")
    return group
