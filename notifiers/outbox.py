"""The outbox: sending queued notifications exactly once, safely across workers and crashes.

One pass of ``Outbox.dispatch`` does, like Healthchecks' ``sendalerts``:

1. **Recover** rows left in *sending* by a worker that died (its lease ran out, or its process is gone
   on this host): they go back to *failed* with "outcome unknown", to be sent again **with the same
   key** — providers that take an idempotency field (Zalo ``tracking_id``, eSMS ``RequestId``) and the
   file channel (same file name) then keep one copy.
2. **Claim** a batch atomically: one ``UPDATE … WHERE id IN (SELECT … [FOR UPDATE SKIP LOCKED])
   RETURNING id`` moves due rows from *pending*/*failed* to *sending* under this worker's name. Two
   workers never claim the same row: PostgreSQL skips locked rows; SQLite serialises writers.
3. **Send** each claimed row through its channel, outside any transaction (a slow provider never holds
   a database lock).
4. **Record** the outcome with a conditional ``UPDATE … WHERE status='sending' AND claimed_by=me``:
   *sent*; or *failed* with exponential backoff and jitter (retryable/auth errors); or, for a permanent
   error, a fallback row on the next channel and this row *dead*; after ``max_attempts`` tries, *dead*.

Messages outside the sending window (working days, 07:30–17:00 by default) wait, except urgent ones and
channels that reach nobody (the embedded file channel).
"""

import logging
import os
import random
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.domain.clock import TZ, utcnow
from models.domain.states import NotificationStatus
from models.store.cycle_tables import Notification
from notifiers.base import Channel, ChannelError, OutgoingMessage, PermanentError

log = logging.getLogger("dondoc.outbox")

# A fallback builder: given the dead row and the next channel, return a new (unsaved) row or None.
FallbackBuilder = Callable[[Session, Notification, str], Notification | None]
# Called at "after_claim" and "after_send" with the row key; the crash tests pass one that kills the
# process there (tests/support/worker.py). None in production.
FaultHook = Callable[[str, str], None]


@dataclass
class SendWindow:
    """Hours (local time) and days in which messages that reach people may be sent."""

    start: time = time(7, 30)
    end: time = time(17, 0)
    is_working_day: Callable[[Any], bool] = lambda d: d.weekday() < 5

    @classmethod
    def parse(cls, spec: str, is_working_day: Callable[[Any], bool] | None = None) -> "SendWindow":
        start, _, end = spec.partition("-")
        window = cls(time.fromisoformat(start.strip()), time.fromisoformat(end.strip()))
        if is_working_day:
            window.is_working_day = is_working_day
        return window

    def allows(self, now: datetime) -> bool:
        local = now.astimezone(TZ)
        return self.is_working_day(local.date()) and self.start <= local.time() < self.end


