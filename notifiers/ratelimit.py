"""Send-rate limits and daily quotas shared by every worker thread and process, in the ``ratebucket`` table.

Two kinds of rows, both keyed by (name, day):

- a **token bucket** per provider (``day`` = 1970-01-01, a fixed sentinel: the bucket never rolls over,
  so midnight gives no extra burst). ``tokens`` refill at ``rate`` per second up to ``burst``; a send
  takes one. Taking is a compare-and-swap: read (tokens, updated_at), compute, then
  ``UPDATE … WHERE id = ? AND tokens = <read> AND updated_at = <read>`` — exactly one concurrent taker
  wins each state, on SQLite and PostgreSQL alike, without holding a lock across the computation.
- a **daily quota** row per provider and local day (Asia/Ho_Chi_Minh, where Zalo resets its quota):
  ``used_today`` counts sends (``UPDATE … SET used_today = used_today + 1 WHERE used_today < :limit``),
  ``quota_exhausted`` is set when the provider says the quota is spent, and ``tokens`` holds the
  provider's last reported remaining quota (−1: unknown).

Prefect's ``rate_limit()`` was not used: it needs a Prefect server (on SQLite it ran about one call per
2 s, see NOTES-stack.md) and dondoc's channels must also work from plain workers and the CLI.
"""

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from models.domain.clock import TZ, utcnow
from models.store.channel_tables import RateBucket
from notifiers.base import RetryableError

log = logging.getLogger("dondoc.notifiers.ratelimit")

BUCKET_DAY = date(1970, 1, 1)  # the token bucket rows' sentinel day
T = RateBucket.__table__  # type: ignore[attr-defined]


def local_day(now: datetime) -> date:
    return now.astimezone(TZ).date()


def until_local_midnight(now: datetime) -> timedelta:
    """Time from ``now`` to the next 00:00 in Asia/Ho_Chi_Minh (when Zalo's daily quota resets)."""
    local = now.astimezone(TZ)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), tzinfo=TZ)
    return midnight - local


def _insert_ignore(conn: Connection, values: dict) -> None:
    dialect = conn.dialect.name
    if dialect == "postgresql":
        stmt = postgresql.insert(T).values(**values).on_conflict_do_nothing(index_elements=["name", "day"])
    elif dialect == "sqlite":
        stmt = sqlite.insert(T).values(**values).on_conflict_do_nothing(index_elements=["name", "day"])
    else:  # pragma: no cover - dondoc supports SQLite and PostgreSQL
        raise NotImplementedError(dialect)
    conn.execute(stmt)


@dataclass(frozen=True)
class QuotaState:
    name: str
    day: date
    used_today: int
    remaining: int | None
    exhausted: bool


