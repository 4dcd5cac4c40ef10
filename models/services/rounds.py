"""Ad hoc reporting rounds (báo cáo đột xuất, sơ kết 6 tháng): an officer picks tasks, indicators and/or
agencies, a title, a due date and a message; each responsible agency gets a cycle that opens at once.

Opening the same round twice (a double click, a retried deployment run) opens it once: rounds are unique
by ``idempotency_key`` and their cycles by (subject, agency, role, "round-<id>").
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from models.domain.clock import utcnow
from models.domain.states import CycleKind, CycleStatus, Role
from models.services.reminders import queue_batch
from models.services.runtime import Runtime
from models.store.cycle_tables import Cycle, ReportRound
from models.store.plan_tables import Agency, AgencyGroup, Indicator, IndicatorAgency, Plan, Task, TaskAgency
from models.store.writes import insert_ignore, write_events


class RoundError(ValueError):
    """A round request that cannot be opened (unknown task, agency or plan; due date in the past)."""


@dataclass
class RoundRequest:
    title: str
    due_on: date
    tasks: list[str] = field(default_factory=list)
    indicators: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)
    message: str = ""
    plan: str | None = None
    created_by: str = "officer"
    idempotency_key: str | None = None

    def key(self) -> str:
        if self.idempotency_key:
            return self.idempotency_key[:128]
        body = json.dumps(
            [
                self.title,
                self.due_on.isoformat(),
                sorted(self.tasks),
                sorted(self.indicators),
                sorted(self.agencies),
                self.message,
                self.plan,
            ],
            ensure_ascii=False,
        )
        return "auto-" + hashlib.sha256(body.encode()).hexdigest()[:40]


@dataclass
class RoundResult:
    round_id: int
    created: bool
    cycles: list[int]
    queued: int = 0  # messages queued by ``open_and_queue``

    def as_json(self) -> dict[str, Any]:
        return {"round": self.round_id, "created": self.created, "cycles": len(self.cycles)}


def open_and_queue(rt: Runtime, req: RoundRequest, today: date) -> RoundResult:
    """Open the round (one transaction), then queue its announcements (the cycles' claim transaction).

    The one way a round is opened: the officers' page, the ``round`` flow and the CLI all call it.
    Raises ``RoundError`` (nothing written) when the request cannot be opened.
    """
    with Session(rt.engine) as session:
        result = open_round(rt, session, req, today)
        session.commit()
    if result.cycles:
        result.queued = queue_batch(rt, result.cycles, today).queued
    return result


def open_round(rt: Runtime, session: Session, req: RoundRequest, today: date) -> RoundResult:
    """Create the round and its open cycles (not the messages: queue them with ``queue_batch``).

    Steps: check the request; the same request again gives the round it opened; find the plan; the
    responsible agencies of each selected task (lead) or indicator (monitoring), routed today, narrowed to
    the selected agencies; then the round and one open cycle per (subject, agency), with their history.
    """
    if not req.title.strip():
        raise RoundError("a round needs a title (tiêu đề)")
    if req.due_on < today:
        raise RoundError(f"due date {req.due_on:%d/%m/%Y} is in the past (hạn đã qua)")
    key = req.key()
    existing = session.execute(select(ReportRound).where(ReportRound.idempotency_key == key)).scalar()
    if existing is not None:
        ids = list(session.execute(select(Cycle.id).where(Cycle.round_id == existing.id)).scalars())
        return RoundResult(existing.id or 0, False, ids)
    plan = _plan(session, req.plan)
    agency_ids = {code: id_ for id_, code in session.execute(select(Agency.id, Agency.code))}
    wanted = _wanted_agencies(rt, req.agencies, today, agency_ids)
    subjects = [
        (subject, task_id, indicator_id, [a for a in agencies if wanted is None or a in wanted])
        for subject, task_id, indicator_id, agencies in _subjects(rt, session, plan, req, today, agency_ids)
    ]
    if not any(agencies for *_, agencies in subjects):
        raise RoundError("the selection names no responsible agency (lựa chọn không có cơ quan nào)")
    now = utcnow()
    rnd = ReportRound(
        idempotency_key=key,
        title=req.title.strip(),
        message=req.message.strip(),
        due_on=req.due_on,
        created_by=req.created_by,
        created_at=now,
        selection={"plan": plan.number, "tasks": req.tasks, "indicators": req.indicators, "agencies": req.agencies},
    )
    session.add(rnd)
    session.flush()
    insert_ignore(session, Cycle, _cycle_rows(rt, rnd, plan.id or 0, subjects, today))
    ids = list(session.execute(select(Cycle.id).where(Cycle.round_id == rnd.id)).scalars())
    write_events(session, ids, None, CycleStatus.open, f"round:{req.created_by}", f"đợt báo cáo: {rnd.title}", now)
    return RoundResult(rnd.id or 0, True, ids)


def _plan(session: Session, number: str | None) -> Plan:
    """The plan of that number, or the latest imported."""
    query = select(Plan)
    if number:
        query = query.where(Plan.number == number)
    plan = session.execute(query.order_by(Plan.imported_at.desc())).scalars().first()  # type: ignore[union-attr]
    if plan is None:
        raise RoundError(f"no plan {number or ''} in the database (chưa có kế hoạch)".replace("  ", " "))
    return plan


def _wanted_agencies(rt: Runtime, names: list[str], today: date, agency_ids: dict[str, int]) -> set[int] | None:
    """The agencies (database ids, routed today) the officer narrowed the round to; None: no narrowing."""
    if not names:
        return None
    wanted: set[int] = set()
    for name in names:
        found = rt.directory.match(name) if name not in agency_ids else None
        code = name if name in agency_ids else (found.code if found is not None else None)
        if code is None:
            near = rt.directory.suggest(name)  # a name typed without diacritics is never taken silently
            hint = f"; did you mean {near.code!r} ({near.name}) / có phải" if near is not None else ""
            raise RoundError(f"unknown agency {name!r} (không tìm thấy cơ quan){hint}")
        wanted.update(rt.routed_agency_ids([code], today, agency_ids))
    return wanted


Selected = tuple[str, int | None, int | None, list[int]]  # subject, task id, indicator id, agency ids


def _subjects(
    rt: Runtime, session: Session, plan: Plan, req: RoundRequest, today: date, agency_ids: dict[str, int]
) -> list[Selected]:
    """The selected tasks (their lead agencies) and indicators (their monitoring agencies), routed today.
    No task or indicator selected: every task of the plan (narrowed by the selected agencies)."""
    tasks = {
        t.number: t
        for t in session.execute(select(Task).where(Task.plan_id == plan.id, Task.withdrawn.is_(False))).scalars()
    }
    indicators = {i.code: i for i in session.execute(select(Indicator).where(Indicator.plan_id == plan.id)).scalars()}
    for number in req.tasks:
        if number.rstrip(".") not in tasks:
            raise RoundError(f"plan {plan.number} has no task {number!r} (không có nhiệm vụ)")
    for code in req.indicators:
        if code not in indicators:
            raise RoundError(f"plan {plan.number} has no indicator {code!r} (không có chỉ tiêu)")
    selected_tasks = [tasks[n.rstrip(".")] for n in req.tasks]
    selected_inds = [indicators[c] for c in req.indicators]
    if not selected_tasks and not selected_inds:
        selected_tasks = list(tasks.values())
    codes = _codes(session, agency_ids)
    out: list[Selected] = []
    for t in selected_tasks:
        rows = session.execute(select(TaskAgency).where(TaskAgency.task_id == t.id, TaskAgency.role == Role.lead))
        named = [c for r in rows.scalars() if (c := _code_of(r, codes))]
        out.append((f"task:{t.id}", t.id, None, rt.routed_agency_ids(named, today, agency_ids)))
    for i in selected_inds:
        rows = session.execute(select(IndicatorAgency).where(IndicatorAgency.indicator_id == i.id))
        named = [c for r in rows.scalars() if (c := _code_of(r, codes))]
        out.append((f"indicator:{i.id}", None, i.id, rt.routed_agency_ids(named, today, agency_ids)))
    return out


def _codes(session: Session, agency_ids: dict[str, int]) -> dict[tuple[str, int], str]:
    codes = {("agency", id_): code for code, id_ in agency_ids.items()}
    codes.update({("group", id_): code for id_, code in session.execute(select(AgencyGroup.id, AgencyGroup.code))})
    return codes


def _code_of(row: TaskAgency | IndicatorAgency, codes: dict[tuple[str, int], str]) -> str | None:
    """The directory code a role row resolved to (an agency or a group), or None when unresolved."""
    return codes.get(("agency", row.agency_id)) if row.agency_id else codes.get(("group", row.group_id or 0))


def _cycle_rows(
    rt: Runtime, rnd: ReportRound, plan_id: int, subjects: list[Selected], today: date
) -> list[dict[str, Any]]:
    """One open ad hoc cycle per (subject, agency): it opens today, due on the round's date."""
    now = utcnow()
    effective = rt.calendar.effective(rnd.due_on)
    return [
        {
            "plan_id": plan_id,
            "subject": subject,
            "task_id": task_id,
            "indicator_id": indicator_id,
            "agency_id": agency_id,
            "role": Role.monitoring if indicator_id else Role.lead,
            "kind": CycleKind.adhoc,
            "round_id": rnd.id,
            "period_key": f"round-{rnd.id}",
            "label": rnd.title[:255],
            "opens_on": today,
            "due_nominal": rnd.due_on,
            "due_effective": effective,
            "status": CycleStatus.open,
            "status_changed_at": now,
            "created_at": now,
        }
        for subject, task_id, indicator_id, agencies in subjects
        for agency_id in agencies
    ]
