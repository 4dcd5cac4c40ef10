"""The daily evaluation — the one sequence that the ``daily`` flow, ``dondoc daily --dry-run``, ``simulate``
and the tests all run:

1. **prepare** the day (``models.services.materialise``): create the cycles whose opening is near, cancel
   those whose agency no longer holds the work, open and mark overdue;
2. **list** the cycles that may have a reminder due;
3. **queue** their reminders in chunks (``models.services.reminders``), each batch one transaction that
   claims its cycles for the day and records the due steps as waiting for a message;
4. **compose** ONE message per contact and channel from the waiting steps (``models.services.compose``);
5. after a large day (thousands of cycles changed), **vacuum** the rewritten tables on PostgreSQL
   (``models.store.writes.vacuum``): the next updates reuse the dead row versions' space.

Each step is safe to repeat and to run concurrently. Sending is separate (``notifiers.outbox``).

``run`` lets a caller wrap each step: the ``daily`` flow makes each one a Prefect task (coarse: a chunk of
cycles per task, at most ``MAX_QUEUE_TASKS`` of them — see ``flows/__init__``); the default just calls it.
A dry run passes one ``session`` that every step works in and that is rolled back at the end.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlmodel import Session

from models.services.compose import compose_day
from models.services.day_report import DayReport
from models.services.materialise import materialise, transition
from models.services.reminders import queue_cycles, reminding_candidates, warn_no_contact
from models.services.runtime import Runtime
from models.store.cycle_tables import Cycle, Notification, ReminderLedger
from models.store.writes import analyze, vacuum

MAX_QUEUE_TASKS = 100  # chunks of reminding cycles per day (each at least one batch)
ANALYZE_AFTER = 5_000  # cycles created in one run after which the table's statistics are refreshed
VACUUM_AFTER = 5_000  # cycles changed (created, opened, overdue; claimed by the batches) before a vacuum

T = TypeVar("T")
StepRunner = Callable[[str, Callable[[], T]], T]


def call(_name: str, step: Callable[[], T]) -> T:
    """The default step runner: run the step here."""
    return step()


def chunks(ids: list[int], parts: int, minimum: int = 500) -> list[list[int]]:
    """Split ``ids`` into at most ``parts`` chunks of at least ``minimum`` (fewer task runs)."""
    if not ids:
        return []
    size = max(minimum, -(-len(ids) // parts))
    return [ids[i : i + size] for i in range(0, len(ids), size)]


@contextmanager
def _step(rt: Runtime, given: Session | None) -> Iterator[Session]:
    """A step's transaction: its own session, committed at the end — or, in a dry run, the given one,
    only flushed (the caller rolls it back)."""
    if given is not None:
        yield given
        given.flush()
        return
    with Session(rt.engine) as session:
        yield session
        session.commit()


def prepare_day(rt: Runtime, today: date, session: Session | None = None) -> dict[str, int]:
    """Step 1: materialise, then transition (each its own transaction unless ``session`` is given)."""
    out: dict[str, int] = {}
    with _step(rt, session) as s:
        out["created"], out["cancelled"] = materialise(rt, s, today)
    if out["created"] >= ANALYZE_AFTER:
        with _step(rt, session) as s:
            # The planner's statistics of a table that just grew by thousands of rows: without them
            # PostgreSQL's transitions took a poor index (182 s → 40 s at 100,000 tasks once analysed).
            analyze(s, Cycle)
    with _step(rt, session) as s:
        out["opened"], out["overdue"] = transition(s, today)
    if session is None and sum(out.values()) >= VACUUM_AFTER:
        vacuum(rt.engine, [Cycle])  # the batches update every reminding cycle next (PostgreSQL only)
    return out


def evaluate_day(rt: Runtime, today: date, *, session: Session | None = None, run: StepRunner = call) -> DayReport:  # type: ignore[assignment]
    """Steps 1–4 for one day; returns its counts."""
    report = DayReport(day=today.isoformat())
    prepared = run("prepare-day", lambda: prepare_day(rt, today, session))
    for key, value in prepared.items():
        setattr(report, key, value)
    with _step(rt, session) as s:
        ids = run("list-reminding-cycles", lambda: reminding_candidates(s, today))
    for chunk in chunks(ids, MAX_QUEUE_TASKS, rt.batch_size):
        report.add(run("queue-reminders", partial(queue_cycles, rt, chunk, today, session, direct=False, warn=False)))
    warn_no_contact(report)  # one line per recipient for the whole day, not one per chunk or cycle
    report.add(run("compose-messages", lambda: compose_day(rt, today, session)))
    if session is None and len(ids) >= VACUUM_AFTER:
        # Every reminding cycle and its ledger rows were rewritten: tomorrow's run updates them again.
        run("vacuum", lambda: vacuum(rt.engine, [Cycle, ReminderLedger]))
    return report


def evaluate_dry(rt: Runtime, today: date) -> dict[str, Any]:
    """``dondoc daily --dry-run``: the whole day inside one transaction that is rolled back — the report
    says what would happen; the database and the outbox are left exactly as they were."""
    with Session(rt.engine) as session:
        try:
            before = session.execute(select(func.count()).select_from(Notification)).scalar_one()
            report = evaluate_day(rt, today, session=session)
            by_channel = dict(
                session.execute(select(Notification.channel, func.count()).group_by(Notification.channel)).all()
            )
            out = report.as_json()
            out["would_queue_total"] = report.queued
            out["outbox_rows_before"] = before
            out["by_channel_after"] = by_channel
            return out
        finally:
            session.rollback()
            rt.forget()  # the caches saw the rolled-back cycles: a later real run would skip creating them
