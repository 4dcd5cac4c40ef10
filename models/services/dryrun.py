"""``dondoc daily --dry-run``: the whole day's evaluation inside one transaction that is rolled back —
the report says what would happen; the database and the outbox are left exactly as they were."""

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from models.store.cycle_tables import Notification


def evaluate_dry(app: Any, day: date) -> dict[str, Any]:
    from models.services.cycles import DayReport, materialise, queue_batch, reminding_candidates, transition

    rt = app.runtime
    report = DayReport(day=day.isoformat())
    with Session(app.engine) as session:
        try:
            report.created, report.cancelled = materialise(rt, session, day)
            session.flush()
            report.opened, report.overdue = transition(session, day)
            session.flush()
            ids = reminding_candidates(session, day)
            before = session.execute(select(func.count()).select_from(Notification)).scalar_one()
            report.add(queue_batch(rt, ids, day, session=session))
            by_channel = dict(
                session.execute(
                    select(Notification.channel, func.count()).where(Notification.id > 0).group_by(Notification.channel)
                ).all()
            )
            out = report.as_json()
            out["would_queue_total"] = report.queued
            out["outbox_rows_before"] = before
            out["by_channel_after"] = by_channel
            return out
        finally:
            session.rollback()
