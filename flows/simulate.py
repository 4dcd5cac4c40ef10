"""The ``simulate`` flow: run the daily evaluation for each day of a range, in ONE flow run (a flow run
costs about a second of fixed overhead; 700 of them would cost minutes), dispatching through the file
channel so that nothing reaches anyone. Used to rehearse a plan and by the tests."""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from config.app import build_app


def simulate_days(
    start: date, end: date, progress: Callable[[date, dict[str, Any]], None] | None = None
) -> list[dict[str, Any]]:
    """Evaluate and dispatch each day from ``start`` to ``end`` inclusive; per-day counts."""
    from models.services.cycles import evaluate_day
    from notifiers.file import FileChannel

    app = build_app()
    folder = app.settings.data_dir / "outbox"
    channels = {name: FileChannel(name, folder) for name in ("zalo", "sms", "email")}
    # The file channel rewrites the same file for the same key: recording sends in batches is safe here.
    outbox = app.outbox(channels=channels, record_batch=200)
    days: list[dict[str, Any]] = []
    day = start
    while day <= end:
        report = evaluate_day(app.runtime, day).as_json()
        stats = outbox.dispatch()
        report["sent"] = stats.sent
        days.append(report)
        if progress:
            progress(day, report)
        day += timedelta(days=1)
    return days


# Set by the CLI to draw its progress bar (tasks run in this process; a callback is not a parameter).
progress_hook: Callable[[date, dict[str, Any]], None] | None = None


@task(name="simulate-days", cache_policy=NO_CACHE)
def _simulate_chunk(start: date, end: date) -> list[dict[str, Any]]:
    return simulate_days(start, end, progress_hook)


@flow(name="simulate", log_prints=False)
def simulate(start: date, end: date, chunk_days: int = 31) -> dict[str, Any]:
    """One flow run; one task per month of days (about 24 task runs for two years)."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    logger = get_run_logger()
    days: list[dict[str, Any]] = []
    cursor = start
    while cursor <= end:
        stop = min(end, cursor + timedelta(days=chunk_days - 1))
        days.extend(_simulate_chunk(cursor, stop))
        logger.info("simulated %s … %s", cursor, stop)
        cursor = stop + timedelta(days=1)
    return {"days": days, "queued": sum(d["queued"] for d in days), "sent": sum(d["sent"] for d in days)}
