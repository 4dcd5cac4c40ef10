"""The charts of a plan, of every plan or of one agency (:func:`charts_for`): one read of the cycles, their
latest answers and the dates of all answers; the numbers themselves are ``models.domain.charts``.
"""

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlmodel import Session

from models.domain import charts as ch
from models.domain.clock import TZ
from models.domain.report_states import CycleFacts, Report
from models.domain.states import CycleStatus
from models.services.plan_view import find_plan
from models.services.reports import build_report, load_facts
from models.services.runtime import Runtime
from models.store.answer_tables import Answer
from models.store.cycle_tables import Cycle
from models.store.plan_tables import Agency, Indicator, Plan, Task

ALL = "all"  # ``?plan=all``: every plan


def charts_for(rt: Runtime, plan_number: str | None, today: date, agency_code: str | None = None) -> ch.ChartSet | None:
    """The charts (``models.domain.charts.NAMES``) on ``today`` of the plan ``plan_number`` (the
    latest imported without one, every plan with ``"all"``), of one agency's cycles with ``agency_code``;
    None when there is no such plan or agency."""
    with Session(rt.engine) as session:
        if plan_number == ALL:
            plans = list(session.execute(select(Plan).order_by(Plan.imported_at)).scalars())  # type: ignore[arg-type]
        else:
            found = find_plan(session, plan_number or None)
            plans = [found] if found is not None else []
        if not plans:
            return None
        agency = None
        if agency_code:
            agency = session.execute(select(Agency).where(Agency.code == agency_code)).scalar_one_or_none()
            if agency is None:
                return None
        facts: list[CycleFacts] = []
        reports: list[Report] = []
        section_of: dict[str, str] = {}
        for plan in plans:
            plan_facts = load_facts(session, plan.id or 0)
            if agency is None:
                reports.append(build_report(session, plan, today, None, plan_facts))
            else:
                plan_facts = [f for f in plan_facts if f.agency_id == agency.id]
                section_of |= _sections(session, plan, prefix=f"{plan.number} · " if len(plans) > 1 else "")
            facts.extend(plan_facts)
        days = _answer_days(session, [p.id or 0 for p in plans], agency.id if agency else None, today)
    scope = "Tất cả kế hoạch" if plan_number == ALL else f"Kế hoạch {plans[0].number}"
    if agency is not None:
        scope += f" — {agency.name}"
    by_section = ch.completion_by_section(reports) if agency is None else ch.cycles_by_section(facts, section_of, today)
    charts = [
        ch.overall(by_section),
        by_section,
        ch.completion_by_agency(facts, today),
        ch.overdue_ageing(facts, today),
        ch.answers_weekly(days, today),
        ch.on_time_monthly(facts, today),
    ]
    return ch.ChartSet(
        scope=scope,
        today=today,
        plan=ALL if plan_number == ALL else plans[0].number,
        agency=agency.code if agency is not None else None,
        charts={c.name: c for c in charts},
    )


def _sections(session: Session, plan: Plan, prefix: str) -> dict[str, str]:
    """Each subject of the plan ("task:12", "indicator:3") → the name of its section, in the plan's order."""
    out: dict[str, str] = {}
    for t in session.execute(select(Task).where(Task.plan_id == plan.id).order_by(Task.position)).scalars():  # type: ignore[arg-type]
        out[f"task:{t.id}"] = f"{prefix}{t.section}. {t.section_title}" if t.section_title else f"{prefix}{t.section}"
    for i in session.execute(
        select(Indicator).where(Indicator.plan_id == plan.id).order_by(Indicator.position)  # type: ignore[arg-type]
    ).scalars():
        out[f"indicator:{i.id}"] = f"{prefix}Chỉ tiêu — {i.group_title or i.group_code}"
    return out


def _answer_days(session: Session, plan_ids: list[int], agency_id: int | None, today: date) -> list[date]:
    """The local date of every answer to the plans' cycles (one agency's with ``agency_id``) in the weeks
    the weekly chart shows."""
    since = ch.week_start(today) - timedelta(weeks=ch.WEEKS - 1)
    query = (
        select(Answer.created_at)
        .join(Cycle, Cycle.id == Answer.cycle_id)
        .where(
            Cycle.plan_id.in_(plan_ids),  # type: ignore[union-attr]
            Cycle.status != CycleStatus.cancelled,
            Answer.created_at >= datetime.combine(since, time(), TZ),
        )
    )
    if agency_id is not None:
        query = query.where(Cycle.agency_id == agency_id)
    return [created.astimezone(TZ).date() for (created,) in session.execute(query)]
