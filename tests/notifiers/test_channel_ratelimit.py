"""Shared rate limits and daily quotas: several threads and processes together never exceed them."""

import json
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from models.store.channel_tables import RateBucket
from notifiers import ratelimit
from notifiers.base import RetryableError
from notifiers.ratelimit import BUCKET_DAY, RateLimiter, block_cap, until_local_midnight

WORKERS = Path(__file__).resolve().parents[1] / "servers" / "workers.py"


def assert_within_limit(times: list[float], rate: float, burst: int) -> None:
    """In every window [t_i, t_j] at most burst + rate·(t_j − t_i) sends, with 100 ms of slack: times are
    read after ``acquire`` returns, and on a loaded 2-core machine a thread can be scheduled that late,
    which squeezes a window. A limiter that does not share its bucket would exceed this by far (each
    process would send at the full rate). Where blocks of tokens are taken (``block_cap`` > 1) a token
    may be spent up to ``BLOCK_SECONDS`` after the bucket gave it: the window is that much longer."""
    held = ratelimit.BLOCK_SECONDS if block_cap(rate, burst) > 1 else 0.0
    times = sorted(times)
    j = 0
    for i in range(len(times)):  # for each start, the furthest end still within the bound is monotone
        j = max(j, i)
        for end in range(j, len(times)):
            allowed = burst + rate * (times[end] - times[i] + held) + 1e-6 + rate * 0.1
            assert end - i + 1 <= allowed, f"{end - i + 1} sends in {times[end] - times[i]:.3f} s"


def test_threads_never_exceed_the_shared_limit(engine: Engine) -> None:
    rate, burst, duration = 20.0, 3, 1.0
    times: list[float] = []
    lock = threading.Lock()
    until = time.time() + duration

    def work() -> None:
        limiter = RateLimiter(engine)  # one per worker, as separate workers would have
        while time.time() < until:
            limiter.acquire("test", rate, burst, max_wait=30)
            with lock:
                times.append(time.time())

    threads = [threading.Thread(target=work) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert_within_limit(times, rate, burst)
    assert len(times) >= burst + rate * duration * 0.6  # and the limit is actually used


@pytest.mark.parametrize(("rate", "burst"), [(15.0, 2), (400.0, 10)], ids=["one-token", "blocks"])
def test_processes_and_threads_share_one_limit(db_url: str, engine: Engine, rate: float, burst: int) -> None:
    args = {"db_url": db_url, "name": "shared", "rate": rate, "burst": burst}
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKERS), "ratelimit", json.dumps(args)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    limiter = RateLimiter(engine)
    limiter.try_acquire("warm-up", rate, burst)
    for p in procs:  # every process has started and connected: the race starts together, however loaded
        assert p.stdout is not None and p.stdin is not None
        ready = p.stdout.readline()
        assert ready == "ready\n", (ready, p.stderr.read() if p.stderr else "")
    start_at = time.time() + 0.3
    until = start_at + 1.0
    for p in procs:
        p.stdin.write(json.dumps({"start_at": start_at, "until": until}) + "\n")  # type: ignore[union-attr]
        p.stdin.flush()  # type: ignore[union-attr]
    local: list[float] = []
    time.sleep(max(0.0, start_at - time.time()))
    while time.time() < until:
        limiter.acquire("shared", rate, burst, max_wait=30)
        local.append(time.time())
    outputs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err[-500:] for _, err in outputs]
    remote = [t for out, _ in outputs for t in json.loads(out)]
    assert remote and local  # every process got some
    assert_within_limit(local + remote, rate, burst)
    # In total, never more than the bucket can give from the moment the race starts.
    assert len(local + remote) <= burst + rate * (max(local + remote) - start_at) + 1


