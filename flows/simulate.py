"""The ``simulate`` flow: run the daily evaluation for each day of a range, in ONE flow run (a flow run
costs about a second of fixed overhead; 700 of them would cost minutes), dispatching through the file
channel so that nothing reaches anyone. Used to rehearse a plan and by the tests."""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from prefect import flow

from config.app import App, build_app
from flows.tasks import as_task, flow_logger
from models.services.daily import evaluate_day
from models.services.listings import message_load
from notifiers.registry import file_channels

Progress = Callable[[date, dict[str, Any]], None]


def simulate_days(app: App, start: date, end: date, progress: Progress | None = None) -> list[dict[str, Any]]:
    """Evaluate and dispatch each day from ``start`` to ``end`` inclusive; per-day counts."""
    channels = file_channels(app.settings)
    # The file channel rewrites the same file for the same key: recording sends in batches is safe here.
    outbox = app.outbox(channels=channels, record_batch=200)
    days: list[dict[str, Any]] = []
    day = start
    while day <= end:
        report = evaluate_day(app.runtime, day).as_json()
        report["sent"] = outbox.dispatch().sent
        days.append(report)
        if progress:
            progress(day, report)
        day += timedelta(days=1)
    return days


# Set by the CLI to draw its progress bar (tasks run in this process; a callback is not a parameter).
progress_hook: Progress | None = None


@flow(name="simulate", log_prints=False)
def simulate(start: date, end: date, chunk_days: int = 31) -> dict[str, Any]:
    """One flow run; one task per month of days (about 24 task runs for two years)."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    logger = flow_logger()
    app = build_app()
    days: list[dict[str, Any]] = []
    cursor = start
    while cursor <= end:
        stop = min(end, cursor + timedelta(days=chunk_days - 1))
        days.extend(as_task("simulate-days", lambda a=cursor, b=stop: simulate_days(app, a, b, progress_hook)))  # type: ignore[misc]
        logger.info("simulated %s … %s", cursor, stop)
        cursor = stop + timedelta(days=1)
    return {
        "days": days,
        "queued": sum(d["queued"] for d in days),
        "sent": sum(d["sent"] for d in days),
        # messages, items (cycle-steps listed), max_per_contact_day over the whole outbox
        "totals": message_load(app.engine),
    }
