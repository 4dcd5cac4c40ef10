"""The web's rate limits and failure throttles in the database, so that every web process (and every
machine behind one proxy) counts the same requests, and a restart forgets nothing.

1. **A rate limit** (:func:`hit`) is one statement per key on both backends (the keys of a request —
   its address, its link — in one transaction): ``INSERT … ON CONFLICT (key) DO
   UPDATE … RETURNING hits`` — a fixed window per key that restarts once it is ``seconds`` old, counting
   at most ``count + 1`` (a refused request is not counted further, as in the memory limiter). The row
   lock of the upsert (PostgreSQL) or SQLite's single writer makes concurrent hits count exactly once.
   A fixed window allows up to twice the count across a window boundary; the in-memory limiter's
   sliding window does not. That is the price of one statement instead of one row per request.
2. **A throttle** (:func:`reserve`, :func:`finish`) books an attempt on several keys at once (a login
   name with its address, and the address): one transaction that creates the missing rows, locks them
   in key order (``FOR UPDATE`` on PostgreSQL; SQLite's write lock is taken by the first insert), reads
   failures, unfinished attempts and the latest attempt's time, computes the wait and writes the booking.
   Failures are forgotten together once the latest is older than the window (the memory throttle forgets
   each on its own: the database version is the stricter one). An attempt booked by a process that died
   before finishing stops counting after :data:`STALE_PENDING` seconds.
3. **Idle keys** are swept now and then (:data:`SWEEP_EVERY` calls, keys idle for a day).
4. **Why the database and not Redis** (``limits`` has Redis storage and none for PostgreSQL): measured with
   ``bench/bench_web_limits.py`` on 2 busy cores, a hit cost 0.3–0.9 ms on SQLite and 0.9–2 ms on
   PostgreSQL (the table is UNLOGGED there: no fsync per request), a Redis INCR+EXPIRE 0.17 ms. About a
   millisecond a page does not pay for one more service to run, secure and watch.

Times are wall-clock seconds given by the caller (``now``): the same on every process.
"""

import random
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Float, bindparam, case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from models.domain.limits import Backoff, Limit
from models.store.web_tables import WebCounter

T = WebCounter.__table__  # type: ignore[attr-defined]
STALE_PENDING = 300.0  # seconds: an attempt still booked after this long belongs to a dead process
IDLE = 86_400.0  # seconds: a key untouched this long is deleted by the sweep
SWEEP_EVERY = 2_000  # on average, one call in this many sweeps the idle keys


def _insert(conn: Connection) -> Any:
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(T)


def hit(engine: Engine, keys: Sequence[tuple[str, Limit]], now: float) -> bool:
    """Count one request on each of ``keys`` in turn, in one transaction; False at the first that is over
    its limit (the request is then refused, and the keys after it are not counted)."""
    with engine.begin() as conn:
        return hit_on(conn, keys, now)


def hit_on(conn: Connection, keys: Sequence[tuple[str, Limit]], now: float) -> bool:
    """:func:`hit` in the caller's transaction on ``conn`` (a page that reads on the same connection: one
    checkout a request); the caller commits at once (the counters' row locks, SQLite's write lock, are
    held until then)."""
    for key, limit in keys:
        hits = conn.execute(_hit_statement(conn.dialect.name, limit), {"k": key, "now": now}).scalar_one()
        if int(hits) > limit.count:
            return False
    _maybe_sweep(conn, now)
    return True


@lru_cache(maxsize=64)
def _hit_statement(dialect: str, limit: Limit) -> Any:
    """The upsert of one hit under ``limit``, built once per limit (``:k`` the key, ``:now`` the time)."""
    now = bindparam("now", type_=Float())
    expired = T.c.started <= now - limit.seconds
    return (
        (postgresql.insert if dialect == "postgresql" else sqlite.insert)(T)
        .values(key=bindparam("k"), started=now, hits=1, updated=now)
        .on_conflict_do_update(
            index_elements=[T.c.key],
            set_={
                "started": case((expired, now), else_=T.c.started),
                "hits": case((expired, 1), (T.c.hits <= limit.count, T.c.hits + 1), else_=T.c.hits),
                "updated": now,
            },
        )
        .returning(T.c.hits)
    )


