"""Channel fallback: when a message can never go through one channel (a number not on Zalo, say), build
the same message for the next channel of the recipient, re-rendered for that channel's form."""

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from models.domain.clock import today_local, utcnow
from models.domain.messages import step_kind
from models.services.cycles import _contacts, _context, _subjects, notification_key
from models.services.runtime import Runtime
from models.store.cycle_tables import Cycle, Notification, ReportRound
from models.store.plan_tables import Agency


def fallback_builder(rt: Runtime) -> Callable[[Session, Notification, str], Notification | None]:
    def build(session: Session, row: Notification, channel: str) -> Notification | None:
        if row.cycle_id is None:
            return None
        cycle = session.get(Cycle, row.cycle_id)
        if cycle is None:
            return None
        agency = session.get(Agency, cycle.agency_id)
        standing = session.execute(select(Agency).where(Agency.code == rt.directory.standing_agency)).scalar()
        if agency is None:
            return None
        contact = next((c for c in _contacts(rt, agency, standing, True) if c.recipient == row.recipient), None)
        if contact is None:
            return None
        address = {"zalo": contact.zalo, "sms": contact.phone, "email": contact.email}.get(channel)
        if not address:
            return None
        subject: dict[str, Any] = dict(
            _subjects(session, [cycle])[cycle.subject], agency_name=agency.name, agency_code=agency.code
        )
        rounds = {}
        if cycle.round_id:
            rnd = session.get(ReportRound, cycle.round_id)
            rounds = {rnd.id: rnd} if rnd else {}
        ctx = _context(
            rt,
            cycle,
            contact,
            subject,
            row.step,
            len(row.folded_steps or [1]),
            today_local(),
            row.link,
            standing,
            rounds,
        )  # type: ignore[arg-type]
        rendered = rt.templates.render(row.template or step_kind(row.step), ctx)
        now = utcnow()
        return Notification(
            key=notification_key(cycle.id or 0, row.step, row.recipient, channel),
            cycle_id=cycle.id,
            step=row.step,
            folded_steps=list(row.folded_steps or []),
            agency_id=row.agency_id,
            recipient=row.recipient,
            channel=channel,
            address=address,
            subject=rendered.subject,
            body_text=rendered.sms if channel == "sms" else rendered.text,
            body_html=rendered.html if channel == "email" else None,
            params=rendered.params if channel == "zalo" else {},
            template=row.template,
            link=row.link,
            urgent=row.urgent,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )

    return build
