"""Putting dead messages back in the queue — without sending a second copy of what already got through.

A message is one (cycle or digest, step, recipient); its outbox rows differ only in the channel, the last
part of their key (``models.domain.reminders.message_key``): the first channel's row, the channel
fallback's rows (``notification.fallback_of``) and the email copy. "Retry all dead" used to put every
dead row back, so a Zalo row that died *after* its SMS fallback was sent went out again on Zalo: the
person got the reminder twice.

The rule (:func:`plan_retry`, pure) for each dead row asked for:

- **covered**: another channel's row of the same message is not dead (sent, delivered, or still on its
  way: pending, sending, failed or an outcome not yet known) → skipped, and the answer says which
  channel has it;
- **one per message**: several dead rows of one message go back as one — the row most likely to get
  through (not dead of a permanent error, then the latest, i.e. the last channel tried); the others are
  skipped, so that two channels cannot both deliver it this time.

:func:`retry_dead` applies the rule in one transaction (or only counts, ``dry_run``: the officers' page
shows how many "retry all" will re-send before it is pressed).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlmodel import Session

from models.domain.clock import utcnow
from models.domain.reminders import message_key
from models.domain.states import NotificationStatus
from models.store.cycle_tables import Notification

CHUNK = 500  # rows per IN list


@dataclass(frozen=True)
class DeadRow:
    id: int
    key: str
    channel: str
    error_class: str | None = None


@dataclass(frozen=True)
class OtherRow:
    """A row of the same messages that is not dead (or dead but not asked for)."""

    key: str
    channel: str
    status: str


@dataclass(frozen=True)
class Skipped:
    id: int
    reason: str  # "covered": another channel has it; "same_message": another dead row of it goes back
    channel: str  # the channel that has it (covered) or that is retried instead (same_message)
    status: str  # that row's status


@dataclass
class RetryOutcome:
    """What a retry did (or, dry, would do): how many rows went back, and which were skipped and why."""

    requeue: list[int] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def requeued(self) -> int:
        return len(self.requeue)

    @property
    def covered(self) -> int:
        return sum(1 for s in self.skipped if s.reason == "covered")


def plan_retry(dead: Sequence[DeadRow], others: Iterable[OtherRow]) -> RetryOutcome:
    """Which of the ``dead`` rows go back in the queue (pure; the rules are in the module docstring)."""
    alive: dict[str, OtherRow] = {}
    for row in others:
        if row.status != NotificationStatus.dead:
            # Prefer a sent/delivered row as the one named to officers.
            seen = alive.get(message_key(row.key))
            if seen is None or row.status in (NotificationStatus.sent, NotificationStatus.delivered):
                alive[message_key(row.key)] = row
    groups: dict[str, list[DeadRow]] = {}
    for row in dead:
        groups.setdefault(message_key(row.key), []).append(row)
    outcome = RetryOutcome()
    for message, rows in groups.items():
        cover = alive.get(message)
        if cover is not None:
            outcome.skipped.extend(Skipped(r.id, "covered", cover.channel, cover.status) for r in rows)
            continue
        best = min(rows, key=lambda r: (r.error_class == "permanent", -r.id))
        outcome.requeue.append(best.id)
        outcome.skipped.extend(
            Skipped(r.id, "same_message", best.channel, NotificationStatus.pending) for r in rows if r is not best
        )
    outcome.requeue.sort()
    return outcome


def retry_dead(session: Session, ids: list[int] | None = None, *, dry_run: bool = False) -> RetryOutcome:
    """Put dead messages back in the queue (all, or ``ids``): pending, due now, attempts reset — except
    those another channel already has (see the module docstring). ``dry_run``: decide, write nothing."""
    N = Notification
    stmt = select(N.id, N.key, N.channel, N.error_class, N.cycle_id, N.recipient).where(
        N.status == NotificationStatus.dead
    )
    if ids is not None:
        stmt = stmt.where(N.id.in_(ids))  # type: ignore[union-attr]
    found = session.execute(stmt.order_by(N.id)).all()  # type: ignore[union-attr]
    dead = [DeadRow(i, k, c, e) for i, k, c, e, _, _ in found]
    cycles = sorted({r[4] for r in found if r[4] is not None})
    loose = sorted({r[5] for r in found if r[4] is None})  # digests: no cycle
    outcome = plan_retry(dead, _others(session, dead, cycles, loose))
    if dry_run or not outcome.requeue:
        return outcome
    for start in range(0, len(outcome.requeue), CHUNK):
        session.execute(
            update(N)
            .where(N.status == NotificationStatus.dead, N.id.in_(outcome.requeue[start : start + CHUNK]))  # type: ignore[union-attr]
            .values(
                status=NotificationStatus.pending,
                next_attempt_at=utcnow(),
                attempts=0,
                claimed_by=None,
                claimed_at=None,
            )
        )
    return outcome


def _others(session: Session, dead: Sequence[DeadRow], cycles: list[int], loose: list[str]) -> list[OtherRow]:
    """The rows of the dead rows' messages (key equal but for the channel), found by their cycle (indexed)
    or, for messages without one (the digest), by recipient. Dead ones come too; :func:`plan_retry` looks
    only at the live ones."""
    wanted = {message_key(r.key) for r in dead}
    N = Notification
    filters = [N.cycle_id.in_(cycles[i : i + CHUNK]) for i in range(0, len(cycles), CHUNK)]  # type: ignore[union-attr]
    filters += [
        N.cycle_id.is_(None) & N.recipient.in_(loose[i : i + CHUNK])  # type: ignore[union-attr, attr-defined]
        for i in range(0, len(loose), CHUNK)
    ]
    found: list[OtherRow] = []
    for where in filters:
        rows = session.execute(select(N.key, N.channel, N.status).where(where))
        found.extend(OtherRow(k, c, s) for k, c, s in rows if message_key(k) in wanted)
    return found
