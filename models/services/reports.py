"""Where the plan stands: the database read once for a report (:func:`build_report`).

The states, rows and counts are pure (``models.domain.report_states``); the files that carry a report —
xlsx, json, csv — are written by ``models.services.report_files``. Here: the facts of every cycle of a plan
with its latest answer (:func:`load_facts`), the plan asked for (:func:`find_plan`), and the report's rows
for its tasks, its indicators and each agency.
"""

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.domain import charts as ch
from models.domain.agencies import Directory
from models.domain.clock import TZ
from models.domain.report_states import CycleFacts, Report, Row, agency_rows, fill_row
from models.domain.states import CycleStatus, Role
from models.domain.subjects import subject_name
from models.services.indicator_status import IndicatorLine, plan_indicators
from models.services.plan_view import find_plan, routed_names, routed_roles
from models.store.answer_tables import Answer
from models.store.cycle_tables import Cycle
from models.store.plan_tables import Agency, Indicator, Plan, Task


def cycle_facts(cycle: Cycle, agency_name: str) -> CycleFacts:
    """The facts of one cycle before its answers are known (see :func:`with_answer`)."""
    assert cycle.id is not None
    return CycleFacts(
        cycle_id=cycle.id,
        subject=cycle.subject,
        task_id=cycle.task_id,
        indicator_id=cycle.indicator_id,
        agency_id=cycle.agency_id,
        agency_name=agency_name,
        role=cycle.role,
        kind=cycle.kind,
        period_key=cycle.period_key,
        label=cycle.label,
        status=cycle.status,
        opens_on=cycle.opens_on,
        due_nominal=cycle.due_nominal,
        due_effective=cycle.due_effective,
        due_extended=cycle.due_extended,
    )


def with_answer(facts: CycleFacts, latest: Answer, count: int) -> CycleFacts:
    """``facts`` with the cycle's latest answer (of ``count``)."""
    facts.answers = count
    facts.answered_on = latest.created_at.astimezone(TZ).date()
    facts.answer_status = latest.status
    facts.answer_progress = latest.progress
    facts.extension_to = latest.extension_to
    return facts


def load_facts(session: Session, plan_id: int) -> list[CycleFacts]:
    """Every cycle of the plan that is not cancelled, with its latest answer."""
    agencies = dict(session.execute(select(Agency.id, Agency.name)).all())
    latest_ids = (
        select(Answer.cycle_id, func.max(Answer.id).label("last_id"), func.count(Answer.id).label("n"))
        .join(Cycle, Cycle.id == Answer.cycle_id)
        .where(Cycle.plan_id == plan_id)
        .group_by(Answer.cycle_id)
        .subquery()
    )
    latest: dict[int, tuple[Answer, int]] = {}
    for answer, n in session.execute(
        select(Answer, latest_ids.c.n).join(latest_ids, Answer.id == latest_ids.c.last_id)
    ).all():
        latest[answer.cycle_id] = (answer, n)
    # The document number may come from an earlier answer (a later one only adds a file, say).
    documents: dict[int, tuple[str, date | None]] = {}
    for cycle_id, number, doc_date in session.execute(
        select(Answer.cycle_id, Answer.document_number, Answer.document_date)
        .join(Cycle, Cycle.id == Answer.cycle_id)
        .where(Cycle.plan_id == plan_id, Answer.document_number.is_not(None))  # type: ignore[union-attr]
        .order_by(Answer.id)
    ):
        documents[cycle_id] = (number, doc_date)
    out = []
    for c in session.execute(
        select(Cycle).where(Cycle.plan_id == plan_id, Cycle.status != CycleStatus.cancelled).order_by(Cycle.id)
    ).scalars():
        f = cycle_facts(c, agencies.get(c.agency_id, "?"))
        if f.cycle_id in latest:
            with_answer(f, *latest[f.cycle_id])
        if f.cycle_id in documents:
            f.document_number, f.document_date = documents[f.cycle_id]
        out.append(f)
    return out


