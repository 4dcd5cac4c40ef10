"""Where each indicator of a plan stands against its target: the values reported (``indicatorvalue``), the
latest per period, the status by the rule of ``models.domain.indicators`` (đạt, đúng lộ trình, chậm, chưa
có số liệu), and the parents (8, 18) rolled up from their sub-items.

Read only. The officers' page ``/officers/indicators``, an indicator's own page, the Excel report's
"Phụ lục I" sheet (``models.services.reports``) and the weekly digest all read :func:`plan_indicators`, so
they never disagree.
"""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.domain.indicators import (
    STATUS_TEXT,
    Point,
    Rollup,
    Standing,
    Status,
    format_value,
    is_numeric,
    period_label,
    rolled_status,
    rollup_kind,
    standing,
)
from models.domain.subjects import subject_name
from models.services.plan_view import find_plan
from models.store.indicator_tables import IndicatorValue, IndicatorValueOut
from models.store.plan_tables import Agency, Indicator, Plan

UNCLEAR_FLAG = (
    "Cần xác nhận: mục tiêu của chỉ tiêu này là chữ, không rõ tổng hợp từ các chỉ tiêu con thế nào; "
    "tạm tính là đạt khi mọi chỉ tiêu con đạt."
)
ROLLUP_TEXT = {
    Rollup.all_of: "Tổng hợp: đạt khi mọi chỉ tiêu con đạt.",
    Rollup.sum_of: "Tổng hợp: tổng giá trị các chỉ tiêu con.",
    Rollup.unclear: "Tạm tính: đạt khi mọi chỉ tiêu con đạt (cần xác nhận).",
}


@dataclass
class ReportedValue:
    """One stored value with what a page shows of it."""

    row: IndicatorValueOut
    agency: str
    period: str  # "6 tháng đầu năm 2026"
    value_text: str  # "41,5"


@dataclass
class IndicatorLine:
    """One indicator: its target, its values (latest per period, by date), its standing."""

    indicator: Indicator
    name: str  # "Chỉ tiêu 8.1"
    numeric: bool  # a target dondoc can measure (a number), or a parent rolled up from its sub-items
    standing: Standing
    points: list[Point] = field(default_factory=list)
    history: list[ReportedValue] = field(default_factory=list)  # every value reported, newest first
    rollup: Rollup | None = None  # parents only
    children: list[str] = field(default_factory=list)  # sub-item codes

    @property
    def status(self) -> Status:
        return self.standing.status

    @property
    def status_text(self) -> str:
        return STATUS_TEXT[self.standing.status]

    @property
    def latest_text(self) -> str:
        """ "41,5" (the latest value), or "" when none."""
        return format_value(self.standing.latest.value) if self.standing.latest else ""

    @property
    def latest_period(self) -> str:
        return self.history[0].period if self.history and self.standing.latest else ""

    @property
    def target_text(self) -> str:
        """The target as the plan writes it, with its unit: "≥ 40 % GRDP"."""
        i = self.indicator
        return " ".join(p for p in (i.target_raw, i.unit_raw) if p)

    @property
    def flag(self) -> str:
        return UNCLEAR_FLAG if self.rollup == Rollup.unclear else ""

    @property
    def disagreements(self) -> list[str]:
        """The periods (labels, newest first) for which agencies reported different values. An indicator
        may be monitored by many agencies ("Các Sở, ban, ngành"); the latest value recorded counts, and an
        officer is told when the others disagree instead of the choice being hidden."""
        latest_by_agency: dict[tuple[str, int], float] = {}
        for v in self.history:  # newest first: the first value met is each agency's latest for the period
            latest_by_agency.setdefault((v.period, v.row.agency_id), v.row.value)
        periods: dict[str, set[float]] = {}
        for (period, _), value in latest_by_agency.items():
            periods.setdefault(period, set()).add(value)
        return [period for period, values in periods.items() if len(values) > 1]


def status_counts(lines: list[IndicatorLine]) -> dict[Status, int]:
    """How many indicators with a numeric target are in each status. A parent rolled up from its
    sub-items is a summary of them, not one more indicator: it is not counted (its sub-items are)."""
    out = dict.fromkeys(Status, 0)
    for line in lines:
        if line.numeric and line.rollup is None:
            out[line.status] += 1
    return out


def plan_indicators(session: Session, plan_id: int) -> list[IndicatorLine]:
    """Every indicator of the plan in the plan's order, each with its standing (parents rolled up)."""
    indicators = list(
        session.execute(select(Indicator).where(Indicator.plan_id == plan_id).order_by(Indicator.position)).scalars()
    )
    values = _values(session, [i.id for i in indicators if i.id is not None])
    lines: dict[str, IndicatorLine] = {}
    for i in indicators:
        history = values.get(i.id or 0, [])
        points = _latest_per_period(history)
        numeric = is_numeric(i.target_op, i.target_value)
        result = standing(points, i.target_op, i.target_value, i.target_value_max, i.unit_raw, i.horizon)
        lines[i.code] = IndicatorLine(i, subject_name(indicator=i.code), numeric, result, points, history)
    for line in lines.values():
        children = [c for c in lines.values() if c.indicator.parent_code == line.indicator.code]
        if children:
            _roll_up(line, children)
    return list(lines.values())


