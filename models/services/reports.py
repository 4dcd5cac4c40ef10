"""Where the plan stands, in the words of Vietnamese offices, and the files that carry it (xlsx, json, csv).

Building a report (:func:`build_report`) reads the database once; everything after it is pure:

- the state of one cycle (:func:`cycle_state`): *hoàn thành đúng hạn*, *hoàn thành quá hạn*, *chưa hoàn
  thành – trong hạn*, *chưa hoàn thành – quá hạn*, plus *đã báo cáo – chờ xem xét* and *đề nghị gia hạn*
  while an officer has not decided;
- one row per task (Phụ lục II: TT, task, lead, coordinating, output, deadline as written) and per indicator
  (Phụ lục I), whose state is that of its *current period* for its lead agencies: the earliest opened
  period not yet accepted, else the latest accepted, else the next scheduled; with several lead agencies,
  the least advanced one's state;
- one row per cycle for each agency (its own sheet in the workbook).

"Done" means: an accepted answer saying *hoàn thành* for a deadline cycle, or an accepted report for a
periodic report or an ad hoc round (the report itself was the work). Timeliness compares the local date of
that answer with the cycle's due date (the extended one when an extension was granted).
"""

import csv
import io
import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from sqlalchemy import func, select
from sqlmodel import Session

from models.domain.clock import TZ
from models.domain.states import ANSWER_STATUS_TEXT, AnswerStatus, CycleKind, CycleStatus, Role, role_label
from models.store.answer_tables import Answer
from models.store.cycle_tables import Cycle
from models.store.plan_tables import Agency, Indicator, IndicatorAgency, Plan, Task, TaskAgency


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


# --------------------------------------------------------------------------------------------------
# Reading the database
# --------------------------------------------------------------------------------------------------


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
        assert c.id is not None
        f = CycleFacts(
            cycle_id=c.id,
            subject=c.subject,
            task_id=c.task_id,
            indicator_id=c.indicator_id,
            agency_id=c.agency_id,
            agency_name=agencies.get(c.agency_id, "?"),
            role=c.role,
            kind=c.kind,
            period_key=c.period_key,
            label=c.label,
            status=c.status,
            opens_on=c.opens_on,
            due_nominal=c.due_nominal,
            due_effective=c.due_effective,
            due_extended=c.due_extended,
        )
        if c.id in latest:
            answer, n = latest[c.id]
            f.answers = n
            f.answered_on = answer.created_at.astimezone(TZ).date()
            f.answer_status = answer.status
            f.answer_progress = answer.progress
            f.extension_to = answer.extension_to
        if c.id in documents:
            f.document_number, f.document_date = documents[c.id]
        out.append(f)
    return out


def find_plan(session: Session, number: str | None = None) -> Plan | None:
    """The plan with this number, or the latest imported one."""
    stmt = select(Plan)
    if number:
        stmt = stmt.where(Plan.number == number)
    return session.execute(stmt.order_by(Plan.imported_at.desc())).scalars().first()  # type: ignore[union-attr]


def build_report(session: Session, plan: Plan, today: date, directory: Any = None) -> Report:
    """The plan's report on ``today``. With ``directory`` (``models.agencies.Directory``), each row also
    names the lead agencies responsible today."""
    assert plan.id is not None
    facts = load_facts(session, plan.id)
    by_subject: dict[str, list[CycleFacts]] = defaultdict(list)
    for f in facts:
        by_subject[f.subject].append(f)
    report = Report(plan=plan.number, plan_title=plan.title, today=today.isoformat())

    tasks = list(session.execute(select(Task).where(Task.plan_id == plan.id).order_by(Task.position)).scalars())
    leads_now = _leads_now(session, directory, today) if directory is not None else {}
    for t in tasks:
        row = Row(
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
            agencies_now=leads_now.get(("task", t.id or 0), ""),
        )
        _fill(row, by_subject.get(f"task:{t.id}", []), today, withdrawn=t.withdrawn)
        report.tasks.append(row)
    indicators = list(
        session.execute(select(Indicator).where(Indicator.plan_id == plan.id).order_by(Indicator.position)).scalars()
    )
    for i in indicators:
        target = " ".join(p for p in (i.target_raw, i.unit_raw) if p)
        row = Row(
            kind="indicator",
            id=i.id or 0,
            number=i.code,
            section=i.group_code,
            section_title=i.group_title,
            title=i.title,
            lead=i.monitor_raw,
            coordinating="",
            output=target,
            deadline=f"Năm {i.horizon}" if i.horizon else "",
            state="",
            state_text="",
            agencies_now=leads_now.get(("indicator", i.id or 0), ""),
        )
        _fill(row, by_subject.get(f"indicator:{i.id}", []), today, withdrawn=i.withdrawn)
        report.indicators.append(row)

    names = {t.id: f"Nhiệm vụ {t.number}" for t in tasks}
    ind_names = {i.id: f"Chỉ tiêu {i.code}" for i in indicators}
    titles = {f"task:{t.id}": t.title for t in tasks} | {f"indicator:{i.id}": i.title for i in indicators}
    by_agency: dict[str, list[AgencyRow]] = defaultdict(list)
    for f in sorted(facts, key=lambda x: (x.agency_name, x.due, x.subject)):
        state = cycle_state(f, today)
        subject = names.get(f.task_id) if f.task_id else ind_names.get(f.indicator_id)  # type: ignore[arg-type]
        by_agency[f.agency_name].append(
            AgencyRow(
                agency=f.agency_name,
                subject=subject or f.subject,
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
                document_number=_document(f),
                days_overdue=days_overdue(f, state, today),
                cycle_id=f.cycle_id,
            )
        )
    report.agencies = dict(sorted(by_agency.items()))
    return report


