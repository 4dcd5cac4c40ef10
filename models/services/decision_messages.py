"""The message an officer's decision sends to the agency (returned, extension granted or refused, a link
sent again): rendered from ``config/messages.yaml`` like every reminder, so that every channel carries
the officer's words — the SMS too, and the channel fallback, which renders the same stored context.

Key ``c{cycle}:{step}:{n}:{recipient}:{channel}`` (``n``: the decision's review id, or the second of a
resend): the same decision queues once, and a second decision of the same kind is a new message.

The daily cap (config/policy.yaml ``messages.decisions_per_day``, default 1): a contact's decision
messages beyond it wait for the following days (one day per ``cap`` already waiting) — delayed, never lost.
"""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from models.domain.channels import body_for
from models.domain.clock import TZ, today_local, utcnow
from models.domain.reminders import channels_for, contacts_for
from models.domain.tokens import link_for, token_expiry
from models.services.message_context import message_context, subject_texts
from models.services.runtime import Runtime
from models.store.cycle_tables import Cycle, Notification
from models.store.plan_tables import Agency
from models.store.tokens import new_link
from models.store.writes import insert_ignore, outbox_row

KINDS = ("returned", "extended", "refused", "resend")


def queue_decision_message(
    session: Session,
    rt: Runtime,
    cycle: Cycle,
    kind: str,
    n: int | str,
    *,
    comment: str = "",
    new_due: date | None = None,
    today: date | None = None,
) -> int:
    """Queue one message of ``kind`` to the cycle's agency (each channel of its contact) with a fresh
    answer link, living as long as the cycle (``new_due``: the due date being granted); returns how many
    outbox rows were queued (0: the agency has no contact)."""
    if kind not in KINDS:
        raise ValueError(f"not a decision message: {kind!r}")
    agency = session.get(Agency, cycle.agency_id)
    if agency is None or cycle.id is None:
        return 0
    contact = contacts_for(agency, None, escalate=False)[0]
    pairs = channels_for(contact, rt.prefs)
    if not pairs:
        return 0
    now = utcnow()
    today = today or today_local()
    expires = token_expiry(new_due or cycle.due, now)
    ref = new_link(session, rt.link_key, cycle_id=cycle.id, agency_id=agency.id or 0, expires_at=expires, now=now)
    link = link_for(rt.public_base_url, ref)  # a reference: the outbox puts the real link in when it sends
    extra: dict[str, Any] = {"comment": comment, "new_due": f"{new_due:%d/%m/%Y}" if new_due else ""}
    context = message_context(
        cycle,
        agency=agency,
        contact=contact,
        subject=subject_texts(session, [cycle])[cycle.subject],
        step=kind,
        today=today,
        link=link,
        standing=None,
        due=new_due,
        **extra,
    )
    bodies = {spec.body for spec, _ in pairs}
    rendered = rt.templates.render(kind, context, html="email" in bodies, sms="sms" in bodies)
    rows = [
        outbox_row(
            key=f"c{cycle.id}:{kind}:{n}:{contact.recipient}:{spec.name}",
            cycle_id=cycle.id,
            step=kind,
            agency_id=agency.id,
            recipient=contact.recipient,
            channel=spec.name,
            address=address,
            subject=rendered.subject,
            body=body_for(spec, text=rendered.text, html=rendered.html, sms=rendered.sms, params=rendered.params),
            template=kind,
            link=link,
            context=context,
            now=now,
        )
        for spec, address in pairs
    ]
    real_today = now.astimezone(TZ).date()  # the cap counts real days, also when a day is simulated
    send_on = _send_day(session, rt, contact.recipient, pairs[0][0].name, real_today)
    if send_on > real_today:  # over the daily cap: the message waits for its day
        at = datetime.combine(send_on, time(7, 30), tzinfo=TZ).astimezone(UTC)
        for row in rows:
            row["next_attempt_at"] = at
    return insert_ignore(session, Notification, rows)


def _send_day(session: Session, rt: Runtime, recipient: str, channel: str, today: date) -> date:
    """The day a new decision message to ``recipient`` may go: today, unless ``rt.decision_cap`` of them
    are already due from today on (each further ``cap`` pushes it a day)."""
    start = datetime.combine(today, time(0), tzinfo=TZ).astimezone(UTC)
    N = Notification
    waiting = session.execute(
        select(func.count()).where(
            N.recipient == recipient,
            N.channel == channel,
            N.step.in_(KINDS),
            N.next_attempt_at >= start,  # type: ignore[attr-defined]
        )
    ).scalar_one()
    return today + timedelta(days=waiting // max(1, rt.decision_cap))
