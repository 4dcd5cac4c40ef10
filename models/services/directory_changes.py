"""Officers' decisions on the directory (``/officers/directory``): an agency's successor and date, audited.

The directory file (``config/agencies.yaml``, reviewed by people) stays as it is; a decision is a row of
``directorychange`` (who, when, the entry before and after) and the latest row per agency is in force.
:func:`apply_changes` lays them over the file's entries whenever a process builds its runtime
(``config.app.build_app``): so the next daily run routes by them. :func:`set_successor` records one decision
in one transaction and also updates the running process's directory (the web server keeps its runtime).

:func:`directory_listing` is the page's read: every agency with its kind, successor, review mark, sample
mark and the history of decisions.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlmodel import Session, select

from models.domain.agencies import Directory, DirectoryError, Succession, UnknownCodeError
from models.domain.agencies.communes import kind_label
from models.domain.clock import utcnow
from models.services.directory_sync import sync_directory
from models.store.db import session_scope
from models.store.plan_tables import DirectoryChange

#: The kinds of agencies as officers read them.
KIND_TEXT = {
    "so": "Sở",
    "ban_nganh": "Cơ quan thuộc UBND tỉnh",
    "ubnd_tinh": "UBND tỉnh",
    "hdnd": "HĐND",
    "ubnd_huyen": "UBND cấp huyện (đến 30/06/2025)",
    "ubnd_xa": "UBND cấp xã",
    "nganh_doc": "Cơ quan ngành dọc",
    "tu_phap": "Tòa án, Viện kiểm sát",
    "doan_the": "Mặt trận, đoàn thể",
    "don_vi_su_nghiep": "Đơn vị sự nghiệp",
    "co_quan_dang": "Cơ quan Đảng",
    "external": "Ngoài hệ thống của tỉnh",
    "bo_nganh": "Bộ, ngành trung ương",
    "trung_uong": "Cơ quan trung ương",
}


class ChangeRefused(ValueError):
    """The decision cannot be recorded (unknown agency, unknown successor, a succession cycle); the message
    is Vietnamese for the officer."""


def _successions(rows: Iterable[DirectoryChange]) -> list[Succession]:
    return [Succession(r.code, r.successor_code, r.succeeded_on, r.legal_basis) for r in rows]


def _changes(session: Session) -> list[DirectoryChange]:
    return list(session.exec(select(DirectoryChange).order_by(DirectoryChange.id)))  # type: ignore[arg-type]


def apply_changes(engine: Engine, directory: Directory) -> Directory:
    """``directory`` with the officers' decisions in force (in the order they were made). A database not yet
    migrated to 0009 has none. A decision the directory file no longer allows (its agency or successor was
    removed from the file) is skipped, not fatal: the page shows it."""
    try:
        with Session(engine) as session:
            rows = _changes(session)
    except (OperationalError, ProgrammingError):  # no table yet (a database before migration 0009)
        return directory
    for change in _successions(rows):
        try:
            directory = directory.with_successions([change])
        except (DirectoryError, UnknownCodeError):
            continue
    return directory


def _entry_json(directory: Directory, code: str) -> dict[str, Any]:
    """What the audit keeps of an agency: its succession and review mark."""
    a = directory.agencies[code]
    return {
        "valid_to": a.valid_to.isoformat() if a.valid_to else None,
        "successor": a.successor,
        "succeeded_on": a.succeeded_on.isoformat() if a.succeeded_on else None,
        "legal_basis": a.legal_basis,
        "review": a.review,
    }


def set_successor(
    runtime: Any,
    officer: str,
    code: str,
    successor: str | None,
    succeeded_on: date | None,
    legal_basis: str | None = None,
) -> Directory:
    """Record an officer's decision (successor and date; no successor: "confirmed as it is") with its audit
    entry, bring the database's copy of the directory up to date, and put the new directory in ``runtime``
    (caches of routing dropped). Returns the new directory. :class:`ChangeRefused` when not allowed."""
    directory: Directory = runtime.directory
    if code not in directory.agencies:
        raise ChangeRefused(f"Không có cơ quan «{code}» trong danh bạ.")
    if successor and successor not in directory:
        raise ChangeRefused(f"Không có cơ quan hoặc nhóm «{successor}» trong danh bạ.")
    change = Succession(code, successor or None, succeeded_on if successor else None, legal_basis or None)
    try:
        updated = directory.with_successions([change])
    except DirectoryError as exc:  # a succession cycle, a successor that is the agency itself
        problems = "; ".join(exc.problems)
        raise ChangeRefused(f"Không ghi được: danh bạ sẽ không hợp lệ (vòng kế thừa?) — {problems}") from None
    with session_scope(runtime.engine) as session:
        session.add(
            DirectoryChange(
                code=code,
                successor_code=change.successor,
                succeeded_on=change.succeeded_on,
                legal_basis=change.legal_basis,
                officer=officer,
                at=utcnow(),
                before=_entry_json(directory, code),
                after=_entry_json(updated, code),
            )
        )
        sync_directory(session, updated)
    runtime.replace_directory(updated)
    return updated


def directory_listing(engine: Engine, directory: Directory, on: date) -> dict[str, Any]:
    """The officers' directory page: every provincial agency (national bodies left out) with its kind,
    successor on ``on``, review and sample marks and decisions, then the choices of successor."""

    def name_of(code: str | None) -> str | None:
        return directory.get(code).name if code and code in directory else code

    with Session(engine) as session:
        history: dict[str, list[dict[str, Any]]] = {}
        for r in _changes(session):
            history.setdefault(r.code, []).append(
                {
                    "officer": r.officer,
                    "at": r.at,
                    "before": r.before,
                    "after": r.after,
                    "before_name": name_of(r.before.get("successor")),
                    "after_name": name_of(r.after.get("successor")),
                }
            )
    rows = []
    for a in directory.agencies.values():
        if a.national:
            continue
        now = [x.name for x in directory.route(a.code, on)] if a.ended_by(on) else []
        rows.append(
            {
                "code": a.code,
                "name": a.name,
                "kind": a.kind,
                "kind_text": KIND_TEXT.get(a.kind, a.kind) + (f" ({kind_label(a)})" if kind_label(a) else ""),
                "review": a.review,
                "sample": a.sample,
                "valid_to": a.valid_to,
                "successor": a.successor,
                "successor_name": directory.get(a.successor).name if a.successor else None,
                "succeeded_on": a.succeeded_on,
                "now": now,
                "former_districts": list(a.former_districts),
                "history": history.get(a.code, []),
            }
        )
    rows.sort(key=lambda r: (not r["review"], r["kind"] == "ubnd_xa", r["name"]))
    choices = [
        {"code": e.code, "name": e.name}
        for e in [*directory.agencies.values(), *directory.groups.values()]
        if not e.national and not getattr(e, "open_ended", False)
    ]
    return {
        "rows": rows,
        "choices": sorted(choices, key=lambda c: c["name"]),
        "review_count": sum(1 for r in rows if r["review"]),
        "sample_count": sum(1 for r in rows if r["sample"]),
    }


def successor_code(directory: Directory, text: str | None) -> str | None:
    """The code an officer's successor field names: a code, or an agency's or group's name as the page's
    list offers it (any spelling the directory knows). None for an empty field; the text itself when it
    names nothing (then :func:`set_successor` refuses it with a message)."""
    text = (text or "").strip()
    if not text:
        return None
    if text in directory:
        return text
    entry = directory.match(text)
    return entry.code if entry is not None else text


__all__ = [
    "KIND_TEXT",
    "ChangeRefused",
    "apply_changes",
    "directory_listing",
    "set_successor",
    "successor_code",
]