def _leads_now(session: Session, directory: Any, today: date) -> dict[tuple[str, int], str]:
    """Lead agencies of each task/indicator routed on ``today`` (names joined by "; ")."""
    out: dict[tuple[str, int], list[str]] = defaultdict(list)
    from models.store.plan_tables import AgencyGroup

    codes = dict(session.execute(select(Agency.id, Agency.code)).all())
    groups = dict(session.execute(select(AgencyGroup.id, AgencyGroup.code)).all())

    def add(key: tuple[str, int], agency_id: int | None, group_id: int | None) -> None:
        code = codes.get(agency_id) if agency_id else groups.get(group_id)
        if not code or code not in directory:
            return
        for agency in directory.route(code, today):
            if agency.name not in out[key]:
                out[key].append(agency.name)

    for task_id, agency_id, group_id in session.execute(
        select(TaskAgency.task_id, TaskAgency.agency_id, TaskAgency.group_id)
        .where(TaskAgency.role == Role.lead)
        .order_by(TaskAgency.task_id, TaskAgency.position)
    ):
        add(("task", task_id), agency_id, group_id)
    for indicator_id, agency_id, group_id in session.execute(
        select(IndicatorAgency.indicator_id, IndicatorAgency.agency_id, IndicatorAgency.group_id).order_by(
            IndicatorAgency.indicator_id, IndicatorAgency.position
        )
    ):
        add(("indicator", indicator_id), agency_id, group_id)
    return {key: "; ".join(names) for key, names in out.items()}


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


def _fill(row: Row, cycles: list[CycleFacts], today: date, *, withdrawn: bool) -> None:
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
    row.document_number = "; ".join(d for d in dict.fromkeys(_document(f) for f in chosen) if d)
    row.days_overdue = days_overdue(pick, state, today) if state != State.not_yet else 0


def answer_text(f: CycleFacts) -> str:
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


def _document(f: CycleFacts) -> str:
    if not f.document_number:
        return ""
    return f.document_number + (f" ngày {f.document_date:%d/%m/%Y}" if f.document_date else "")


# --------------------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------------------

TASK_COLUMNS = [
    ("TT", "number", 6),
    ("Nhiệm vụ", "title", 60),
    ("Cơ quan chủ trì", "lead", 28),
    ("Cơ quan phối hợp", "coordinating", 28),
    ("Kết quả / sản phẩm", "output", 30),
    ("Thời gian hoàn thành", "deadline", 18),
    ("Tình trạng", "state_text", 24),
    ("Kỳ báo cáo", "period", 16),
    ("Hạn (theo Kế hoạch)", "due_nominal", 13),
    ("Hạn (ngày làm việc)", "due_effective", 13),
    ("Hạn gia hạn", "due_extended", 13),
    ("Báo cáo gần nhất", "last_answer", 24),
    ("Ngày báo cáo", "last_answer_on", 13),
    ("Số hiệu văn bản", "document_number", 24),
    ("Số ngày quá hạn", "days_overdue", 10),
    ("Cơ quan chủ trì hiện nay", "agencies_now", 30),
]
INDICATOR_COLUMNS = [
    ("Mã", "number", 6),
    ("Chỉ tiêu", "title", 60),
    ("Cơ quan theo dõi", "lead", 28),
    ("Mục tiêu", "output", 20),
    ("Mốc", "deadline", 10),
    *TASK_COLUMNS[6:],
]
AGENCY_COLUMNS = [
    ("Nội dung", "subject", 14),
    ("Tên nhiệm vụ / chỉ tiêu", "title", 60),
    ("Vai trò", "role", 10),
    ("Kỳ báo cáo", "period", 16),
    ("Hạn (theo Kế hoạch)", "due_nominal", 13),
    ("Hạn (ngày làm việc)", "due_effective", 13),
    ("Hạn gia hạn", "due_extended", 13),
    ("Tình trạng", "state_text", 24),
    ("Báo cáo gần nhất", "last_answer", 24),
    ("Ngày báo cáo", "last_answer_on", 13),
    ("Số hiệu văn bản", "document_number", 24),
    ("Số ngày quá hạn", "days_overdue", 10),
]
_DATE_FIELDS = {"due_nominal", "due_effective", "due_extended", "last_answer_on"}


