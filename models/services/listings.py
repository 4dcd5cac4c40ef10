"""Listings for officers' scripts: the reporting cycles (``dondoc cycles``) and the outbox's messages
(``dondoc outbox``), as rows of plain JSON-ready values. Their field names are a public interface (add to
them, never rename).

Recipients are personal data: :func:`outbox_rows` shows them only through the ``mask`` its caller passes
(the edges pass ``models.domain.masking.mask_address``; services do not import the channels).
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.domain.clock import TZ
from models.domain.states import NotificationStatus
from models.store.cycle_tables import Cycle, Notification, ReminderLedger
from models.store.plan_tables import Agency, Indicator, Task


def unknown_filter(engine: Engine, *, agency: str | None = None, task: str | None = None) -> str | None:
    """What is wrong with a listing's filters (an agency code or task number the database does not know),
    in words for the person who typed it; None when both are known (or not given)."""
    with Session(engine) as session:
        if agency and session.execute(select(Agency.id).where(Agency.code == agency).limit(1)).first() is None:
            return f"--agency: no agency with code {agency!r} (see `dondoc agencies`) (không có cơ quan)"
        if task and session.execute(select(Task.id).where(Task.number == task.rstrip(".")).limit(1)).first() is None:
            return f"--task: no plan has a task {task!r} (see `dondoc plan show`) (không có nhiệm vụ)"
    return None


def cycle_rows(
    engine: Engine, *, status: str | None = None, agency: str | None = None, task: str | None = None
) -> list[dict[str, Any]]:
    """Reporting cycles by effective due date, optionally of one status, agency code or task number
    ("12" or "12.")."""
    query = (
        select(Cycle, Agency.code, Agency.name, Task.number, Indicator.code)
        .join(Agency, Agency.id == Cycle.agency_id)
        .outerjoin(Task, Task.id == Cycle.task_id)
        .outerjoin(Indicator, Indicator.id == Cycle.indicator_id)
        .order_by(Cycle.due_effective, Cycle.id)
    )
    if status:
        query = query.where(Cycle.status == status)
    if agency:
        query = query.where(Agency.code == agency)
    if task:
        query = query.where(Task.number == task.rstrip("."))
    with Session(engine) as session:
        return [
            {
                "id": c.id,
                "task": task_number,
                "indicator": indicator_code,
                "agency": agency_code,
                "agency_name": agency_name,
                "role": c.role,
                "kind": c.kind,
                "label": c.label,
                "period_key": c.period_key,
                "opens_on": c.opens_on.isoformat(),
                "due_nominal": c.due_nominal.isoformat(),
                "due_effective": c.due_effective.isoformat(),
                "due_extended": c.due_extended.isoformat() if c.due_extended else None,
                "status": c.status,
            }
            for c, agency_code, agency_name, task_number, indicator_code in session.execute(query)
        ]


def outbox_rows(
    engine: Engine, *, mask: Callable[[str | None], str], status: str | None = None, limit: int = 0
) -> list[dict[str, Any]]:
    """Outbox messages in the order they were queued, optionally of one status and at most ``limit``
    (0: all); each recipient shown as ``mask`` renders it."""
    query = (
        select(Notification, Agency.code, Task.number)
        .outerjoin(Agency, Agency.id == Notification.agency_id)
        .outerjoin(Cycle, Cycle.id == Notification.cycle_id)
        .outerjoin(Task, Task.id == Cycle.task_id)
        .order_by(Notification.id)
    )
    if status:
        query = query.where(Notification.status == status)
    if limit:
        query = query.limit(limit)
    with Session(engine) as session:
        return [
            {
                "key": n.key,
                "cycle": n.cycle_id,
                # The cycles a message covers: a consolidated message lists many (``cycle`` is then None).
                "cycles": list((n.context or {}).get("cycles") or ([n.cycle_id] if n.cycle_id else [])),
                "task": task_number,
                "agency": agency_code,
                "channel": n.channel,
                "recipient": mask(n.address),
                "step": n.step,
                "folded_steps": n.folded_steps,
                "status": n.status,
                "attempts": n.attempts,
                "unknown_sends": n.unknown_sends,  # sends whose outcome was unknown (timeouts, crashes mid-send)
                "link": n.link,
                "transport": n.transport,
                "provider_message_id": n.provider_message_id,
                "provider_ref": n.provider_ref,
                "created_at": n.created_at.isoformat(),
                "sent_at": n.sent_at.isoformat() if n.sent_at else None,
                "last_error": n.last_error,
            }
            for n, agency_code, task_number in session.execute(query)
        ]


def outbox_texts(engine: Engine) -> list[tuple[str, str, str]]:
    """(local day queued "YYYY-MM-DD", channel, text) of every outbox message, for the cost summary
    (``models.domain.costs``). Fallback copies count: each was a message of its own channel."""
    N = Notification
    with Session(engine) as session:
        rows = session.execute(select(N.key, N.created_at, N.channel, N.body_text).order_by(N.id)).all()
    return [(_day_of(key, created), channel, text or "") for key, created, channel, text in rows]


def _day_of(key: str, created: datetime) -> str:
    """The day a message belongs to: a consolidated message's key names it ("m20261202:…": right for a
    simulated day too); otherwise the local day it was queued."""
    if len(key) > 9 and key[0] == "m" and key[1:9].isdigit() and key[9] == ":":
        return f"{key[1:5]}-{key[5:7]}-{key[7:9]}"
    aware = created if created.tzinfo else created.replace(tzinfo=UTC)
    return f"{aware.astimezone(TZ):%Y-%m-%d}"


def message_load(engine: Engine) -> dict[str, Any]:
    """How many messages each contact got a day: the most any (recipient, channel) got on one day, and
    the number of messages and of ledger items they carry (``simulate`` prints them)."""
    N = Notification
    with Session(engine) as session:
        rows = session.execute(select(N.key, N.created_at, N.recipient, N.channel)).all()
        items = session.execute(
            select(func.count()).select_from(ReminderLedger).where(ReminderLedger.notification_key.startswith("m"))  # type: ignore[union-attr]
        ).scalar_one()
    per: dict[tuple[str, str, str], int] = {}
    for key, created, recipient, channel in rows:
        slot = (_day_of(key, created), recipient, channel)
        per[slot] = per.get(slot, 0) + 1
    worst = max(per.items(), key=lambda kv: kv[1], default=(("", "", ""), 0))
    return {
        "messages": len(rows),
        "items": items,
        "max_per_contact_day": worst[1],
        "max_at": {"day": worst[0][0], "recipient": worst[0][1], "channel": worst[0][2]} if worst[1] else None,
    }


def dead_summary(engine: Engine) -> dict[str, Any]:
    """How many messages the outbox gave up on, and the latest of them (``dondoc channels status``)."""
    N = Notification
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).where(N.status == NotificationStatus.dead)).scalar() or 0
        latest = conn.execute(
            select(N.id, N.key, N.channel, N.transport, N.error_class, N.last_error, N.next_attempt_at)
            .where(N.status == NotificationStatus.dead)
            .order_by(N.id.desc())  # type: ignore[union-attr]
            .limit(1)
        ).first()
    return {
        "count": int(count),
        "latest": None
        if latest is None
        else {
            "id": latest.id,
            "key": latest.key,
            "channel": latest.channel,
            "transport": latest.transport,
            "error_class": latest.error_class,
            "last_error": latest.last_error,
            "at": latest.next_attempt_at,
        },
    }
