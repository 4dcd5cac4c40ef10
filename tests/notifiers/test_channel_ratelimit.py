"""Shared rate limits and daily quotas: several threads and processes together never exceed them."""

import json
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from notifiers.base import RetryableError
from notifiers.ratelimit import RateLimiter, until_local_midnight

WORKERS = Path(__file__).resolve().parents[1] / "servers" / "workers.py"


def assert_within_limit(times: list[float], rate: float, burst: int) -> None:
    """In every window [t_i, t_j] at most burst + rate·(t_j − t_i) sends, with 100 ms of slack: times are
    read after ``acquire`` returns, and on a loaded 2-core machine a thread can be scheduled that late,
    which squeezes a window. A limiter that does not share its bucket would exceed this by far (each
    process would send at the full rate)."""
    times = sorted(times)
    for i in range(len(times)):
        for j in range(i, len(times)):
            allowed = burst + rate * (times[j] - times[i]) + 1e-6 + rate * 0.1
            assert j - i + 1 <= allowed, f"{j - i + 1} sends in {times[j] - times[i]:.3f} s"


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


def test_processes_and_threads_share_one_limit(db_url: str, engine: Engine) -> None:
    rate, burst = 15.0, 2
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


def test_exhausted_quota_is_per_local_day(engine: Engine) -> None:
    clock_now = [datetime(2025, 12, 15, 16, 59, tzinfo=UTC)]  # 23:59 in Hà Nội
    limiter = RateLimiter(engine, clock=lambda: clock_now[0])
    limiter.mark_exhausted("zalo")
    assert limiter.is_exhausted("zalo") and not limiter.take_daily("zalo")
    assert until_local_midnight(clock_now[0]) == timedelta(minutes=1)
    clock_now[0] += timedelta(minutes=2)  # 00:01 the next local day
    assert not limiter.is_exhausted("zalo") and limiter.take_daily("zalo")
