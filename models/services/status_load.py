"""``dondoc status load FILE``: the current status of a plan from a spreadsheet, so that work already done
is not chased on day one (issue 11 point 4). The sheet is read by ``models.domain.status_sheet``; here
its good rows are applied in ONE transaction, the bad ones reported by row number.

For each good row (task number, agency):

1. the plan's cycles up to the look-ahead are created first (the daily run's step 1,
   ``materialise.materialise``, idempotent), so that a sheet loaded before the first daily run finds them;
2. the row's cycles are the live ones of that task held by the agency — as named, or its successor on
   the load day (a sheet naming "Sở Thông tin và Truyền thông" reaches the Sở Khoa học và Công nghệ that
   took its work). A *done* task whose deadline cycle does not exist yet (it opens later than the
   look-ahead) gets it created now, so that it is closed too. No cycle at all: a bad row, with the reason;
3. **done**: each cycle records an answer (status done, the document number and date, the note) and is
   accepted — *answered* then *accepted* through the store's ``set_status``, each with its history row,
   the answer and the review kept like any other (officer "status-load" unless given). An accepted cycle
   is never reminded again. A cycle already closed is left as it is;
   **in progress / not started**: an answer row records the progress and the history says so; the cycle
   keeps its state (the work is not done: it is still followed).

Loading the same file again records nothing new: each answer's submission key is derived from the
file's content, the row and the cycle.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from models.domain.answer_form import CleanAnswer, DecisionError, new_reference
from models.domain.clock import utcnow
from models.domain.contacts import RowError
from models.domain.states import ANSWER_STATUS_TEXT, CLOSED, AnswerStatus, CycleKind, CycleStatus
from models.domain.status_sheet import StatusRow, read_status_sheet
from models.services.answers import answer_values, record_answer
from models.services.decisions import accept
from models.services.materialise import materialise, wanted_cycles
from models.services.runtime import Runtime
from models.store.answer_tables import Answer
from models.store.cycle_tables import Cycle
from models.store.db import session_scope
from models.store.plan_tables import Agency, Plan, Task
from models.store.writes import insert_ignore, write_events


@dataclass
class StatusResult:
    """What ``dondoc status load`` did; ``as_json`` is the public shape of its ``--json``."""

    plan: str | None
    loaded: int = 0  # good rows applied
    closed: int = 0  # cycles accepted (done)
    progress: int = 0  # cycles with progress recorded (in progress, not started)
    already_closed: int = 0  # cycles of a done row that were closed before
    errors: list[dict[str, Any]] = field(default_factory=list)  # row, column, message of each bad row
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "plan": self.plan,
            "loaded": self.loaded,
            "closed": self.closed,
            "progress": self.progress,
            "already_closed": self.already_closed,
            "errors": self.errors,
            "warnings": self.warnings,
        }


def load_status(
    rt: Runtime, path: str | Path, today: date, *, plan: str | None = None, officer: str = "status-load"
) -> StatusResult:
    """Apply a status sheet to ``plan`` (default: the latest imported plan not retired).

    Raises ``models.domain.contacts.ContactsFileError`` (database untouched) when the file cannot be read,
    ``LookupError`` when there is no such plan."""
    sheet = read_status_sheet(path, rt.directory)
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:24]
    errors = list(sheet.errors)
    result = StatusResult(plan=None, warnings=list(sheet.warnings))
    with session_scope(rt.engine) as session:
        row = _plan(session, plan)
        result.plan = row.number
        if sheet.rows:
            materialise(rt, session, today)  # a sheet with no good row changes nothing at all
        agencies = {a.code: a.id for a in session.execute(select(Agency)).scalars()}
        tasks = {t.number: t for t in session.execute(select(Task).where(Task.plan_id == row.id)).scalars()}
        for item in sheet.rows:
            cycles, why = _cycles_of(rt, session, item, tasks, agencies, today)
            if not cycles:
                errors.append(RowError(item.row, None, why))
                continue
            try:
                with session.begin_nested():  # a row that cannot be applied leaves nothing behind
                    _apply(session, item, cycles, f"{digest}:{item.row}", officer, result)
            except DecisionError as exc:
                errors.append(RowError(item.row, None, str(exc)))
                continue
            result.loaded += 1
    rt.forget()
    result.errors = sorted(
        ({"row": e.row, "column": e.column, "message": e.message} for e in errors), key=lambda e: e["row"]
    )
    return result


def _plan(session: Session, number: str | None) -> Plan:
    query = select(Plan).where(Plan.retired_at.is_(None))  # type: ignore[union-attr]
    if number:
        query = select(Plan).where(Plan.number == number.strip())
    found = session.execute(query.order_by(Plan.imported_at.desc())).scalars().first()  # type: ignore[attr-defined]
    if found is None:
        named = f" {number}" if number else ""
        raise LookupError(f"no plan{named} in the database / chưa có kế hoạch{named}")
    return found


def _cycles_of(
    rt: Runtime, session: Session, item: StatusRow, tasks: dict[str, Task], agencies: dict[str, Any], today: date
) -> tuple[list[Cycle], str]:
    """The live cycles a row is about, or none and why."""
    task = tasks.get(item.task)
    if task is None or task.withdrawn:
        return [], f"no task {item.task} in the plan / kế hoạch không có nhiệm vụ {item.task}"
    holders = {agencies.get(item.agency_code)}
    holders |= {agencies.get(a.code) for a in rt.directory.route(item.agency_code, today)}
    holders.discard(None)

    def live() -> list[Cycle]:
        query = select(Cycle).where(
            Cycle.task_id == task.id,
            Cycle.agency_id.in_(holders),  # type: ignore[union-attr]
            Cycle.kind != CycleKind.adhoc,
            Cycle.status != CycleStatus.cancelled,
        )
        found = list(session.execute(query.order_by(Cycle.due_effective)).scalars())
        open_ones = [c for c in found if c.status not in CLOSED]
        return open_ones or found  # all accepted: a done row loaded again says "already closed"

    cycles = live()
    if not cycles and item.status == AnswerStatus.done and _create_first_deadline(rt, session, task, holders, today):
        cycles = live()
    if item.status != AnswerStatus.done:
        cycles = [c for c in cycles if c.status not in CLOSED]
    if not cycles:
        return [], (
            f"{item.agency_written!r} has no open reporting cycle on task {item.task} (not responsible for it, or "
            f"nothing to report yet) / cơ quan không có kỳ báo cáo nào đang mở của nhiệm vụ {item.task}"
        )
    return cycles, ""


def _create_first_deadline(rt: Runtime, session: Session, task: Task, holders: set[Any], today: date) -> int:
    """Create the task's first deadline cycles of these agencies (a done task due beyond the look-ahead)."""
    wants = [
        w
        for w in wanted_cycles(rt, session, today, task_ids={task.id or 0}, limit=date.max)
        if w.agency_id in holders and w.kind == CycleKind.deadline
    ]
    if not wants:
        return 0
    first = min(w.due_effective for w in wants)
    now = utcnow()
    return insert_ignore(session, Cycle, [w.row(now) for w in wants if w.due_effective == first])


