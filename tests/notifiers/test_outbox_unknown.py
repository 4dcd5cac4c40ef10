"""An unknown outcome is a state of its own; ``attempts`` counts real tries; a slow provider delays only
its own channel. Issue 15, items 2–4, on SQLite and PostgreSQL:

- a provider slower than the timeout gets each message at most twice (``resend_once``) or once
  (``assume_sent``); the row ends *unconfirmed*, never *dead*, and never falls back to SMS;
- a worker killed between the provider's acceptance and the record re-sends it at most once
  (``resend_once``) or never (``assume_sent``, the row then listed as unconfirmed);
- claims that never reached the provider (killed right after claiming, lease expiry) spend no try.
"""

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from servers.zalo import FakeZalo
from sqlalchemy import select, update
from sqlmodel import Session
from support.recording import read_log

from config.app import build_app
from models.domain.masking import mask_address
from models.domain.states import NOTIFICATION_TEXT, NotificationStatus
from models.services.daily import evaluate_day
from models.services.importer import import_plan
from models.services.listings import outbox_rows
from models.store.cycle_tables import Notification
from notifiers.base import OutgoingMessage, RetryableError, SendResult
from notifiers.outbox import Outbox
from notifiers.zalo import ZaloChannel

WORKER = Path(__file__).resolve().parents[1] / "support" / "worker.py"
DAY = date(2025, 8, 6)


@pytest.fixture
def app(cli_env, plan_path):  # type: ignore[no-untyped-def]
    application = build_app()
    import_plan(application.engine, plan_path, application.runtime.directory, application.runtime.config)
    return application


@pytest.fixture
def zalo() -> Iterator[FakeZalo]:
    with FakeZalo() as server:
        yield server  # type: ignore[misc]


def _outbox(app, channels, **kw) -> Outbox:  # type: ignore[no-untyped-def]
    box = app.outbox(channels=channels, **kw)
    box.window = None
    box.divert = {}  # the demo contacts go through the test's channels on purpose
    return box


def _keep(app, n: int) -> list[int]:  # type: ignore[no-untyped-def]
    """Queue a day's messages and leave only the first ``n`` pending (the rest marked sent)."""
    evaluate_day(app.runtime, date(2025, 7, 1))
    with Session(app.engine) as s:
        ids = s.execute(select(Notification.id).order_by(Notification.id)).scalars().all()[:n]
        s.execute(update(Notification).where(Notification.id.not_in(ids)).values(status="sent"))  # type: ignore[union-attr]
        s.commit()
    return list(ids)


def _rows(app, ids: list[int]) -> list[Notification]:  # type: ignore[no-untyped-def]
    with Session(app.engine) as s:
        return list(s.execute(select(Notification).where(Notification.id.in_(ids)).order_by(Notification.id)).scalars())  # type: ignore[union-attr]


def _due_now(app, box: Outbox) -> None:  # type: ignore[no-untyped-def]
    """Time passes: every waiting row is due (the tests do not sleep through backoffs)."""
    with Session(app.engine) as s:
        s.execute(update(Notification).values(next_attempt_at=box.clock()))
        s.commit()


def _slow_zalo(app, zalo: FakeZalo, timeout: float) -> ZaloChannel:  # type: ignore[no-untyped-def]
    return ZaloChannel(
        app.engine,
        app_id=zalo.app_id,
        secret_key=zalo.secret_key,
        refresh_token="refresh-0",
        api_base=zalo.url,
        oauth_base=zalo.url,
        rate=None,
        client=httpx.Client(timeout=timeout),
    )


def _copies(zalo: FakeZalo) -> Counter:
    time.sleep(0.5)  # the fake finishes the requests the client stopped waiting for
    return Counter(m["tracking_id"] for m in zalo.sent)


