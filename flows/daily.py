"""The ``daily`` flow: every day at 07:00 Asia/Ho_Chi_Minh, evaluate the day, then dispatch.

Tasks (coarse, see ``flows/__init__``): ``prepare`` (materialise + transitions), one ``queue`` task per
chunk of reminding cycles, then ``dispatch`` batches. Re-running a day, or two runs at once, sends
nothing twice: the cycle claim and the outbox keys make it so (``models.services.cycles``, ``notifiers.outbox``).
"""

from datetime import date
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from config.app import build_app
from models.domain.clock import today_local

MAX_QUEUE_TASKS = 100


@task(name="prepare-day", cache_policy=NO_CACHE)
def prepare(day: date) -> dict[str, int]:
    """Materialise cycles and apply state transitions for ``day``."""
    from sqlmodel import Session

    from models.services.cycles import materialise, transition

    app = build_app(migrate=False)
    with Session(app.engine) as session:
        created, cancelled = materialise(app.runtime, session, day)
        session.commit()
    with Session(app.engine) as session:
        opened, overdue = transition(session, day)
        session.commit()
    return {"created": created, "cancelled": cancelled, "opened": opened, "overdue": overdue}


@task(name="list-reminding-cycles", cache_policy=NO_CACHE)
def candidates(day: date) -> list[int]:
    from sqlmodel import Session

    from models.services.cycles import reminding_candidates

    with Session(build_app(migrate=False).engine) as session:
        return reminding_candidates(session, day)


@task(name="queue-reminders", cache_policy=NO_CACHE)
def queue(cycle_ids: list[int], day: date) -> dict[str, Any]:
    """Queue reminders for a chunk of cycles (several claim batches, each one transaction)."""
    from models.services.cycles import DayReport, queue_batch

    app = build_app(migrate=False)
    report = DayReport(day=day.isoformat())
    size = app.runtime.batch_size
    for start in range(0, len(cycle_ids), size):
        report.add(queue_batch(app.runtime, cycle_ids[start : start + size], day))
    return report.as_json()


@task(name="dispatch-outbox", cache_policy=NO_CACHE)
def dispatch_outbox(max_batches: int | None = None) -> dict[str, Any]:
    from notifiers.registry import build_channels, close_channels

    app = build_app(migrate=False)
    channels = build_channels(app.settings, app.engine)
    try:
        stats = app.outbox(channels=channels).dispatch(max_batches=max_batches)
    finally:
        close_channels(channels)  # pooled SMTP connections, httpx clients
    return stats.__dict__


def chunks(ids: list[int], parts: int, minimum: int = 500) -> list[list[int]]:
    """Split ``ids`` into at most ``parts`` chunks of at least ``minimum`` (fewer task runs)."""
    if not ids:
        return []
    size = max(minimum, -(-len(ids) // parts))
    return [ids[i : i + size] for i in range(0, len(ids), size)]


@flow(name="daily", log_prints=False)
def daily(today: date | None = None, dry_run: bool = False, send: bool = True) -> dict[str, Any]:
    """Evaluate ``today`` (default: today in Asia/Ho_Chi_Minh) and dispatch the outbox.

    ``dry_run``: evaluate and report, write nothing (all changes rolled back), send nothing.
    """
    logger = get_run_logger()
    day = today or today_local()
    build_app(migrate=True)  # schema up to date before the tasks start
    if dry_run:
        from models.services.dryrun import evaluate_dry

        report = evaluate_dry(build_app(migrate=False), day)
        logger.info("dry run for %s: %s", day, report)
        return {"day": day.isoformat(), "dry_run": True, **report}
    summary: dict[str, Any] = {"day": day.isoformat(), **prepare(day)}
    totals: dict[str, int] = {"queued": 0, "folded": 0, "no_contact": 0, "skipped_batches": 0}
    for chunk in chunks(candidates(day), MAX_QUEUE_TASKS):
        result = queue(chunk, day)
        for key in totals:
            totals[key] += int(result.get(key, 0))
    summary.update(totals)
    if send:
        summary["dispatch"] = dispatch_outbox()
    logger.info(
        "day %s: %s cycles created, %s opened, %s overdue, %s messages queued (%s folded), sent %s",
        day,
        summary["created"],
        summary["opened"],
        summary["overdue"],
        summary["queued"],
        summary["folded"],
        summary.get("dispatch", {}).get("sent", 0),
    )
    return summary