def indicator_line(session: Session, indicator_id: int) -> IndicatorLine | None:
    """One indicator's line (with its plan's parents and children considered), or None."""
    indicator = session.get(Indicator, indicator_id)
    if indicator is None:
        return None
    return next(line for line in plan_indicators(session, indicator.plan_id) if line.indicator.id == indicator_id)


@dataclass
class IndicatorsView:
    """What ``/officers/indicators`` shows."""

    plan: Plan | None
    lines: list[IndicatorLine]

    @property
    def measured(self) -> list[IndicatorLine]:
        """The indicators with a numeric target (or rolled up from sub-items)."""
        return [line for line in self.lines if line.numeric]

    @property
    def qualitative(self) -> list[IndicatorLine]:
        return [line for line in self.lines if not line.numeric]

    def counts(self) -> dict[Status, int]:
        return status_counts(self.lines)

    def count_items(self) -> list[tuple[str, str, int]]:
        """(status code, Vietnamese name, how many) for each status, in the rule's order."""
        return [(s.value, STATUS_TEXT[s], n) for s, n in self.counts().items()]


def indicators_view(engine: Engine, plan_number: str | None = None) -> IndicatorsView:
    """The indicators of the plan (the latest imported one without a number) against their targets."""
    with Session(engine, expire_on_commit=False) as session:
        plan = find_plan(session, plan_number)
        lines = plan_indicators(session, plan.id) if plan is not None and plan.id is not None else []
        for line in lines:
            session.expunge(line.indicator)
        return IndicatorsView(plan, lines)


def one_indicator(engine: Engine, indicator_id: int) -> IndicatorLine | None:
    """:func:`indicator_line` in a session of its own (an indicator's page)."""
    with Session(engine, expire_on_commit=False) as session:
        line = indicator_line(session, indicator_id)
        if line is not None:
            session.expunge(line.indicator)
        return line


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def _values(session: Session, indicator_ids: list[int]) -> dict[int, list[ReportedValue]]:
    """Every value of these indicators, newest period first, then newest recorded first."""
    out: dict[int, list[ReportedValue]] = {}
    if not indicator_ids:
        return out
    rows = session.execute(
        select(IndicatorValue, Agency.name)
        .join(Agency, Agency.id == IndicatorValue.agency_id)
        .where(IndicatorValue.indicator_id.in_(indicator_ids))  # type: ignore[attr-defined]
        .order_by(IndicatorValue.period_end.desc(), IndicatorValue.recorded_at.desc(), IndicatorValue.id.desc())  # type: ignore[attr-defined]
    ).all()
    for row, agency in rows:
        value = IndicatorValueOut.model_validate(row, from_attributes=True)
        out.setdefault(value.indicator_id, []).append(
            ReportedValue(value, agency, period_label(value.period_key), format_value(value.value))
        )
    return out


def _latest_per_period(history: list[ReportedValue]) -> list[Point]:
    """One point per period (the latest recorded value of it), oldest first. ``history`` is newest first,
    so the first value met for a period is its latest."""
    seen: dict[str, Point] = {}
    for v in history:
        seen.setdefault(v.row.period_key, Point(v.row.period_end, v.row.value))
    return sorted(seen.values(), key=lambda p: p.on)


def _roll_up(parent: IndicatorLine, children: list[IndicatorLine]) -> None:
    """The parent's standing from its sub-items (the rule is in ``models.domain.indicators``)."""
    i = parent.indicator
    parent.children = [c.indicator.code for c in children]
    kind = rollup_kind(i.target_raw, i.target_op, i.unit_raw, [c.indicator.unit_raw for c in children])
    parent.rollup = kind
    if kind == Rollup.sum_of:
        parent.points = _summed(children)
        target = (i.target_op, i.target_value, i.target_value_max, i.unit_raw, i.horizon)
        parent.standing = standing(parent.points, *target)
        parent.numeric = True
        return
    measured = [c for c in children if c.numeric]
    if not measured:
        return
    status = rolled_status([c.status for c in measured])
    met = sum(1 for c in measured if c.status == Status.met)
    reason = f"{met}/{len(measured)} chỉ tiêu con đạt. " + ROLLUP_TEXT[kind]
    parent.standing = Standing(status, reason)
    parent.numeric = True


def _summed(children: list[IndicatorLine]) -> list[Point]:
    """The sum of the sub-items at each date where every one of them has a value."""
    by_date: dict[date, list[float]] = {}
    for child in children:
        for p in child.points:
            by_date.setdefault(p.on, []).append(p.value)
    return [Point(on, sum(vals)) for on, vals in sorted(by_date.items()) if len(vals) == len(children)]