@dataclass
class DispatchStats:
    claimed: int = 0
    sent: int = 0
    retry: int = 0
    dead: int = 0
    fallback: int = 0
    recovered: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)

    def add(self, other: "DispatchStats") -> None:
        for name in ("claimed", "sent", "retry", "dead", "fallback", "recovered"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for key, value in other.by_channel.items():
            self.by_channel[key] = self.by_channel.get(key, 0) + value


def backoff(attempts: int, *, base: float = 60.0, cap: float = 6 * 3600.0) -> timedelta:
    """Exponential backoff with jitter: ~1 min, 2, 4 … capped at 6 h; jitter spreads retries out."""
    delay = min(cap, base * 2 ** max(0, attempts - 1))
    return timedelta(seconds=delay * random.uniform(0.5, 1.5))


class Outbox:
    """Dispatches the outbox through ``channels`` (logical channel name → Channel)."""

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
        self.host = socket.gethostname()[:24]
        self.worker = f"{self.host}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.is_pg = engine.dialect.name == "postgresql"

    # -- 1. recover ---------------------------------------------------------------------------------
    def recover(self) -> int:
        """Put rows of dead workers back in the queue; returns how many."""
        now = self.clock()
        N = Notification
        with Session(self.engine) as session:
            rows = session.execute(
                select(N.id, N.claimed_by, N.claimed_at).where(N.status == NotificationStatus.sending)
            ).all()
            stale = []
            for row_id, claimed_by, claimed_at in rows:
                host, _, rest = (claimed_by or "").partition(":")
                pid = rest.partition(":")[0]
                expired = claimed_at is None or claimed_at < now - self.lease
                gone = host == self.host and pid.isdigit() and not _pid_alive(int(pid))
                if expired or gone:
                    stale.append(row_id)
            if stale:
                session.execute(
                    update(N)
                    .where(N.status == NotificationStatus.sending, N.id.in_(stale))  # type: ignore[union-attr]
                    .values(
                        status=NotificationStatus.failed,
                        next_attempt_at=now,
                        last_error="outcome unknown: the sending worker stopped; sent again with the same key",
                    )
                )
                session.commit()
        return len(stale)

    # -- 2. claim -----------------------------------------------------------------------------------
    def claim(self, limit: int = 200) -> list[int]:
        """Atomically move up to ``limit`` due rows to *sending* under this worker; return their ids."""
        now = self.clock()
        N = Notification
        waiting = N.status.in_([NotificationStatus.pending, NotificationStatus.failed])  # type: ignore[attr-defined]
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
            .values(status=NotificationStatus.sending, claimed_by=self.worker, claimed_at=now, attempts=N.attempts + 1)
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

    def send_claimed(self, ids: list[int]) -> DispatchStats:
        """Send rows this worker claimed and record each outcome.

        Successes are recorded every ``record_batch`` sends (default 1: each at once). A larger batch is
        for channels where a repeat is harmless (the file channel rewrites the same file): a crash then
        re-sends at most one batch, with the same keys.
        """
        stats = DispatchStats(claimed=len(ids))
        with Session(self.engine, expire_on_commit=False) as session:
            found = session.execute(select(Notification).where(Notification.id.in_(ids))).scalars()  # type: ignore[union-attr]
            rows = {r.id: r for r in found}
        done: list[dict[str, Any]] = []
        for row_id in ids:
            row = rows[row_id]
            if self.fault_hook:
                self.fault_hook("after_claim", row.key)
            channel = self.channels.get(row.channel)
            if row.address in self.divert_addresses and row.channel in self.divert:
                channel = self.divert[row.channel]
            try:
                if channel is None:
                    raise PermanentError(f"no channel named {row.channel!r} is configured")
                result = channel.send(self.prepare(_message(row)))
            except ChannelError as exc:
                self._record_failure(row, channel, exc, stats)
                continue
            except Exception as exc:  # a bug or an unexpected library error: retry, stay visible
                log.exception("unexpected error sending %s", row.key)
                self._record_failure(row, channel, ChannelError(f"{type(exc).__name__}: {exc}"), stats)
                continue
            if self.fault_hook:
                self.fault_hook("after_send", row.key)
            done.append(
                {
                    "b_id": row.id,
                    "b_worker": self.worker,
                    "b_now": self.clock(),
                    "b_transport": result.transport,
                    "b_pid": (result.provider_message_id or "")[:128] or None,
                    "b_channel": row.channel,
                }
            )
            if len(done) >= self.record_batch:
                self._record_sent(done, stats)
                done = []
        if done:
            self._record_sent(done, stats)
        return stats

    def _record_sent(self, done: list[dict[str, Any]], stats: DispatchStats) -> None:
        table = Notification.__table__  # Core statement: an executemany of conditional updates
        stmt = (
            update(table)
            .where(
                table.c.id == bindparam("b_id"),
                table.c.status == NotificationStatus.sending,
                table.c.claimed_by == bindparam("b_worker"),
            )
            .values(
                status=NotificationStatus.sent,
                sent_at=bindparam("b_now"),
                transport=bindparam("b_transport"),
                provider_message_id=bindparam("b_pid"),
                error_class=None,
            )
        )
        # A delivery report can arrive before the send is recorded (the row is already 'delivered'):
        # keep 'delivered' and still store how it was sent.
        late = (
            update(table)
            .where(
                table.c.id == bindparam("b_id"),
                table.c.status == NotificationStatus.delivered,
                table.c.claimed_by == bindparam("b_worker"),
            )
            .values(
                sent_at=bindparam("b_now"), transport=bindparam("b_transport"), provider_message_id=bindparam("b_pid")
            )
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
        return (N.id == row_id, N.status == NotificationStatus.sending, N.claimed_by == self.worker)

    def _record_failure(
        self, row: Notification, channel: Channel | None, exc: ChannelError, stats: DispatchStats
    ) -> None:
        now = self.clock()
        permanent = isinstance(exc, PermanentError)
        give_up = permanent or row.attempts >= self.max_attempts
        log.warning("send failed (%s) for %s via %s: %s", exc.kind, row.key, row.channel, exc)
        if give_up:
            status, next_at = NotificationStatus.dead, now
        else:
            delay = backoff(row.attempts)
            if exc.retry_after and exc.retry_after > delay:
                delay = exc.retry_after
            status, next_at = NotificationStatus.failed, now + delay
        with Session(self.engine, expire_on_commit=False) as session:
            updated = session.execute(
                update(Notification)
                .where(*self._mine(row.id))
                .values(
                    status=status,
                    next_attempt_at=next_at,
                    error_class=exc.kind,
                    last_error=str(exc)[:2000],
                    transport=channel.transport if channel else None,
                )
            ).rowcount
            if updated and give_up and self.fallback is not None:
                replacement = self._fallback_row(session, row)
                if replacement is not None:
                    session.add(replacement)
                    stats.fallback += 1
            session.commit()
        if updated:
            if give_up:
                stats.dead += 1
            else:
                stats.retry += 1

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


def _message(row: Notification) -> OutgoingMessage:
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