def build_report(
    session: Session, plan: Plan, today: date, directory: Any = None, facts: list[CycleFacts] | None = None
) -> Report:
    """The plan's report on ``today``. With ``directory`` (``models.domain.agencies.Directory``), each row
    also names the lead agencies responsible today; ``facts`` reuses :func:`load_facts` already read."""
    assert plan.id is not None
    facts = load_facts(session, plan.id) if facts is None else facts
    by_subject: dict[str, list[CycleFacts]] = defaultdict(list)
    for f in facts:
        by_subject[f.subject].append(f)
    report = Report(plan=plan.number, plan_title=plan.title, today=today.isoformat())
    leads_now = _leads_now(session, directory, today) if directory is not None else {}
    tasks = list(session.execute(select(Task).where(Task.plan_id == plan.id).order_by(Task.position)).scalars())
    indicators = list(
        session.execute(select(Indicator).where(Indicator.plan_id == plan.id).order_by(Indicator.position)).scalars()
    )
    for t in tasks:
        row = _task_row(t, leads_now.get(("task", t.id or 0), ""))
        fill_row(row, by_subject.get(f"task:{t.id}", []), today, withdrawn=t.withdrawn)
        report.tasks.append(row)
    standings = {line.indicator.id: line for line in plan_indicators(session, plan.id)}
    for i in indicators:
        row = _indicator_row(i, leads_now.get(("indicator", i.id or 0), ""))
        fill_row(row, by_subject.get(f"indicator:{i.id}", []), today, withdrawn=i.withdrawn)
        _with_standing(row, standings.get(i.id))
        report.indicators.append(row)
    names = {f"task:{t.id}": subject_name(task=t.number) for t in tasks} | {
        f"indicator:{i.id}": subject_name(indicator=i.code) for i in indicators
    }
    titles = {f"task:{t.id}": t.title for t in tasks} | {f"indicator:{i.id}": i.title for i in indicators}
    report.agencies = agency_rows(facts, names, titles, today)
    report.charts = [
        ch.completion_by_section([report]),
        ch.completion_by_agency(facts, today, shown=None, by_name=True),
        ch.overdue_ageing(facts, today),
    ]
    return report


def plan_report(engine: Engine, number: str | None, today: date, directory: Any = None) -> Report | None:
    """The report of the plan with this number (the latest imported one without), or None: no such plan."""
    with Session(engine) as session:
        plan = find_plan(session, number)
        return build_report(session, plan, today, directory) if plan is not None else None


def _task_row(t: Task, agencies_now: str) -> Row:
    """A task's line of Phụ lục II, its status columns still empty."""
    return Row(
        kind="task",
        id=t.id or 0,
        number=t.number,
        section=t.section,
        section_title=t.section_title,
        title=t.title,
        lead=t.lead_raw,
        coordinating=t.coordinating_raw,
        output=t.output_raw,
        deadline=t.deadline_raw,
        state="",
        state_text="",
        agencies_now=agencies_now,
    )


def _indicator_row(i: Indicator, agencies_now: str) -> Row:
    """An indicator's line of Phụ lục I, its status columns still empty."""
    return Row(
        kind="indicator",
        id=i.id or 0,
        number=i.code,
        section=i.group_code,
        section_title=i.group_title,
        title=i.title,
        lead=i.monitor_raw,
        coordinating="",
        output=" ".join(p for p in (i.target_raw, i.unit_raw) if p),
        deadline=f"Năm {i.horizon}" if i.horizon else "",
        state="",
        state_text="",
        agencies_now=agencies_now,
    )


def _with_standing(row: Row, line: IndicatorLine | None) -> None:
    """The indicator's latest value and its standing against the target (``models.services.indicator_status``);
    a text target gets no status."""
    if line is None or not line.numeric:
        return
    row.value = line.standing.latest.value if line.standing.latest else None
    row.value_period = line.latest_period
    row.target_status = line.status.value
    row.target_status_text = line.status_text


def _leads_now(session: Session, directory: Directory, today: date) -> dict[tuple[str, int], str]:
    """Lead (and monitoring) agencies of each task/indicator routed on ``today``, names joined by "; "."""
    roles = routed_roles(session, directory, today, roles={Role.lead, Role.monitoring})
    return {key: "; ".join(routed_names(entries)) for key, entries in roles.items()}
