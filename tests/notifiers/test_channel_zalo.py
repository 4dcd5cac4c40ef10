"""The Zalo channel against a local fake Zalo (ZBS send + OAuth): payload, classification, tokens, quota."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from servers.zalo import FakeZalo
from sqlalchemy import select
from sqlalchemy.engine import Engine

from config.channels import load_channels_config, parse_channels_config
from models.store.channel_tables import ProviderToken, RateBucket
from notifiers.base import AuthError, OutgoingMessage, PermanentError, RetryableError
from notifiers.ratelimit import BUCKET_DAY
from notifiers.zalo import ZaloChannel

CONFIG = load_channels_config()
PARAMS = {
    "agency": "Sở Khoa học và Công nghệ",
    "subject": "Nhiệm vụ 12",
    "title": "Xây dựng đề án chuyển đổi số",
    "label": "Tháng 12/2025",
    "due_date": "15/12/2025",
    "link": "https://dondoc.example.gov.vn/r/abc",
    "status": "reminder",  # not a template parameter: must not be sent
}


class Clock:
    """A settable clock (aware UTC)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def zalo() -> Iterator[FakeZalo]:
    with FakeZalo() as server:
        yield server  # type: ignore[misc]


def make_channel(engine: Engine, zalo: FakeZalo, *, config=None, timeout=2.0, clock=None) -> ZaloChannel:
    kwargs = {"clock": clock} if clock else {}
    return ZaloChannel(
        engine,
        app_id=zalo.app_id,
        secret_key=zalo.secret_key,
        refresh_token="refresh-0",
        api_base=zalo.url,
        oauth_base=zalo.url,
        config=config or CONFIG.zalo,
        rate=None,
        client=httpx.Client(timeout=timeout),
        **kwargs,
    )


def msg(key: str = "c1:before_7:SOKHCN:zalo", to: str = "0912 345 678", **changes) -> OutgoingMessage:
    base = dict(key=key, channel="zalo", to=to, template="reminder", params=dict(PARAMS), text="x")
    base.update(changes)
    return OutgoingMessage(**base)


def test_send_follows_the_documented_request(engine: Engine, zalo: FakeZalo) -> None:
    channel = make_channel(engine, zalo)
    result = channel.send(msg())
    assert result.transport == "zalo-zbs" and result.provider_message_id
    sends = [r for r in zalo.requests if r.path == "/message/template"]
    assert len(sends) == 1
    body = sends[0].json()
    assert sends[0].headers["access_token"].startswith("acc-")  # bare header, no "Bearer"
    assert body["phone"] == "84912345678"
    assert body["template_id"] == CONFIG.zalo.templates["reminder"].template_id
    assert body["tracking_id"] == "c1:before_7:SOKHCN:zalo"
    assert set(body["template_data"]) == {"agency", "subject", "title", "label", "due_date", "link"}
    assert body["template_data"]["agency"] == "Sở Khoa học và Công nghệ"
    # The refreshed pair was stored; the seed refresh token is spent at Zalo.
    with engine.connect() as conn:
        row = conn.execute(select(ProviderToken)).one()
    assert row.refresh_token in zalo.valid_refresh and "refresh-0" not in zalo.valid_refresh
    assert row.version == 1 and row.access_expires_at > datetime.now(UTC) + timedelta(hours=24)
    # The quota Zalo reported is kept for `dondoc channels status`.
    with engine.connect() as conn:
        quota = conn.execute(select(RateBucket).where(RateBucket.name == "zalo")).one()
    assert quota.used_today == 1 and quota.tokens == zalo.daily_quota - 1
    channel.close()