class RateLimiter:
    """Token buckets and daily quotas in the database at ``engine``."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.clock = clock

    # -- token bucket -------------------------------------------------------------------------------
    def try_acquire(self, name: str, rate: float, burst: float) -> float:
        """Take one token if there is one: returns 0.0; otherwise the seconds until one is due."""
        while True:
            with self.engine.connect() as conn:
                row = conn.execute(
                    select(T.c.id, T.c.tokens, T.c.updated_at).where(T.c.name == name, T.c.day == BUCKET_DAY)
                ).first()
                now = self.clock()
                if row is None:
                    _insert_ignore(
                        conn,
                        {
                            "name": name,
                            "day": BUCKET_DAY,
                            "tokens": float(burst),
                            "updated_at": now,
                            "used_today": 0,
                            "quota_exhausted": False,
                        },
                    )
                    conn.commit()
                    continue
                elapsed = max(0.0, (now - row.updated_at).total_seconds())
                available = min(float(burst), row.tokens + elapsed * rate)
                if available < 1.0:
                    conn.rollback()
                    return (1.0 - available) / rate
                taken = conn.execute(
                    update(T)
                    .where(T.c.id == row.id, T.c.tokens == row.tokens, T.c.updated_at == row.updated_at)
                    .values(
                        tokens=available - 1.0,
                        updated_at=max(now, row.updated_at),
                        used_today=T.c.used_today + 1,
                    )
                ).rowcount
                conn.commit()
                if taken == 1:
                    return 0.0
            # Another taker changed the bucket between our read and our write: read again.
            time.sleep(random.uniform(0, 0.002))

    def acquire(self, name: str, rate: float, burst: float, *, max_wait: float = 10.0) -> None:
        """Wait for a token (at most ``max_wait`` seconds); RetryableError when the wait would be longer."""
        deadline = time.monotonic() + max_wait
        while True:
            wait = self.try_acquire(name, rate, burst)
            if wait <= 0:
                return
            if time.monotonic() + wait > deadline:
                raise RetryableError(
                    f"rate limit {name}: no send slot within {max_wait:g} s",
                    code="rate-limited",
                    retry_after=timedelta(seconds=max(wait, 1.0)),
                )
            # A little jitter so that waiting workers do not all wake at the same instant.
            time.sleep(wait + random.uniform(0, min(0.05, wait)))

    # -- daily quota --------------------------------------------------------------------------------
    def _ensure_day(self, conn: Connection, name: str, day: date) -> None:
        _insert_ignore(
            conn,
            {
                "name": name,
                "day": day,
                "tokens": -1.0,
                "updated_at": self.clock(),
                "used_today": 0,
                "quota_exhausted": False,
            },
        )

    def take_daily(self, name: str, limit: int | None = None) -> bool:
        """Count one send against today's quota of ``name``; False when the quota is exhausted
        (marked so, or ``limit`` reached). Atomic: concurrent takers never exceed ``limit``."""
        day = local_day(self.clock())
        cond = [T.c.name == name, T.c.day == day, T.c.quota_exhausted == False]  # noqa: E712
        if limit is not None:
            cond.append(T.c.used_today < limit)
        with self.engine.begin() as conn:
            self._ensure_day(conn, name, day)
            return bool(
                conn.execute(
                    update(T).where(and_(*cond)).values(used_today=T.c.used_today + 1, updated_at=self.clock())
                ).rowcount
            )

    def is_exhausted(self, name: str) -> bool:
        day = local_day(self.clock())
        with self.engine.connect() as conn:
            value = conn.execute(select(T.c.quota_exhausted).where(T.c.name == name, T.c.day == day)).scalar()
        return bool(value)

    def mark_exhausted(self, name: str) -> None:
        """The provider said today's quota is spent: every worker stops trying until local midnight."""
        day = local_day(self.clock())
        with self.engine.begin() as conn:
            self._ensure_day(conn, name, day)
            conn.execute(
                update(T)
                .where(T.c.name == name, T.c.day == day)
                .values(quota_exhausted=True, tokens=0.0, updated_at=self.clock())
            )
        log.warning("quota %s exhausted for %s", name, day.isoformat())

    def record_remaining(self, name: str, remaining: int, daily: int | None = None) -> None:
        """Store the provider's own count (Zalo returns dailyQuota/remainingQuota with each send)."""
        day = local_day(self.clock())
        values: dict = {"tokens": float(remaining), "updated_at": self.clock()}
        if daily is not None:
            values["used_today"] = max(0, daily - remaining)
        if remaining <= 0:
            values["quota_exhausted"] = True
        with self.engine.begin() as conn:
            self._ensure_day(conn, name, day)
            conn.execute(update(T).where(T.c.name == name, T.c.day == day).values(**values))

    def quotas_today(self) -> list[QuotaState]:
        """Today's quota rows (for ``dondoc channels status``)."""
        day = local_day(self.clock())
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(T.c.name, T.c.day, T.c.used_today, T.c.tokens, T.c.quota_exhausted)
                .where(T.c.day == day)
                .order_by(T.c.name)
            ).all()
        return [
            QuotaState(r.name, r.day, r.used_today, int(r.tokens) if r.tokens >= 0 else None, r.quota_exhausted)
            for r in rows
        ]
