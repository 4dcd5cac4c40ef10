"""The agency page behind an agency-scoped link (``/r/{token}`` whose token has no cycle, migration 0007):
every open cycle of one agency across plans, what the page lists of each, whether a cycle may be opened
through such a link, and the links themselves — made, and revoked by an officer.

**What is listed.** The agency's cycles that are open for reporting — reminded (open, overdue, extended,
returned) or answered and awaiting review — grouped by plan; in each plan the overdue ones first (most
days overdue first), then by due date, the answered ones last, marked with their latest receipt number.
Scheduled cycles (not open yet) and closed ones (accepted, cancelled) are not listed.

**Scope.** An agency link reads and answers the cycles of its own agency only: :func:`agency_cycle`
is the one check, and it says the same "not in your list" for a cycle of another agency and for one that
does not exist (a link reveals nothing of other agencies).

**Lifetime.** An agency link lives until the end of the day it is made plus ``GRACE`` (30 days): the
link of a day's consolidated message keeps working for a month, and a later message brings a new one.
Revoking (``dondoc agencies revoke-links CODE``) ends every live agency link of the agency at once; the
per-cycle links are revoked per cycle, as before (the officers' cycle page).
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlmodel import Session

from models.domain.clock import utcnow
from models.domain.states import REMINDING, STATUS_TEXT, CycleStatus, role_label
from models.domain.subjects import shorten, subject_name
from models.domain.tokens import link_for, reveal, token_expiry
from models.services.runtime import Runtime
from models.store.answer_tables import Answer
from models.store.cycle_tables import Cycle, ResponseToken
from models.store.plan_tables import Agency, Indicator, Plan, Task
from models.store.tokens import new_agency_link

LISTED = frozenset({*REMINDING, CycleStatus.answered})  # what the agency page lists
SHORT_TITLE = 140  # characters of a task's title in the list (the cycle's own page shows it in full)


# --------------------------------------------------------------------------------------------------
# Links
# --------------------------------------------------------------------------------------------------


def agency_link_expiry(now: datetime) -> datetime:
    """When an agency link made at ``now`` (the real clock) expires: the end of that day plus ``GRACE``."""
    return token_expiry(now.date(), now)


def new_agency_page_link(session: Session, rt: Runtime, agency_id: int, *, now: datetime | None = None) -> str:
    """A new agency link in the caller's transaction; returns the link a queued message stores —
    ``{base}/r/.{ref}``, a reference the outbox turns into the real link when it sends
    (``models.domain.tokens``)."""
    now = now or utcnow()
    ref = new_agency_link(session, rt.link_key, agency_id=agency_id, expires_at=agency_link_expiry(now), now=now)
    return link_for(rt.public_base_url, ref)


def agency_page_link(rt: Runtime, agency_id: int, *, now: datetime | None = None) -> str:
    """A new agency link in its own transaction; returns the real link (``{base}/r/{token}``) — for an
    officer handing a link over by hand, and the tests."""
    with Session(rt.engine) as session:
        stored = new_agency_page_link(session, rt, agency_id, now=now)
        session.commit()
    return reveal(stored, rt.link_key)


def agency_link_for_code(rt: Runtime, agency_code: str) -> str | None:
    """:func:`agency_page_link` for the agency with ``agency_code`` (None: no such agency)."""
    with Session(rt.engine) as session:
        agency_id = _agency_id(session, agency_code)
    return None if agency_id is None else agency_page_link(rt, agency_id)


def revoke_agency_links(rt: Runtime, agency_code: str) -> int | None:
    """Revoke every live agency link of the agency with ``agency_code``; how many (None: no such agency)."""
    with Session(rt.engine) as session:
        agency_id = _agency_id(session, agency_code)
        if agency_id is None:
            return None
        count = session.execute(
            update(ResponseToken)
            .where(
                ResponseToken.agency_id == agency_id,
                ResponseToken.cycle_id.is_(None),  # type: ignore[union-attr]
                ResponseToken.revoked_at.is_(None),  # type: ignore[union-attr]
            )
            .values(revoked_at=utcnow())
        ).rowcount  # type: ignore[attr-defined]
        session.commit()
    return int(count)


def _agency_id(session: Session, code: str) -> int | None:
    return session.execute(select(Agency.id).where(Agency.code == code)).scalar()


# --------------------------------------------------------------------------------------------------
# Scope
# --------------------------------------------------------------------------------------------------


def agency_cycle(rt: Runtime, agency_id: int, cycle_id: int) -> bool:
    """Whether cycle ``cycle_id`` is one of the agency's (any state: a closed one shows, takes no answer)."""
    with Session(rt.engine) as session:
        return agency_cycle_in(session, agency_id, cycle_id)


def agency_cycle_in(session: Session, agency_id: int, cycle_id: int) -> bool:
    """:func:`agency_cycle` in the caller's session."""
    owner = session.execute(select(Cycle.agency_id).where(Cycle.id == cycle_id)).scalar()
    return owner is not None and owner == agency_id


