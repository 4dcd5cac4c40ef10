"""The :class:`Directory`: the entries, their names and their routing, composed into one object.

Built with :meth:`Directory.load` (a file) or :meth:`Directory.from_dict` (its parsed YAML), both
through :mod:`.loading`; names are matched by :class:`.names.NameIndex`, routing is :mod:`.routing`.
What a cell or a date means for an entry (groups, open-ended groups, ended agencies) is decided here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from models.domain.agencies import loading
from models.domain.agencies import routing as routes
from models.domain.agencies.entries import (
    Agency,
    CellResolution,
    DirectoryError,
    Entries,
    Entry,
    Group,
    ResolvedName,
    Routing,
    UnknownCodeError,
)
from models.domain.agencies.names import MatchingRules, NameIndex
from models.domain.text import nfc


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
    ) -> None:
        super().__init__(agencies, groups)
        self.standing_agency = standing_agency
        self.demo = demo
        self.source = source
        self.matching = matching or MatchingRules()
        self._names = NameIndex(self.matching)
        problems = self._names.add(self.entries())
        problems += loading.validate(self, standing_agency, self.matching.enumerations)
        if problems:
            raise DirectoryError(problems, source)

    # ---- loading ---------------------------------------------------------------------------------

    @classmethod
    def load(cls, path: Path | str) -> Directory:
        """Load and validate a directory file (the shipped one: ``config.files.SHIPPED_AGENCIES``)."""
        path = Path(path)
        return cls.from_dict(loading.read_file(path), source=str(path))

    @classmethod
    def from_dict(cls, data: Any, source: str | None = None) -> Directory:
        """Build from the parsed YAML structure (see ``config/agencies.yaml``)."""
        parsed = loading.parse(data, source)
        return cls(
            parsed.agencies,
            parsed.groups,
            parsed.standing_agency,
            matching=parsed.matching,
            demo=parsed.demo,
            source=source,
        )

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
        return Directory(
            agencies,
            dict(self.groups),
            self.standing_agency,
            matching=self.matching,
            demo=self.demo,
            source=self.source,
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

        ``None`` too when the text names several entries ("Sở Y tế, Sở Tư pháp") or has words left over.
        """
        text = nfc(name)
        if text in self:
            return self.get(text)
        code = self._names.whole(text)
        return self.get(code) if code is not None else None

    # ---- cells -----------------------------------------------------------------------------------

    def resolve_cell(self, cell: str, on: date | None = None) -> CellResolution:
        """Resolve a table cell that names one or more agencies (see the package docstring).

        With ``on``, also warns about names that no longer exist on that date and who took over.
        """
        result = CellResolution()
        seen: dict[str, str] = {}  # code -> the name as first written
        for piece in self._names.scan(nfc(cell)):
            if piece.code is None:
                result.unresolved.append(piece.raw)
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

    def route_cell(self, cell: str, on: date) -> list[Routing]:
        """Resolve a cell and route each name: the name as written beside today's agencies."""
        routings = []
        for entry in self.resolve_cell(cell).entries:
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