def write_json(report: Report, out: IO[str]) -> None:
    json.dump(report.as_json(), out, ensure_ascii=False, indent=2)


def write_csv(report: Report, out: IO[str]) -> None:
    """The task rows (Phụ lục II) then the indicator rows, one header; UTF-8 (Excel: add a BOM yourself)."""
    fields = ["kind", *[name for _, name, _ in TASK_COLUMNS], "section", "section_title", "state"]
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
    writer.writerow(
        {"kind": "loại", **{name: label for label, name, _ in TASK_COLUMNS}}
        | {"section": "mục", "section_title": "tên mục", "state": "mã tình trạng"}
    )
    for row in [*report.tasks, *report.indicators]:
        writer.writerow(asdict(row))


def csv_text(report: Report) -> str:
    buf = io.StringIO()
    write_csv(report, buf)
    return buf.getvalue()


def write_xlsx(report: Report, target: str | Path | IO[bytes]) -> None:
    """The workbook: "Phụ lục II" (tasks, by section), "Phụ lục I" (indicators), "Tổng hợp" (counts), then
    one sheet per agency."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    head_fill = PatternFill("solid", fgColor="DDE7F0")
    section_fill = PatternFill("solid", fgColor="F2F2F2")
    fills = {
        State.overdue.value: PatternFill("solid", fgColor="F8D7DA"),
        State.done_on_time.value: PatternFill("solid", fgColor="D4EDDA"),
        State.done_late.value: PatternFill("solid", fgColor="FFF3CD"),
        State.extension_requested.value: PatternFill("solid", fgColor="E2E3F3"),
        State.awaiting_review.value: PatternFill("solid", fgColor="E2E3F3"),
    }

    def sheet(ws: Any, title: str, columns: list[tuple[str, str, int]]) -> None:
        ws.append([title])
        ws["A1"].font = Font(bold=True, size=13)
        ws.append([f"Kế hoạch {report.plan} — tình hình đến ngày {date.fromisoformat(report.today):%d/%m/%Y}"])
        ws.append([label for label, _, _ in columns])
        for index, (_, _, width) in enumerate(columns, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
            cell = ws.cell(row=3, column=index)
            cell.font, cell.fill, cell.alignment = bold, head_fill, wrap
        ws.freeze_panes = "C4"

    def put(ws: Any, obj: Any, columns: list[tuple[str, str, int]]) -> None:
        values = []
        for _, name, _ in columns:
            value = getattr(obj, name)
            if name in _DATE_FIELDS and value:
                value = date.fromisoformat(value)
            values.append(value if value != "" else None)
        ws.append(values)
        r = ws.max_row
        for index, (_, name, _) in enumerate(columns, start=1):
            cell = ws.cell(row=r, column=index)
            cell.alignment = wrap
            if name in _DATE_FIELDS:
                cell.number_format = "DD/MM/YYYY"
        state_col = next(i for i, (_, n, _) in enumerate(columns, start=1) if n == "state_text")
        fill = fills.get(obj.state)
        if fill:
            ws.cell(row=r, column=state_col).fill = fill

    ws = wb.active
    ws.title = "Phụ lục II"
    sheet(ws, "PHỤ LỤC II — NHIỆM VỤ VÀ TÌNH HÌNH THỰC HIỆN", TASK_COLUMNS)
    section = None
    for row in report.tasks:
        if row.section != section:
            section = row.section
            ws.append([row.section, row.section_title])
            for cell in ws[ws.max_row]:
                cell.font, cell.fill = bold, section_fill
        put(ws, row, TASK_COLUMNS)

    if report.indicators:
        ws = wb.create_sheet("Phụ lục I")
        sheet(ws, "PHỤ LỤC I — CHỈ TIÊU VÀ TÌNH HÌNH BÁO CÁO", INDICATOR_COLUMNS)
        for row in report.indicators:
            put(ws, row, INDICATOR_COLUMNS)

    ws = wb.create_sheet("Tổng hợp")
    ws.append(["Tình trạng", "Nhiệm vụ", "Chỉ tiêu"])
    for cell in ws[1]:
        cell.font, cell.fill = bold, head_fill
    task_counts, ind_counts = report.counts(report.tasks), report.counts(report.indicators)
    for state in PRIORITY:
        ws.append([STATE_TEXT[state], task_counts[state.value], ind_counts[state.value]])
    ws.column_dimensions["A"].width = 32

    used: set[str] = {"Phụ lục II", "Phụ lục I", "Tổng hợp"}
    for agency, rows in report.agencies.items():
        ws = wb.create_sheet(_sheet_name(agency, used))
        sheet(ws, agency, AGENCY_COLUMNS)
        for arow in rows:
            put(ws, arow, AGENCY_COLUMNS)
    wb.save(target)  # type: ignore[arg-type]


def _sheet_name(name: str, used: set[str]) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique."""
    base = "".join(ch for ch in name if ch not in "[]:*?/\\").strip()[:31] or "Cơ quan"
    candidate, n = base, 2
    while candidate in used:
        suffix = f" ({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate)
    return candidate
