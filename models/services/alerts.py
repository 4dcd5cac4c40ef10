"""Alerts to the standing agency's officers when dondoc itself needs them: the daily run has not completed
by the deadline (``DONDOC_DAILY_DEADLINE``, 09:00 local), or messages went *dead* since the last alert.

They go through the normal channels — outbox rows like any message, so the dispatch, the channel
fallback and the file channel apply — to the standing agency's contact (its instant channel in
``DONDOC_CHANNEL_ORDER``, plus email for a written trail). **Exactly once per day per kind**: each row's
key is ``alert:<day>:<kind>:<recipient>:<channel>`` (unique in ``notification``), inserted with
insert-ignore, so two checkers at once, or one run every 15 minutes, queue one alert a day of each kind.

A *dead messages* alert is raised only for rows that went dead after the previous one was queued (rows
dead for weeks do not alert every day); a late daily run is urgent (sent outside the sending window:
the officers need it that morning, weekends included), dead messages wait for the window.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from models.domain.channels import body_for
from models.domain.reminders import Contact, channels_for
from models.domain.states import NotificationStatus
from models.services.runtime import Runtime
from models.services.system_status import SystemStatus, local_minute
from models.store.cycle_tables import Notification
from models.store.plan_tables import Agency
from models.store.writes import insert_ignore, outbox_row

DAILY_LATE, DEAD = "daily_late", "dead_messages"
KINDS = (DAILY_LATE, DEAD)
STEP = "alert"  # the ``step`` of alert rows (never a cycle's reminder step)
TEMPLATE = "alert"


@dataclass
class AlertReport:
    """What one check found and queued: kinds raised, rows inserted (0 when already queued today)."""

    raised: list[str] = field(default_factory=list)
    queued: int = 0
    recipients: int = 0

    def as_json(self) -> dict[str, Any]:
        return {"raised": self.raised, "queued": self.queued, "recipients": self.recipients}


def alert_key(day: str, kind: str, recipient: str, channel: str) -> str:
    return f"alert:{day}:{kind}:{recipient}:{channel}"


def check_alerts(rt: Runtime, st: SystemStatus, officers_url: str) -> AlertReport:
    """Queue today's alerts that ``st`` calls for (one transaction); ``officers_url`` is the system page."""
    report = AlertReport()
    day = st.today.isoformat()
    with Session(rt.engine) as session:
        standing = session.execute(select(Agency).where(Agency.code == rt.directory.standing_agency)).scalar()
        if standing is None:
            return report
        contact = Contact(standing, f"{standing.code}#system", "standing", standing.phone, standing.email)
        pairs = channels_for(contact, rt.prefs)
        email = rt.channels.get("email")
        if email and contact.email and all(spec.name != email.name for spec, _ in pairs):
            pairs.append((email, contact.email))
        report.recipients = len(pairs)
        facts: list[tuple[str, list[str], bool]] = []
        if st.daily_late:
            facts.append((DAILY_LATE, _late_lines(st), True))
        new_dead = _new_dead(session, st.now)
        if new_dead:
            facts.append((DEAD, _dead_lines(session, new_dead), False))
        rows: list[dict[str, Any]] = []
        for kind, lines, urgent in facts:
            report.raised.append(kind)
            ctx = {
                "plan": "dondoc",
                "standing": standing.name,
                "agency": standing.name,
                "title": ALERT_TITLES[kind],
                "summary": lines[0],
                "lines": lines,
                "link": officers_url,
                "now": local_minute(st.now),
            }
            rendered = rt.templates.render(TEMPLATE, ctx)
            rows.extend(
                outbox_row(
                    key=alert_key(day, kind, contact.recipient, spec.name),
                    cycle_id=None,
                    step=STEP,
                    agency_id=standing.id,
                    recipient=contact.recipient,
                    channel=spec.name,
                    address=address,
                    subject=rendered.subject,
                    body=body_for(
                        spec, text=rendered.text, html=rendered.html, sms=rendered.sms, params=rendered.params
                    ),
                    template=TEMPLATE,
                    link=officers_url,
                    urgent=urgent,
                    context=ctx,
                    now=st.now,
                )
                for spec, address in pairs
            )
        report.queued = insert_ignore(session, Notification, rows) if rows else 0
        session.commit()
    return report


ALERT_TITLES = {
    DAILY_LATE: "Lần chạy hằng ngày chưa hoàn thành",
    DEAD: "Có tin nhắn không gửi được",
}


def _late_lines(st: SystemStatus) -> list[str]:
    lines = [
        f"Đến {local_minute(st.now)}, lần chạy hằng ngày của ngày {st.today:%d/%m/%Y} chưa hoàn thành "
        f"(hạn {st.deadline:%H:%M})."
    ]
    run = st.last_run
    if run is None:
        lines.append("Chưa có lần chạy nào được ghi nhận.")
    elif run.status == "running":
        lines.append(f"Lần chạy gần nhất bắt đầu lúc {local_minute(run.started_at)} và chưa kết thúc.")
    elif run.status == "failed":
        lines.append(f"Lần chạy gần nhất (ngày {run.day:%d/%m/%Y}) bị lỗi: {(run.error or '')[:300]}")
    else:
        lines.append(f"Lần chạy hoàn thành gần nhất: ngày {run.day:%d/%m/%Y}, lúc {local_minute(run.finished_at)}.")
    lines.append("Đề nghị kiểm tra máy chủ Prefect / tiến trình chạy lịch (dondoc status).")
    return lines


def _new_dead(session: Session, now: datetime) -> list[int]:
    """Ids of rows gone dead since the last dead-messages alert was queued (alert rows left out)."""
    last = session.execute(
        select(func.max(Notification.created_at)).where(
            Notification.step == STEP,
            Notification.key.like(f"alert:%:{DEAD}:%"),  # type: ignore[attr-defined]
        )
    ).scalar()
    stmt = select(Notification.id).where(Notification.status == NotificationStatus.dead, Notification.step != STEP)
    if last is not None:
        # claimed_at is the moment of the try that made the row dead (the outbox keeps no other stamp).
        stmt = stmt.where(func.coalesce(Notification.claimed_at, Notification.created_at) > last)
    return [row_id for (row_id,) in session.execute(stmt)]


def _dead_lines(session: Session, ids: list[int]) -> list[str]:
    by_channel = dict(
        session.execute(  # type: ignore[arg-type]
            select(Notification.channel, func.count())
            .where(Notification.id.in_(ids))  # type: ignore[union-attr]
            .group_by(Notification.channel)
        ).all()
    )
    detail = ", ".join(f"{channel}: {n}" for channel, n in sorted(by_channel.items()))
    return [
        f"{len(ids)} tin nhắn không gửi được ({detail}).",
        "Xem lý do và gửi lại tại trang Tin nhắn không gửi được, hoặc: dondoc outbox --status dead.",
    ]
