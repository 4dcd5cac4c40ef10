"""Where the plan stands, in the words of Vietnamese offices: the pure part of the report.

Given the facts of each cycle (:class:`CycleFacts`, read by ``models.services.reports``) and a day:

- the state of one cycle (:func:`cycle_state`): *hoàn thành đúng hạn*, *hoàn thành quá hạn*, *chưa hoàn
  thành – trong hạn*, *chưa hoàn thành – quá hạn*, plus *đã báo cáo – chờ xem xét* and *đề nghị gia hạn*
  while an officer has not decided;
- one row per task (Phụ lục II) and per indicator (Phụ lục I), whose state is that of its *current period*
  for its lead agencies (:func:`current_period`): the earliest opened period not yet accepted, else the
  latest accepted, else the next scheduled; with several lead agencies, the least advanced one's state
  (:func:`fill_row`);
- one row per cycle for each agency (:func:`agency_rows`, its own sheet in the workbook), and the counts
  the officers' overview shows by section and by agency.

"Done" means: an accepted answer saying *hoàn thành* for a deadline cycle, or an accepted report for a
periodic report or an ad hoc round (the report itself was the work). Timeliness compares the local date of
that answer with the cycle's due date (the extended one when an extension was granted).
"""

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from models.domain.states import ANSWER_STATUS_TEXT, AnswerStatus, CycleKind, CycleStatus, Role, role_label


class State(StrEnum):
    done_on_time = "done_on_time"
    done_late = "done_late"
    in_time = "in_time"
    overdue = "overdue"
    awaiting_review = "awaiting_review"
    extension_requested = "extension_requested"
    not_yet = "not_yet"  # no period of it has opened yet
    no_cycle = "no_cycle"  # nothing to report on a date (ongoing without period, event-driven, withdrawn)


STATE_TEXT = {
    State.done_on_time: "Hoàn thành đúng hạn",
    State.done_late: "Hoàn thành quá hạn",
    State.in_time: "Chưa hoàn thành – trong hạn",
    State.overdue: "Chưa hoàn thành – quá hạn",
    State.awaiting_review: "Đã báo cáo – chờ xem xét",
    State.extension_requested: "Đề nghị gia hạn",
    State.not_yet: "Chưa đến kỳ báo cáo",
    State.no_cycle: "Chưa có kỳ báo cáo",
}
# Which state a row shows when its lead agencies differ: the first in this order (the one needing action).
PRIORITY = [
    State.overdue,
    State.extension_requested,
    State.awaiting_review,
    State.in_time,
    State.done_late,
    State.done_on_time,
    State.not_yet,
    State.no_cycle,
]
# The order of the overview's columns.
SHOWN = [
    State.done_on_time,
    State.done_late,
    State.in_time,
    State.overdue,
    State.awaiting_review,
    State.extension_requested,
]


@dataclass
class CycleFacts:
    """What the report needs of one cycle (and its latest answer)."""

    cycle_id: int
    subject: str
    task_id: int | None
    indicator_id: int | None
    agency_id: int
    agency_name: str
    role: str
    kind: str
    period_key: str
    label: str
    status: str
    opens_on: date
    due_nominal: date
    due_effective: date
    due_extended: date | None
    answered_on: date | None = None  # local date of the latest answer
    answer_status: str | None = None
    answer_progress: int | None = None
    extension_to: date | None = None
    document_number: str | None = None
    document_date: date | None = None
    answers: int = 0

    @property
    def due(self) -> date:
        return self.due_extended or self.due_effective


def cycle_state(f: CycleFacts, today: date) -> State:
    """The office vocabulary state of one cycle on ``today``."""
    if f.status == CycleStatus.accepted:
        finished = f.kind != CycleKind.deadline or f.answer_status == AnswerStatus.done
        if finished:
            when = f.answered_on or today
            return State.done_on_time if when <= f.due else State.done_late
        return State.in_time if today <= f.due else State.overdue
    if f.status == CycleStatus.answered:
        return State.extension_requested if f.extension_to else State.awaiting_review
    if f.status == CycleStatus.overdue:
        return State.overdue
    return State.in_time if today <= f.due else State.overdue


