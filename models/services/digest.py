"""The weekly digest for the standing agency's officers: overdue cycles, cycles due this week, answers
awaiting review, dead messages, and each plan's indicators against their targets (how many met, on
track, behind, without data; the behind ones by name). Queued as one email per recipient per ISO week
(idempotent key)."""

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from models.domain.channels import Body
from models.domain.indicators import STATUS_TEXT, Status
from models.domain.states import CycleStatus, NotificationStatus
from models.services.indicator_status import plan_indicators, status_counts
from models.services.runtime import Runtime
from models.store.cycle_tables import Cycle, Notification
from models.store.plan_tables import Agency, Plan
from models.store.writes import insert_ignore, outbox_row


def digest_counts(session: Session, today: date) -> tuple[dict[str, int], list[str]]:
    week_end = today + timedelta(days=6 - today.weekday())
    due_expr = func.coalesce(Cycle.due_extended, Cycle.due_effective)
    counts = {
        "overdue": session.execute(select(func.count()).where(Cycle.status == CycleStatus.overdue)).scalar_one(),
        "due_this_week": session.execute(
            select(func.count()).where(
                Cycle.status.in_([CycleStatus.open, CycleStatus.extended, CycleStatus.returned]),  # type: ignore[attr-defined]
                due_expr >= today,
                due_expr <= week_end,
            )
        ).scalar_one(),
        "answered": session.execute(select(func.count()).where(Cycle.status == CycleStatus.answered)).scalar_one(),
        "dead": session.execute(
            select(func.count()).where(Notification.status == NotificationStatus.dead)
        ).scalar_one(),
    }
    lines: list[str] = []
    worst = session.execute(
        select(Agency.name, func.count())
        .join(Cycle, Cycle.agency_id == Agency.id)
        .where(Cycle.status == CycleStatus.overdue)
        .group_by(Agency.name)
        .order_by(func.count().desc(), Agency.name)
        .limit(10)
    ).all()
    if worst:
        lines.append("Cơ quan có nhiều kỳ báo cáo quá hạn nhất:")
        lines.extend(f"  • {name}: {n}" for name, n in worst)
    lines.extend(indicator_lines(session))
    return counts, lines


def indicator_lines(session: Session, most: int = 10) -> list[str]:
    """Each live plan's indicators with a numeric target, counted by status, then the behind ones."""
    out: list[str] = []
    plans = session.execute(select(Plan).where(Plan.retired_at.is_(None)).order_by(Plan.number)).scalars()  # type: ignore[union-attr]
    for plan in plans:
        measured = [line for line in plan_indicators(session, plan.id or 0) if line.numeric]
        if not measured:
            continue
        counts = status_counts(measured)
        out.append(
            f"Chỉ tiêu Kế hoạch {plan.number} so với mục tiêu: "
            + ", ".join(f"{STATUS_TEXT[s].lower()} {n}" for s, n in counts.items())
            + "."
        )
        behind = [line for line in measured if line.status == Status.behind]
        for line in behind[:most]:
            value = f"{line.latest_text} {line.indicator.unit_raw}".strip() if line.latest_text else "—"
            horizon = f" năm {line.indicator.horizon}" if line.indicator.horizon else ""
            out.append(f"  • {line.name} — chậm: {value}, mục tiêu {line.target_text}{horizon}")
        if len(behind) > most:
            out.append(f"  … và {len(behind) - most} chỉ tiêu chậm khác (xem trang Chỉ tiêu).")
    return out


def queue_digest(rt: Runtime, today: date) -> dict[str, Any]:
    """Queue this week's digest to the standing agency (email, and its head's email). Idempotent per week."""
    year, week, _ = today.isocalendar()
    with Session(rt.engine) as session:
        standing = session.execute(select(Agency).where(Agency.code == rt.directory.standing_agency)).scalar()
        if standing is None:
            return {"queued": 0, "reason": "standing agency not in the database"}
        counts, lines = digest_counts(session, today)
        ctx = {
            "standing": standing.name,
            "today": f"{today:%d/%m/%Y}",
            "week": f"{week}/{year}",
            "counts": counts,
            "lines": lines,
            "plan": "dondoc",
        }
        rendered = rt.templates.render("digest", ctx)
        body = Body(text=rendered.text, html=rendered.html, params={})
        rows = [
            outbox_row(
                key=f"digest:{year}-W{week:02d}:{recipient}:email",
                cycle_id=None,
                step="digest",
                agency_id=standing.id,
                recipient=recipient,
                channel="email",
                address=address,
                subject=rendered.subject,
                body=body,
                template="digest",
                link=None,
                context=ctx,
            )
            for recipient, address in ((standing.code, standing.email), (f"{standing.code}#head", standing.head_email))
            if address
        ]
        queued = insert_ignore(session, Notification, rows)
        session.commit()
    return {"queued": queued, **counts}