def test_long_key_gets_a_stable_48_character_tracking_id(lite_engine: Engine, zalo: FakeZalo) -> None:
    channel = make_channel(lite_engine, zalo)
    key = "c123456:overdue_14:SO-NONG-NGHIEP-PTNT#head:zalo:extra-long-part"
    channel.send(msg(key=key))
    channel.send(msg(key=key))
    ids = [r.json()["tracking_id"] for r in zalo.requests if r.path == "/message/template"]
    assert len(ids[0]) == 48 and ids[0] == ids[1] and ids[0].startswith("sha-")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"params": {k: v for k, v in PARAMS.items() if k != "link"}}, "missing-param"),
        ({"template": "no-such-kind"}, "no-template"),
        ({"to": "02083851234"}, "not-mobile"),
        ({"to": "12345"}, "invalid-phone"),
        ({"params": dict(PARAMS, link="https://x/" + "a" * 300)}, "param-too-long"),
    ],
)
def test_refused_before_any_network_call(lite_engine: Engine, zalo: FakeZalo, change: dict, code: str):
    with pytest.raises(PermanentError) as err:
        make_channel(lite_engine, zalo).send(msg(**change))
    assert err.value.code == code
    assert zalo.requests == []


def test_long_text_parameter_is_shortened_not_refused(lite_engine: Engine, zalo: FakeZalo) -> None:
    make_channel(lite_engine, zalo).send(msg(params=dict(PARAMS, title="Đề án " * 40)))
    sent = zalo.sent[0]["template_data"]["title"]
    assert len(sent) <= 100 and sent.endswith("…")


def test_unreachable_user_is_permanent(lite_engine: Engine, zalo: FakeZalo) -> None:
    zalo.unreachable.add("84912345678")
    with pytest.raises(PermanentError) as err:
        make_channel(lite_engine, zalo).send(msg())
    assert err.value.code == "-118"


@pytest.mark.parametrize("code", [-114, -119, -108])
def test_other_recipient_errors_are_permanent(lite_engine: Engine, zalo: FakeZalo, code: int) -> None:
    zalo.script.append(code)
    with pytest.raises(PermanentError):
        make_channel(lite_engine, zalo).send(msg())


def test_template_not_approved_tells_the_officer(lite_engine: Engine, zalo: FakeZalo) -> None:
    zalo.script.append(-131)
    with pytest.raises(PermanentError) as err:
        make_channel(lite_engine, zalo).send(msg())
    assert "not approved" in str(err.value) and err.value.code == "-131"


def test_quota_exhausted_waits_until_local_midnight(engine: Engine, zalo: FakeZalo) -> None:
    clock = Clock(datetime(2025, 12, 15, 3, 0, tzinfo=UTC))  # 10:00 in Hà Nội
    channel = make_channel(engine, zalo, clock=clock)
    channel.send(msg(key="k1"))
    zalo.script.append(-144)
    with pytest.raises(RetryableError) as err:
        channel.send(msg(key="k2"))
    assert err.value.retry_after == timedelta(hours=14) and err.value.code == "-144"
    # Every worker now knows: the next send makes no request until the day changes.
    before = zalo.count("/message/template")
    with pytest.raises(RetryableError):
        make_channel(engine, zalo, clock=clock).send(msg(key="k3"))
    assert zalo.count("/message/template") == before
    clock.now += timedelta(hours=14, seconds=1)  # 00:00:01 local, the next day
    assert make_channel(engine, zalo, clock=clock).send(msg(key="k3")).provider_message_id


def test_remaining_quota_zero_stops_further_sends(engine: Engine, zalo: FakeZalo) -> None:
    zalo.daily_quota = 1
    channel = make_channel(engine, zalo)
    channel.send(msg(key="k1"))
    with pytest.raises(RetryableError) as err:
        channel.send(msg(key="k2"))
    assert err.value.code == "quota" and zalo.count("/message/template") == 1


