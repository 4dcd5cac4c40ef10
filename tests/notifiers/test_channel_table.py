"""Adding a channel is one module plus one line in the channel table (``notifiers/table.py``).

This file is that module: a webhook channel that POSTs each message as JSON to an agency's endpoint (a
real HTTP server on loopback here). The one line is ``register(ChannelEntry(WEBHOOK, factory))`` — the
fixture's ``register`` call. Nothing else in dondoc is touched: the daily run picks the channel from the
configured order, the outbox rows carry the body the spec names, the registry builds the channel from
the factory, the outbox sends through it, a permanent failure falls back to the next channel with the
message re-rendered for it, the officers' views label it, and ``dondoc channels test`` offers it.
"""

import json
from collections import Counter
from datetime import date
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from servers.base import FakeServer, Reply, Request
from sqlalchemy import func, select
from sqlmodel import Session
from typer.testing import CliRunner

from config.app import App, build_app
from config.settings import get_settings
from models.domain.channels import ChannelSpec
from models.services import officer_views
from models.services.daily import evaluate_day
from models.services.importer import import_plan
from models.store.cycle_tables import Notification
from notifiers.base import OutgoingMessage, SendResult
from notifiers.http import http_send, json_body, short_id
from notifiers.registry import build_channels, close_channels
from notifiers.table import CHANNELS, ChannelEntry, register, unregister

DAY = date(2025, 8, 6)
REFUSED = "so-tu-phap"  # the endpoint of this agency answers 410 Gone: a permanent failure

# --- the module: a webhook channel (what a new notifiers/webhook.py would hold) ----------------------

WEBHOOK = ChannelSpec("webhook", "Webhook", address="recipient", body="text")


class WebhookChannel:
    """POST ``{"key", "to", "subject", "text", "link"}`` to ``<base>/<recipient>`` (``so-x``, ``so-x#head``)."""

    name = "webhook"
    transport = "webhook-json"

    def __init__(self, base_url: str) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=5)

    def send(self, message: OutgoingMessage) -> SendResult:
        payload = {"key": message.key, "to": message.to, "subject": message.subject, "text": message.text}
        payload["link"] = message.link
        response = http_send(
            "webhook",
            lambda: self.client.post(
                f"/{message.to}", json=payload, headers={"Idempotency-Key": short_id(message.key)}
            ),
        )
        return SendResult(transport=self.transport, provider_message_id=str(json_body("webhook", response)["id"]))

    def close(self) -> None:
        self.client.close()


# --- the tests ----------------------------------------------------------------------------------------


class Endpoints(FakeServer):
    """Every agency's webhook endpoint; one agency's is gone."""

    def route(self, request: Request) -> Reply:
        if unquote(request.path).startswith(f"/{REFUSED}"):
            return Reply(410, {"error": "gone"})
        return Reply(200, {"id": len(self.requests)})


@pytest.fixture
def endpoints() -> Any:
    with Endpoints() as server:
        yield server


@pytest.fixture
def webhook(endpoints: Endpoints, cli_env: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The one line: the channel in the table (removed again after the test)."""
    register(ChannelEntry(WEBHOOK, lambda settings, engine, config: WebhookChannel(endpoints.url)))
    monkeypatch.setenv("DONDOC_CHANNEL_ORDER", '["webhook", "email"]')
    get_settings.cache_clear()
    yield
    unregister("webhook")


@pytest.fixture
def app(webhook: None, plan_path: Any) -> App:
    application = build_app()
    import_plan(application.engine, plan_path, application.runtime.directory, application.runtime.config)
    return application


def test_a_registered_channel_carries_the_daily_run(app: App, endpoints: Endpoints) -> None:
    assert "webhook" in CHANNELS and app.runtime.channels["webhook"] == WEBHOOK
    report = evaluate_day(app.runtime, DAY)
    assert report.queued > 0
    with Session(app.engine) as session:
        queued = dict(session.execute(select(Notification.channel, func.count()).group_by(Notification.channel)).all())
        row = session.execute(select(Notification).where(Notification.channel == "webhook").limit(1)).scalar_one()
    assert set(queued) == {"webhook"}  # every contact is reachable by its code: the first channel serves all
    assert (
        row.address == row.recipient and row.body_html is None and row.params == {}
    )  # body="text", address="recipient"

    channels = build_channels(app.settings, app.engine)
    assert isinstance(channels["webhook"], WebhookChannel)
    try:
        stats = app.outbox(channels=channels, window=None).dispatch()
    finally:
        close_channels(channels)

    received = [r.json() for r in endpoints.requests]
    delivered = [r for r in received if not r["to"].startswith(REFUSED)]
    assert stats.sent >= len(delivered) > 0
    assert all(r["text"] and r["link"] and r["link"].startswith("http://127.0.0.1:8000/r/") for r in received)
    assert len({r["key"] for r in received}) == len(received)  # each message once

    with Session(app.engine) as session:
        rows = session.execute(select(Notification)).scalars().all()
    by_status = Counter((n.channel, n.status) for n in rows)
    assert by_status[("webhook", "sent")] == len(delivered)
    # The refused agency's messages fell back to the next channel of the order, rendered for email.
    dead = [n for n in rows if n.channel == "webhook" and n.status == "dead"]
    fallbacks = [n for n in rows if n.channel == "email"]
    assert dead and len(fallbacks) == len(dead)
    assert all(n.recipient.startswith(REFUSED) for n in dead)
    assert all(n.body_html and "@" in n.address and n.template for n in fallbacks)


def test_views_and_cli_read_the_table(app: App) -> None:
    evaluate_day(app.runtime, DAY)
    with Session(app.engine) as session:
        first = session.execute(select(Notification.id).order_by(Notification.id).limit(1)).scalar_one()
        session.get(Notification, first).status = "dead"  # type: ignore[union-attr]
        session.commit()
    dead = officer_views.dead_messages(app.runtime, mask=lambda address: "***")
    assert [d.channel for d in dead] == ["Webhook"]  # the label from the spec

    from cli.channels import app as channels_cli

    result = CliRunner().invoke(channels_cli, ["test", "--channel", "webhook", "--to", "so-khcn", "--json"])
    out = json.loads(result.stdout)
    assert result.exit_code == 0 and out["ok"] and out["transport"] == "webhook-json"


def test_an_unknown_channel_is_refused_by_the_cli(cli_env: str) -> None:
    from cli.channels import app as channels_cli

    result = CliRunner().invoke(channels_cli, ["test", "--channel", "webhook", "--to", "x", "--json"])
    assert result.exit_code == 2 and "zalo, sms, email" in result.output
