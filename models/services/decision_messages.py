"""The message an officer's decision sends to the agency (returned, extension granted or refused, a link
sent again): rendered from ``config/messages.yaml`` like every reminder, so that every channel carries
the officer's words — the SMS too, and the channel fallback, which renders the same stored context.

Key ``c{cycle}:{step}:{n}:{recipient}:{channel}`` (``n``: the decision's review id, or the second of a
resend): the same decision queues once, and a second decision of the same kind is a new message.
"""

from datetime import date
from typing import Any

from sqlmodel import Session

from models.domain.channels import body_for
from models.domain.clock import today_local, utcnow
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
    return insert_ignore(session, Notification, rows)
