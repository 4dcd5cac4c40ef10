"""The outbox: sending queued notifications exactly once, safely across workers and crashes.

One pass of ``Outbox.dispatch`` does, like Healthchecks' ``sendalerts``:

1. **Recover** rows left in *sending* by a worker that died (its lease ran out, or its process is gone
   on this host). A row whose send had **not started** (claimed only) goes back to the queue as it was,
   **without spending a try**. A row whose send had started (``send_started_at``) has an **unknown
   outcome**: the provider may have accepted it.
2. **Claim** a batch atomically: one ``UPDATE … WHERE id IN (SELECT … [FOR UPDATE SKIP LOCKED])
   RETURNING id`` moves due rows from *pending*/*failed*/*unknown* to *sending* under this worker's name.
   Two workers never claim the same row: PostgreSQL skips locked rows; SQLite serialises writers. A claim
   is not a try: ``attempts`` counts sends that reached (or may have reached) the provider.
3. **Send** each claimed row through its channel, outside any transaction (a slow provider never holds
   a database lock). Each channel has its own worker threads (``concurrency`` per channel): a slow
   provider delays only its own channel's messages, never another channel's. Just before the provider
   is called the row is marked started (one small conditional UPDATE) — except on channels whose
   provider drops a repeated key (``dedupes_by_key``: eSMS, the file channel), where a re-send is
   harmless and the mark is not needed.
4. **Record** the outcome with a conditional ``UPDATE … WHERE status='sending' AND claimed_by=me``:
   *sent*; or *failed* with exponential backoff and jitter (retryable/auth errors); or, for a permanent
   error, a fallback row on the next channel and this row *dead*; after ``max_attempts`` tries, *dead*.

**Outcome unknown** (a timeout after the request left, a connection lost during SMTP DATA, a worker
killed mid-send) is a state of its own, never a plain failure: the row is *unknown* and waits longer
(``unknown_wait``), then is re-sent **with the same key** as the channel's ``on_unknown`` policy says
(``config/channels.yaml``):

- ``resend_once`` (default): one re-send; a second unknown outcome makes it *unconfirmed* (at most one
  duplicate per unknown outcome, nothing lost);
- ``assume_sent``: never re-sent: *unconfirmed* at once (no duplicate; the row is listed for officers);
- ``resend``: re-sent within ``max_attempts``. Channels that drop a repeated key (eSMS ``RequestId`` →
  124) always behave so under ``resend_once``: the duplicate answer confirms the first send.

A row with an unknown outcome is never *dead* and never falls back to another channel (the person may
have it already): a definite failure of its re-send keeps it *unknown* (retried with backoff), and when
the budget is spent or the error is permanent it becomes *unconfirmed*. A delivery report confirms it.

Messages outside the sending window (working days, 07:30–17:00 by default) wait, except urgent ones and
channels that reach nobody (the embedded file channel).
"""

import logging
import os
import random
import socket
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.domain.clock import TZ, utcnow
from models.domain.states import CLAIMABLE, NotificationStatus
from models.store.cycle_tables import Notification
from notifiers.base import Channel, ChannelError, OutgoingMessage, PermanentError

log = logging.getLogger("dondoc.outbox")

# A fallback builder: given the dead row and the next channel, return a new (unsaved) row or None.
FallbackBuilder = Callable[[Session, Notification, str], Notification | None]
# Called at "after_claim" (before the send is marked started) and "after_send" (the provider accepted,
# nothing recorded yet) with the row key; the crash tests pass one that kills the process there
# (tests/support/worker.py). None in production.
FaultHook = Callable[[str, str], None]

ON_UNKNOWN = ("resend_once", "assume_sent", "resend")
S = NotificationStatus


@dataclass
class SendWindow:
    """Hours (local time) and days in which messages that reach people may be sent."""

    start: time = time(7, 30)
    end: time = time(17, 0)
    is_working_day: Callable[[Any], bool] = lambda d: d.weekday() < 5

    @classmethod
    def parse(cls, spec: str, is_working_day: Callable[[Any], bool] | None = None) -> "SendWindow":
        if spec.strip() == "always":  # any hour of any day (test runs on a weekend; an office that wants it)
            return cls(time.min, time.max, lambda _day: True)
        start, _, end = spec.partition("-")
        window = cls(time.fromisoformat(start.strip()), time.fromisoformat(end.strip()))
        if is_working_day:
            window.is_working_day = is_working_day
        return window

    def allows(self, now: datetime) -> bool:
        local = now.astimezone(TZ)
        return self.is_working_day(local.date()) and self.start <= local.time() < self.end


