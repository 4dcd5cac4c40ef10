"""Plan import: reads a plan file, resolves its agency names, reads its deadline phrases, and writes
the plan into the database in one transaction.

Re-importing the same file changes nothing and says so (``ImportReport.changed`` is false): rows are
upserted by their natural keys (plan number, task number, indicator code) and compared field by field,
so task and indicator ids stay stable for the cycles that refer to them.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session, delete, select

from models.domain.agencies import Directory
from models.domain.clock import utcnow
from models.domain.deadlines import DeadlineRule, Kind
from models.domain.indicators import parse_target
from models.domain.plan_reader import ParsedIndicator, ParsedPlan, ParsedTask, read_plan_file
from models.domain.states import Role
from models.services.directory_sync import assign_changed as _assign
from models.services.directory_sync import sync_directory
from models.store.db import session_scope
from models.store.plan_tables import Indicator, IndicatorAgency, Plan, Task, TaskAgency


class DeadlinePolicy(Protocol):
    """What the import needs of the reporting policy: the rule in force for a task (its phrase, or the
    officer's override). ``config.policy.PolicyConfig`` is one; the caller passes the configured one."""

    def rule_for(self, plan: str, task: str | int, phrase: str) -> DeadlineRule: ...


@dataclass
class ImportReport:
    """What an import did; ``as_json`` is the public shape of ``dondoc plan import --json``."""

    plan: str
    tasks: int
    indicators: int
    agencies: int
    unresolved_agencies: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    changed: bool = False
    rows: dict[str, Any] | None = None  # what became of every source row (RowReport.as_json)
    unaccounted: int = 0  # source rows that are none of task/merged/heading/header/ignored
    source_kind: str = "text"

    def as_json(self) -> dict[str, Any]:
        return {
            "plan": self.plan,
            "tasks": self.tasks,
            "indicators": self.indicators,
            "agencies": self.agencies,
            "unresolved_agencies": self.unresolved_agencies,
            "warnings": self.warnings,
            "changed": self.changed,
            "rows": self.rows,
            "unaccounted": self.unaccounted,
            "format": self.source_kind,
        }


@dataclass
class _Cell:
    """One agency cell resolved against the directory."""

    entries: list[tuple[str, str, bool]]  # (raw name, code, is_group)
    unresolved: list[str]


def _resolve(directory: Directory, raw: str, where: str, warnings: list[str]) -> _Cell:
    if not raw.strip():
        return _Cell([], [])
    result = directory.resolve_cell(raw)
    warnings.extend(f"{where}: {message}" for message in result.warnings)
    return _Cell([(e.raw, e.code, e.is_group) for e in result.entries], list(result.unresolved))


def import_plan(
    engine: Engine,
    path: str | Path,
    directory: Directory,
    policy: DeadlinePolicy,
    *,
    number: str | None = None,
    issued: date | None = None,
    issuer: str | None = None,
    columns: dict[int, str] | None = None,
) -> ImportReport:
    """Import the plan at ``path`` (.txt/.md/.docx/.xlsx/.html/.pdf). Raises ``PlanFormatError``
    (database untouched) on a bad file.

    ``policy`` decides each task's deadline rule: pass the configured one (``DONDOC_POLICY_FILE``), whose
    ``deadline_overrides`` replace the plan's phrases — an overridden phrase is not warned about.
    ``number``/``issued``/``issuer`` stand in for what an appendix excerpt lacks; ``columns`` overrides
    column roles (``{3: "lead"}``, see ``parse_columns``).
    """
    parsed = read_plan_file(path, number=number, issued=issued, issuer=issuer, columns=columns)
    warnings = list(parsed.warnings)
    task_cells: dict[str, dict[str, _Cell]] = {}
    indicator_cells: dict[str, _Cell] = {}
    deadline_info: dict[str, tuple[str, str | None]] = {}
    unresolved: list[str] = []

    for task in parsed.tasks:
        where = f"task {task.number} ({task.ref or f'line {task.line}'})"
        lead = _resolve(directory, task.lead_raw, where, warnings)
        coord = _resolve(directory, task.coordinating_raw, where, warnings)
        task_cells[task.number] = {Role.lead: lead, Role.coordinating: coord}
        unresolved.extend(name for cell in (lead, coord) for name in cell.unresolved)
        if not lead.entries and not lead.unresolved:
            warnings.append(f"{where}: no lead agency (không có cơ quan chủ trì)")
        deadline_info[task.number] = _deadline(policy.rule_for(parsed.number, task.number, task.deadline_raw))
        warnings.extend(_deadline_warnings(deadline_info[task.number], task, where))

    for indicator in parsed.indicators:
        where = f"indicator {indicator.code} ({indicator.ref or f'line {indicator.line}'})"
        cell = _resolve(directory, indicator.monitor_raw, where, warnings)
        indicator_cells[indicator.code] = cell
        unresolved.extend(cell.unresolved)

    named = {code for cells in task_cells.values() for cell in cells.values() for _, code, _ in cell.entries}
    named |= {code for cell in indicator_cells.values() for _, code, _ in cell.entries}

    with session_scope(engine) as session:
        ids, changed = sync_directory(session, directory)
        changed |= _write_plan(session, parsed, Path(path).name, task_cells, indicator_cells, deadline_info, ids)

    return ImportReport(
        plan=parsed.number,
        tasks=len(parsed.tasks),
        indicators=len(parsed.indicators),
        agencies=len(named),
        unresolved_agencies=sorted(set(unresolved)),
        warnings=warnings,
        changed=changed,
        rows=parsed.rows.as_json() if parsed.rows else None,
        unaccounted=parsed.rows.unaccounted if parsed.rows else 0,
        source_kind=parsed.source_kind,
    )


def has_plan(engine: Engine) -> bool:
    """Whether the database holds any plan yet."""
    with Session(engine) as session:
        return session.exec(select(Plan.id).limit(1)).first() is not None


def import_if_empty(
    engine: Engine, path: str | Path, directory: Directory, policy: DeadlinePolicy
) -> ImportReport | None:
    """Import the plan at ``path`` when the database holds none (the first ``dondoc run``); None otherwise.

    Two runs racing on an empty database both import: harmless, the import is an idempotent upsert.
    """
    if has_plan(engine):
        return None
    return import_plan(engine, path, directory, policy)


def _deadline(rule: DeadlineRule) -> tuple[str, str | None]:
    """The (kind, note) a task row keeps of its deadline rule: an override says so in the note."""
    note = rule.reason or None
    if rule.overridden:
        note = f"override: {rule.override.note if rule.override else ''}".strip()
    elif rule.kind == Kind.EXTERNAL:
        note = "set by an officer (cán bộ cần đặt thời hạn)"
    return rule.kind.value, note


def _deadline_warnings(info: tuple[str, str | None], task: ParsedTask, where: str) -> list[str]:
    """What an officer must do about a deadline the policy leaves without a date."""
    kind, note = info
    if kind == Kind.UNRECOGNIZED:
        return [
            f"{where}: deadline phrase not understood (không đọc được thời hạn) "
            f"{task.deadline_raw!r}: {note}; an officer must set it in deadline_overrides"
        ]
    if kind == Kind.EXTERNAL:
        return [f"{where}: deadline {task.deadline_raw!r} has no date; an officer must set one"]
    return []


def _role_rows(cells: Iterable[tuple[str, _Cell]], ids: Any) -> list[tuple[str, int, str, int | None, int | None]]:
    """The (role, position, raw name, agency id, group id) rows of the given cells, in order."""
    rows: list[tuple[str, int, str, int | None, int | None]] = []
    for role, cell in cells:
        position = 0
        for raw, code, is_group in cell.entries:
            rows.append(
                (role, position, raw, None if is_group else ids.agency[code], ids.group[code] if is_group else None)
            )
            position += 1
        for raw in cell.unresolved:
            rows.append((role, position, raw, None, None))
            position += 1
    return rows


def _write_plan(
    session: Session,
    parsed: ParsedPlan,
    source_name: str,
    task_cells: dict[str, dict[str, _Cell]],
    indicator_cells: dict[str, _Cell],
    deadline_info: dict[str, tuple[str, str | None]],
    ids: Any,
) -> bool:
    changed = False
    plan = session.exec(select(Plan).where(Plan.number == parsed.number)).first()
    plan_values = {
        "title": parsed.title,
        "kind": parsed.kind,
        "issued_on": parsed.issued_on,
        "issuer": parsed.issuer,
        "signer": parsed.signer,
        "source_name": source_name,
        "content_hash": parsed.content_hash,
    }
    if plan is None:
        plan = Plan(number=parsed.number, imported_at=utcnow(), **plan_values)
        session.add(plan)
        session.flush()
        changed = True
    elif _assign(plan, plan_values):
        plan.imported_at = utcnow()
        changed = True
    assert plan.id is not None

    existing_tasks = {t.number: t for t in session.exec(select(Task).where(Task.plan_id == plan.id))}
    for position, item in enumerate(parsed.tasks):
        kind, note = deadline_info[item.number]
        values = _task_values(item, position, kind, note)
        row = existing_tasks.pop(item.number, None)
        if row is None:
            row = Task(plan_id=plan.id, **values)
            session.add(row)
            session.flush()
            changed = True
        else:
            changed |= _assign(row, values)
        cells = task_cells[item.number]
        wanted = _role_rows([(Role.lead, cells[Role.lead]), (Role.coordinating, cells[Role.coordinating])], ids)
        changed |= _sync_roles(session, TaskAgency, "task_id", row.id, wanted)
    for gone in existing_tasks.values():  # a task no longer in the file is withdrawn, never deleted
        changed |= _assign(gone, {"withdrawn": True})

    existing_indicators = {i.code: i for i in session.exec(select(Indicator).where(Indicator.plan_id == plan.id))}
    for position, ind in enumerate(parsed.indicators):
        values = _indicator_values(ind, position)
        row = existing_indicators.pop(ind.code, None)
        if row is None:
            row = Indicator(plan_id=plan.id, **values)
            session.add(row)
            session.flush()
            changed = True
        else:
            changed |= _assign(row, values)
        wanted = _role_rows([(Role.monitoring, indicator_cells[ind.code])], ids)
        changed |= _sync_roles(session, IndicatorAgency, "indicator_id", row.id, wanted)
    for gone in existing_indicators.values():
        changed |= _assign(gone, {"withdrawn": True})
    return changed


def _task_values(item: ParsedTask, position: int, kind: str, note: str | None) -> dict[str, Any]:
    return {
        "number": item.number,
        "position": position,
        "section": item.section,
        "section_title": item.section_title,
        "title": item.title,
        "lead_raw": item.lead_raw,
        "coordinating_raw": item.coordinating_raw,
        "output_raw": item.output_raw,
        "deadline_raw": item.deadline_raw,
        "deadline_kind": kind,
        "deadline_note": note,
        "source_line": item.line,
        "extra": dict(item.extra),  # extra columns by header text ("Nguồn kinh phí", sub-items …)
        "withdrawn": False,
    }


def _indicator_values(ind: ParsedIndicator, position: int) -> dict[str, Any]:
    op, value, value_max = parse_target(ind.target_raw)
    return {
        "code": ind.code,
        "parent_code": ind.parent_code,
        "position": position,
        "group_code": ind.group,
        "group_title": ind.group_title,
        "horizon": ind.horizon,
        "title": ind.title,
        "unit_raw": ind.unit_raw,
        "target_raw": ind.target_raw,
        "target_op": op,
        "target_value": value,
        "target_value_max": value_max,
        "monitor_raw": ind.monitor_raw,
        "source_line": ind.line,
        "withdrawn": False,
    }


def _sync_roles(
    session: Session,
    table: type[TaskAgency] | type[IndicatorAgency],
    owner_column: str,
    owner_id: int | None,
    wanted: Sequence[tuple[str, int, str, int | None, int | None]],
) -> bool:
    """Make the role rows of one task/indicator equal ``wanted``; True when they differed."""
    owner = getattr(table, owner_column)
    current = session.exec(select(table).where(owner == owner_id).order_by(table.role, table.position)).all()
    have = sorted((r.role, r.position, r.raw_name, r.agency_id, r.group_id) for r in current)
    if have == sorted(wanted):
        return False
    session.exec(delete(table).where(owner == owner_id))  # type: ignore[call-overload]
    for role, position, raw, agency_id, group_id in wanted:
        session.add(
            table(
                **{owner_column: owner_id},
                role=role,
                position=position,
                raw_name=raw,
                agency_id=agency_id,
                group_id=group_id,
            )
        )
    return True
