"""Delivery reports through the web router: Zalo webhook (MAC, both id variants, idempotent) and eSMS
callbacks (a secret in the callback URL, their own channel's rows only), bounded bodies, against both
database backends."""

import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from servers.asgi import serve
from servers.esms import FakeEsms
from servers.zalo import signed_event
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from config.settings import Settings
from models.domain.clock import utcnow
from models.store.channel_tables import DeliveryEvent
from models.store.cycle_tables import Notification
from notifiers.http import short_id
from web.webhooks import hook_engine, hook_settings, refusals, router

APP_ID, OA_ID, SECRET = "app-1", "oa-9", "oa-secret-key"
CALLBACK_SECRET = "cb-secret-0123456789abcdef"
ESMS = f"/hooks/sms/esms/{CALLBACK_SECRET}"


class Current:
    """What the module's one server uses for the running test (its database, its settings)."""

    engine: Engine | None = None
    settings = Settings(
        zalo_app_id=APP_ID,
        zalo_oa_id=OA_ID,
        zalo_webhook_secret=SECRET,
        sms_callback_secret=CALLBACK_SECRET,
        database_url="sqlite://",
    )


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    app = FastAPI()
    app.include_router(router)
    app.dependency_overrides[hook_settings] = lambda: Current.settings
    app.dependency_overrides[hook_engine] = lambda: Current.engine
    with serve(app) as url:
        yield url


@pytest.fixture
def client(engine: Engine, base_url: str) -> Iterator[httpx.Client]:
    refusals.reset()  # each test sees its first refusal logged
    Current.engine = engine
    with httpx.Client(base_url=base_url, timeout=5) as http:
        yield http
    Current.engine = None


def add_notification(
    engine: Engine, key: str, *, channel: str = "zalo", msg_id: str | None = None, status: str = "sent"
) -> int:
    now = utcnow()
    row = Notification(
        key=key,
        step="before_7",
        recipient="SOKHCN",
        channel=channel,
        address="0912345678",
        status=status,
        next_attempt_at=now,
        created_at=now,
        provider_message_id=msg_id,
    )
    with Session(engine) as session:
        session.add(row)
        session.commit()
        return int(row.id or 0)


def get(engine: Engine, nid: int) -> Notification:
    with Session(engine) as session:
        row = session.get(Notification, nid)
        assert row is not None
        return row


def events(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(DeliveryEvent)).scalar() or 0)


DELIVERED_MS = 1765780200000  # 2025-12-15 06:30:00 UTC


@pytest.mark.parametrize("first_id", [APP_ID, OA_ID])
def test_good_mac_marks_delivered(client: httpx.Client, engine: Engine, first_id: str) -> None:
    nid = add_notification(engine, "c1:before_7:SOKHCN:zalo", msg_id="m-1")
    body, headers = signed_event(
        msg_id="m-1",
        tracking_id="c1:before_7:SOKHCN:zalo",
        first_id=first_id,
        secret=SECRET,
        delivery_ms=DELIVERED_MS,
    )
    start = time.perf_counter()
    answer = client.post("/hooks/zalo", content=body, headers=headers)
    assert time.perf_counter() - start < 2.0
    assert answer.status_code == 200
    assert answer.json()["mac"] == ("app_id" if first_id == APP_ID else "oa_id")
    row = get(engine, nid)
    assert row.status == "delivered"
    assert row.delivered_at == datetime(2025, 12, 15, 6, 30, tzinfo=UTC)


def test_bad_mac_is_refused_and_changes_nothing(client: httpx.Client, engine: Engine) -> None:
    nid = add_notification(engine, "k-bad", msg_id="m-2")
    body, headers = signed_event(msg_id="m-2", tracking_id="k-bad", first_id=APP_ID, secret="wrong")
    assert client.post("/hooks/zalo", content=body, headers=headers).status_code == 401
    assert client.post("/hooks/zalo", content=body).status_code == 401  # no header at all
    tampered = body.replace(b"m-2", b"m-3")
    good_body, good_headers = signed_event(msg_id="m-2", tracking_id="k-bad", first_id=APP_ID, secret=SECRET)
    assert client.post("/hooks/zalo", content=tampered, headers=good_headers).status_code == 401
    assert get(engine, nid).status == "sent" and events(engine) == 0
    assert good_body  # the untampered body would have been accepted


