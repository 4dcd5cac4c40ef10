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
from models.services.cycles import _routed_agency_ids
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
    from models.services.cycles import queue_batch

    with Session(rt.engine) as session:
        result = open_round(rt, session, req, today)
        session.commit()
    if result.cycles:
        result.queued = queue_batch(rt, result.cycles, today).queued
    return result


def open_round(rt: Runtime, session: Session, req: RoundRequest, today: date) -> RoundResult:
    """Create the round and its open cycles (not the messages: queue them with ``queue_batch``)."""
    if not req.title.strip():
        raise RoundError("a round needs a title (tiêu đề)")
    if req.due_on < today:
        raise RoundError(f"due date {req.due_on:%d/%m/%Y} is in the past (hạn đã qua)")
    key = req.key()
    existing = session.execute(select(ReportRound).where(ReportRound.idempotency_key == key)).scalar()
    if existing is not None:
        ids = [r[0] for r in session.execute(select(Cycle.id).where(Cycle.round_id == existing.id))]
        return RoundResult(existing.id or 0, False, ids)

    plan_q = select(Plan)
    if req.plan:
        plan_q = plan_q.where(Plan.number == req.plan)
    plan = session.execute(plan_q.order_by(Plan.imported_at.desc())).scalars().first()  # type: ignore[union-attr]
    if plan is None:
        raise RoundError(f"no plan {req.plan or ''} in the database (chưa có kế hoạch)".replace("  ", " "))

    agency_ids = {code: id_ for id_, code in session.execute(select(Agency.id, Agency.code))}
    agency_code = {v: k for k, v in agency_ids.items()}
    group_code = dict(session.execute(select(AgencyGroup.id, AgencyGroup.code)).all())
    wanted_agencies: set[int] | None = None
    if req.agencies:
        wanted_agencies = set()
        for name in req.agencies:
            found = rt.directory.match(name) if not name in agency_ids else None  # noqa: E713
            code = name if name in agency_ids else (found.code if found is not None else None)
            if code is None:
                raise RoundError(f"unknown agency {name!r} (không tìm thấy cơ quan)")
            wanted_agencies.update(_routed_agency_ids(rt, [code], today, agency_ids))

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

    def codes(rows: list[Any]) -> list[str]:
        out = []
        for r in rows:
            code = agency_code.get(r.agency_id) if r.agency_id else group_code.get(r.group_id)
            if code:
                out.append(code)
        return out

    subjects: list[tuple[str, int | None, int | None, list[int]]] = []
    selected_tasks = [tasks[n.rstrip(".")] for n in req.tasks]
    selected_inds = [indicators[c] for c in req.indicators]
    if not selected_tasks and not selected_inds:
        selected_tasks = list(tasks.values())  # the whole plan, narrowed by agencies below
    for t in selected_tasks:
        leads = (
            session.execute(select(TaskAgency).where(TaskAgency.task_id == t.id, TaskAgency.role == Role.lead))
            .scalars()
            .all()
        )
        subjects.append((f"task:{t.id}", t.id, None, _routed_agency_ids(rt, codes(list(leads)), today, agency_ids)))
    for i in selected_inds:
        mons = session.execute(select(IndicatorAgency).where(IndicatorAgency.indicator_id == i.id)).scalars().all()
        subjects.append((f"indicator:{i.id}", None, i.id, _routed_agency_ids(rt, codes(list(mons)), today, agency_ids)))

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
    effective = rt.calendar.effective(req.due_on)
    rows = []
    for subject, task_id, indicator_id, agencies in subjects:
        for agency_id in agencies:
            if wanted_agencies is not None and agency_id not in wanted_agencies:
                continue
            rows.append(
                {
                    "plan_id": plan.id,
                    "subject": subject,
                    "task_id": task_id,
                    "indicator_id": indicator_id,
                    "agency_id": agency_id,
                    "role": Role.monitoring if indicator_id else Role.lead,
                    "kind": CycleKind.adhoc,
                    "round_id": rnd.id,
                    "period_key": f"round-{rnd.id}",
                    "label": req.title.strip()[:255],
                    "opens_on": today,
                    "due_nominal": req.due_on,
                    "due_effective": effective,
                    "status": CycleStatus.open,
                    "status_changed_at": now,
                    "created_at": now,
                }
            )
    if not rows:
        raise RoundError("the selection names no responsible agency (lựa chọn không có cơ quan nào)")
    insert_ignore(session, Cycle, rows)
    ids = [r[0] for r in session.execute(select(Cycle.id).where(Cycle.round_id == rnd.id))]
    write_events(session, ids, None, CycleStatus.open, f"round:{req.created_by}", f"đợt báo cáo: {rnd.title}", now)
    return RoundResult(rnd.id or 0, True, ids)
