"""The ``round`` flow: an officer opens an ad hoc reporting round; every responsible agency is notified
at once. ``prefect deployment run 'round/round' --param title=… --param due=2026-12-15 --param tasks='["1","33"]'``."""

from datetime import date
from typing import Any

from prefect import flow

from config.app import build_app
from flows.tasks import dispatch_outbox, flow_logger
from models.domain.clock import today_local
from models.services.rounds import RoundRequest, open_and_queue


@flow(name="round", log_prints=False)
def round_flow(
    title: str,
    due: date,
    tasks: list[str] | None = None,
    indicators: list[str] | None = None,
    agencies: list[str] | None = None,
    message: str = "",
    plan: str | None = None,
    created_by: str = "officer",
    idempotency_key: str | None = None,
    send: bool = True,
) -> dict[str, Any]:
    logger = flow_logger()
    app = build_app()
    today = today_local()
    req = RoundRequest(
        title=title,
        due_on=due,
        tasks=list(tasks or []),
        indicators=list(indicators or []),
        agencies=list(agencies or []),
        message=message,
        plan=plan,
        created_by=created_by,
        idempotency_key=idempotency_key,
    )
    result = open_and_queue(app.runtime, req, today)
    summary: dict[str, Any] = {**result.as_json(), "queued": result.queued}
    if send:
        summary["dispatch"] = dispatch_outbox(app)
    logger.info(
        "round %s (%s): %s cycles, %s messages queued",
        result.round_id,
        "new" if result.created else "already open",
        len(result.cycles),
        summary["queued"],
    )
    return summary
