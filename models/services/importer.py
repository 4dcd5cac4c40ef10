"""Plan import: reads a plan file, resolves its agency names, reads its deadline phrases, and writes
the plan into the database in one transaction.

Re-importing the same file changes nothing and says so (``ImportReport.changed`` is false): rows are
upserted by their natural keys (plan number, task number, indicator code) and compared field by field,
so task and indicator ids stay stable for the cycles that refer to them.

A **revised version** (same number, other content) is applied the same way, and the report says what it
changes (``ImportReport.diff``: tasks added, changed field by field, removed — ``models.domain.
plan_changes``). Unchanged tasks keep their rows, cycles, answers and history. A removed task is withdrawn
(never deleted) and its live cycles are cancelled; a task whose deadline changed has its live cycles
re-planned (``models.services.plan_lifecycle.replan_tasks``) when the caller passes its ``Runtime``.
``dry_run`` computes the same report and writes nothing (``dondoc plan import --dry-run``).

**Tracking from** (``Plan.track_from``): ``track_from`` sets it; otherwise a plan imported for the first
time with ``import_day`` given gets the default of ``plan_changes.default_track_from`` (the import day
for a plan issued more than 30 days before). Without ``import_day`` nothing is decided (tests, benches).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session, delete, select

from models.domain.agencies import Directory
from models.domain.agencies.reading import DocumentReading
from models.domain.clock import utcnow
from models.domain.deadlines import DeadlineRule, Kind
from models.domain.indicators import parse_target
from models.domain.plan_changes import TASK_FIELDS, PlanDiff, default_track_from, diff_codes, diff_tasks
from models.domain.plan_reader import ParsedIndicator, ParsedPlan, ParsedTask, read_plan_file
from models.domain.states import Role
from models.services import plan_lifecycle
from models.services.directory_sync import assign_changed as _assign
from models.services.directory_sync import sync_directory
from models.services.runtime import Runtime
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
    changed: bool = False  # anything written (the JSON's "updated")
    diff: PlanDiff = field(default_factory=PlanDiff)  # tasks added / changed / removed (the JSON's "changed")
    revision: bool = False  # the plan was in the database already, with other content
    track_from: date | None = None  # reminder moments before this day are not sent
    track_note: str = ""  # why ``track_from`` is what it is (for people)
    dry_run: bool = False
    cancelled_cycles: int = 0  # live cycles of removed tasks cancelled
    replanned_cycles: int = 0  # live cycles of tasks whose deadline changed, re-planned
    # How the cells read (models.domain.agencies.reading): "issuer_scope" (own / national / other_province,
    # and why) and "agency_suggestions" (unrouted names that probably mean an entry, for an officer).
    agency_reading: dict[str, Any] = field(default_factory=dict)
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
            "changed": self.diff.as_json(),
            "updated": self.changed,
            "revision": self.revision,
            "dry_run": self.dry_run,
            "track_from": self.track_from.isoformat() if self.track_from else None,
            "track_note": self.track_note,
            "cancelled_cycles": self.cancelled_cycles,
            "replanned_cycles": self.replanned_cycles,
            **self.agency_reading,
            "rows": self.rows,
            "unaccounted": self.unaccounted,
            "format": self.source_kind,
        }


@dataclass
class _Cell:
    """One agency cell resolved against the directory."""

    entries: list[tuple[str, str, bool]]  # (raw name, code, is_group)
    unresolved: list[str]


def _resolve(directory: Directory | DocumentReading, raw: str, where: str, warnings: list[str]) -> _Cell:
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
    track_from: date | None = None,
    import_day: date | None = None,
    runtime: Runtime | None = None,
    dry_run: bool = False,
    number: str | None = None,
    issued: date | None = None,
    issuer: str | None = None,
    columns: dict[int, str] | None = None,
) -> ImportReport:
    """Import the plan at ``path``. Raises ``PlanFormatError`` (database untouched) on a bad file.

    ``policy`` decides each task's deadline rule: pass the configured one (``DONDOC_POLICY_FILE``), whose
    ``deadline_overrides`` replace the plan's phrases — an overridden phrase is not warned about.
    ``track_from``, ``import_day``, ``runtime`` (for re-planning) and ``dry_run``:
    see the module docstring. ``number``/``issued``/``issuer`` stand in for what an appendix excerpt
    lacks; ``columns`` overrides column roles (``{3: "lead"}``, see ``parse_columns``). ``path`` may be
    .txt/.md/.docx/.xlsx/.html/.pdf.
    """
    parsed = read_plan_file(path, number=number, issued=issued, issuer=issuer, columns=columns)
    warnings = list(parsed.warnings)
    reading = directory.reading(parsed.issuer, parsed.number, _agency_cells(parsed))  # the issuer's scope
    task_cells: dict[str, dict[str, _Cell]] = {}
    indicator_cells: dict[str, _Cell] = {}
    deadline_info: dict[str, tuple[str, str | None]] = {}
    unresolved: list[str] = []

    for task in parsed.tasks:
        where = f"task {task.number} ({task.ref or f'line {task.line}'})"
        lead = _resolve(reading, task.lead_raw, where, warnings)
        coord = _resolve(reading, task.coordinating_raw, where, warnings)
        task_cells[task.number] = {Role.lead: lead, Role.coordinating: coord}
        unresolved.extend(name for cell in (lead, coord) for name in cell.unresolved)
        if not lead.entries and not lead.unresolved:
            warnings.append(f"{where}: no lead agency (không có cơ quan chủ trì)")
        deadline_info[task.number] = _deadline(policy.rule_for(parsed.number, task.number, task.deadline_raw))
        warnings.extend(_deadline_warnings(deadline_info[task.number], task, where))

    for indicator in parsed.indicators:
        where = f"indicator {indicator.code} ({indicator.ref or f'line {indicator.line}'})"
        cell = _resolve(reading, indicator.monitor_raw, where, warnings)
        indicator_cells[indicator.code] = cell
        unresolved.extend(cell.unresolved)

    named = {code for cells in task_cells.values() for cell in cells.values() for _, code, _ in cell.entries}
    named |= {code for cell in indicator_cells.values() for _, code, _ in cell.entries}

    report = ImportReport(
        plan=parsed.number,
        tasks=len(parsed.tasks),
        indicators=len(parsed.indicators),
        agencies=len(named),
        unresolved_agencies=sorted(set(unresolved)),
        warnings=warnings,
        dry_run=dry_run,
        agency_reading=reading.as_json(),
        rows=parsed.rows.as_json() if parsed.rows else None,
        unaccounted=parsed.rows.unaccounted if parsed.rows else 0,
        source_kind=parsed.source_kind,
    )
    with session_scope(engine) as session:
        before = _version_before(session, parsed, deadline_info, report)
        ids, changed = sync_directory(session, directory)
        changed |= _write_plan(session, parsed, Path(path).name, task_cells, indicator_cells, deadline_info, ids)
        changed |= _apply_lifecycle(session, parsed, before, report, track_from, import_day, runtime)
        report.changed = changed
        if dry_run:
            session.rollback()  # the report says what would happen; nothing is kept
    return report


def _version_before(
    session: Session, parsed: ParsedPlan, deadline_info: dict[str, tuple[str, str | None]], report: ImportReport
) -> Plan | None:
    """The plan row as the database has it before this import (None: a new plan), and the diff of its
    tasks against the parsed version, set on ``report``."""
    plan = session.exec(select(Plan).where(Plan.number == parsed.number)).first()
    old: dict[str, dict[str, Any]] = {}
    if plan is not None:
        report.revision = plan.content_hash != parsed.content_hash
        for row in session.exec(select(Task).where(Task.plan_id == plan.id, Task.withdrawn.is_(False))):  # type: ignore[attr-defined]
            old[row.number] = {name: getattr(row, name, None) for name in _DIFF_FIELDS}
    new = {}
    for position, item in enumerate(parsed.tasks):
        kind, note = deadline_info[item.number]
        values = _task_values(item, position, kind, note)
        new[item.number] = {name: values[name] for name in _DIFF_FIELDS if name in values}
    report.diff = diff_tasks(old, new)
    old_codes: list[str] = []
    if plan is not None:
        query = select(Indicator.code).where(Indicator.plan_id == plan.id, Indicator.withdrawn.is_(False))  # type: ignore[attr-defined]
        old_codes = list(session.exec(query.order_by(Indicator.position)))
    added, removed = diff_codes(old_codes, [i.code for i in parsed.indicators])
    report.diff.indicators_added, report.diff.indicators_removed = added, removed
    return plan


def _apply_lifecycle(
    session: Session,
    parsed: ParsedPlan,
    before: Plan | None,
    report: ImportReport,
    track_from: date | None,
    import_day: date | None,
    runtime: Runtime | None,
) -> bool:
    """Tracking day, cancelled cycles of removed tasks, re-planned cycles of changed deadlines."""
    plan = session.exec(select(Plan).where(Plan.number == parsed.number)).one()
    changed = False
    if track_from is not None:
        report.track_note = "as given (--track-from) / theo ngày cán bộ chọn"
        changed |= _assign(plan, {"track_from": track_from})
    elif before is None and import_day is not None:
        day = default_track_from(plan.issued_on, import_day)
        if day is not None:
            report.track_note = (
                f"issued {plan.issued_on:%d/%m/%Y}, more than 30 days ago: tracked from the import day; earlier "
                f"reminders are not sent (change with `dondoc plan track-from`) / kế hoạch ban hành đã quá 30 "
                f"ngày: theo dõi từ ngày nhập {day:%d/%m/%Y}, không gửi các lần nhắc trước ngày đó"
            )
            changed |= _assign(plan, {"track_from": day})
    report.track_from = plan.track_from
    if (report.diff.removed or report.diff.indicators_removed) and plan.id is not None:
        reason = f"bị bỏ khỏi bản sửa đổi của kế hoạch {plan.number}"
        tasks = plan_lifecycle.task_ids(session, plan.id, report.diff.removed)
        indicators = plan_lifecycle.indicator_ids(session, plan.id, report.diff.indicators_removed)
        report.cancelled_cycles = plan_lifecycle.cancel_task_cycles(session, tasks, "nhiệm vụ " + reason)
        report.cancelled_cycles += plan_lifecycle.cancel_indicator_cycles(session, indicators, "chỉ tiêu " + reason)
    if runtime is not None and report.diff.deadline_changed() and plan.id is not None and before is not None:
        tasks = plan_lifecycle.task_ids(session, plan.id, report.diff.deadline_changed())
        report.replanned_cycles = plan_lifecycle.replan_tasks(runtime, session, tasks, import_day)
    return changed or bool(report.cancelled_cycles or report.replanned_cycles)


def _agency_cells(parsed: ParsedPlan) -> list[str]:
    """Every agency cell of the plan (lead, coordinating, monitoring), in order."""
    return [c for t in parsed.tasks for c in (t.lead_raw, t.coordinating_raw)] + [
        i.monitor_raw for i in parsed.indicators
    ]


def has_plan(engine: Engine) -> bool:
    """Whether the database holds any plan yet."""
    with Session(engine) as session:
        return session.exec(select(Plan.id).limit(1)).first() is not None


def import_if_empty(
    engine: Engine, path: str | Path, directory: Directory, policy: DeadlinePolicy, *, import_day: date | None = None
) -> ImportReport | None:
    """Import the plan at ``path`` when the database holds none (the first ``dondoc run``); None otherwise.
    ``import_day``: the day of the run, for the default tracking day (see the module docstring).

    Two runs racing on an empty database both import: harmless, the import is an idempotent upsert.
    """
    if has_plan(engine):
        return None
    return import_plan(engine, path, directory, policy, import_day=import_day)


def _deadline(rule: DeadlineRule) -> tuple[str, str | None]:
    """The (kind, note) a task row keeps of its deadline rule: an override says so in the note."""
    note = rule.reason or None
    if rule.overridden:
        note = f"override: {rule.override.note if rule.override else ''}".strip()
    elif rule.kind == Kind.EXTERNAL:
        note = "set by an officer (cán bộ cần đặt thời hạn)"
    elif rule.follow_up:  # what the sentence says besides its dates: report recipient, bounds, note
        note = rule.follow_up
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


# The task fields a revision compares (``extra``: once the reader fills it, see ``_task_values``).
_DIFF_FIELDS = tuple(TASK_FIELDS)


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
