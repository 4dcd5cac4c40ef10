"""The consolidated messages under the crash and concurrency drills (issue 11, "exactly once, still"), on
SQLite and PostgreSQL, with real processes (tests/support/worker.py): a daily run killed during dispatch
and run again, and two daily runs at once — 0 duplicate digests (never two messages to one contact on one
channel for one day), 0 lost items (every ledger step that was to be sent points to a message that was
sent and lists its cycle)."""

import os
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session
from support.recording import read_log

from config.app import build_app
from models.domain.consolidated import PENDING
from models.services.importer import import_plan
from models.store.cycle_tables import Notification, ReminderLedger

pytestmark = pytest.mark.slow
WORKER = Path(__file__).resolve().parents[1] / "support" / "worker.py"
DAYS = (date(2025, 8, 6), date(2025, 8, 20))


@pytest.fixture
def app(cli_env, plan_path):
    application = build_app()
    import_plan(application.engine, plan_path, application.runtime.directory, application.runtime.config)
    return application


def _worker(day: date, log: Path, mode: str = "both", fault: str | None = None) -> subprocess.Popen:
    args = [sys.executable, str(WORKER), day.isoformat(), str(log), mode, *([fault] if fault else [])]
    return subprocess.Popen(args, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(proc: subprocess.Popen, code: int = 0) -> None:
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == code, err[-2000:]


def _check_no_duplicate_and_nothing_lost(app, log: Path) -> dict[str, int]:  # type: ignore[no-untyped-def]
    sent = Counter(read_log(log))
    with Session(app.engine) as s:
        rows = {n.key: n for n in s.execute(select(Notification)).scalars()}
        ledger = s.execute(select(ReminderLedger.cycle_id, ReminderLedger.notification_key)).all()
    # 0 duplicate digests: one key per (day, contact, channel), each key sent (a re-send of an unknown
    # outcome keeps its key: the outbox's own rule, at most once more).
    slots = Counter((day, who, channel) for day, who, _slot, channel in (key.split(":") for key in rows))
    assert max(slots.values()) == 1, [k for k, n in slots.items() if n > 1][:5]
    assert set(sent) == set(rows) and max(sent.values()) <= 2
    # 0 lost items: nothing left waiting; every step to send points to a message that lists its cycle.
    to_send = [(cycle, key) for cycle, key in ledger if key is not None]
    assert to_send and all(key != PENDING for _, key in to_send)
    for cycle, key in to_send:
        assert key in rows and cycle in rows[key].context["cycles"], (cycle, key)
    return {"messages": len(rows), "items": len(to_send)}


@pytest.mark.parametrize("fault", ["after_claim:5", "after_send:5", "after_send:30"])
def test_killed_during_dispatch_then_rerun(app, tmp_path, fault) -> None:
    log = tmp_path / "sent.log"
    for day in DAYS:
        _finish(_worker(day, log, "both", fault), 99)  # killed mid-dispatch
        _finish(_worker(day, log, "both"))  # the next run: evaluates nothing new, sends the rest
    counts = _check_no_duplicate_and_nothing_lost(app, log)
    # About one per contact, channel and day (the slots above), not one per item: 449 messages carry
    # 6,607 items (a ledger row per cycle and recipient; 24,790 when each folded step had its own row) on
    # the shipped directory with its 92 communes.
    assert counts["messages"] * 10 < counts["items"]


def test_two_daily_runs_at_once(app, tmp_path) -> None:
    log = tmp_path / "sent.log"
    for day in DAYS:
        procs = [_worker(day, log) for _ in range(2)]
        for proc in procs:
            _finish(proc)
    _check_no_duplicate_and_nothing_lost(app, log)
    before = len(read_log(log))
    _finish(_worker(DAYS[-1], log))  # a rerun queues and sends nothing
    assert len(read_log(log)) == before
