"""What a message says about its cycle: the variables the templates of ``config/messages.yaml`` read.

:func:`subject_texts` loads, for a batch of cycles at once, how their tasks and indicators are named;
:func:`message_context` gives the variables of one message (the list is at the top of messages.yaml).
Reminders, officers' decisions and the channel fallback all build their context here, so that a message
reads the same whichever use case queued it.
"""

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from models.domain.reminders import Contact
from models.domain.states import ROLE_TEXT
from models.domain.subjects import shorten, subject_name, subject_short
from models.store.cycle_tables import ROW_CHUNK, Cycle, ReportRound
from models.store.plan_tables import Agency, Indicator, Plan, Task

STANDING_FALLBACK = "Cơ quan thường trực"


def subject_texts(session: Session, cycles: Sequence[Cycle]) -> dict[str, dict[str, str]]:
    """Display texts of the tasks/indicators of ``cycles``, keyed by the cycles' ``subject``.

    Reads only the columns it shows, a chunk of ids at a time: whole task rows (their long texts) for the
    standing agency's 180,000 escalated cycles held hundreds of MB at 100,000 tasks."""
    task_ids = sorted({c.task_id for c in cycles if c.task_id})
    ind_ids = sorted({c.indicator_id for c in cycles if c.indicator_id})
    plans = dict(session.execute(select(Plan.id, Plan.number)).all())
    out: dict[str, dict[str, str]] = {}
    for start in range(0, len(task_ids), ROW_CHUNK):
        chunk = task_ids[start : start + ROW_CHUNK]
        stmt = select(Task.id, Task.plan_id, Task.number, Task.title, Task.deadline_raw).where(Task.id.in_(chunk))  # type: ignore[union-attr]
        for id_, plan_id, number, title, deadline_raw in session.connection().execute(stmt):
            out[f"task:{id_}"] = {
                "plan": plans[plan_id],
                "name": subject_name(task=number),
                "short": subject_short(task=number),
                "title": shorten(title),
                "deadline_raw": deadline_raw,
            }
    for start in range(0, len(ind_ids), ROW_CHUNK):
        chunk = ind_ids[start : start + ROW_CHUNK]
        stmt = select(Indicator.id, Indicator.plan_id, Indicator.code, Indicator.title).where(Indicator.id.in_(chunk))  # type: ignore[union-attr]
        for id_, plan_id, code, title in session.connection().execute(stmt):
            out[f"indicator:{id_}"] = {
                "plan": plans[plan_id],
                "name": subject_name(indicator=code),
                "short": subject_short(indicator=code),
                "title": shorten(title),
                "deadline_raw": "Báo cáo định kỳ",
            }
    return out


def rounds_of(session: Session, cycles: Sequence[Cycle]) -> dict[int, ReportRound]:
    """The ad hoc rounds the cycles belong to, by id."""
    ids = {c.round_id for c in cycles if c.round_id}
    if not ids:
        return {}
    return {r.id: r for r in session.execute(select(ReportRound).where(ReportRound.id.in_(ids))).scalars()}  # type: ignore[union-attr, misc]


def message_context(
    cycle: Cycle,
    *,
    agency: Agency,
    contact: Contact,
    subject: dict[str, str],
    step: str,
    today: date,
    link: str | None,
    standing: Agency | None,
    round_: ReportRound | None = None,
    folded: int = 1,
    due: date | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The template variables of one message about ``cycle`` to ``contact``. ``due``: the due date to speak
    of when it is not yet the cycle's (an extension being granted); ``extra``: a decision's own variables,
    such as the officer's ``comment`` or the ``new_due`` date."""
    due = due or cycle.due_extended or cycle.due_effective
    return {
        "plan": subject["plan"],
        "agency": contact.agency.name if contact.kind != "standing" else agency.name,
        "agency_short": agency.code.upper().replace("-", "")[:12],
        "subject_name": subject["name"],
        "subject_short": subject["short"],
        "title": subject["title"],
        "label": cycle.label,
        "deadline_raw": subject["deadline_raw"],
        "due": f"{due:%d/%m/%Y}",
        "due_nominal": f"{cycle.due_nominal:%d/%m/%Y}",
        "days_left": (due - today).days,
        "role_text": ROLE_TEXT.get(cycle.role, cycle.role),  # type: ignore[call-overload]
        "link": link,
        "standing": standing.name if standing else STANDING_FALLBACK,
        "folded": folded,
        "round_title": round_.title if round_ else "",
        "round_message": round_.message if round_ else "",
        "recipient_kind": contact.kind,
        "step": step,
        **extra,
    }