def peek(engine: Engine, key: str, limit: Limit, now: float) -> bool:
    """True when ``key`` is still under ``limit`` (counts nothing)."""
    with engine.connect() as conn:
        row = conn.execute(select(T.c.started, T.c.hits).where(T.c.key == key)).first()
    return row is None or row.started <= now - limit.seconds or row.hits < limit.count


def _counted(row: Any, backoff: Backoff, now: float) -> tuple[int, int]:
    """(failures still remembered, attempts still booked) of a locked row."""
    failures = row.failures if row.failed_at > now - backoff.window else 0
    pending = row.pending if row.last > now - STALE_PENDING else 0
    return failures, pending


def _locked(conn: Connection, keys: Sequence[str], now: float) -> dict[str, Any]:
    """The rows of ``keys``, created when missing and locked until the transaction ends (key order: two
    bookings of overlapping keys never wait for each other in a circle)."""
    ordered = sorted(set(keys))
    conn.execute(
        _insert(conn).on_conflict_do_nothing(index_elements=[T.c.key]),
        [{"key": k, "updated": now} for k in ordered],
    )
    query = select(T).where(T.c.key.in_(ordered)).order_by(T.c.key)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return {row.key: row for row in conn.execute(query)}


def reserve(
    engine: Engine, keys: Sequence[tuple[str, Backoff]], now: float, max_wait: float | None = None
) -> float | None:
    """Book one attempt on ``keys``: the seconds it must wait first, or None (nothing booked) when that
    would be longer than ``max_wait``. The wait for a key with ``n`` failures and unfinished attempts is
    ``Backoff.delay(n)`` after that key's latest attempt."""
    with engine.begin() as conn:
        rows = _locked(conn, [k for k, _ in keys], now)
        start = now
        for key, backoff in keys:
            failures, pending = _counted(rows[key], backoff, now)
            if delay := backoff.delay(failures + pending):
                start = max(start, rows[key].last + delay)
        if max_wait is not None and start - now > max_wait:
            return None
        for key, backoff in keys:
            failures, pending = _counted(rows[key], backoff, now)
            conn.execute(
                update(T)
                .where(T.c.key == key)
                .values(failures=failures, pending=pending + 1, last=max(rows[key].last, start), updated=now)
            )
    return start - now


def finish(
    engine: Engine, keys: Sequence[tuple[str, Backoff]], now: float, *, failed: bool, clear: Sequence[str] = ()
) -> None:
    """End an attempt booked with :func:`reserve`: a failure is remembered on every key; a success forgets
    the failures of the keys in ``clear``."""
    with engine.begin() as conn:
        rows = _locked(conn, [k for k, _ in keys], now)
        for key, backoff in keys:
            failures, pending = _counted(rows[key], backoff, now)
            values: dict[str, Any] = {"pending": max(0, pending - 1), "updated": now}
            if failed:
                last = max(rows[key].last, now)
                values |= {"failures": min(failures + 1, backoff.kept), "failed_at": now, "last": last}
            elif key in clear:
                values["failures"] = 0
            conn.execute(update(T).where(T.c.key == key).values(**values))
        _maybe_sweep(conn, now)


def failures(engine: Engine, key: str) -> int:
    """Failures recorded for ``key`` (whatever their age: the window is the caller's)."""
    with engine.connect() as conn:
        return int(conn.execute(select(T.c.failures).where(T.c.key == key)).scalar() or 0)


def _maybe_sweep(conn: Connection, now: float) -> None:
    if random.randrange(SWEEP_EVERY) == 0:
        conn.execute(delete(T).where(T.c.updated < now - IDLE))