_COUNTS = ("claimed", "sent", "retry", "dead", "fallback", "recovered", "unknown", "unconfirmed")


@dataclass
class DispatchStats:
    claimed: int = 0
    sent: int = 0
    retry: int = 0
    dead: int = 0
    fallback: int = 0
    recovered: int = 0
    unknown: int = 0  # sends whose outcome is unknown, to be re-sent with the same key
    unconfirmed: int = 0  # rows left "sent, outcome unknown" for good (no more re-sends)
    by_channel: dict[str, int] = field(default_factory=dict)

    def add(self, other: "DispatchStats") -> None:
        for name in _COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for key, value in other.by_channel.items():
            self.by_channel[key] = self.by_channel.get(key, 0) + value


def backoff(attempts: int, *, base: float = 60.0, cap: float = 6 * 3600.0) -> timedelta:
    """Exponential backoff with jitter: ~1 min, 2, 4 … capped at 6 h; jitter spreads retries out."""
    delay = min(cap, base * 2 ** max(0, attempts - 1))
    return timedelta(seconds=delay * random.uniform(0.5, 1.5))


@dataclass
class _Lane:
    """The rows of one channel in a batch, sent by up to ``width`` threads."""

    channel: Channel | None
    rows: list[Notification]
    width: int = 1
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_row(self) -> Notification | None:
        with self.lock:
            return self.rows.pop(0) if self.rows else None


