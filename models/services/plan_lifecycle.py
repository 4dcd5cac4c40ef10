"""Many plans side by side, and each plan's life after its import: the list of plans (``dondoc plan
list``), the tracking day (``dondoc plan track-from``), retiring a plan (``dondoc plan retire``), and the
cycle changes a revised version brings (used by ``models.services.importer``).

Every cycle change goes through the store's conditional ``set_status`` (with its ``cycleevent``):

- **retire**: the plan's live cycles (scheduled, open, overdue, extended, returned — and answered ones
  awaiting review) are *cancelled*; answers, reviews, messages and history stay; ``plan.retired_at`` is
  set, and the daily run no longer loads the plan (``materialise.load_subjects``). Accepted cycles stay
  accepted;
- **a removed task or indicator** (withdrawn by a revised version): its live cycles are cancelled the
  same way;
- **a changed deadline**: each live cycle of the task is matched, by its identity (subject, agency, role,
  period key), with the cycles the new rule wants (``materialise.wanted_cycles`` over the whole horizon).
  Not wanted any more → *cancelled* (a deadline moved to another month is another period: the old
  month's cycle is cancelled and the daily run creates the new month's when its opening comes).
  Wanted with other dates → a *scheduled* cycle takes the new dates in place; an open, overdue or
  returned one moves to *extended* with the new due date (the state machine
  has no way back from *overdue* to *open*; *extended* is the state whose reminders follow a new date, and
  the next run marks it overdue again when that date has passed). Its schedule version is bumped so the
  reminder ledger does not mistake the new steps for the old. New periods are created by the next daily
  run, as always. Answered and accepted cycles are left alone: that work was reported.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.domain.clock import today_local, utcnow
from models.domain.states import CycleKind, CycleStatus
from models.services.materialise import wanted_cycles
from models.services.runtime import Runtime
from models.store.cycle_tables import Cycle
from models.store.db import session_scope
from models.store.plan_tables import Indicator, Plan, Task
from models.store.writes import set_status, write_events

# Live cycles a plan's end or a task's removal cancels (answered ones too: nobody will review them).
CANCELLABLE = [
    CycleStatus.scheduled,
    CycleStatus.open,
    CycleStatus.overdue,
    CycleStatus.extended,
    CycleStatus.returned,
    CycleStatus.answered,
]
# Live cycles a new deadline re-plans (answered ones were reported: left alone).
REPLANNED = [CycleStatus.scheduled, CycleStatus.open, CycleStatus.overdue, CycleStatus.extended, CycleStatus.returned]
OPEN_STATES = frozenset({CycleStatus.open, CycleStatus.overdue, CycleStatus.returned, CycleStatus.extended})


class PlanNotFound(LookupError):
    """No plan has that number."""

    def __init__(self, number: str) -> None:
        super().__init__(f"no plan {number!r} in the database / không có kế hoạch {number!r}")


# --------------------------------------------------------------------------------------------------
# The list of plans
# --------------------------------------------------------------------------------------------------


def plan_rows(engine: Engine) -> list[dict[str, Any]]:
    """Every plan, the latest imported first: number, title, issued, tasks, open cycles (open, overdue,
    returned, extended), overdue cycles, track_from, retired (the public shape of ``dondoc plan list
    --json``; the officers' "all plans" page shows the same)."""
    with Session(engine) as session:
        tasks = dict(
            session.execute(
                select(Task.plan_id, func.count()).where(Task.withdrawn.is_(False)).group_by(Task.plan_id)  # type: ignore[attr-defined]
            ).all()
        )
        open_cycles = dict(
            session.execute(
                select(Cycle.plan_id, func.count())
                .where(Cycle.status.in_(sorted(OPEN_STATES)))  # type: ignore[attr-defined]
                .group_by(Cycle.plan_id)
            ).all()
        )
        overdue = dict(
            session.execute(
                select(Cycle.plan_id, func.count()).where(Cycle.status == CycleStatus.overdue).group_by(Cycle.plan_id)
            ).all()
        )
        plans = session.execute(select(Plan).order_by(Plan.imported_at.desc(), Plan.id.desc())).scalars()  # type: ignore[attr-defined, union-attr]
        return [
            {
                "number": p.number,
                "title": p.title,
                "issued": p.issued_on.isoformat() if p.issued_on else None,
                "tasks": tasks.get(p.id, 0),
                "open_cycles": open_cycles.get(p.id, 0),
                "overdue_cycles": overdue.get(p.id, 0),
                "track_from": p.track_from.isoformat() if p.track_from else None,
                "retired": p.retired_at.isoformat() if p.retired_at else None,
            }
            for p in plans
        ]


def _plan(session: Session, number: str) -> Plan:
    plan = session.execute(select(Plan).where(Plan.number == number.strip())).scalar()
    if plan is None:
        raise PlanNotFound(number)
    return plan


# --------------------------------------------------------------------------------------------------
# Tracking day, retiring
# --------------------------------------------------------------------------------------------------


def set_track_from(engine: Engine, number: str, day: date | None) -> date | None:
    """Set (None: clear) the plan's tracking day; returns the day it had before. Raises ``PlanNotFound``."""
    with session_scope(engine) as session:
        plan = _plan(session, number)
        before = plan.track_from
        plan.track_from = day
        return before


@dataclass
class Retired:
    """What ``dondoc plan retire`` did; ``as_json`` is its public shape."""

    plan: str
    retired_at: datetime
    cancelled: int
    already: bool  # the plan was retired before: nothing changed

    def as_json(self) -> dict[str, Any]:
        return {
            "plan": self.plan,
            "retired_at": self.retired_at.isoformat(),
            "cancelled": self.cancelled,
            "already": self.already,
        }


def retire_plan(engine: Engine, number: str, actor: str = "cli") -> Retired:
    """End the plan: its live cycles cancelled, history kept, ``retired_at`` set (once: a second call
    changes nothing). Raises ``PlanNotFound``."""
    with session_scope(engine) as session:
        plan = _plan(session, number)
        if plan.retired_at is not None:
            return Retired(plan.number, plan.retired_at, 0, True)
        plan.retired_at = utcnow()
        ids = list(session.execute(select(Cycle.id, Cycle.status).where(Cycle.plan_id == plan.id)).all())
        cancelled = _cancel(session, ids, f"kế hoạch {plan.number} đã kết thúc (retired)", actor)
        return Retired(plan.number, plan.retired_at, cancelled, False)


# --------------------------------------------------------------------------------------------------
# What a revised version changes (called by the importer, in its transaction)
# --------------------------------------------------------------------------------------------------


def task_ids(session: Session, plan_id: int, numbers: list[str]) -> list[int]:
    """The ids of the plan's tasks with these numbers."""
    if not numbers:
        return []
    return list(
        session.execute(select(Task.id).where(Task.plan_id == plan_id, Task.number.in_(numbers))).scalars()  # type: ignore[attr-defined]
    )


def indicator_ids(session: Session, plan_id: int, codes: list[str]) -> list[int]:
    """The ids of the plan's indicators with these codes."""
    if not codes:
        return []
    query = select(Indicator.id).where(Indicator.plan_id == plan_id, Indicator.code.in_(codes))  # type: ignore[attr-defined]
    return list(session.execute(query).scalars())


def _cancel(session: Session, rows: list[Any], reason: str, actor: str) -> int:
    """Cancel the cancellable cycles among (id, status) ``rows``; how many were cancelled."""
    by_status: dict[str, list[int]] = defaultdict(list)
    for cid, status in rows:
        if status in CANCELLABLE:
            by_status[status].append(cid)
    return sum(len(set_status(session, ids, s, CycleStatus.cancelled, actor, reason)) for s, ids in by_status.items())


def cancel_task_cycles(session: Session, ids: list[int], reason: str, actor: str = "import") -> int:
    """Cancel the live cycles of the tasks ``ids`` (a task removed by a revised version)."""
    if not ids:
        return 0
    rows = list(session.execute(select(Cycle.id, Cycle.status).where(Cycle.task_id.in_(ids))).all())  # type: ignore[union-attr]
    return _cancel(session, rows, reason, actor)


def cancel_indicator_cycles(session: Session, ids: list[int], reason: str, actor: str = "import") -> int:
    """Cancel the live cycles of the indicators ``ids`` (an indicator removed by a revised version)."""
    if not ids:
        return 0
    rows = list(session.execute(select(Cycle.id, Cycle.status).where(Cycle.indicator_id.in_(ids))).all())  # type: ignore[union-attr]
    return _cancel(session, rows, reason, actor)


def replan_tasks(
    rt: Runtime, session: Session, ids: list[int], today: date | None = None, actor: str = "import"
) -> int:
    """Re-plan the live cycles of the tasks ``ids`` after their deadline changed (see the module
    docstring), agencies routed as on ``today``; returns how many cycles changed. Works in the caller's
    (flushed) transaction."""
    if not ids:
        return 0
    session.flush()
    rt.forget()  # the tasks' rows changed in this transaction: load them again
    day = today or today_local()
    wants = {w.identity: w for w in wanted_cycles(rt, session, day, task_ids=set(ids), limit=date.max)}
    rt.forget()
    live = session.execute(
        select(Cycle).where(
            Cycle.task_id.in_(ids),  # type: ignore[union-attr]
            Cycle.kind != CycleKind.adhoc,
            Cycle.status.in_(REPLANNED),  # type: ignore[attr-defined]
        )
    ).scalars()
    changed = 0
    gone: list[tuple[int, str]] = []
    for cycle in list(live):
        want = wants.get((cycle.subject, cycle.agency_id, cycle.role, cycle.period_key))
        if want is None:
            gone.append((cycle.id or 0, cycle.status))
        elif (want.due_effective, want.due_nominal, want.opens_on) != (
            cycle.due_effective,
            cycle.due_nominal,
            cycle.opens_on,
        ):
            changed += _new_dates(session, cycle, want, actor)
    changed += _cancel(session, gone, "thời hạn của nhiệm vụ đã thay đổi (bản sửa đổi của kế hoạch)", actor)
    return changed


def _new_dates(session: Session, cycle: Cycle, want: Any, actor: str) -> int:
    """Give one live cycle the dates its revised deadline wants (see the module docstring)."""
    reason = f"thời hạn mới theo bản sửa đổi của kế hoạch: {want.due_effective:%d/%m/%Y}"
    values = {
        "due_nominal": want.due_nominal,
        "due_effective": want.due_effective,
        "opens_on": want.opens_on,
        "label": want.label,
        "schedule_version": cycle.schedule_version + 1,
        "next_reminder_on": None,
    }
    if cycle.status == CycleStatus.scheduled:
        done = session.execute(
            update(Cycle)
            .where(Cycle.id == cycle.id, Cycle.status == CycleStatus.scheduled)
            .values(**values)
            .returning(Cycle.id)
        ).all()
        write_events(session, [row[0] for row in done], cycle.status, cycle.status, actor, reason)
        return len(done)
    values["due_extended"] = want.due_effective  # reminders follow it; the next run marks it overdue when passed
    return len(set_status(session, cycle.id or 0, cycle.status, CycleStatus.extended, actor, reason, **values))
