"""The ``digest`` flow: every Monday 07:30 Asia/Ho_Chi_Minh, a summary to the standing agency."""

from datetime import date
from typing import Any

from prefect import flow

from config.app import build_app
from flows.tasks import dispatch_outbox, flow_logger
from models.domain.clock import today_local
from models.services.digest import queue_digest


@flow(name="digest", log_prints=False)
def digest(today: date | None = None, send: bool = True) -> dict[str, Any]:
    day = today or today_local()
    app = build_app()
    result = queue_digest(app.runtime, day)
    if send:
        result["dispatch"] = dispatch_outbox(app)
    flow_logger().info("digest for %s: %s", day, {k: v for k, v in result.items() if k != "dispatch"})
    return result