def test_our_daily_cap_holds_when_send_tokens_come_in_blocks(engine: Engine, zalo: FakeZalo) -> None:
    """Two workers, a fast rate limit (tokens in blocks of up to 32) and our cap of 3 a day: 3 sends."""
    config = parse_channels_config({"zalo": {**CONFIG.zalo.model_dump(), "daily_quota": 3}})
    workers = [make_channel(engine, zalo, config=config.zalo) for _ in range(2)]
    for channel in workers:
        channel.rate = (1e5, 1e5)
    refused = 0
    for i in range(6):
        try:
            workers[i % 2].send(msg(key=f"k{i}"))
        except RetryableError as err:
            assert err.code == "quota"
            refused += 1
    assert zalo.count("/message/template") == 3 and refused == 3
    with engine.connect() as conn:
        quota = conn.execute(
            select(RateBucket).where(RateBucket.name == "zalo", RateBucket.day != BUCKET_DAY)
        ).one()  # the day's quota row, not the send-rate bucket
    assert quota.used_today == 3


def test_quota_policy_fallback_makes_it_permanent(lite_engine: Engine, zalo: FakeZalo) -> None:
    config = parse_channels_config({"zalo": {**CONFIG.zalo.model_dump(), "quota_exhausted": "fallback"}})
    zalo.script.append(-115)
    with pytest.raises(PermanentError) as err:
        make_channel(lite_engine, zalo, config=config.zalo).send(msg())
    assert err.value.code == "-115"


def test_5xx_then_success(lite_engine: Engine, zalo: FakeZalo) -> None:
    channel = make_channel(lite_engine, zalo)
    zalo.script.append(("http", 502))
    with pytest.raises(RetryableError) as err:
        channel.send(msg())
    assert err.value.code == "http-502"
    assert channel.send(msg()).provider_message_id


def test_200_with_unknown_error_is_retryable(lite_engine: Engine, zalo: FakeZalo) -> None:
    zalo.script.append(-100)
    with pytest.raises(RetryableError):
        make_channel(lite_engine, zalo).send(msg())


def test_timeout_is_retryable_and_says_outcome_unknown(lite_engine: Engine, zalo: FakeZalo) -> None:
    channel = make_channel(lite_engine, zalo, timeout=0.3)
    channel.tokens.access_token()  # refresh outside the timed part
    zalo.script.append(("sleep", 1.0))
    with pytest.raises(RetryableError) as err:
        channel.send(msg())
    assert err.value.code == "outcome-unknown"


def test_unreachable_server_is_retryable(lite_engine: Engine) -> None:
    zalo = FakeZalo()  # never started: connection refused
    zalo.stop()
    with pytest.raises(RetryableError) as err:
        make_channel(lite_engine, zalo).send(msg())
    assert err.value.code == "refresh-unreachable"


def test_token_expired_mid_batch_is_refreshed_once(engine: Engine, zalo: FakeZalo) -> None:
    channel = make_channel(engine, zalo)
    for i in range(3):
        channel.send(msg(key=f"k{i}"))
    zalo.expire_access()  # Zalo drops the token before its announced expiry
    for i in range(3, 6):
        channel.send(msg(key=f"k{i}"))
    assert zalo.refreshes == 2 and len(zalo.sent) == 6
    with engine.connect() as conn:
        assert conn.execute(select(ProviderToken.version)).scalar() == 2


def test_token_is_refreshed_ahead_of_expiry(engine: Engine, zalo: FakeZalo) -> None:
    clock = Clock(datetime(2025, 12, 15, 1, 0, tzinfo=UTC))
    channel = make_channel(engine, zalo, clock=clock)
    channel.send(msg(key="k1"))
    clock.now += timedelta(hours=24, minutes=30)  # 30 min left of 25 h: under the 60 min margin
    channel.send(msg(key="k2"))
    assert zalo.refreshes == 2
    # The server never refused a token here: the second refresh came from the clock, before the send.
    tokens = [r.headers["access_token"] for r in zalo.requests if r.path == "/message/template"]
    assert len(tokens) == 2 and tokens[0] != tokens[1]


def test_refused_again_after_refresh_is_auth_error(lite_engine: Engine, zalo: FakeZalo) -> None:
    zalo.script.extend([-124, -124])
    with pytest.raises(AuthError):
        make_channel(lite_engine, zalo).send(msg())
    assert zalo.refreshes == 2  # the initial token, then exactly one refresh after the refusal