def days_overdue(f: CycleFacts, state: State, today: date) -> int:
    """Days past the due date: until the answer for late work, until today for work not done."""
    if state == State.done_late and f.answered_on:
        return max(0, (f.answered_on - f.due).days)
    if state in (State.overdue, State.awaiting_review, State.extension_requested):
        return max(0, (today - f.due).days)
    return 0


def worst(states: list[State]) -> State:
    return min(states, key=PRIORITY.index) if states else State.no_cycle


@dataclass
class Row:
    """One line of Phụ lục II (a task) or Phụ lục I (an indicator), with its status columns."""

    kind: str  # "task" | "indicator"
    id: int
    number: str  # TT / code
    section: str
    section_title: str
    title: str
    lead: str  # as written
    coordinating: str  # as written (tasks) / "" (indicators)
    output: str  # expected output (tasks) / target and unit (indicators)
    deadline: str  # as written
    state: str
    state_text: str
    period: str = ""
    due_nominal: str = ""  # ISO dates (JSON/CSV); the workbook writes dates
    due_effective: str = ""
    due_extended: str = ""
    last_answer: str = ""
    last_answer_on: str = ""
    document_number: str = ""
    days_overdue: int = 0
    agencies_now: str = ""  # lead agencies responsible today (after the 2025 reorganisation)
    # Indicators only (models.domain.indicators): the latest value reported as a number, its period, and
    # where the indicator stands against its target ("met", "on_track", "behind", "no_data"; "" = text target).
    value: float | None = None
    value_period: str = ""
    target_status: str = ""
    target_status_text: str = ""


@dataclass
class AgencyRow:
    """One cycle of one agency."""

    agency: str
    subject: str  # "Nhiệm vụ 12" / "Chỉ tiêu 8.1"
    title: str
    role: str
    period: str
    due_nominal: str
    due_effective: str
    due_extended: str
    state: str
    state_text: str
    last_answer: str
    last_answer_on: str
    document_number: str
    days_overdue: int
    cycle_id: int


@dataclass
class Report:
    plan: str
    plan_title: str
    today: str
    tasks: list[Row] = field(default_factory=list)
    indicators: list[Row] = field(default_factory=list)
    agencies: dict[str, list[AgencyRow]] = field(default_factory=dict)
    # The workbook's charts (``models.domain.charts.Chart``: by section, by agency, overdue ageing), set by
    # ``models.services.reports.build_report``; not part of the JSON.
    charts: list[Any] = field(default_factory=list, repr=False)

    def counts(self, rows: list[Row] | None = None) -> dict[str, int]:
        out = {s.value: 0 for s in State}
        for row in self.tasks if rows is None else rows:
            out[row.state] += 1
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            "plan": self.plan,
            "plan_title": self.plan_title,
            "today": self.today,
            "counts": self.counts(),
            "tasks": [asdict(r) for r in self.tasks],
            "indicators": [asdict(r) for r in self.indicators],
            "agencies": {name: [asdict(r) for r in rows] for name, rows in self.agencies.items()},
        }


def current_period(cycles: list[CycleFacts], today: date) -> list[CycleFacts]:
    """The cycles of the subject's current period (lead/monitoring agencies; ad hoc rounds left out)."""
    own = [f for f in cycles if f.role != Role.coordinating and f.kind != CycleKind.adhoc]
    periods: dict[str, list[CycleFacts]] = defaultdict(list)
    for f in own:
        periods[f.period_key.split("~r", 1)[0]].append(f)  # a reassigned cycle stays in its period
    ordered = sorted(periods.values(), key=lambda fs: (min(f.due for f in fs), fs[0].period_key))
    opened = [fs for fs in ordered if min(f.opens_on for f in fs) <= today]
    for fs in opened:
        if any(f.status != CycleStatus.accepted for f in fs):
            return fs
    if opened:
        return opened[-1]
    return ordered[0] if ordered else []


