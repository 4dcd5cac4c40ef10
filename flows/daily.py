"""The ``daily`` flow: every day at 07:00 Asia/Ho_Chi_Minh, evaluate the day, then dispatch.

The evaluation is ``models.services.daily.evaluate_day`` — the same sequence ``dondoc daily --dry-run``,
``simulate`` and the tests run — with each of its steps a coarse Prefect task (``prepare-day``,
``list-reminding-cycles``, one ``queue-reminders`` per chunk of cycles), then ``dispatch-outbox``.
Re-running a day, or two runs at once, sends nothing twice: the cycle claim and the outbox keys make it
so (``models.services.reminders``, ``notifiers.outbox``).

Each run (not a dry run) is recorded in dondoc's own ``dailyrun`` table — start, end, result, figures, error
(``models.services.system_status.recorded_run``) — through Prefect or directly alike, so ``dondoc status``
and the officers' "Tình trạng hệ thống" page know whether today's run happened without a Prefect server.
"""

from datetime import date
from typing import Any

from prefect import flow

from config.app import build_app
from flows.tasks import as_task, dispatch_outbox, flow_logger, in_flow_run
from models.domain.clock import today_local
from models.services.daily import evaluate_day, evaluate_dry
from models.services.materialise_mark import forget_mark
from models.services.system_status import recorded_run


@flow(name="daily", log_prints=False)
def daily(today: date | None = None, dry_run: bool = False, send: bool = True, full: bool = False) -> dict[str, Any]:
    """Evaluate ``today`` (default: today in Asia/Ho_Chi_Minh) and dispatch the outbox.

    ``dry_run``: evaluate and report, write nothing (all changes rolled back), send nothing. ``full``:
    work out every task's cycles again even when the materialise mark says nothing changed.
    """
    logger = flow_logger()
    day = today or today_local()
    app = build_app(migrate=True)  # once per flow run; the schema is brought up to date first
    if full and not dry_run:
        forget_mark(app.engine)
    if dry_run:
        report = evaluate_dry(app.runtime, day)
        logger.info("dry run for %s: %s", day, report)
        return {**report, "day": day.isoformat(), "dry_run": True}
    with recorded_run(app.engine, day, mode="server" if in_flow_run() else "direct") as record:
        summary: dict[str, Any] = evaluate_day(app.runtime, day, run=as_task).as_json()
        record.summary = summary
        if send:
            summary["dispatch"] = dispatch_outbox(app)
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