def test_duplicate_event_is_idempotent(client: httpx.Client, engine: Engine) -> None:
    nid = add_notification(engine, "k-dup", msg_id="m-4")
    body, headers = signed_event(
        msg_id="m-4", tracking_id="k-dup", first_id=APP_ID, secret=SECRET, delivery_ms=DELIVERED_MS
    )
    assert client.post("/hooks/zalo", content=body, headers=headers).json()["result"] == "updated"
    assert client.post("/hooks/zalo", content=body, headers=headers).json()["result"] == "duplicate"
    assert events(engine) == 1 and get(engine, nid).status == "delivered"


def test_found_by_tracking_id_before_the_outbox_recorded_the_msg_id(client: httpx.Client, engine: Engine) -> None:
    short = add_notification(engine, "c7:due:SOTC:zalo", status="sending")
    long_key = "c123456:overdue_14:SO-NONG-NGHIEP-PTNT#head:zalo:extra-long-part"
    long = add_notification(engine, long_key, status="failed")  # timed out, yet it arrived
    for nid, tracking, msg_id in ((short, "c7:due:SOTC:zalo", "m-5"), (long, short_id(long_key), "m-6")):
        body, headers = signed_event(msg_id=msg_id, tracking_id=tracking, first_id=APP_ID, secret=SECRET)
        assert client.post("/hooks/zalo", content=body, headers=headers).json()["result"] == "updated"
        row = get(engine, nid)
        assert row.status == "delivered" and row.provider_message_id == msg_id


def test_other_events_and_unknown_messages(client: httpx.Client, engine: Engine) -> None:
    body, headers = signed_event(
        msg_id="m-x", tracking_id="nobody", first_id=APP_ID, secret=SECRET, event_name="user_send_text"
    )
    assert client.post("/hooks/zalo", content=body, headers=headers).json()["result"] == "ignored"
    body, headers = signed_event(msg_id="m-y", tracking_id="nobody", first_id=APP_ID, secret=SECRET)
    assert client.post("/hooks/zalo", content=body, headers=headers).json()["result"] == "unmatched"


def test_unconfigured_secret_refuses(client: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Current, "settings", Settings(database_url="sqlite://"))
    body, headers = signed_event(msg_id="m", tracking_id="t", first_id=APP_ID, secret=SECRET)
    assert client.post("/hooks/zalo", content=body, headers=headers).status_code == 503


def test_esms_callbacks(client: httpx.Client, engine: Engine) -> None:
    fake = FakeEsms()  # only for its callback shape; not started
    ok = add_notification(engine, "c1:before_7:SOKHCN:sms", channel="sms", msg_id="sms-1")
    bad = add_notification(engine, "c2:before_7:SOKHCN:sms", channel="sms", msg_id="sms-2")
    answer = client.get(ESMS, params=fake.callback_params("sms-1", "5"))
    assert answer.status_code == 200 and answer.text == "OK updated"
    assert client.get(ESMS, params=fake.callback_params("sms-1", "5")).text == "OK duplicate"
    assert client.get(ESMS, params=fake.callback_params("sms-2", "4")).text == "OK updated"
    assert get(engine, ok).status == "delivered" and get(engine, ok).delivered_at is not None
    rejected = get(engine, bad)
    assert rejected.status == "dead" and rejected.error_class == "permanent"
    assert client.get(ESMS, params=fake.callback_params("unknown", "5")).text == "OK unmatched"
    assert client.get(f"/hooks/sms/other/{CALLBACK_SECRET}", params={"x": "1"}).status_code == 404
    with engine.connect() as conn:
        raws = conn.execute(select(DeliveryEvent.raw)).scalars().all()
    assert raws and all("0901888484" not in raw for raw in raws)  # the phone number is not kept


# Issue 15 #7: the callback was open to anyone and matched any channel's rows.


