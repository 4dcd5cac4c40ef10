"""One document's reading of its agency cells: the issuer's scope, and the suggestions made on the way.

A :class:`DocumentReading` is what an import resolves its cells with instead of the bare directory: it
knows the document's scope (:mod:`.issuers`: who issued it; when the issuer and the number tell nothing,
a cell addressing "the provinces" makes it national) and its number (for the names an officer confirmed
for that plan), and gathers every :class:`Suggestion` its cells gave, for the import report.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, Protocol

from models.domain.agencies.entries import CellResolution, Suggestion
from models.domain.agencies.issuers import IssuerScope


class Directory(Protocol):
    """What a reading needs of :class:`models.domain.agencies.Directory` (which builds it)."""

    def issuer_scope(self, issuer: str | None, number: str | None = None) -> IssuerScope: ...

    def scope_from_cells(self, cells: Iterable[str]) -> IssuerScope | None: ...

    def resolve_cell(
        self, cell: str, on: date | None = None, *, scope: str = "own", plan: str | None = None
    ) -> CellResolution: ...


class DocumentReading:
    """Resolve the cells of one document (``resolve_cell``, like :meth:`Directory.resolve_cell`)."""

    def __init__(self, directory: Directory, issuer: str | None, number: str | None, cells: Iterable[str]) -> None:
        self.directory = directory
        self.plan = number
        scope = directory.issuer_scope(issuer, number)
        if not scope.known:  # neither issuer nor number tell: a cell addressing "the provinces" does
            scope = directory.scope_from_cells(cells) or scope
        self.scope: IssuerScope = scope
        self._suggestions: dict[tuple[str, str, str], Suggestion] = {}

    def resolve_cell(self, cell: str, on: date | None = None) -> CellResolution:
        result = self.directory.resolve_cell(cell, on, scope=self.scope.scope, plan=self.plan)
        for s in result.suggestions:
            self._suggestions.setdefault((s.raw, s.code, s.why), s)
        return result

    @property
    def suggestions(self) -> list[dict[str, str]]:
        """Every distinct suggestion so far, by name (``{"name", "code", "why"}``)."""
        return [self._suggestions[k].as_json() for k in sorted(self._suggestions)]

    def as_json(self) -> dict[str, Any]:
        """The import report's fields: ``issuer_scope`` and ``agency_suggestions``."""
        return {"issuer_scope": self.scope.as_json(), "agency_suggestions": self.suggestions}
