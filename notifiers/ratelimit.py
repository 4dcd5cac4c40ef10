"""Send-rate limits and daily quotas shared by every worker thread and process, in the ``ratebucket`` table.

Two kinds of rows, both keyed by (name, day):

- a **token bucket** per provider (``day`` = 1970-01-01, a fixed sentinel: the bucket never rolls over,
  so midnight gives no extra burst). ``tokens`` refill at ``rate`` per second up to ``burst``; a send
  takes one. Taking is a compare-and-swap: read (tokens, updated_at), compute, then
  ``UPDATE … WHERE id = ? AND tokens = <read> AND updated_at = <read>`` — exactly one concurrent taker
  wins each state, on SQLite and PostgreSQL alike, without holding a lock across the computation.

  **Blocks.** That UPDATE per send was most of a send's cost at high rates (issue 13). So one CAS takes a
  *block* of up to k tokens into the limiter's own reservoir (per ``RateLimiter`` object and bucket
  name, shared by its threads), which then hands them out without touching the database. Why this keeps
  the shared limit:

  - the block's tokens are removed from the shared bucket by that one UPDATE, so every send still spends
    a token taken from the bucket: over any run, all processes together send at most
    ``burst + rate × time`` — the same bound as one token per UPDATE;
  - a block is at most ``rate × BLOCK_SECONDS`` tokens (and at most ``BLOCK_MAX``, at most the tokens
    available) and its unused tokens **expire** ``BLOCK_SECONDS`` after it was taken. Tokens are thus
    spent at most ``BLOCK_SECONDS`` after the bucket gave them, and any window of length Δ holds at most
    ``burst + rate × (Δ + BLOCK_SECONDS)`` sends. Below ``2 / BLOCK_SECONDS`` (40) tokens per second a
    block is one token, spent at once: exactly the former behaviour (the shipped limits are 10–20/s);
  - expired tokens are simply lost, never given back: safe (the limit can only be under-used, by at
    most one block per limiter), and a crashed process loses its reservoir the same way;
  - blocks grow (1, 2, 4 …) while a limiter spends them within their life and shrink to what it spent
    when tokens expire, so an idle or slow sender does not keep taking tokens it will not use.
- a **daily quota** row per provider and local day (Asia/Ho_Chi_Minh, where Zalo resets its quota):
  ``used_today`` counts sends (``UPDATE … SET used_today = used_today + 1 WHERE used_today < :limit``),
  ``quota_exhausted`` is set when the provider says the quota is spent, and ``tokens`` holds the
  provider's last reported remaining quota (−1: unknown). The quota stays counted **per send**, not in
  blocks: a reserved-but-unsent part of a block would have to be given back, and
  :meth:`RateLimiter.record_remaining` overwrites ``used_today`` with the provider's own count (which
  knows nothing of reservations), so a give-back after it would under-count and let our cap be overrun.
  The quota is off by default (``zalo.daily_quota: null``) and a cap of a few thousand messages a day is
  far from the rates where the write per send matters.

Prefect's ``rate_limit()`` was not used: it needs a Prefect server (on SQLite it ran about one call per
2 s, see NOTES-stack.md) and dondoc's channels must also work from plain workers and the CLI.
"""

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from models.domain.clock import TZ, utcnow
from models.store.channel_tables import RateBucket
from notifiers.base import RetryableError

log = logging.getLogger("dondoc.notifiers.ratelimit")

BUCKET_DAY = date(1970, 1, 1)  # the token bucket rows' sentinel day
BLOCK_SECONDS = 0.05  # a block holds at most this long's refill of tokens, and expires this long after it is taken
BLOCK_MAX = 32  # tokens in one block at most (32 sends per database write)
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


def block_cap(rate: float, burst: float) -> int:
    """The most tokens one database write may take for a bucket of ``rate`` per second and ``burst``."""
    return max(1, min(BLOCK_MAX, int(rate * BLOCK_SECONDS), int(burst)))