@pytest.mark.parametrize(
    "path",
    ["/hooks/sms/esms", "/hooks/sms/esms/wrong-secret-0123456789", f"/hooks/sms/esms/{CALLBACK_SECRET[:-1]}"],
)
def test_esms_callback_without_the_secret_is_refused(
    client: httpx.Client, engine: Engine, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    nid = add_notification(engine, "c1:before_7:SOKHCN:sms", channel="sms", msg_id="sms-1")
    caplog.set_level(logging.INFO, logger="dondoc")
    for _ in range(3):
        answer = client.get(path, params=FakeEsms().callback_params("sms-1", "4"))
        assert answer.status_code == 403
    assert get(engine, nid).status == "sent" and events(engine) == 0
    logged = " ".join(r.getMessage() for r in caplog.records if r.name.startswith("dondoc"))
    assert "refused" in logged and "0901888484" not in logged and "sms-1" not in logged
    assert CALLBACK_SECRET[:12] not in logged and "wrong-secret" not in logged, logged


def test_esms_callback_refused_when_no_secret_is_configured(
    client: httpx.Client, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Current, "settings", Settings(**{**Current.settings.model_dump(), "sms_callback_secret": None}))
    nid = add_notification(engine, "c1:before_7:SOKHCN:sms", channel="sms", msg_id="sms-1")
    for path in ("/hooks/sms/esms", "/hooks/sms/esms/x", ESMS, "/hooks/sms/esms/None"):
        assert client.get(path, params=FakeEsms().callback_params("sms-1", "4")).status_code == 403
    assert get(engine, nid).status == "sent" and events(engine) == 0


def test_esms_callback_matches_sms_rows_only(client: httpx.Client, engine: Engine) -> None:
    """A Zalo row with the same provider id (or key) is not touched by an SMS report."""
    zalo = add_notification(engine, "c1:before_7:SOKHCN:zalo", channel="zalo", msg_id="shared-id")
    answer = client.get(ESMS, params=FakeEsms().callback_params("shared-id", "4"))
    assert answer.status_code == 200 and answer.text == "OK unmatched"
    assert get(engine, zalo).status == "sent"
    sms = add_notification(engine, "c1:before_7:SOKHCN:sms", channel="sms", msg_id="shared-id")
    assert client.get(ESMS, params=FakeEsms().callback_params("shared-id", "4")).text == "OK updated"
    assert get(engine, zalo).status == "sent" and get(engine, sms).status == "dead"


def test_zalo_event_matches_zalo_rows_only(client: httpx.Client, engine: Engine) -> None:
    sms = add_notification(engine, "k-sms", channel="sms", msg_id="m-sms")
    body, headers = signed_event(msg_id="m-sms", tracking_id="k-sms", first_id=APP_ID, secret=SECRET)
    assert client.post("/hooks/zalo", content=body, headers=headers).json()["result"] == "unmatched"
    assert get(engine, sms).status == "sent"


def test_callback_bodies_are_bounded(client: httpx.Client, engine: Engine) -> None:
    big = b'{"event_name": "user_received_message", "pad": "' + b"x" * 200_000 + b'"}'
    assert client.post("/hooks/zalo", content=big).status_code == 413
    params = {**FakeEsms().callback_params("sms-1", "5"), "junk": "y" * 10_000}
    assert client.get(ESMS, params=params).status_code == 414
    assert events(engine) == 0
    add_notification(engine, "c1:before_7:SOKHCN:sms", channel="sms", msg_id="sms-1")
    params = {**FakeEsms().callback_params("sms-1", "5"), "junk": "y" * 500}
    assert client.get(ESMS, params=params).text == "OK updated"
    with engine.connect() as conn:
        [raw] = conn.execute(select(DeliveryEvent.raw)).scalars().all()
    assert "junk" not in raw and "SendStatus" in raw  # only the fields eSMS documents are kept


def test_callback_url_given_to_the_gateway_carries_the_secret() -> None:
    from config.channels import load_channels_config
    from notifiers.sms import SmsChannel

    base = {
        "database_url": "sqlite://",
        "sms_gateway": "esms",
        "sms_api_key": "k",
        "sms_secret_key": "s",
        "sms_brandname": "SOKHCN-TN",
        "sms_callback_url": "https://dondoc.example.gov.vn/hooks/sms/esms",
    }
    config = load_channels_config(None)
    signed = SmsChannel.from_settings(Settings(**base, sms_callback_secret=CALLBACK_SECRET), None, config)
    assert signed.gateway.callback_url == f"https://dondoc.example.gov.vn/hooks/sms/esms/{CALLBACK_SECRET}"
    unsigned = SmsChannel.from_settings(Settings(**base), None, config)
    assert unsigned.gateway.callback_url is None  # it would be refused: no report is asked for


def test_callback_secret_must_be_long_and_url_safe() -> None:
    from pydantic import ValidationError

    for bad in ("short", "has a space in it 1234", "slash/in/the/secret/1234"):
        with pytest.raises(ValidationError):
            Settings(database_url="sqlite://", sms_callback_secret=bad)
    assert Settings(database_url="sqlite://", sms_callback_secret=CALLBACK_SECRET).sms_callback_secret
