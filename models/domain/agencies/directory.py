"""The :class:`Directory`: the entries, their names and their routing, composed into one object.

Built with :meth:`Directory.load` (a file) or :meth:`Directory.from_dict` (its parsed YAML), both
through :mod:`.loading`; names are matched by :class:`.names.NameIndex`, routing is :mod:`.routing`.
What a cell or a date means for an entry (groups, open-ended groups, ended agencies) is decided here,
and what a document's issuer means for its cells (:mod:`.issuers`): in a national document "các địa
phương" is this province (its focal agency), in another province's plan a provincial name is that
province's and is flagged, never routed to ours. A name matched only without diacritics is a suggestion.

National bodies come from the file the directory names under ``national_bodies`` (the shipped one is
``config/national_bodies.yaml``): ministries, the Supreme Court, … of kinds ``bo_nganh``/``trung_uong``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from models.domain.agencies import communes, loading
from models.domain.agencies import routing as routes
from models.domain.agencies.entries import (
    SCOPES,
    Agency,
    CellResolution,
    Confirmation,
    DirectoryError,
    Entries,
    Entry,
    Group,
    Province,
    ResolvedName,
    Routing,
    Succession,
    Suggestion,
    UnknownCodeError,
)
from models.domain.agencies.issuers import IssuerScope, issuer_scope
from models.domain.agencies.names import MatchingRules, NameIndex, Piece
from models.domain.agencies.reading import DocumentReading
from models.domain.text import nfc

# "<body> các tỉnh, thành phố (trực thuộc trung ương)" / "<body> các địa phương" of a national document.
_OF_PROVINCES = re.compile(r"^(.+?)\s+(?:của\s+)?(?:các|những)\s+(?:tỉnh|địa\s+phương)\b.*$", re.IGNORECASE)


class Directory(Entries):
    """Agencies, groups and how to match and route them. Build with :meth:`load` or :meth:`from_dict`."""

    def __init__(
        self,
        agencies: dict[str, Agency],
        groups: dict[str, Group],
        standing_agency: str,
        *,
        matching: MatchingRules | None = None,
        demo: bool = False,
        source: str | None = None,
        province: Province | None = None,
        confirmed: tuple[Confirmation, ...] = (),
    ) -> None:
        self.province = province or Province()
        self.focal_agency = self.province.national_focal_agency or standing_agency
        # A focal group ("các địa phương" of a national document) routes to the focal agency.
        groups = {c: dataclasses.replace(g, members=(self.focal_agency,)) if g.focal else g for c, g in groups.items()}
        super().__init__(agencies, groups)
        self.standing_agency = standing_agency
        self.demo = demo
        self.source = source
        self.matching = matching or MatchingRules()
        national_only = [g for g in groups.values() if g.only_in_national_documents]
        self._names = NameIndex(self.matching)
        problems = self._names.add(e for e in self.entries() if not getattr(e, "only_in_national_documents", False))
        # National documents: their own phrases first, then every other name (which they may shadow).
        self._national_names = NameIndex(self.matching)
        problems += self._national_names.add(national_only)
        self._national_names.add(self.entries(), keep_first=True)
        problems += loading.validate(self, standing_agency, self.matching.enumerations)
        if self.focal_agency not in agencies and self.focal_agency != standing_agency:
            problems.append(f"national_focal_agency {self.focal_agency!r} is not a known agency code")
        self._home = [self._names.key_words(n) for n in self.province.names]
        self.confirmed = confirmed
        self._confirmed = {(c.plan, self.key(c.name)): c.code for c in confirmed}
        unknown = [c for c in confirmed if c.code not in self]
        problems += [f"confirmed_names {c.name!r}: {c.code!r} is not a known code" for c in unknown]
        if problems:
            raise DirectoryError(problems, source)

    # ---- loading ---------------------------------------------------------------------------------

    @classmethod
    def load(cls, path: Path | str) -> Directory:
        """Load and validate a directory file (the shipped one: ``config.files.SHIPPED_AGENCIES``)."""
        path = Path(path)
        return cls.from_dict(loading.read_file(path), source=str(path), base=path.parent)

    @classmethod
    def from_dict(cls, data: Any, source: str | None = None, base: Path | None = None) -> Directory:
        """Build from the parsed YAML structure (see ``config/agencies.yaml``). Its ``national_bodies``
        names a file (relative to ``base``, the directory file's folder) or holds the mapping itself."""
        parsed = loading.parse(data, source)
        agencies, groups = dict(parsed.agencies), dict(parsed.groups)
        national = parsed.national_bodies
        if national is not None:
            where = str(national) if not isinstance(national, dict) else f"{source or '<directory>'} national_bodies"
            if not isinstance(national, dict):
                national_path = Path(base or ".") / str(national)
                if not national_path.is_file():
                    raise DirectoryError(f"national_bodies: no file {national_path}", source)
                national, where = loading.read_file(national_path), str(national_path)
            more_agencies, more_groups = loading.parse_national(national, where)
            clash = sorted((set(more_agencies) | set(more_groups)) & (set(agencies) | set(groups)))
            if clash:
                raise DirectoryError(f"national bodies reuse the codes {', '.join(clash)}", where)
            agencies.update(more_agencies)
            groups.update(more_groups)
        if parsed.communes is not None:
            cls._add_communes(agencies, groups, Path(base or ".") / parsed.communes)
        return cls(
            agencies,
            groups,
            parsed.standing_agency,
            matching=parsed.matching,
            demo=parsed.demo,
            source=source,
            province=parsed.province,
            confirmed=parsed.confirmed,
        )

    @staticmethod
    def _add_communes(agencies: dict[str, Agency], groups: dict[str, Group], path: Path) -> None:
        """The communes file's UBNDs and each former district's group of successor communes (:mod:`.communes`)."""
        if not path.is_file():
            raise DirectoryError(f"communes: no file {path}", str(path))
        found = communes.commune_agencies(communes.read_communes(path), str(path))
        clash = sorted(set(found) & (set(agencies) | set(groups)))
        if clash:
            raise DirectoryError(f"communes reuse the codes {', '.join(clash)}", str(path))
        agencies.update(found)
        made = communes.successor_groups(agencies)
        clash = sorted(set(made) & (set(agencies) | set(groups)))
        if clash:
            raise DirectoryError(f"communes: the generated groups reuse the codes {', '.join(clash)}", str(path))
        groups.update(made)

    def with_contacts(self, updates: Iterable[Any]) -> Directory:
        """A copy with contact updates applied (objects with ``code`` and ``fields()``, see
        :class:`models.domain.contacts.ContactUpdate`). Fields not given keep their value."""
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
        return self._with_agencies(agencies)

    def with_successions(self, changes: Iterable[Succession]) -> Directory:
        """A copy with officers' decisions applied (:class:`.entries.Succession`, in order): the agency
        ends the day before ``succeeded_on`` and hands over to ``successor``, or (no successor) is confirmed
        as it is. Either way its ``review`` is settled. :class:`DirectoryError` when the result is not a
        valid directory (an unknown successor, a succession cycle)."""
        agencies = dict(self.agencies)
        for change in changes:
            agency = agencies.get(change.code)
            if agency is None:
                raise UnknownCodeError(change.code)
            if change.successor is None:
                agencies[change.code] = dataclasses.replace(agency, review=None)
                continue
            if change.successor not in self or change.successor == change.code:
                raise DirectoryError(f"{change.code}: successor {change.successor!r} is not another known code")
            if change.succeeded_on is None:
                raise DirectoryError(f"{change.code}: a successor needs the date it takes over")
            agencies[change.code] = dataclasses.replace(
                agency,
                review=None,
                successor=change.successor,
                succeeded_on=change.succeeded_on,
                valid_to=change.succeeded_on - timedelta(days=1),
                legal_basis=change.legal_basis or agency.legal_basis,
            )
        return self._with_agencies(agencies)

    def _with_agencies(self, agencies: dict[str, Agency]) -> Directory:
        """This directory with other agency entries (same groups, rules and province); validated again."""
        return Directory(
            agencies,
            dict(self.groups),
            self.standing_agency,
            matching=self.matching,
            demo=self.demo,
            source=self.source,
            province=self.province,
            confirmed=self.confirmed,
        )

    # ---- look-up ---------------------------------------------------------------------------------

    @property
    def standing(self) -> Agency:
        """The standing agency (cơ quan thường trực) of the plan."""
        return self.agencies[self.standing_agency]

    def key(self, name: str) -> str:
        """The comparison key this directory uses for ``name`` (see the package docstring)."""
        return " ".join(self._names.key_words(name))

    def match(self, name: str) -> Entry | None:
        """The one agency or group ``name`` denotes (a code also works), or ``None``.

        ``None`` too when the text names several entries ("Sở Y tế, Sở Tư pháp") or has words left over,
        or matches only without diacritics (see :meth:`suggest`), or names another province.
        """
        text = nfc(name)
        if text in self:
            return self.get(text)
        code = self._names.whole(text)
        if code is None or self.resolve_cell(text).suggestions:  # "UBND tỉnh Bắc Ninh" is not ours
            return None
        return self.get(code)

    def suggest(self, name: str) -> Entry | None:
        """The one entry ``name`` denotes when compared without diacritics ("So Tai chinh" -> Sở Tài
        chính), for an officer to confirm; ``None`` when :meth:`match` finds it, or nothing is unique."""
        code = self._names.whole(nfc(name), no_diacritics=True)
        return self.get(code) if code is not None else None

    # ---- cells -----------------------------------------------------------------------------------

    def is_national(self, entry: Entry) -> bool:
        """A national body, or a group of them / a phrase of national documents: never provincial."""
        return entry.national

    def names_home(self, text: str) -> bool:
        """Whether ``text`` names this directory's province (or one merged into it): "tỉnh Thái Nguyên"."""
        words = self._names.key_words(text)
        return any(h and any(words[i : i + len(h)] == h for i in range(len(words))) for h in self._home)

    def issuer_scope(self, issuer: str | None, number: str | None = None) -> IssuerScope:
        """How a document of ``issuer`` (and ``number``) reads here: see :mod:`.issuers`."""

        def national(text: str) -> bool:
            entry = self.match(text)
            return entry is not None and self.is_national(entry)

        def elsewhere(text: str) -> bool:
            return any(s.why == "other-place" for s in self.resolve_cell(text).suggestions)

        def ours(text: str) -> bool:
            found = self.resolve_cell(text)
            return bool(found.entries) and not found.unresolved

        return issuer_scope(
            issuer, number, is_national=national, names_home=self.names_home, elsewhere=elsewhere, ours=ours
        )

    def reading(self, issuer: str | None, number: str | None, cells: Iterable[str]) -> DocumentReading:
        """How the document ``number`` of ``issuer`` reads its agency ``cells`` (:mod:`.reading`)."""
        return DocumentReading(self, issuer, number, cells)

    def scope_from_cells(self, cells: Iterable[str]) -> IssuerScope | None:
        """``national`` when some cell addresses the provinces as only a national document does ("UBND
        các tỉnh, thành phố trực thuộc trung ương", "Các bộ, ngành, địa phương"); None otherwise. For a
        document whose issuer and number tell nothing."""
        for cell in cells:
            for entry in self.resolve_cell(cell, scope="national").entries:
                group = self.get(entry.code)
                national_only = isinstance(group, Group) and group.only_in_national_documents
                # "Các địa phương" says nothing: this province's own plans write it too
                if national_only and self._names.whole(nfc(entry.raw)) is None:
                    return IssuerScope(
                        "national",
                        f"a cell addresses the provinces ({entry.raw!r}): read as a national document / "
                        f"văn bản giao nhiệm vụ cho các tỉnh: coi là văn bản trung ương",
                    )
        return None

    def _flag(self, piece: Piece, scope: str) -> str | None:
        """Why a name found must not route on its own (a :class:`Suggestion`'s ``why``), or None."""
        if piece.via == "no-diacritics":
            return "no-diacritics"
        entry = self.get(piece.code or "")
        if self.is_national(entry) or getattr(entry, "kind", None) == "external":
            return None
        if piece.place and self._home and not self.names_home(piece.place):
            return "other-place"
        if scope == "other_province" and not self.names_home(piece.raw):
            return "other-province"
        return None

    def confirmed_code(self, name: str, plan: str | None = None) -> str | None:
        """The code an officer confirmed for ``name`` in ``plan`` (or in every plan), or None."""
        key = self.key(name)
        return self._confirmed.get((plan, key)) or self._confirmed.get((None, key))

    def resolve_cell(
        self, cell: str, on: date | None = None, *, scope: str = "own", plan: str | None = None
    ) -> CellResolution:
        """Resolve a table cell that names one or more agencies (see the package docstring).

        With ``on``, also warns about names that no longer exist on that date and who took over.
        ``scope`` is the document's (:meth:`issuer_scope`): ``national`` reads the phrases of national
        documents ("các địa phương" = this province's focal agency); ``other_province`` flags provincial
        names that do not name this province. A flagged name, like one matched only without diacritics,
        is left unresolved with a :class:`Suggestion` an officer confirms; a name the officer confirmed
        (``confirmed_names``, for ``plan`` or every plan) resolves to the confirmed code.
        """
        if scope not in SCOPES:
            raise ValueError(f"scope {scope!r} is not one of {', '.join(SCOPES)}")
        result = CellResolution()
        seen: dict[str, str] = {}  # code -> the name as first written
        index = self._national_names if scope == "national" else self._names
        for piece in index.scan(nfc(cell)):
            confirmed = self.confirmed_code(piece.raw, plan)
            if confirmed is not None:
                self._add_name(result, seen, piece.raw, confirmed, "confirmed", on)
                continue
            if piece.code is None:
                local = self._provincial_of_provinces(piece.raw) if scope == "national" else None
                if local is not None:
                    self._add_name(result, seen, piece.raw, local, "name", on)
                else:
                    result.unresolved.append(piece.raw)
                continue
            why = self._flag(piece, scope)
            if why is not None:
                self._suggest(result, piece.raw, piece.code, why)
                continue
            if piece.glued and self._qualifies_previous(result, piece.code):
                result.entries[-1].raw += f" {piece.raw}"  # "Sở Tài chính các tỉnh, thành phố": one name
                continue
            if piece.glued:
                before = result.entries[-1].raw if result.entries else ""
                result.warnings.append(
                    f"no separator between {before!r} and {piece.raw!r}: read as two names / "
                    f"thiếu dấu phân cách giữa hai tên cơ quan"
                )
            self._add_name(result, seen, piece.raw, piece.code, piece.via, on)
        return result

    def _add_name(
        self, result: CellResolution, seen: dict[str, str], raw: str, code: str, via: str, on: date | None
    ) -> None:
        """One name found in a cell: kept once, with the warnings its entry calls for."""
        entry = self.get(code)
        if code in seen:
            result.warnings.append(
                f"{raw!r} names {entry.name!r} again (already as {seen[code]!r}) / tên cơ quan bị lặp"
            )
            return
        seen[code] = raw
        open_ended = isinstance(entry, Group) and entry.open_ended
        result.entries.append(ResolvedName(raw, code, entry.is_group, open_ended, via))
        if open_ended and not entry.national:  # "các bộ, ngành": nothing of this province to pick
            result.warnings.append(
                f"{raw!r} is open-ended: an officer must pick the agencies / "
                f"nhóm không xác định cụ thể, cán bộ cần chọn cơ quan"
            )
        if on is not None:
            result.warnings.extend(self._date_warnings(raw, entry, on))

    def _provincial_of_provinces(self, raw: str) -> str | None:
        """In a national document, "<body> các tỉnh, thành phố …" is this province's body when "<body>" or
        "<body> tỉnh" names a provincial agency ("Công an các tỉnh, thành phố" -> Công an tỉnh)."""
        match = _OF_PROVINCES.match(raw)
        if match is None:
            return None
        for name in (match.group(1), f"{match.group(1)} tỉnh"):
            entry = self.match(name)
            if entry is not None and not self.is_national(entry):
                return entry.code
        return None

    def _qualifies_previous(self, result: CellResolution, code: str) -> bool:
        """In a national document, "các tỉnh, thành phố" right after a provincial name qualifies it."""
        entry = self.get(code)
        if not (isinstance(entry, Group) and entry.focal) or not result.entries:
            return False
        return not self.is_national(self.get(result.entries[-1].code))

    def _suggest(self, result: CellResolution, raw: str, code: str, why: str) -> None:
        name = self.get(code).name
        result.unresolved.append(raw)
        result.suggestions.append(Suggestion(raw, code, why))
        reason = {
            "no-diacritics": "matches only without diacritics / chỉ khớp khi bỏ dấu",
            "other-province": "is the issuing province's agency, not ours / cơ quan của tỉnh ban hành",
            "other-place": "names another province / cơ quan của tỉnh khác",
        }[why]
        result.warnings.append(
            f"{raw!r} {reason}: not routed; suggestion {name!r} for an officer to confirm / chưa giao, cán bộ xác nhận"
        )

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

    # ---- routing (models.domain.agencies.routing) ----------------------------------------------

    def route(self, code: str, on: date) -> list[Agency]:
        """Agencies responsible on ``on`` for an agency or group code.

        Follows succession chains (an entry ended before ``on`` hands over to its successor), expands
        groups to their members valid on ``on`` (listed members follow succession too; ``kind_in``
        members are the agencies of those kinds that exist on ``on``), de-duplicated in a stable order.
        An entry that does not exist yet on ``on``, or ended with no successor, yields nothing; so does an
        open-ended group without members (an officer picks: see :meth:`candidates`).
        """
        return routes.routing(self, code, on).agencies

    def routing(self, code: str, on: date) -> Routing:
        """Like :meth:`route`, with the original entry and the succession steps taken."""
        return routes.routing(self, code, on)

    def route_cell(self, cell: str, on: date, *, scope: str = "own") -> list[Routing]:
        """Resolve a cell and route each name: the name as written beside today's agencies."""
        routings = []
        for entry in self.resolve_cell(cell, scope=scope).entries:
            r = self.routing(entry.code, on)
            r.raw = entry.raw
            routings.append(r)
        return routings

    def candidates(self, code: str, on: date) -> list[Agency]:
        """For an open-ended group: the agencies an officer may pick from on ``on`` (may be empty)."""
        return routes.candidates(self, code, on)

    def members(self, code: str) -> list[str]:
        """A group's agency codes regardless of dates or succession (every agency it can expand to)."""
        return routes.members(self, code)

    def successor_chain(self, code: str) -> list[str]:
        """``code`` and its successors in order, e.g. ["ubnd-tp-pho-yen", "ubnd-cap-xa"]."""
        return routes.successor_chain(self, code)

    def predecessors(self, code: str) -> list[str]:
        """Codes whose successor is ``code`` (directly), in directory order."""
        return routes.predecessors(self, code)
