"""Channel fallback: when a message can never go through its channel (a number not on Zalo, say), the same
message for the next channel of the configured order — rendered for that channel from the context it was
first rendered with, under the same template, with the same key except its channel part.

The outbox (``notifiers.outbox``) calls the builder and inserts the row; this module only builds it.
"""

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from models.domain.channels import body_for
from models.domain.clock import today_local
from models.domain.reminders import Contact, contact_of, key_on_channel, step_kind
from models.services.message_context import message_context, rounds_of, subject_texts
from models.services.runtime import Runtime
from models.store.cycle_tables import Cycle, Notification
from models.store.plan_tables import Agency
from models.store.writes import outbox_row

FallbackBuilder = Callable[[Session, Notification, str], Notification | None]


def fallback_builder(rt: Runtime) -> FallbackBuilder:
    def build(session: Session, row: Notification, channel: str) -> Notification | None:
        spec = rt.channels.get(channel)
        code = row.recipient.partition("#")[0]
        agency = session.execute(select(Agency).where(Agency.code == code)).scalar()
        if spec is None or agency is None:
            return None
        contact = contact_of(agency, row.recipient)
        address = contact.address(spec)
        context = row.context or _context_again(session, rt, row, contact)
        if not address or context is None:
            return None
        kind = row.template or step_kind(row.step)
        rendered = rt.templates.render(kind, context, html=spec.body == "email", sms=spec.body == "sms")
        values = outbox_row(
            key=key_on_channel(row.key, channel),
            cycle_id=row.cycle_id,
            step=row.step,
            folded_steps=row.folded_steps or [],
            agency_id=row.agency_id,
            recipient=row.recipient,
            channel=channel,
            address=address,
            subject=rendered.subject,
            body=body_for(spec, text=rendered.text, html=rendered.html, sms=rendered.sms, params=rendered.params),
            template=kind,
            link=row.link,
            urgent=row.urgent,
            context=context,
        )
        return Notification(**values)

    return build


def _context_again(session: Session, rt: Runtime, row: Notification, contact: Contact) -> dict[str, Any] | None:
    """The context of a row queued before contexts were stored (migration 0004): built again from its cycle."""
    cycle = session.get(Cycle, row.cycle_id) if row.cycle_id else None
    agency = session.get(Agency, cycle.agency_id) if cycle else None
    if cycle is None or agency is None:
        return None
    standing = session.execute(select(Agency).where(Agency.code == rt.directory.standing_agency)).scalar()
    return message_context(
        cycle,
        agency=agency,
        contact=contact,
        subject=subject_texts(session, [cycle])[cycle.subject],
        step=row.step,
        today=today_local(),
        link=row.link,
        standing=standing,
        round_=rounds_of(session, [cycle]).get(cycle.round_id or 0),
        folded=len(row.folded_steps or [1]),
        comment="",
        new_due="",
    )
