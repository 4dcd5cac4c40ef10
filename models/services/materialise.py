"""Steps 1 and 2 of the daily evaluation: which cycles exist, and which open or fall overdue.

1. **Materialise** (:func:`materialise`): the cycles whose opening date is within the look-ahead — one per
   (task or indicator) × responsible agency (routed on the day: succession-aware) × period. Inserts skip
   existing rows (``ON CONFLICT DO NOTHING``), so two runs at once create each cycle once. A cycle whose
   agency no longer holds the work (merged, dissolved) is *cancelled*; its successor gets its own cycle.
2. **Transition** (:func:`transition`): *scheduled* → *open* when its opening day has come; *open*,
   *returned*, *extended* → *overdue* once its (extended) due date has passed.

Every change goes through the store's conditional ``set_status`` (with its history row).
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from models.domain import deadlines as dl
from models.domain.clock import today_local, utcnow
from models.domain.reminders import coordinating_due, opens_on
from models.domain.states import CycleKind, CycleStatus, Role
from models.services import materialise_mark as mark
from models.services.runtime import Runtime
from models.store.cycle_tables import Cycle
from models.store.plan_tables import Agency, AgencyGroup, Indicator, IndicatorAgency, Plan, Task, TaskAgency
from models.store.writes import bulk_insert_ignore, set_status

SUCCEEDED = "cơ quan không còn chủ trì (sáp nhập, giải thể) — chuyển cho cơ quan kế thừa / routed to successor"
INSERT_CHUNK = 10_000  # cycles inserted per call (their row dicts are in memory together)
LIVE = [CycleStatus.scheduled, CycleStatus.open, CycleStatus.overdue, CycleStatus.returned]


@dataclass(slots=True)  # not frozen: a frozen init costs twice as much, and wanted_cycles makes one per cycle
class Want:
    """A cycle that should exist (never changed once made)."""

    plan_id: int
    subject: str  # "task:<id>" | "indicator:<id>"
    task_id: int | None
    indicator_id: int | None
    agency_id: int
    role: str
    kind: str
    period_key: str
    label: str
    opens_on: date
    due_nominal: date
    due_effective: date

    @property
    def identity(self) -> tuple[str, int, str, str]:
        return (self.subject, self.agency_id, self.role, self.period_key)

    def row(self, now: Any) -> dict[str, Any]:
        return {
            "plan_id": self.plan_id,
            "subject": self.subject,
            "task_id": self.task_id,
            "indicator_id": self.indicator_id,
            "agency_id": self.agency_id,
            "role": self.role,
            "kind": self.kind,
            "period_key": self.period_key,
            "label": self.label,
            "opens_on": self.opens_on,
            "due_nominal": self.due_nominal,
            "due_effective": self.due_effective,
            "status": CycleStatus.scheduled,
            "status_changed_at": now,
            "created_at": now,
        }


@dataclass
class Subjects:
    """What the evaluation needs of the plans, loaded once per runtime: ids, agency codes by role, dues.

    Only plans not retired (``Plan.retired_at`` None) are here: the daily run ignores retired plans.
    ``track_from`` is each of those plans' tracking day (``Plan.track_from``: reminder moments before it
    are not sent; None = from the start), by plan id — the reminder decision reads it from here
    (:func:`plan_tracking` for a caller without a runtime)."""

    agency_ids: dict[str, int]
    tasks: list[tuple[int, int, dict[str, list[str]], list[tuple[str, dl.Due]]]]  # id, plan, roles, dues
    indicators: list[tuple[int, int, list[str], list[dl.Due]]]  # id, plan, monitor codes, dues
    track_from: dict[int, date | None] = field(default_factory=dict)  # plan id → tracking day


def plan_tracking(session: Session) -> dict[int, date | None]:
    """The tracking day (``Plan.track_from``) of every plan not retired, by plan id."""
    return dict(session.execute(select(Plan.id, Plan.track_from).where(Plan.retired_at.is_(None))).all())  # type: ignore[union-attr, arg-type]


def load_subjects(rt: Runtime, session: Session) -> Subjects:
    """The plans' tasks and indicators with their agencies (codes as written) and due items (cached).

    A column read here must also be in ``materialise_mark.INPUT_COLUMNS`` (what the mark digests)."""
    if rt._subjects_cache is not None:
        return rt._subjects_cache  # type: ignore[no-any-return]
    agency_ids = {code: id_ for id_, code in session.execute(select(Agency.id, Agency.code))}
    codes = _named_codes(session, agency_ids)
    plans = {p.id: p for p in session.execute(select(Plan).where(Plan.retired_at.is_(None))).scalars()}  # type: ignore[union-attr]

    def start_of(plan_id: int) -> date:
        return plans[plan_id].issued_on or today_local()

    roles: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    rows = select(TaskAgency.task_id, TaskAgency.role, TaskAgency.agency_id, TaskAgency.group_id)
    for task_id, role, code in _coded(session, rows.order_by(TaskAgency.task_id, TaskAgency.position), codes):
        roles[task_id][role].append(code)
    tasks = []
    for task_id, plan_id, number, phrase in session.execute(
        select(Task.id, Task.plan_id, Task.number, Task.deadline_raw).where(Task.withdrawn.is_(False))
    ):
        if plan_id not in plans:
            continue  # a retired plan
        dues = rt.task_dues(rt.rule_for(plans[plan_id].number, number, phrase), start_of(plan_id))
        if dues:
            tasks.append((task_id, plan_id, roles[task_id], dues))
    monitors: dict[int, list[str]] = defaultdict(list)
    rows = select(
        IndicatorAgency.indicator_id, IndicatorAgency.role, IndicatorAgency.agency_id, IndicatorAgency.group_id
    )
    for indicator_id, _role, code in _coded(
        session, rows.order_by(IndicatorAgency.indicator_id, IndicatorAgency.position), codes
    ):
        monitors[indicator_id].append(code)
    indicators = [
        (indicator_id, plan_id, monitors[indicator_id], rt.periodic(start_of(plan_id)))
        for indicator_id, plan_id in session.execute(
            select(Indicator.id, Indicator.plan_id).where(Indicator.withdrawn.is_(False))
        )
        if indicator_id in monitors and plan_id in plans
    ]
    track_from = {plan_id: plan.track_from for plan_id, plan in plans.items()}
    rt._subjects_cache = Subjects(agency_ids, tasks, indicators, track_from)
    return rt._subjects_cache  # type: ignore[no-any-return]


def _named_codes(session: Session, agency_ids: dict[str, int]) -> dict[tuple[str, int], str]:
    """Directory codes by ("agency" | "group", database id)."""
    out = {("agency", id_): code for code, id_ in agency_ids.items()}
    out.update({("group", id_): code for id_, code in session.execute(select(AgencyGroup.id, AgencyGroup.code))})
    return out


def _coded(session: Session, stmt: Any, codes: dict[tuple[str, int], str]) -> Iterator[tuple[int, str, str]]:
    """(owner id, role, directory code) of each role row that resolved to an agency or a group."""
    for owner_id, role, agency_id, group_id in session.execute(stmt):
        code = codes.get(("agency", agency_id)) if agency_id else codes.get(("group", group_id))
        if code:
            yield owner_id, role, code


def wanted_cycles(
    rt: Runtime,
    session: Session,
    today: date,
    *,
    task_ids: set[int] | None = None,
    limit: date | None = None,
    beyond: list[date] | None = None,
) -> list[Want]:
    """Every cycle that should exist by ``today`` (opening date within the look-ahead).

    ``task_ids`` and ``limit``: only those tasks' cycles (no indicators), opening up to ``limit`` —
    ``date.max`` gives every cycle of their deadline rules (a revised deadline is re-planned from it).
    ``beyond``: gets the first opening day after the limit of each subject (when the next cycle opens)."""
    beyond = beyond if beyond is not None else []
    limit = limit or today + timedelta(days=rt.lookahead_days)
    subjects = load_subjects(rt, session)
    epoch = rt.routing_epoch(today)
    route_cache: dict[tuple[str, ...], list[int]] = {}

    def routed(codes: list[str]) -> list[int]:
        key = tuple(codes)
        if key not in route_cache:
            route_cache[key] = rt.routed_agency_ids(codes, epoch, subjects.agency_ids)
        return route_cache[key]

    out: list[Want] = []
    for task_id, plan_id, roles, items in subjects.tasks:
        if task_ids is not None and task_id not in task_ids:
            continue
        leads = routed(roles.get(Role.lead, []))
        coords = [a for a in routed(roles.get(Role.coordinating, [])) if a not in leads]
        out.extend(_task_wants(rt, plan_id, task_id, items, leads, coords, limit, beyond))
    for indicator_id, plan_id, codes, dues in subjects.indicators if task_ids is None else ():
        agencies = routed(codes)
        for due in dues:
            open_day = opens_on(due.effective, rt.policy)
            if open_day > limit:
                if agencies:
                    beyond.append(open_day)
                break  # dues are sorted by date
            subject = (plan_id, f"indicator:{indicator_id}", None, indicator_id)
            out.extend(_want(subject, a, Role.monitoring, CycleKind.periodic, due, open_day) for a in agencies)
    return out


def _task_wants(
    rt: Runtime,
    plan_id: int,
    task_id: int,
    items: list[tuple[str, dl.Due]],
    leads: list[int],
    coords: list[int],
    limit: date,
    beyond: list[date],
) -> Iterator[Want]:
    """One task's wanted cycles: each lead agency per due item; each coordinator per deadline, working to
    its internal deadline (earlier than the lead's)."""
    subject = (plan_id, f"task:{task_id}", task_id, None)
    for kind, due in items:
        open_day = opens_on(due.effective, rt.policy)
        if open_day > limit:
            if leads or coords:
                beyond.append(open_day)  # the task's next cycle opens then
            break  # items are sorted by date
        for agency_id in leads:
            yield _want(subject, agency_id, Role.lead, kind, due, open_day)
        if kind == CycleKind.deadline and coords:
            internal = coordinating_due(due, rt.policy, rt.calendar)
            for agency_id in coords:
                yield _want(subject, agency_id, Role.coordinating, kind, internal, min(open_day, internal.effective))


def _want(
    subject: tuple[int, str, int | None, int | None], agency_id: int, role: str, kind: str, due: dl.Due, open_day: date
) -> Want:
    """The wanted cycle of one subject ((plan id, subject, task id, indicator id)) for one agency and due item."""
    plan_id, name, task_id, indicator_id = subject
    return Want(
        plan_id=plan_id,
        subject=name,
        task_id=task_id,
        indicator_id=indicator_id,
        agency_id=agency_id,
        role=role,
        kind=kind,
        period_key=due.period_key,
        label=due.label,
        opens_on=open_day,
        due_nominal=due.nominal,
        due_effective=due.effective,
    )


def materialise(rt: Runtime, session: Session, today: date) -> tuple[int, int]:
    """Create wanted cycles; cancel open ones whose agency no longer holds the work. (created, cancelled)

    Skipped when the stored mark (``models.services.materialise_mark``) says nothing it depends on changed
    and no wanted cycle opens within today's look-ahead."""
    limit = today + timedelta(days=rt.lookahead_days)
    epoch = rt.routing_epoch(today)
    inputs = mark.inputs_digest(rt, session)
    if mark.unchanged(session, mark.fingerprint(session, inputs), limit, epoch):
        return 0, 0
    beyond: list[date] = []
    wanted = wanted_cycles(rt, session, today, beyond=beyond)
    created, cancelled = _materialise(rt, session, epoch, wanted)
    # The cycles just made are part of what the next run compares: the fingerprint is taken after them.
    mark.store(session, mark.fingerprint(session, inputs), limit, min(beyond, default=mark.NONE_LEFT), epoch)
    return created, cancelled


def _materialise(rt: Runtime, session: Session, epoch: date, wanted: list[Want]) -> tuple[int, int]:
    """Insert the missing ``wanted`` cycles; cancel those routed away when routing may have changed."""
    if rt._existing is None:
        rt._existing = set(session.execute(select(Cycle.subject, Cycle.agency_id, Cycle.role, Cycle.period_key)).all())  # type: ignore[arg-type]
    existing = rt._existing
    missing = [w for w in wanted if w.identity not in existing]
    now = utcnow()
    # ON CONFLICT DO NOTHING: a concurrent run may have created some of them a moment ago. The row dicts
    # are made a chunk at a time: all at once they were the run's high-water mark (312,796 dicts, about
    # 300 MB, at 100,000 tasks: bench/bench_daily.py).
    created = 0
    for start in range(0, len(missing), INSERT_CHUNK):
        rows = [w.row(now) for w in missing[start : start + INSERT_CHUNK]]
        created += bulk_insert_ignore(session, Cycle, rows)
    existing.update(w.identity for w in missing)
    if not missing and rt._last_epoch == epoch:
        return created, 0  # nothing new and routing unchanged: no cycle can have lost its agency
    rt._last_epoch = epoch
    return created, _cancel_unrouted(session, wanted)


def _cancel_unrouted(session: Session, wanted: list[Want]) -> int:
    """Cancel the live cycles of a wanted (subject, role, period) held by an agency no longer routed.

    Sets of plain tuples and the live rows streamed, not a set of agencies per slot and a list of every
    live row: those were the first run's high-water mark (over 200 MB at 100,000 tasks)."""
    slots = {(w.subject, w.role, w.period_key) for w in wanted}
    holders = {(w.subject, w.role, w.period_key, w.agency_id) for w in wanted}
    stmt = select(Cycle.id, Cycle.subject, Cycle.role, Cycle.period_key, Cycle.agency_id, Cycle.status).where(
        Cycle.kind != CycleKind.adhoc,
        Cycle.status.in_(LIVE),  # type: ignore[attr-defined]
    )
    by_status: dict[str, list[int]] = defaultdict(list)
    for cid, subject, role, period_key, agency_id, status in session.connection().execute(stmt):
        if (subject, role, period_key) in slots and (subject, role, period_key, agency_id) not in holders:
            by_status[status].append(cid)
    del slots, holders
    return sum(
        len(set_status(session, ids, status, CycleStatus.cancelled, "daily", SUCCEEDED))
        for status, ids in by_status.items()
    )


def transition(session: Session, today: date, actor: str = "daily") -> tuple[int, int]:
    """Open cycles whose day has come; mark overdue those past due. Returns (opened, overdue)."""
    to_open = list(
        session.execute(
            select(Cycle.id).where(Cycle.status == CycleStatus.scheduled, Cycle.opens_on <= today)
        ).scalars()
    )
    reason = f"mở kỳ báo cáo ngày {today:%d/%m/%Y}"
    opened = len(set_status(session, to_open, CycleStatus.scheduled, CycleStatus.open, actor, reason))
    late: dict[str, list[int]] = defaultdict(list)
    for cid, status in session.execute(
        select(Cycle.id, Cycle.status).where(
            Cycle.status.in_([CycleStatus.open, CycleStatus.returned, CycleStatus.extended]),  # type: ignore[attr-defined]
            func.coalesce(Cycle.due_extended, Cycle.due_effective) < today,
        )
    ):
        late[status].append(cid)
    reason = f"quá hạn (ngày {today:%d/%m/%Y})"
    overdue = sum(
        len(set_status(session, ids, status, CycleStatus.overdue, actor, reason)) for status, ids in late.items()
    )
    return opened, overdue