def count_updates(engine: Engine) -> list[tuple[str, int]]:
    """The UPDATE statements run on ``engine`` from now on, with the rows each changed (the list fills as
    they run)."""
    seen: list[tuple[str, int]] = []

    @event.listens_for(engine, "after_cursor_execute")
    def _note(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("UPDATE"):
            seen.append((statement, cursor.rowcount))

    return seen


def bucket_row(engine: Engine, name: str) -> RateBucket:
    with engine.connect() as conn:
        return conn.execute(select(RateBucket).where(RateBucket.name == name, RateBucket.day == BUCKET_DAY)).one()


def test_a_block_of_tokens_is_taken_with_one_update(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    # Blocks live 5 s here, so that a loaded machine cannot expire one before it is spent.
    monkeypatch.setattr(ratelimit, "BLOCK_SECONDS", 5.0)
    assert block_cap(1000.0, 1000) == ratelimit.BLOCK_MAX == 32
    limiter = RateLimiter(engine)
    limiter.try_acquire("blocks", 1000.0, 1000)  # creates the bucket (an INSERT) and takes a block of 1
    updates = count_updates(engine)
    for _ in range(2 + 4 + 8 + 16 + 32 + 32):  # blocks double while they are used up, to at most 32
        assert limiter.try_acquire("blocks", 1000.0, 1000) == 0.0
    assert len(updates) == 6 and all("ratebucket" in u.lower() and n == 1 for u, n in updates)
    assert bucket_row(engine, "blocks").used_today == 1 + 94  # the bucket's count of tokens taken


def test_a_block_is_never_more_than_the_bucket_holds(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratelimit, "BLOCK_SECONDS", 100.0)
    rate, burst = 0.1, 9  # blocks of up to 9 (the burst), and next to no refill during the test
    assert block_cap(rate, burst) == 9
    limiter, other = RateLimiter(engine), RateLimiter(engine)
    for _ in range(1 + 2 + 4):  # the limiter's next block would be 8 tokens
        assert limiter.try_acquire("small", rate, burst) == 0.0
    assert other.try_acquire("small", rate, burst) == 0.0  # two tokens left: one taken
    assert limiter.try_acquire("small", rate, burst) == 0.0  # a block of 1 (of the 8 wanted): what there was
    assert limiter.try_acquire("small", rate, burst) > 0 and other.try_acquire("small", rate, burst) > 0
    assert bucket_row(engine, "small").used_today == 9


def test_unspent_tokens_of_a_block_expire(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratelimit, "BLOCK_SECONDS", 0.2)
    rate, burst = 20.0, 7
    assert block_cap(rate, burst) == 4
    limiter = RateLimiter(engine)
    for _ in range(1 + 2 + 1):  # blocks of 1, 2, then 4: one of its tokens spent, three held
        assert limiter.try_acquire("expire", rate, burst) == 0.0
    assert bucket_row(engine, "expire").used_today == 7
    time.sleep(0.3)
    updates = count_updates(engine)
    # The three held tokens are gone (never handed out, never given back): the next token is a new
    # block, of one token (what the limiter spent of the last one).
    assert limiter.try_acquire("expire", rate, burst) == 0.0
    assert len(updates) == 1 and bucket_row(engine, "expire").used_today == 8


def test_two_limiters_taking_blocks_never_exceed_the_shared_limit(engine: Engine) -> None:
    rate, burst, duration = 400.0, 10, 1.0
    assert block_cap(rate, burst) == 10  # blocks of up to 10 tokens
    times: list[float] = []
    lock = threading.Lock()
    limiters = [RateLimiter(engine), RateLimiter(engine)]  # two "processes", two threads each
    limiters[0].try_acquire("pair", rate, burst)  # the bucket exists and is full (burst − 1) at start
    updates = count_updates(engine)
    taken_before = bucket_row(engine, "pair").used_today
    start = time.time()
    until = start + duration

    def work(limiter: RateLimiter) -> None:
        while time.time() < until:
            limiter.acquire("pair", rate, burst, max_wait=30)
            with lock:
                times.append(time.time())

    threads = [threading.Thread(target=work, args=(lim,)) for lim in limiters for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(times) <= burst + rate * (max(times) - start) + 1  # in total
    assert_within_limit(times, rate, burst)  # and in every window
    assert len(times) >= rate * duration * 0.5  # the limit is used
    # Blocks were taken: fewer successful UPDATEs than tokens taken. (Once the bucket is the bottleneck a
    # block is what refilled since the last take, often one token: writes are then bounded by the rate.)
    taken = bucket_row(engine, "pair").used_today - taken_before
    assert taken >= len(times) - 1 and sum(n for _, n in updates) < taken


def test_wait_longer_than_allowed_is_retryable(engine: Engine) -> None:
    limiter = RateLimiter(engine)
    limiter.acquire("slow", 0.1, 1)
    with pytest.raises(RetryableError) as err:
        limiter.acquire("slow", 0.1, 1, max_wait=0.5)
    assert err.value.retry_after and err.value.retry_after >= timedelta(seconds=5)


def test_daily_quota_is_never_exceeded(engine: Engine) -> None:
    granted: list[bool] = []
    lock = threading.Lock()

    def work() -> None:
        limiter = RateLimiter(engine)
        for _ in range(4):
            ok = limiter.take_daily("zalo-test", limit=7)
            with lock:
                granted.append(ok)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert granted.count(True) == 7
    state = next(q for q in RateLimiter(engine).quotas_today() if q.name == "zalo-test")
    assert state.used_today == 7


def test_daily_quota_is_never_exceeded_with_blocks_of_send_tokens(engine: Engine) -> None:
    """The quota is counted per send even where the send-rate tokens come in blocks."""
    granted: list[bool] = []
    lock = threading.Lock()
    limiters = [RateLimiter(engine), RateLimiter(engine)]

    def work(limiter: RateLimiter) -> None:
        for _ in range(6):
            if limiter.take_daily("zalo-blocks", limit=9):
                limiter.acquire("zalo-rate", 1e5, 1e5)  # blocks of 32
                with lock:
                    granted.append(True)

    threads = [threading.Thread(target=work, args=(lim,)) for lim in limiters for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(granted) == 9
    state = next(q for q in RateLimiter(engine).quotas_today() if q.name == "zalo-blocks")
    assert state.used_today == 9


def test_exhausted_mark_is_seen_at_most_max_age_late(engine: Engine) -> None:
    reader, marker = RateLimiter(engine), RateLimiter(engine)
    assert not reader.is_exhausted("zalo", max_age=0.3)
    marker.mark_exhausted("zalo")
    assert marker.is_exhausted("zalo", max_age=0.3)  # its own mark at once
    assert reader.is_exhausted("zalo")  # without max_age: read from the database
    fresh = RateLimiter(engine)
    assert not RateLimiter(engine).is_exhausted("other", max_age=0.3)
    assert not fresh.is_exhausted("other", max_age=0.3)
    marker.mark_exhausted("other")
    assert not fresh.is_exhausted("other", max_age=0.3)  # its reading is younger than 0.3 s
    time.sleep(0.35)
    assert fresh.is_exhausted("other", max_age=0.3)


def test_exhausted_quota_is_per_local_day(engine: Engine) -> None:
    clock_now = [datetime(2025, 12, 15, 16, 59, tzinfo=UTC)]  # 23:59 in Hà Nội
    limiter = RateLimiter(engine, clock=lambda: clock_now[0])
    limiter.mark_exhausted("zalo")
    assert limiter.is_exhausted("zalo") and not limiter.take_daily("zalo")
    assert until_local_midnight(clock_now[0]) == timedelta(minutes=1)
    clock_now[0] += timedelta(minutes=2)  # 00:01 the next local day
    assert not limiter.is_exhausted("zalo") and limiter.take_daily("zalo")