@dataclass
class _Reservoir:
    """A limiter's tokens taken from one shared bucket and not yet spent."""

    tokens: int = 0  # left in the current block
    expires: float = 0.0  # time.monotonic() after which they are lost
    taken: int = 0  # the current block's size
    size: int = 1  # the next block's size (before the cap)
    lock: threading.Lock = field(default_factory=threading.Lock)


class RateLimiter:
    """Token buckets and daily quotas in the database at ``engine``."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.clock = clock
        self._reservoirs: dict[str, _Reservoir] = {}
        self._exhausted: dict[str, tuple[date, bool, float]] = {}  # name → (local day, exhausted, read at)
        self._lock = threading.Lock()

    # -- token bucket -------------------------------------------------------------------------------
    def try_acquire(self, name: str, rate: float, burst: float) -> float:
        """Take one token if there is one: returns 0.0; otherwise the seconds until one is due.

        From this limiter's reservoir when it holds an unexpired token, else from the shared bucket in
        a block (one compare-and-swap UPDATE for up to :func:`block_cap` tokens; see the module doc)."""
        with self._lock:
            res = self._reservoirs.get(name)
            if res is None:
                res = self._reservoirs[name] = _Reservoir()
        with res.lock:  # one refill at a time per bucket; the others then spend its block
            start = time.monotonic()
            if res.tokens > 0 and start < res.expires:
                res.tokens -= 1
                return 0.0
            if res.tokens > 0:  # expired unused: lost (never given back); take only what was spent
                res.size = max(1, res.taken - res.tokens)
            elif res.taken:  # the whole block was spent in its life: a bigger one next time
                res.size = min(BLOCK_MAX, 2 * res.size)
            res.tokens = res.taken = 0
            got, wait = self._take_block(name, rate, burst, min(res.size, block_cap(rate, burst)))
            if got == 0:
                return wait
            res.taken, res.tokens, res.expires = got, got - 1, start + BLOCK_SECONDS
            return 0.0

    def _take_block(self, name: str, rate: float, burst: float, want: int) -> tuple[int, float]:
        """Take up to ``want`` tokens (at least one) from the shared bucket in one compare-and-swap UPDATE:
        (tokens taken, 0.0), or (0, seconds until one is due)."""
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
                    return 0, (1.0 - available) / rate
                got = max(1, min(want, int(available)))
                taken = conn.execute(
                    update(T)
                    .where(T.c.id == row.id, T.c.tokens == row.tokens, T.c.updated_at == row.updated_at)
                    .values(
                        tokens=available - got,
                        updated_at=max(now, row.updated_at),
                        used_today=T.c.used_today + got,  # tokens taken (the bucket row's own counter)
                    )
                ).rowcount
                conn.commit()
                if taken == 1:
                    return got, 0.0
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

    def is_exhausted(self, name: str, *, max_age: float = 0.0) -> bool:
        """Whether today's quota of ``name`` is marked exhausted. With ``max_age`` > 0 the answer may come
        from this limiter's last reading when it is younger than that (a "yes" holds for the rest of the
        local day: nothing un-marks a quota), which spares a database read per send; a mark made by
        another process is then seen at most ``max_age`` seconds late."""
        day = local_day(self.clock())
        if max_age > 0:
            known = self._exhausted.get(name)
            if known is not None and known[0] == day and (known[1] or time.monotonic() - known[2] < max_age):
                return known[1]
        read_at = time.monotonic()
        with self.engine.connect() as conn:
            value = bool(conn.execute(select(T.c.quota_exhausted).where(T.c.name == name, T.c.day == day)).scalar())
        self._exhausted[name] = (day, value, read_at)
        return value

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
        self._exhausted[name] = (day, True, time.monotonic())
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
        if remaining <= 0:
            self._exhausted[name] = (day, True, time.monotonic())

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
