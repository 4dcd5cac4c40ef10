"""The ``dispatch`` flow: send pending and retry-due outbox rows; runnable alone (every 15 minutes in
working hours by the deployment, so messages queued before the sending window opens go out when it does)."""

from typing import Any

from prefect import flow

from config.app import build_app
from flows.tasks import dispatch_outbox, flow_logger


@flow(name="dispatch", log_prints=False)
def dispatch(max_batches: int | None = None) -> dict[str, Any]:
    stats = dispatch_outbox(build_app(migrate=False), max_batches)
    flow_logger().info(
        "dispatch: %s claimed, %s sent, %s to retry, %s dead, %s fallbacks",
        stats["claimed"],
        stats["sent"],
        stats["retry"],
        stats["dead"],
        stats["fallback"],
    )
    return stats
