"""What an operator's tools ask the web app: ``/healthz`` (the process answers; no database),
``/readyz`` (the database answers, its schema is the code's, the channels are usable) and ``/metrics``
(Prometheus text, ``prometheus-client``).

``/readyz`` answers 200 with each check's result, or 503 naming the failing checks (``failed``): a load
balancer stops sending requests to a process whose database is gone or not yet upgraded. ``/metrics``
reads dondoc's own tables on each scrape (``models.services.system_status``), so every web process gives
the same figures and a restart loses nothing: no counter lives in process memory. It holds counts only —
no name, address or link — and is open unless ``DONDOC_METRICS_TOKEN`` is set; then it needs
``Authorization: Bearer <token>`` (401 otherwise). Restrict it at the reverse proxy too where the web
app is public.
"""

import hmac
from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from config.app import channel_check
from models.services.system_status import QUEUED, SystemStatus, system_status
from models.store.db import head_revision, ping, revision_of
from web.pages import ctx_of

router = APIRouter()
STATES = {"queued": QUEUED, "sending": {"sending"}, "dead": {"dead"}, "unconfirmed": {"unconfirmed"}}
RUN_STATUSES = ("running", "completed", "failed")


@router.get("/healthz", include_in_schema=False)
def healthz() -> dict[str, str]:
    """The process is up (nothing else is checked: a database outage must not restart the web servers)."""
    return {"status": "ok"}


@router.get("/readyz", include_in_schema=False)
def readyz(request: Request) -> Response:
    ctx = ctx_of(request)
    checks: dict[str, Any] = {}
    failed: list[str] = []
    engine = ctx.core.engine
    try:
        ping(engine)
        checks["database"] = "ok"
    except Exception as exc:  # any driver error: the database is not usable
        checks["database"] = f"unreachable: {type(exc).__name__}"
        failed.append("database")
    if "database" not in failed:
        at, head = revision_of(engine), head_revision()
        checks["migrations"] = {"current": at, "head": head}
        if at != head:
            failed.append("migrations")  # `dondoc db upgrade` has not been run for this code
    problem, transports = channel_check(ctx.settings, engine)
    checks["channels"] = {"error": problem} if problem else transports
    if problem:
        failed.append("channels")
    body = {"status": "fail" if failed else "ok", "failed": failed, "checks": checks}
    return JSONResponse(body, status_code=503 if failed else 200)


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    ctx = ctx_of(request)
    token = ctx.settings.metrics_token
    if token is not None:
        given = request.headers.get("authorization", "")
        expected = f"Bearer {token.get_secret_value()}"
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return Response("unauthorized\n", status_code=401, headers={"WWW-Authenticate": "Bearer"})
    st = system_status(ctx.core.engine, ctx.settings.data_dir, ctx.settings.daily_deadline_time)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StatusCollector(st, list(ctx.core.runtime.channels)))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


class StatusCollector(Collector):
    """The gauges of one status read (a registry per scrape: nothing is kept between scrapes)."""

    def __init__(self, st: SystemStatus, channels: Iterable[str]) -> None:
        self.st = st
        self.channels = sorted(set(channels) | set(st.messages) | set(st.provider_errors))

    def collect(self) -> Iterator[GaugeMetricFamily]:
        st = self.st
        messages = GaugeMetricFamily(
            "dondoc_messages",
            "Outbox messages by channel and state (queued = pending, to retry, to re-send)",
            labels=["channel", "state"],
        )
        for channel in self.channels:
            for state, statuses in STATES.items():
                messages.add_metric([channel, state], st.count(statuses, channel))
        yield messages
        yield _gauge(
            "dondoc_oldest_unsent_message_age_seconds",
            "Age of the oldest message not yet sent (0 when none waits)",
            st.oldest_unsent_seconds or 0.0,
        )
        errors = GaugeMetricFamily(
            "dondoc_provider_errors_24h",
            "Messages whose latest try in the last 24 h failed, by channel",
            labels=["channel"],
        )
        for channel in self.channels:
            errors.add_metric([channel], st.provider_errors.get(channel, 0))
        yield errors
        run = st.last_run
        status = GaugeMetricFamily(
            "dondoc_daily_run_last_status", "1 for the state of the latest daily run", labels=["status"]
        )
        for name in RUN_STATUSES:
            status.add_metric([name], 1.0 if run is not None and run.status == name else 0.0)
        yield status
        if run is not None:
            yield _gauge(
                "dondoc_daily_run_last_start_timestamp_seconds",
                "Start of the latest daily run",
                run.started_at.timestamp(),
            )
            if run.finished_at is not None:
                yield _gauge(
                    "dondoc_daily_run_last_end_timestamp_seconds",
                    "End of the latest daily run",
                    run.finished_at.timestamp(),
                )
        yield _gauge(
            "dondoc_daily_run_today_completed",
            "1 when a daily run of today (local) completed",
            float(st.today_run is not None),
        )
        yield _gauge(
            "dondoc_daily_run_late",
            "1 when past DONDOC_DAILY_DEADLINE and today's run has not completed",
            float(st.daily_late),
        )
        if st.zalo is not None and st.zalo.access_expires_at is not None:
            yield _gauge(
                "dondoc_zalo_token_expiry_timestamp_seconds",
                "When the Zalo access token expires",
                st.zalo.access_expires_at.timestamp(),
            )
        paused = st.zalo is not None and st.zalo.paused_until is not None and st.zalo.paused_until > st.now
        yield _gauge("dondoc_zalo_paused", "1 while Zalo is paused after a refused token refresh", float(paused))
        yield _gauge("dondoc_disk_free_bytes", "Free bytes on the file system of the data folder", st.disk_free)
        yield _gauge("dondoc_disk_total_bytes", "Size of the file system of the data folder", st.disk_total)
        cycles = GaugeMetricFamily("dondoc_cycles", "Reporting cycles open and overdue", labels=["status"])
        for name, n in st.cycles.items():
            cycles.add_metric([name], n)
        yield cycles


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)