class Outbox:
    """Dispatches the outbox through ``channels`` (logical channel name → Channel).

    ``on_unknown`` maps a channel name to its policy (default ``resend_once``); ``concurrency`` maps a
    channel name to how many of its sends may be in flight at once (None: one send at a time for the
    whole batch, in id order — what the crash tests count on); ``unknown_wait`` is the base delay
    before re-sending a row whose outcome is unknown.
    """

    def __init__(
        self,
        engine: Engine,
        channels: dict[str, Channel],
        *,
        max_attempts: int = 5,
        lease: timedelta = timedelta(minutes=10),
        window: SendWindow | None = None,
        fallback: FallbackBuilder | None = None,
        channel_order: list[str] | None = None,
        fault_hook: FaultHook | None = None,
        clock: Callable[[], datetime] = utcnow,
        record_batch: int = 1,
        divert: dict[str, Channel] | None = None,
        divert_addresses: frozenset[str] = frozenset(),
        prepare: Callable[[OutgoingMessage], OutgoingMessage] | None = None,
        on_unknown: dict[str, str] | None = None,
        unknown_wait: timedelta = timedelta(minutes=15),
        concurrency: dict[str, int] | None = None,
    ) -> None:
        self.engine = engine
        self.channels = channels
        self.max_attempts = max_attempts
        self.lease = lease
        self.window = window
        self.fallback = fallback
        self.channel_order = channel_order or list(channels)
        self.fault_hook = fault_hook
        self.clock = clock
        self.record_batch = max(1, record_batch)
        # Demo contacts (the shipped directory's fake numbers and addresses) go to the file channel even
        # where a real provider is configured: a demo number may belong to a real person.
        self.divert = divert or {}
        self.divert_addresses = divert_addresses
        # The last touch before a message goes: the real answer links in place of the stored references
        # (``notifiers.links``; config.app passes it). None: the row as stored.
        self.prepare = prepare or (lambda message: message)
        for name, policy in (on_unknown or {}).items():
            if policy not in ON_UNKNOWN:
                raise ValueError(f"on_unknown for {name!r}: {policy!r} is not one of {', '.join(ON_UNKNOWN)}")
        self.on_unknown = dict(on_unknown or {})
        self.unknown_wait = unknown_wait
        self.concurrency = concurrency
        self.host = socket.gethostname()[:24]
        self.worker = f"{self.host}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.is_pg = engine.dialect.name == "postgresql"

    # -- policies -----------------------------------------------------------------------------------
    def policy(self, channel_name: str) -> str:
        """The effective on_unknown policy of a channel: as configured, except that ``resend_once`` on a
        provider that drops a repeated key is ``resend`` (the duplicate answer confirms the first send)."""
        policy = self.on_unknown.get(channel_name, "resend_once")
        channel = self.channels.get(channel_name)
        if policy == "resend_once" and getattr(channel, "dedupes_by_key", False):
            return "resend"
        return policy

    def _after_unknown(
        self, channel_name: str, unknown_sends: int, attempts: int, now: datetime
    ) -> tuple[str, datetime]:
        """Next state and time of a row whose latest send had an unknown outcome."""
        policy = self.policy(channel_name)
        if policy == "assume_sent" or (policy == "resend_once" and unknown_sends >= 2):
            return S.unconfirmed, now
        if attempts >= self.max_attempts:
            return S.unconfirmed, now
        base = self.unknown_wait.total_seconds()
        return S.unknown, now + (backoff(unknown_sends, base=base) if base > 0 else timedelta(0))

    def _marks_start(self, channel: Channel | None) -> bool:
        """Whether a send is marked started before the provider call (not where a re-send is harmless)."""
        return channel is not None and not getattr(channel, "dedupes_by_key", False)

    # -- 1. recover ---------------------------------------------------------------------------------
    def recover(self) -> int:
        """Put rows of dead workers back in the queue; returns how many.

        Claimed but never started: back to the state they were claimed from, no try spent. Started: the
        outcome is unknown — one more try, one more unknown send, then the channel's policy."""
        now = self.clock()
        N = Notification
        fields = (N.id, N.channel, N.claimed_by, N.claimed_at, N.send_started_at, N.attempts, N.unknown_sends)
        with Session(self.engine) as session:
            rows = session.execute(select(*fields).where(N.status == S.sending)).all()
            stale = 0
            for row_id, channel, claimed_by, claimed_at, started, attempts, unknown_sends in rows:
                host, _, rest = (claimed_by or "").partition(":")
                pid = rest.partition(":")[0]
                expired = claimed_at is None or claimed_at < now - self.lease
                gone = host == self.host and pid.isdigit() and not _pid_alive(int(pid))
                if not (expired or gone):
                    continue
                if started is None:
                    back = S.unknown if unknown_sends else (S.failed if attempts else S.pending)
                    values: dict[str, Any] = {"status": back, "next_attempt_at": now}
                else:
                    status, next_at = self._after_unknown(channel, unknown_sends + 1, attempts + 1, now)
                    values = {
                        "status": status,
                        "next_attempt_at": next_at,
                        "attempts": attempts + 1,
                        "unknown_sends": unknown_sends + 1,
                        "error_class": "unknown",
                        "last_error": "outcome unknown: the sending worker stopped during the send"
                        + ("; sent again with the same key" if status == S.unknown else "; not sent again"),
                    }
                stale += session.execute(
                    update(N)
                    .where(N.id == row_id, N.status == S.sending, N.claimed_by == claimed_by)
                    .values(claimed_by=None, send_started_at=None, **values)
                ).rowcount
            session.commit()
        return stale

    # -- 2. claim -----------------------------------------------------------------------------------
    def claim(self, limit: int = 200) -> list[int]:
        """Atomically move up to ``limit`` due rows to *sending* under this worker; return their ids."""
        now = self.clock()
        N = Notification
        waiting = N.status.in_(sorted(CLAIMABLE))  # type: ignore[attr-defined]
        due = select(N.id).where(waiting, N.next_attempt_at <= now)
        if self.window is not None and not self.window.allows(now):
            quiet = [name for name, ch in self.channels.items() if ch.transport == "file"]
            due = due.where(or_(N.urgent == True, N.channel.in_(quiet)))  # type: ignore[attr-defined]  # noqa: E712
        due = due.order_by(N.id).limit(limit)
        if self.is_pg:
            due = due.with_for_update(skip_locked=True)
        stmt = (
            update(N)
            .where(and_(waiting, N.id.in_(due.scalar_subquery())))  # type: ignore[union-attr]
            .values(status=S.sending, claimed_by=self.worker, claimed_at=now, send_started_at=None)
            .returning(N.id)
        )
        with Session(self.engine) as session:
            ids = [row[0] for row in session.execute(stmt)]
            session.commit()
        return sorted(ids)

    # -- 3 + 4. send and record ---------------------------------------------------------------------
    def dispatch(self, *, batch: int = 200, max_batches: int | None = None) -> DispatchStats:
        """Recover, then claim and send batches until nothing is due (or ``max_batches``)."""
        stats = DispatchStats(recovered=self.recover())
        batches = 0
        while max_batches is None or batches < max_batches:
            ids = self.claim(batch)
            if not ids:
                break
            batches += 1
            stats.add(self.send_claimed(ids))
        return stats

    def _channel_for(self, row: Notification) -> Channel | None:
        if row.address in self.divert_addresses and row.channel in self.divert:
            return self.divert[row.channel]
        return self.channels.get(row.channel)

    def send_claimed(self, ids: list[int]) -> DispatchStats:
        """Send rows this worker claimed and record each outcome.

        Without ``concurrency`` the rows go one at a time in id order. With it, each channel (a diverted
        row's file channel apart) is a lane sent by up to its limit of threads, all lanes at once: a
        provider slower than its timeout delays its own lane only.

        Successes are recorded every ``record_batch`` sends (default 1: each at once). A larger batch is
        for channels where a repeat is harmless (the file channel rewrites the same file): a crash then
        re-sends at most one batch, with the same keys.
        """
        stats = DispatchStats(claimed=len(ids))
        with Session(self.engine, expire_on_commit=False) as session:
            found = session.execute(select(Notification).where(Notification.id.in_(ids))).scalars()  # type: ignore[union-attr]
            rows = {r.id: r for r in found}
        lanes: dict[tuple[str, int], _Lane] = {}
        for row_id in ids:
            row = rows[row_id]
            channel = self._channel_for(row)
            key = (row.channel, id(channel)) if self.concurrency is not None else ("", 0)
            if key not in lanes:
                width = (self.concurrency or {}).get(row.channel, 1) if channel is self.channels.get(row.channel) else 1
                lanes[key] = _Lane(channel, [], max(1, width))
            lanes[key].rows.append(row)
        lock = threading.Lock()
        if self.concurrency is None:
            self._run_lane(lanes[("", 0)], stats, lock, serial=True)
            return stats
        jobs = [lane for lane in lanes.values() for _ in range(min(lane.width, len(lane.rows)))]
        with ThreadPoolExecutor(max_workers=len(jobs), thread_name_prefix="outbox") as pool:
            for future in [pool.submit(self._run_lane, lane, stats, lock) for lane in jobs]:
                future.result()
        return stats

    def _run_lane(self, lane: _Lane, stats: DispatchStats, lock: threading.Lock, *, serial: bool = False) -> None:
        """Send the lane's rows one after another (one thread of the lane)."""
        mine = DispatchStats()
        done: list[dict[str, Any]] = []
        while (row := lane.next_row()) is not None:
            channel = self._channel_for(row) if serial else lane.channel
            item = self._send_one(row, channel, mine)
            if item is None:
                continue
            done.append(item)
            if len(done) >= self.record_batch:
                self._record_sent(done, mine)
                done = []
        if done:
            self._record_sent(done, mine)
        with lock:
            stats.add(mine)

    def _send_one(self, row: Notification, channel: Channel | None, stats: DispatchStats) -> dict[str, Any] | None:
        """One send: the values to record as sent, or None (a failure, recorded here, or a lost claim)."""
        if self.fault_hook:
            self.fault_hook("after_claim", row.key)
        if self._marks_start(channel) and not self._mark_started(row):
            log.warning("a notification was reclaimed before its send started; the other worker sends it")
            return None
        try:
            if channel is None:
                raise PermanentError(f"no channel named {row.channel!r} is configured")
            result = channel.send(self.prepare(message_of(row)))
        except ChannelError as exc:
            self._record_failure(row, channel, exc, stats)
            return None
        except Exception as exc:  # a bug or an unexpected library error: retry, stay visible
            log.exception("unexpected error sending %s", row.key)
            self._record_failure(row, channel, ChannelError(f"{type(exc).__name__}: {exc}"), stats)
            return None
        if self.fault_hook:
            self.fault_hook("after_send", row.key)
        return {
            "b_id": row.id,
            "b_worker": self.worker,
            "b_now": self.clock(),
            "b_transport": result.transport,
            "b_pid": (result.provider_message_id or "")[:128] or None,
            "b_ref": (result.provider_ref or "")[:128] or None,
            "b_channel": row.channel,
        }

    def _mark_started(self, row: Notification) -> bool:
        """Record that the provider is about to be called (a crash from here on is an unknown outcome).
        Also renews the lease. False when the row is no longer ours."""
        now = self.clock()
        with self.engine.begin() as conn:
            return bool(
                conn.execute(
                    update(Notification).where(*self._mine(row.id)).values(send_started_at=now, claimed_at=now)
                ).rowcount
            )

    def _record_sent(self, done: list[dict[str, Any]], stats: DispatchStats) -> None:
        table = Notification.__table__  # Core statement: an executemany of conditional updates
        how_sent = {
            "sent_at": bindparam("b_now"),
            "transport": bindparam("b_transport"),
            "provider_message_id": bindparam("b_pid"),
            "provider_ref": bindparam("b_ref"),
            "attempts": table.c.attempts + 1,
            "send_started_at": None,
        }
        stmt = (
            update(table)
            .where(
                table.c.id == bindparam("b_id"),
                table.c.status == S.sending,
                table.c.claimed_by == bindparam("b_worker"),
            )
            .values(status=S.sent, error_class=None, **how_sent)
        )
        # A delivery report can arrive before the send is recorded (the row is already 'delivered'):
        # keep 'delivered' and still store how it was sent.
        late = (
            update(table)
            .where(
                table.c.id == bindparam("b_id"),
                table.c.status == S.delivered,
                table.c.claimed_by == bindparam("b_worker"),
            )
            .values(**how_sent)
        )
        with self.engine.begin() as conn:
            if len(done) == 1:
                updated = conn.execute(stmt, done[0]).rowcount
                if not updated:
                    updated = conn.execute(late, done[0]).rowcount
            else:
                conn.execute(stmt, done)
                conn.execute(late, done)
                updated = len(done)
        if updated != len(done):
            log.warning("a notification was reclaimed while sending; its outcome is recorded by the other worker")
        stats.sent += updated
        for item in done:
            stats.by_channel[item["b_channel"]] = stats.by_channel.get(item["b_channel"], 0) + 1

    def _mine(self, row_id: int | None) -> tuple[Any, ...]:
        """WHERE clause of a conditional update: the row is still ours and still being sent."""
        N = Notification
        return (N.id == row_id, N.status == S.sending, N.claimed_by == self.worker)

    def _failure_state(
        self, row: Notification, exc: ChannelError, attempts: int, now: datetime
    ) -> tuple[str, datetime, int]:
        """(next state, next attempt time, unknown sends) after a failed try."""
        unknown_sends = row.unknown_sends + (1 if exc.outcome_unknown else 0)
        if exc.outcome_unknown:
            return (*self._after_unknown(row.channel, unknown_sends, attempts, now), unknown_sends)
        delay = backoff(attempts)
        if exc.retry_after and exc.retry_after > delay:
            delay = exc.retry_after
        give_up = isinstance(exc, PermanentError) or attempts >= self.max_attempts
        if unknown_sends:
            # This try surely failed, but an earlier one may have reached the person: never dead, never
            # the fallback; keep trying within the budget, then leave it unconfirmed.
            return (S.unconfirmed, now, unknown_sends) if give_up else (S.unknown, now + delay, unknown_sends)
        return (S.dead, now, 0) if give_up else (S.failed, now + delay, 0)

    def _record_failure(
        self, row: Notification, channel: Channel | None, exc: ChannelError, stats: DispatchStats
    ) -> None:
        now = self.clock()
        # A refusal before any network call (no channel, a bad number, a missing template) is still a
        # try: the channel decided; only a claim that never reached the channel costs nothing.
        attempts = row.attempts + 1
        status, next_at, unknown_sends = self._failure_state(row, exc, attempts, now)
        kind = "unknown" if exc.outcome_unknown else exc.kind
        log.warning("send failed (%s) for %s via %s: %s", kind, row.key, row.channel, exc)
        with Session(self.engine, expire_on_commit=False) as session:
            updated = session.execute(
                update(Notification)
                .where(*self._mine(row.id))
                .values(
                    status=status,
                    next_attempt_at=next_at,
                    attempts=attempts,
                    unknown_sends=unknown_sends,
                    send_started_at=None,
                    error_class=kind,
                    last_error=str(exc)[:2000],
                    transport=channel.transport if channel else None,
                )
            ).rowcount
            if updated and status == S.dead and self.fallback is not None:
                replacement = self._fallback_row(session, row)
                if replacement is not None:
                    session.add(replacement)
                    stats.fallback += 1
            session.commit()
        if updated:
            counter = {S.dead: "dead", S.unknown: "unknown", S.unconfirmed: "unconfirmed"}.get(status, "retry")
            setattr(stats, counter, getattr(stats, counter) + 1)

    def _fallback_row(self, session: Session, row: Notification) -> Notification | None:
        """The next channel in order for the same message, if any and not queued already."""
        assert self.fallback is not None
        order = self.channel_order
        start = order.index(row.channel) + 1 if row.channel in order else len(order)
        for name in order[start:]:
            candidate = self.fallback(session, row, name)
            if candidate is None:
                continue
            exists = session.execute(select(Notification.id).where(Notification.key == candidate.key)).first()
            if exists:
                continue
            candidate.fallback_of = row.id
            return candidate
        return None


def message_of(row: Notification) -> OutgoingMessage:
    """The message a row is sent as — the one place it is built (a send-time rendering hook goes here)."""
    return OutgoingMessage(
        key=row.key,
        channel=row.channel,
        to=row.address,
        subject=row.subject,
        text=row.body_text,
        html=row.body_html,
        params=dict(row.params or {}),
        template=row.template,
        link=row.link,
    )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