@pytest.mark.parametrize(("policy", "copies"), [("resend_once", 2), ("assume_sent", 1)])
def test_provider_slower_than_the_timeout_is_never_dead_nor_falls_back(app, zalo, policy, copies) -> None:
    """Zalo accepts every message but answers after the timeout. Before: 5 copies each, then *dead*,
    then the SMS fallback too. Now: at most one re-send with the same tracking_id (none with
    assume_sent); the row ends "đã gửi, chưa rõ kết quả" (unconfirmed), no fallback row."""
    ids = _keep(app, 3)
    zalo.script = [("sleep", 0.6)] * 30
    channel = _slow_zalo(app, zalo, timeout=0.3)
    box = _outbox(app, {"zalo": channel}, on_unknown={"zalo": policy})
    try:
        first = box.dispatch()
        rows = _rows(app, ids)
        assert first.unknown + first.unconfirmed == 3 and first.dead == 0
        if policy == "resend_once":
            # waits longer than a plain retry before the re-send (15 minutes by default, jittered)
            assert all(r.status == NotificationStatus.unknown for r in rows)
            assert all(r.next_attempt_at >= box.clock() + timedelta(minutes=7) for r in rows)
        for _ in range(6):
            _due_now(app, box)
            box.dispatch()
    finally:
        channel.close()
    rows = _rows(app, ids)
    assert [r.status for r in rows] == [NotificationStatus.unconfirmed] * 3
    assert all(r.unknown_sends == copies and r.attempts == copies for r in rows)
    assert all(r.error_class == "unknown" for r in rows)
    with Session(app.engine) as s:
        assert s.execute(select(Notification).where(Notification.fallback_of.in_(ids))).first() is None  # type: ignore[union-attr]
    assert sorted(_copies(zalo).values()) == [copies] * 3
    assert NOTIFICATION_TEXT[NotificationStatus.unconfirmed] == "Đã gửi, chưa rõ kết quả"
    listed = outbox_rows(app.engine, mask=mask_address, status="unconfirmed")
    assert len(listed) == 3 and all(r["unknown_sends"] == copies for r in listed)


def test_a_late_answer_after_an_unknown_outcome_confirms_the_row(app, zalo) -> None:
    """Unknown once, then the re-send with the same key is answered in time: *sent*, two tries."""
    ids = _keep(app, 1)
    zalo.script = [("sleep", 0.6)]
    channel = _slow_zalo(app, zalo, timeout=0.3)
    box = _outbox(app, {"zalo": channel})
    try:
        box.dispatch()
        _due_now(app, box)
        box.dispatch()
    finally:
        channel.close()
    (row,) = _rows(app, ids)
    assert row.status == NotificationStatus.sent and row.attempts == 2 and row.unknown_sends == 1


class Slow:
    """A provider that never answers within the timeout (outcome unknown after ``delay`` seconds)."""

    transport = "slow"

    def __init__(self, name: str, delay: float) -> None:
        self.name = name
        self.delay = delay

    def send(self, message: OutgoingMessage) -> SendResult:
        time.sleep(self.delay)
        raise RetryableError("no answer (ReadTimeout); outcome unknown", code="outcome-unknown")


class Timed:
    """Accepts at once and notes when (seconds since ``t0``)."""

    transport = "timed"

    def __init__(self, name: str) -> None:
        self.name = name
        self.t0 = time.monotonic()
        self.at: list[float] = []
        self.lock = threading.Lock()

    def send(self, message: OutgoingMessage) -> SendResult:
        with self.lock:
            self.at.append(time.monotonic() - self.t0)
        return SendResult(self.transport, message.key[:64])


def test_one_slow_channel_delays_neither_other_channels_nor_its_own_other_recipients(app) -> None:
    """Before: one send at a time — 3 Zalo timeouts (0.5 s each) before the SMS rows queued after them
    (≈ 1.5 s), 60 s a pass for 6 messages in the report. Now each channel has its own lane and up to
    ``concurrency`` (config/channels.yaml, 4) sends in flight: the SMS rows go at once and the three
    Zalo timeouts overlap."""
    ids = _keep(app, 6)
    with Session(app.engine) as s:
        s.execute(update(Notification).where(Notification.id.in_(ids[3:])).values(channel="sms"))  # type: ignore[union-attr]
        s.commit()
    sms = Timed("sms")
    box = _outbox(app, {"zalo": Slow("zalo", 0.5), "sms": sms})
    start = time.monotonic()
    sms.t0 = start
    stats = box.dispatch()
    took = time.monotonic() - start
    assert stats.sent == 3 and stats.unknown == 3
    assert len(sms.at) == 3 and max(sms.at) < 0.4  # not behind any Zalo timeout
    assert took < 1.2  # the three Zalo timeouts overlapped