def fill_row(row: Row, cycles: list[CycleFacts], today: date, *, withdrawn: bool) -> None:
    """Set ``row``'s status columns from the cycles of its task or indicator."""
    chosen = current_period(cycles, today)
    if not chosen:
        state = State.no_cycle
        row.state, row.state_text = state.value, STATE_TEXT[state] + (" (đã rút)" if withdrawn else "")
        return
    if all(f.opens_on > today for f in chosen):
        state = State.not_yet
        pick = chosen[0]
    else:
        states = [cycle_state(f, today) for f in chosen]
        state = worst(states)
        pick = chosen[states.index(state)]
    row.state, row.state_text = state.value, STATE_TEXT[state]
    row.period = pick.label
    row.due_nominal = pick.due_nominal.isoformat()
    row.due_effective = pick.due_effective.isoformat()
    row.due_extended = pick.due_extended.isoformat() if pick.due_extended else ""
    answered = [f for f in chosen if f.answered_on]
    if answered:
        last = max(answered, key=lambda f: (f.answered_on, f.cycle_id))
        row.last_answer = answer_text(last)
        row.last_answer_on = last.answered_on.isoformat() if last.answered_on else ""
    row.document_number = "; ".join(d for d in dict.fromkeys(document_text(f) for f in chosen) if d)
    row.days_overdue = days_overdue(pick, state, today) if state != State.not_yet else 0


def answer_text(f: CycleFacts) -> str:
    """The latest answer in a few words: "Đang triển khai, 40%", "đề nghị gia hạn đến …"."""
    if not f.answers:
        return ""
    parts = []
    if f.answer_status:
        parts.append(ANSWER_STATUS_TEXT.get(AnswerStatus(f.answer_status), f.answer_status))
        if f.answer_progress is not None and f.answer_status != AnswerStatus.done:
            parts.append(f"{f.answer_progress}%")
    if f.extension_to:
        parts.append(f"đề nghị gia hạn đến {f.extension_to:%d/%m/%Y}")
    return ", ".join(parts) or "đã báo cáo"


def document_text(f: CycleFacts) -> str:
    """ "45/KH-SKHCN ngày 19/06/2025" (or "" without a document number)."""
    if not f.document_number:
        return ""
    return f.document_number + (f" ngày {f.document_date:%d/%m/%Y}" if f.document_date else "")


def agency_rows(
    facts: list[CycleFacts], names: dict[str, str], titles: dict[str, str], today: date
) -> dict[str, list[AgencyRow]]:
    """Each agency's cycles, agencies by name and their cycles by due date; ``names`` and ``titles`` give
    each subject ("task:12") its name ("Nhiệm vụ 12") and title."""
    by_agency: dict[str, list[AgencyRow]] = defaultdict(list)
    for f in sorted(facts, key=lambda x: (x.agency_name, x.due, x.subject)):
        state = cycle_state(f, today)
        by_agency[f.agency_name].append(
            AgencyRow(
                agency=f.agency_name,
                subject=names.get(f.subject) or f.subject,
                title=titles.get(f.subject, ""),
                role=role_label(f.role),
                period=f.label,
                due_nominal=f.due_nominal.isoformat(),
                due_effective=f.due_effective.isoformat(),
                due_extended=f.due_extended.isoformat() if f.due_extended else "",
                state=state.value,
                state_text=STATE_TEXT[state],
                last_answer=answer_text(f),
                last_answer_on=f.answered_on.isoformat() if f.answered_on else "",
                document_number=document_text(f),
                days_overdue=days_overdue(f, state, today),
                cycle_id=f.cycle_id,
            )
        )
    return dict(sorted(by_agency.items()))


@dataclass
class Tally:
    """How many rows or cycles are in each state (one line of the overview's tables)."""

    name: str  # the section's title, or the agency's name
    agency_id: int | None = None  # the agency's (by-agency tables), for its page's link
    counts: dict[State, int] = field(default_factory=lambda: dict.fromkeys(State, 0))
    total: int = 0

    def add(self, state: State) -> None:
        self.counts[state] += 1
        self.total += 1


def section_tallies(rows: list[Row]) -> dict[str, Tally]:
    """The rows' states by section of the plan (sections in the order they come)."""
    out: dict[str, Tally] = {}
    for row in rows:
        out.setdefault(row.section, Tally(row.section_title)).add(State(row.state))
    return out


def agency_tallies(facts: list[CycleFacts], today: date) -> list[Tally]:
    """Per agency: the states of its cycles opened by ``today`` (what it owes now or has delivered), the
    agencies with most overdue cycles first."""
    out: dict[str, Tally] = {}
    for f in facts:
        if f.opens_on > today:
            continue
        out.setdefault(f.agency_name, Tally(f.agency_name, f.agency_id)).add(cycle_state(f, today))
    return sorted(out.values(), key=lambda t: (-t.counts[State.overdue], t.name))