def test_refused_refresh_token_records_the_error(engine: Engine, zalo: FakeZalo) -> None:
    zalo.valid_refresh = {"another"}
    with pytest.raises(AuthError) as err:
        make_channel(engine, zalo).send(msg())
    assert err.value.code == "refresh-refused"
    with engine.connect() as conn:
        last_error = conn.execute(select(ProviderToken.last_error)).scalar()
    assert "refresh refused" in last_error and "refresh-0" not in last_error
    assert zalo.count("/message/template") == 0


def test_message_status_poll(lite_engine: Engine, zalo: FakeZalo) -> None:
    channel = make_channel(lite_engine, zalo)
    msg_id = channel.send(msg()).provider_message_id
    status = channel.message_status(msg_id or "")
    assert status.delivered and status.delivery_time is not None


def test_refused_refresh_opens_the_circuit_for_every_process(engine: Engine, zalo: FakeZalo) -> None:
    """Issue 15 item 6: 6 messages × 5 tries with a refused refresh token made 30 OAuth calls; now the
    first refusal pauses Zalo (shared through the token row) and nothing else calls Zalo until the pause
    ends or the credentials change."""
    zalo.valid_refresh = {"another"}  # the OA was re-authorised elsewhere: our refresh token is refused
    clock = Clock(datetime(2025, 12, 15, 1, 0, tzinfo=UTC))
    workers = [make_channel(engine, zalo, clock=clock) for _ in range(2)]  # two processes, one table
    errors: list[AuthError] = []
    for attempt in range(5):
        for i in range(6):
            with pytest.raises(AuthError) as err:
                workers[(attempt + i) % 2].send(msg(key=f"k{i}"))
            errors.append(err.value)
        clock.now += timedelta(minutes=2)  # the outbox's backoff: still inside the 30 min pause
    assert zalo.refreshes == 1 and zalo.count("/message/template") == 0  # 30 refreshes before the breaker
    from notifiers.zalo_tokens import ZaloAuthPaused, token_status

    assert errors[0].code == "refresh-refused"
    paused = errors[1:]
    assert all(isinstance(e, ZaloAuthPaused) and e.code == "auth-paused" for e in paused)
    assert all(e.retry_after and e.retry_after > timedelta(0) for e in paused)  # the outbox waits
    status = token_status(engine)
    assert status.paused_until == datetime(2025, 12, 15, 1, 30, tzinfo=UTC)
    assert status.last_error.startswith("2025-12-15T01:00:00")  # recorded once, at the refusal
    # After the pause, one probe (single-flight) — refused again: paused again, one more call only.
    clock.now = datetime(2025, 12, 15, 1, 31, tzinfo=UTC)
    for i in range(6):
        with pytest.raises(AuthError):
            workers[i % 2].send(msg(key=f"k{i}"))
    assert zalo.refreshes == 2
    # An officer re-authorises: a new refresh token in the environment ends the pause at once.
    fresh = make_channel(engine, zalo, clock=clock)
    fresh.tokens.seed = "another"
    assert fresh.send(msg(key="k0")).provider_message_id
    assert zalo.refreshes == 3 and token_status(engine).paused_until is None
    for i in range(1, 6):
        assert workers[i % 2].send(msg(key=f"k{i}")).provider_message_id  # the others follow the row
    assert zalo.refreshes == 3 and len(zalo.sent) == 6


def test_refresh_refused_ahead_of_expiry_keeps_using_the_current_token(lite_engine: Engine, zalo: FakeZalo) -> None:
    clock = Clock(datetime(2025, 12, 15, 1, 0, tzinfo=UTC))
    channel = make_channel(lite_engine, zalo, clock=clock)
    channel.send(msg(key="k0"))
    zalo.valid_refresh = set()  # from now on every refresh is refused
    clock.now += timedelta(hours=24, minutes=30)  # 30 min left: under the margin, not expired
    for i in range(1, 4):
        channel.send(msg(key=f"k{i}"))
    # one refused refresh (the row's token, then the environment's once), and the sends still went
    assert zalo.refreshes == 3 and len(zalo.sent) == 4
