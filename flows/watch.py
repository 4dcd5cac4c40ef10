"""The ``watch`` flow: dondoc's own alerts — every 15 minutes from 07:00 to 21:45, every day (prefect.yaml,
``flows.serve``) — and ``dondoc status --alert`` (the same flow, through Prefect or directly).

It reads the system's state (``models.services.system_status``), queues the alerts it calls for
(``models.services.alerts``: the daily run not completed by ``DONDOC_DAILY_DEADLINE``, messages gone
dead; once per day per kind) and dispatches the outbox, so an alert goes out even on a day the daily
flow never ran. Prefect automations are not used: they need a Prefect server with its event stream and
would only see Prefect's state, while this reads dondoc's own tables and works offline and without a
server (``DONDOC_PREFECT_MODE=direct``); a deployment run by a worker or ``serve()`` is enough.
"""

from typing import Any

from prefect import flow

from config.app import build_app
from flows.tasks import as_task, dispatch_outbox, flow_logger
from models.services.alerts import check_alerts
from models.services.system_status import system_status


@flow(name="watch", log_prints=False)
def watch(send: bool = True) -> dict[str, Any]:
    """Check the system and queue today's alerts (idempotent); then send what is due."""
    app = build_app(migrate=False)
    settings = app.settings

    def check() -> dict[str, Any]:
        st = system_status(app.engine, settings.data_dir, settings.daily_deadline_time)
        return check_alerts(app.runtime, st, officers_system_url(settings.public_base_url)).as_json()

    out = as_task("check-alerts", check)
    if send:
        out["dispatch"] = dispatch_outbox(app)
    flow_logger().info("watch: alerts raised %s, %s rows queued", out["raised"], out["queued"])
    return out


def officers_system_url(base: str) -> str:
    """The officers' "Tình trạng hệ thống" page an alert links to."""
    return f"{base.rstrip('/')}/officers/system"