def _run_worker(log: Path, mode: str, fault: str | None = None, **env: str) -> subprocess.CompletedProcess:
    args = [sys.executable, str(WORKER), DAY.isoformat(), str(log), mode, *([fault] if fault else [])]
    return subprocess.run(args, env={**os.environ, **env}, capture_output=True, text=True)


@pytest.mark.parametrize("fault", ["after_send:1", "after_send:9"])
def test_assume_sent_never_resends_after_a_crash_mid_send_and_lists_the_row(app, tmp_path, fault) -> None:
    """Killed between the provider's acceptance and the record, with on_unknown=assume_sent: the rerun
    sends nothing twice; the one message whose outcome is unknown is *unconfirmed* and listed. Before,
    it was re-sent (a duplicate the person sees)."""
    log = tmp_path / "sent.log"
    assert _run_worker(log, "evaluate").returncode == 0
    policy = {"DONDOC_TEST_ON_UNKNOWN": "assume_sent"}
    crashed = _run_worker(log, "dispatch", fault, **policy)
    assert crashed.returncode == 99, crashed.stderr[-2000:]
    in_flight = read_log(log)[-1]
    rerun = _run_worker(log, "dispatch", **policy)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    sent = Counter(read_log(log))
    with Session(app.engine) as s:
        rows = {n.key: n for n in s.execute(select(Notification)).scalars()}
    assert set(sent) == set(rows) and max(sent.values()) == 1  # nothing lost, no duplicate
    assert rows[in_flight].status == NotificationStatus.unconfirmed and rows[in_flight].attempts == 1
    assert Counter(n.status for n in rows.values()) == Counter({"sent": len(rows) - 1, "unconfirmed": 1})
    listed = outbox_rows(app.engine, mask=mask_address, status="unconfirmed")
    assert [r["key"] for r in listed] == [in_flight]


def test_claims_that_never_reached_the_provider_spend_no_try(app) -> None:
    """Five workers die right after claiming (their leases run out), then the provider answers 451 once.
    Before: ``attempts`` was counted at claim time — 6 "tries" after one real one, all rows *dead*.
    Now the rows are recovered without a try, fail once and wait for their second try."""
    ids = _keep(app, 6)
    for _ in range(5):
        dead_worker = _outbox(app, {})
        dead_worker.recover()  # the previous one's claims come back (no try)
        assert sorted(dead_worker.claim()) == ids
        with Session(app.engine) as s:  # its lease runs out
            s.execute(update(Notification).values(claimed_at=dead_worker.clock() - timedelta(hours=1)))
            s.commit()
    zalo = Flaky("zalo", [RetryableError("smtp: 451 4.7.1 Try again later", code="451")] * 6)
    stats = _outbox(app, {"zalo": zalo}, max_attempts=5).dispatch()
    assert stats.recovered == 6 and stats.retry == 6 and stats.dead == 0
    rows = _rows(app, ids)
    assert [(r.status, r.attempts) for r in rows] == [(NotificationStatus.failed, 1)] * 6
    _due_now(app, _outbox(app, {}))
    assert _outbox(app, {"zalo": zalo}).dispatch().sent == 6
    assert [(r.status, r.attempts) for r in _rows(app, ids)] == [("sent", 2)] * 6


class Flaky:
    """Fails with the given errors in turn, then succeeds."""

    transport = "flaky"

    def __init__(self, name: str, errors: list[Exception]) -> None:
        self.name = name
        self.errors = list(errors)
        self.lock = threading.Lock()

    def send(self, message: OutgoingMessage) -> SendResult:
        with self.lock:
            error = self.errors.pop(0) if self.errors else None
        if error:
            raise error
        return SendResult(transport=self.transport, provider_message_id="ok")
