"""The ``digest`` flow: every Monday 07:30 Asia/Ho_Chi_Minh, a summary to the standing agency."""

from datetime import date
from typing import Any

from prefect import flow, get_run_logger

from config.app import build_app
from flows.daily import dispatch_outbox
from models.domain.clock import today_local


@flow(name="digest", log_prints=False)
def digest(today: date | None = None, send: bool = True) -> dict[str, Any]:
    from models.services.digest import queue_digest

    day = today or today_local()
    result = queue_digest(build_app().runtime, day)
    if send:
        result["dispatch"] = dispatch_outbox()
    get_run_logger().info("digest for %s: %s", day, {k: v for k, v in result.items() if k != "dispatch"})
    return result