# --------------------------------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------------------------------


@dataclass
class PageItem:
    """One cycle as the agency page lists it."""

    cycle_id: int
    subject_name: str  # "Nhiệm vụ 12" / "Chỉ tiêu 8.1"
    title: str  # shortened
    role_text: str  # "Chủ trì" / "Phối hợp" / "Theo dõi, đánh giá"
    label: str  # the cycle's period
    due: date
    days_overdue: int  # 0 when not overdue
    days_left: int
    status: str
    status_text: str
    answered: bool
    reference: str | None  # the latest receipt number, when answered


@dataclass
class PlanGroup:
    number: str
    title: str
    items: list[PageItem] = field(default_factory=list)


def agency_page(rt: Runtime, agency_id: int, today: date) -> dict[str, Any]:
    """What the agency page shows: the agency, its listed cycles grouped by plan, and the counts."""
    with Session(rt.engine) as session:
        return agency_page_in(session, agency_id, today)


# The listed cycles with their plan and subject: the columns the page shows, no ORM objects (one query).
_LISTED_QUERY = (
    select(
        Cycle.id,
        Cycle.task_id,
        Cycle.status,
        Cycle.role,
        Cycle.label,
        Cycle.due_effective,
        Cycle.due_extended,
        Plan.number,
        Plan.title,
        Task.number,
        Task.title,
        Indicator.code,
        Indicator.title,
    )
    .join(Plan, Plan.id == Cycle.plan_id)
    .outerjoin(Task, Task.id == Cycle.task_id)
    .outerjoin(Indicator, Indicator.id == Cycle.indicator_id)
    .where(Cycle.agency_id == bindparam("agency_id"), Cycle.status.in_(sorted(LISTED)))  # type: ignore[attr-defined]
    .order_by(Cycle.plan_id, Cycle.id)
)


_AGENCY_QUERY = select(*Agency.__table__.columns).where(Agency.id == bindparam("agency_id"))  # type: ignore[attr-defined]


def agency_page_in(session: Session, agency_id: int, today: date) -> dict[str, Any]:
    """:func:`agency_page` in the caller's session. The agency is its row's columns (``agency.name``…), not
    an ORM object: it outlives the session, and a page reads it only."""
    agency = session.execute(_AGENCY_QUERY, {"agency_id": agency_id}).first()
    rows = session.execute(_LISTED_QUERY, {"agency_id": agency_id}).all()
    answered = [row[0] for row in rows if row[2] == CycleStatus.answered]
    references = _latest_references(session, answered)
    groups: dict[str, PlanGroup] = {}
    for cycle_id, task_id, status, role, label, due, extended, plan_number, plan_title, *subject in rows:
        task_number, task_title, code, indicator_title = subject
        group = groups.setdefault(plan_number, PlanGroup(plan_number, plan_title))
        name = subject_name(task=task_number) if task_id else subject_name(indicator=code)
        days_left = ((extended or due) - today).days
        group.items.append(
            PageItem(
                cycle_id=cycle_id,
                subject_name=name,
                title=shorten(" ".join((task_title or indicator_title or "").split()), SHORT_TITLE),
                role_text=role_label(role),
                label=label,
                due=extended or due,
                days_overdue=max(0, -days_left),
                days_left=days_left,
                status=status,
                status_text=STATUS_TEXT.get(status, status),  # type: ignore[call-overload]
                answered=status == CycleStatus.answered,
                reference=references.get(cycle_id),
            )
        )
    for group in groups.values():
        group.items.sort(key=_order)
    items = [i for g in groups.values() for i in g.items]
    return {
        "agency": agency,
        "groups": list(groups.values()),
        "today": today,
        "open_count": sum(1 for i in items if not i.answered),
        "overdue_count": sum(1 for i in items if i.days_overdue > 0 and not i.answered),
        "soon_count": sum(1 for i in items if not i.answered and 0 <= i.days_left <= 7),
        "answered_count": sum(1 for i in items if i.answered),
    }


def _order(item: PageItem) -> tuple[int, int, date, int]:
    """Still owed before answered; overdue first, the most overdue first; then by due date."""
    return (int(item.answered), -item.days_overdue, item.due, item.cycle_id)


def _latest_references(session: Session, cycle_ids: list[int]) -> dict[int, str]:
    """The receipt number of each cycle's latest answer."""
    if not cycle_ids:
        return {}
    latest = (
        select(func.max(Answer.id))
        .where(Answer.cycle_id.in_(cycle_ids))  # type: ignore[attr-defined]
        .group_by(Answer.cycle_id)
        .scalar_subquery()
    )
    rows = session.execute(select(Answer.cycle_id, Answer.reference).where(Answer.id.in_(latest)))  # type: ignore[union-attr]
    return {cycle_id: reference for cycle_id, reference in rows}