def _apply(session: Session, item: StatusRow, cycles: list[Cycle], key: str, officer: str, out: StatusResult) -> None:
    answer = CleanAnswer(
        status=item.status,
        progress=item.progress,
        done_text=item.note,
        document_number=item.document_number,
        document_date=item.document_date,
    )
    for cycle in cycles:
        submission = hashlib.sha256(f"status-load:{key}:{cycle.id}".encode()).hexdigest()[:64]
        if item.status == AnswerStatus.done:
            if cycle.status in CLOSED:
                out.already_closed += 1
                continue
            recorded = record_answer(
                session, cycle_id=cycle.id or 0, agency_id=cycle.agency_id, answer=answer, submission_key=submission
            )
            if recorded.created:
                # The sheet records what the office already knows: no message to the agency (a load
                # of the whole plan would otherwise tell every agency at once).
                note = f"nạp tình trạng từ bảng tính, dòng {item.row}"
                accept(session, cycle.id or 0, officer, note, tell_agency=False)
                out.closed += 1
            continue
        if session.execute(select(Answer.id).where(Answer.submission_key == submission)).first():
            continue  # the same sheet loaded before
        now = utcnow()
        session.add(
            Answer(
                reference=new_reference(cycle.id or 0, now),
                submission_key=submission,
                cycle_id=cycle.id or 0,
                agency_id=cycle.agency_id,
                cycle_status_before=cycle.status,
                created_at=now,
                **answer_values(answer, None),  # progress kept, the cycle not moved: it stays followed
            )
        )
        words = ANSWER_STATUS_TEXT[item.status].lower()
        reason = f"tình trạng nạp từ bảng tính (dòng {item.row}): {words}"
        write_events(session, [cycle.id or 0], cycle.status, cycle.status, f"officer:{officer}", reason, now)
        out.progress += 1
    if not cycles:
        raise DecisionError(f"nothing to apply for task {item.task} / không có kỳ báo cáo để cập nhật")
