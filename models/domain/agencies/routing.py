"""Routing: who answers on a date for an agency or group the plan named, following succession.

The 2025 reorganisation ended agencies and handed their work to successors; groups expand to their
members. Everything here reads :class:`Entries` only (no names, no files); :class:`Directory` offers it
as methods (``route``, ``routing``, ``candidates``, ``members``, ``successor_chain``, ``predecessors``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from models.domain.agencies.entries import Agency, Entries, Entry, Group, Routing, SuccessionStep


def routing(entries: Entries, code: str, on: date) -> Routing:
    """Agencies responsible on ``on`` for an agency or group code, with the succession steps taken.

    Follows succession chains (an entry ended before ``on`` hands over to its successor), expands
    groups to their members valid on ``on`` (listed members follow succession too; ``kind_in``
    members are the agencies of those kinds that exist on ``on``), de-duplicated in a stable order.
    An entry that does not exist yet on ``on``, or ended with no successor, yields nothing; so does an
    open-ended group without members (an officer picks: see :func:`candidates`).
    """
    original = entries.get(code)
    walk = _Walk()
    _route_into(entries, original, on, walk, [])
    return Routing(original, on, walk.out, walk.steps)


@dataclass
class _Walk:
    """What one routing collects: the agencies (``out``, their codes in ``done``) and the steps taken."""

    out: list[Agency] = field(default_factory=list)
    steps: list[SuccessionStep] = field(default_factory=list)
    done: set[str] = field(default_factory=set)

    def take(self, agency: Agency) -> None:
        if agency.code not in self.done:
            self.done.add(agency.code)
            self.out.append(agency)


def _route_into(entries: Entries, entry: Entry, on: date, walk: _Walk, path: list[str]) -> None:
    if entry.code in path:  # cannot happen after validation; guard anyway
        return
    path = [*path, entry.code]
    if entry.ended_by(on):
        if entry.successor is not None:
            step = SuccessionStep(entry.code, entry.successor, entry.succeeded_on, entry.legal_basis)
            if step not in walk.steps:
                walk.steps.append(step)
            _route_into(entries, entries.get(entry.successor), on, walk, path)
        return
    if not entry.is_valid_on(on):
        return
    if isinstance(entry, Agency):
        walk.take(entry)
        return
    for m in entry.members:
        _route_into(entries, entries.get(m), on, walk, path)
    for agency in entries.agencies.values():
        if agency.kind in entry.kind_in and agency.is_valid_on(on):
            walk.take(agency)


def candidates(entries: Entries, code: str, on: date) -> list[Agency]:
    """For an open-ended group: the agencies an officer may pick from on ``on`` (may be empty)."""
    group = entries.get(code)
    if not isinstance(group, Group):
        return []
    walk = _Walk()
    for c in group.candidates:
        for agency in routing(entries, c, on).agencies:
            walk.take(agency)
    return walk.out


def members(entries: Entries, code: str) -> list[str]:
    """A group's agency codes regardless of dates or succession (every agency it can expand to)."""
    group = entries.get(code)
    if not isinstance(group, Group):
        return [group.code]
    out: list[str] = []

    def walk(g: Group) -> None:
        for m in g.members:
            e = entries.get(m)
            if isinstance(e, Group):
                walk(e)
            elif m not in out:
                out.append(m)
        for a in entries.agencies.values():
            if a.kind in g.kind_in and a.code not in out:
                out.append(a.code)

    walk(group)
    return out


def successor_chain(entries: Entries, code: str) -> list[str]:
    """``code`` and its successors in order, e.g. ["ubnd-tp-pho-yen", "ubnd-cap-xa"]."""
    chain = [code]
    entry = entries.get(code)
    while entry.successor is not None and entry.successor not in chain:
        chain.append(entry.successor)
        entry = entries.get(entry.successor)
    return chain


def predecessors(entries: Entries, code: str) -> list[str]:
    """Codes whose successor is ``code`` (directly), in directory order."""
    return [e.code for e in entries.entries() if e.successor == code]
