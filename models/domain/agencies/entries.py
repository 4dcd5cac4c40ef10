"""The directory's entries and what the directory answers with: plain data, no matching, no loading.

* :data:`KINDS`, the errors :class:`DirectoryError` and :class:`UnknownCodeError`;
* :class:`Agency` and :class:`Group` (with their dates of validity and succession), :class:`Head`;
* :class:`Entries`, agencies and groups by code: what routing and validation read;
* the answers: :class:`ResolvedName` / :class:`CellResolution` (a cell read) and :class:`SuccessionStep` /
  :class:`Routing` (who answers today).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

#: Kinds of agencies. ``so``: provincial department (Sở); ``ban_nganh``: other provincial agency under the
#: UBND (Văn phòng UBND, Thanh tra, Ban Quản lý các KCN); ``nganh_doc``: provincial branch of a central body
#: (Công an, Thuế, Ngân hàng Nhà nước); ``tu_phap``: court and procuracy; ``hdnd``: People's Council;
#: ``doan_the``: Fatherland Front, mass organisations and associations; ``don_vi_su_nghiep``: public
#: service units (radio-TV, newspaper, service centres); ``co_quan_dang``: Party bodies; ``external``:
#: outside the province's system (a national university, companies); ``bo_nganh``: a ministry or
#: ministry-level body of the Government; ``trung_uong``: another national body (the Government and the
#: Prime Minister as issuers, the Supreme Court and Procuracy, State Audit, government agencies, the
#: central Fatherland Front). The two national kinds come from ``config/national_bodies.yaml``.
KINDS = frozenset(
    {
        "bo_nganh",
        "trung_uong",
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

#: Kinds of the national bodies: recognised as external, never matched to a provincial body.
NATIONAL_KINDS = frozenset({"bo_nganh", "trung_uong"})

#: How a document's issuer relates to this directory's province (see :mod:`.issuers`): ``own`` (this
#: province, and the default when the issuer is unknown), ``national`` (the Government, the Prime
#: Minister, a ministry), ``other_province``.
SCOPES = ("own", "national", "other_province")


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


@dataclass(frozen=True)
class Confirmation:
    """A name an officer confirmed (``confirmed_names`` in the directory file): in plan ``plan`` (every
    plan when None), the name as written routes to ``code`` — how a suggestion, or any name left
    unresolved, is settled without a code change."""

    name: str
    code: str
    plan: str | None = None


@dataclass(frozen=True)
class Province:
    """The directory's own province: its ``name`` ("Thái Nguyên"), the ``former_names`` of provinces
    merged into it ("Bắc Kạn", from 2025-07-01), and the agency that answers for the province when a
    national document addresses every province (``national_focal_agency``; None: the standing agency)."""

    name: str | None = None
    former_names: tuple[str, ...] = ()
    national_focal_agency: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n for n in (self.name, *self.former_names) if n)


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
    # What is to be confirmed about this agency (the YAML's ``review``): probably reorganised in 2025 with
    # the change not sourced. Shown as "cần xác nhận" wherever the agency is shown or routed.
    review: str | None = None
    # A commune-level UBND: the former district(s) of the units it was formed from, as the source names
    # them (``config/communes.csv``); empty when not sourced.
    former_districts: tuple[str, ...] = ()

    is_group = False

    @property
    def national(self) -> bool:
        """A national body (a ministry, the Supreme Court, …): external to the province."""
        return self.kind in NATIONAL_KINDS

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
    national: bool = False  # a group of national bodies, or a phrase of national documents
    # Names recognised only in a national document ("các địa phương" there means this province).
    only_in_national_documents: bool = False
    # Routes to the directory's focal agency for national documents (``national_focal_agency``).
    focal: bool = False

    is_group = True

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


Entry = Agency | Group


def entry_label(entry: Entry) -> str:
    """How a problem message names an entry: "agency 'so-y-te'", "group 'cac-so'"."""
    return f"{'group' if entry.is_group else 'agency'} '{entry.code}'"


class Entries:
    """Agencies and groups by code, each in file order (codes are unique across both)."""

    def __init__(self, agencies: dict[str, Agency], groups: dict[str, Group]) -> None:
        self.agencies = agencies
        self.groups = groups

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


@dataclass
class ResolvedName:
    """One name found in a cell: ``raw`` as written (NFC), the entry's ``code``."""

    raw: str
    code: str
    is_group: bool
    open_ended: bool = False
    via: str = "name"  # "name", "enumeration" ("UBND các thành phố: A, B" / "Các Cục: A, B"), "confirmed"


@dataclass(frozen=True)
class Suggestion:
    """A name left unresolved that probably means ``code``: an officer confirms it, nothing routes to it.

    ``why``: ``no-diacritics`` (it matches only without diacritics: "So Tai chinh"), ``other-province``
    (a provincial name in another province's plan: that province's Sở, not ours), ``other-place`` (a
    provincial name qualified by another province: "Sở Tài chính thành phố Hà Nội").
    """

    raw: str
    code: str
    why: str

    def as_json(self) -> dict[str, str]:
        return {"name": self.raw, "code": self.code, "why": self.why}


@dataclass
class CellResolution:
    """A whole cell resolved: the names found (in order, no duplicates), what is left over, warnings, and
    for some left-over names a suggestion an officer may confirm (never routed on its own)."""

    entries: list[ResolvedName] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.unresolved

    @property
    def codes(self) -> list[str]:
        return [e.code for e in self.entries]


@dataclass(frozen=True)
class Succession:
    """An officer's decision on an agency (``/officers/directory``): from ``succeeded_on`` its work goes to
    ``successor``; no successor: the agency is confirmed as it is. Settles the agency's ``review``."""

    code: str
    successor: str | None = None
    succeeded_on: date | None = None
    legal_basis: str | None = None


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
