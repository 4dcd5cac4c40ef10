"""Cost of the web's shared counters (``models.services.web_limits``) beside the in-memory ones: one
rate-limit hit (one key) and a page's hits (address and link: two keys, one transaction), sequentially,
on SQLite (a temporary file) and PostgreSQL (a schema of its own, dropped after), and the memory limiter.
This is the figure behind keeping the counters in the database rather than adding Redis.

Run: ``.venv/bin/python bench/bench_web_limits.py [--hits 2000] [--backend sqlite|postgresql|both]``.
"""

import argparse
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models.domain.limits import Limit  # noqa: E402
from models.store.db import make_engine, upgrade  # noqa: E402
from web.security import RateLimiter, SharedRateLimiter  # noqa: E402

PG_URL = os.environ.get("DONDOC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
LIMIT = Limit(10**9, 60)  # never refused: every hit writes


def _per_call(calls: int, call: Callable[[int], object]) -> float:
    for i in range(100):  # warm the pool and the rows
        call(i)
    start = time.perf_counter()
    for i in range(calls):
        call(i)
    return (time.perf_counter() - start) / calls * 1e6


def _measure(name: str, limiter: RateLimiter | SharedRateLimiter, calls: int) -> None:
    one = _per_call(calls, lambda i: limiter.hit(f"page:ip:{i % 50}", LIMIT))
    page = _per_call(calls, lambda i: limiter.hit_all([(f"page:ip:{i % 50}", LIMIT), (f"page:{i % 500}", LIMIT)]))
    print(f"{name:>10}: {one:8.1f} µs a hit, {page:8.1f} µs a page (two keys)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hits", type=int, default=2000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f} (other work on the machine slows the figures)")
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="dondoc-bench-limits-") as folder:
            url = f"sqlite:///{folder}/dondoc.db"
            upgrade(url)
            _measure("sqlite", SharedRateLimiter(make_engine(url)), args.hits)
    if args.backend in ("postgresql", "both"):
        schema = f"bench_limits_{uuid.uuid4().hex[:8]}"
        admin = make_engine(PG_URL)
        with admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        try:
            url = f"{PG_URL}?options=-csearch_path%3D{schema}"
            upgrade(url)
            engine = make_engine(url)
            _measure("postgresql", SharedRateLimiter(engine), args.hits)
            engine.dispose()
        finally:
            with admin.begin() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    _measure("memory", RateLimiter(), args.hits * 10)


if __name__ == "__main__":
    main()
