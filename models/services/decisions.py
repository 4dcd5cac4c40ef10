"""Officers' decisions on a cycle and its answers (the officers' pages and the CLI call them).

State rules (the vocabulary of ``models.domain.states.CycleStatus``):

- ``accept``: *answered* → *accepted* (closed); the cycle's live links then expire 30 days later (grace
  to look at the receipt), never later than they would have. The agency is told through its consolidated
  message of the day: a ledger entry of step ``accepted`` waits for it (``models.services.compose``),
  inserted once (the ledger's unique step key) — never a message of its own beside that day's reminders.
- ``return_answer``: *answered* → *returned* (reminding again) and a message with the officer's comment
  is queued in the outbox for the agency, with a fresh link.
- ``grant_extension``: any open state → *extended* with ``due_extended`` = the new date, the schedule
  version bumped (the reminder steps of the new calendar are new steps for the ledger), and
  ``next_reminder_on``/``evaluated_on`` cleared so that the next daily run re-plans at once; the cycle's
  live links then expire with the new date (plus the grace period), not the old one.
- ``refuse_extension``: *answered* → the state before the request (open/overdue/…), reminders resume.
- ``reassign``: the cycle is *cancelled* and a new open cycle is created for the right agency.

Every change is a conditional ``UPDATE … WHERE status = <the state we saw>`` plus a ``cycleevent`` row;
a change that loses a race raises ``DecisionError`` and changes nothing.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session

from models.domain.answer_form import DecisionError, clean_text
from models.domain.clock import today_local, utcnow
from models.domain.consolidated import ACCEPTED, PENDING
from models.domain.states import CLOSED, EXTENDABLE, REMINDING, CycleStatus, Decision
from models.domain.tokens import GRACE, token_expiry
from models.services import retry
from models.services.answers import latest_answer
from models.services.decision_messages import queue_decision_message
from models.services.runtime import Runtime
from models.store.answer_tables import AnswerReview
from models.store.cycle_tables import Cycle, CycleEvent, ReminderLedger, ResponseToken
from models.store.plan_tables import Agency
from models.store.tokens import extend_cycle_tokens, revoke_cycle_tokens
from models.store.writes import insert_ignore, set_status, write_events

# --------------------------------------------------------------------------------------------------
# Officers' decisions
# --------------------------------------------------------------------------------------------------


def _actor(officer: str) -> str:
    return f"officer:{officer}"[:64]


def _review(
    session: Session, cycle_id: int, decision: Decision, officer: str, comment: str = "", **extra: Any
) -> AnswerReview:
    latest = latest_answer(session, cycle_id)
    row = AnswerReview(
        cycle_id=cycle_id,
        answer_id=latest.id if latest else None,
        decision=decision,
        comment=clean_text(comment),
        officer=officer[:64],
        at=utcnow(),
        **extra,
    )
    session.add(row)
    return row


def _cycle(session: Session, cycle_id: int) -> Cycle:
    cycle = session.get(Cycle, cycle_id, populate_existing=True)
    if cycle is None:
        raise DecisionError("không tìm thấy kỳ báo cáo")
    return cycle


def accept(
    session: Session,
    cycle_id: int,
    officer: str,
    comment: str = "",
    *,
    tell_agency: bool = True,
    today: date | None = None,
) -> None:
    """*answered* → *accepted*; the cycle's live links expire after the grace period. With ``tell_agency``
    the acceptance waits for the agency's next consolidated message (``today``: the day it is decided)."""
    cycle = _cycle(session, cycle_id)
    if cycle.status != CycleStatus.answered:
        raise DecisionError("chỉ chấp nhận được kỳ báo cáo đang chờ xem xét")
    reason = "chấp nhận báo cáo" + (f": {clean_text(comment, 500)}" if comment.strip() else "")
    if not set_status(session, cycle_id, CycleStatus.answered, CycleStatus.accepted, _actor(officer), reason):
        # The officers' pages have always said it in these words (the other decisions add "tải lại trang").
        raise DecisionError("kỳ báo cáo vừa được người khác cập nhật")
    shorten_tokens(session, cycle_id)
    _review(session, cycle_id, Decision.accepted, officer, comment)
    agency = session.get(Agency, cycle.agency_id)
    if tell_agency and agency is not None:
        day = today or today_local()
        entry = {"cycle_id": cycle_id, "step": ACCEPTED, "recipient": agency.code, "due_on": day}
        insert_ignore(session, ReminderLedger, [{**entry, "recorded_on": day, "notification_key": PENDING}])


def shorten_tokens(session: Session, cycle_id: int, *, now: datetime | None = None) -> int:
    """Live links of a closed cycle expire ``GRACE`` from now (or sooner, when they already would)."""
    limit = (now or utcnow()) + GRACE
    return session.execute(  # type: ignore[attr-defined, no-any-return]
        update(ResponseToken)
        .where(
            ResponseToken.cycle_id == cycle_id,
            ResponseToken.revoked_at.is_(None),  # type: ignore[union-attr]
            ResponseToken.expires_at > limit,
        )
        .values(expires_at=limit)
    ).rowcount


def return_answer(session: Session, rt: Runtime, cycle_id: int, officer: str, comment: str) -> int:
    """*answered* → *returned* (reminders start again); queue the comment to the agency. Returns how many
    messages were queued (0 when the agency has no contact)."""
    comment = clean_text(comment, 2000)
    if not comment:
        raise DecisionError("vui lòng ghi ý kiến trả lại để cơ quan biết cần bổ sung gì")
    cycle = _cycle(session, cycle_id)
    if cycle.status != CycleStatus.answered:
        raise DecisionError("chỉ trả lại được kỳ báo cáo đang chờ xem xét")
    if not set_status(
        session, cycle_id, CycleStatus.answered, CycleStatus.returned, _actor(officer), f"trả lại: {comment[:500]}"
    ):
        raise DecisionError("kỳ báo cáo vừa được người khác cập nhật; vui lòng tải lại trang")
    review = _review(session, cycle_id, Decision.returned, officer, comment)
    session.flush()
    return queue_decision_message(session, rt, cycle, "returned", review.id or 0, comment=comment)


def grant_extension(
    session: Session,
    rt: Runtime | None,
    cycle_id: int,
    officer: str,
    new_due: date,
    comment: str = "",
    *,
    today: date,
) -> int:
    """Any open state → *extended* until ``new_due`` (not before ``today``, and after the current due date);
    the reminder calendar follows the new date. Returns how many messages were queued to tell the agency
    (0 without ``rt``)."""
    if new_due < today:
        raise DecisionError("hạn mới không được trước ngày hôm nay")
    cycle = _cycle(session, cycle_id)
    if cycle.status not in EXTENDABLE:
        raise DecisionError("kỳ báo cáo đã đóng, không gia hạn được")
    if new_due <= cycle.due:
        raise DecisionError(f"hạn mới phải sau hạn hiện tại ({cycle.due:%d/%m/%Y})")
    reason = f"gia hạn đến {new_due:%d/%m/%Y}" + (f": {clean_text(comment, 500)}" if comment.strip() else "")
    moved = set_status(
        session,
        cycle_id,
        cycle.status,
        CycleStatus.extended,
        _actor(officer),
        reason,
        due_extended=new_due,
        schedule_version=Cycle.schedule_version + 1,
        next_reminder_on=None,
        evaluated_on=None,  # the next run re-plans today's steps of the new calendar
    )
    if not moved:
        raise DecisionError("kỳ báo cáo vừa được người khác cập nhật; vui lòng tải lại trang")
    # The links already sent live as long as the cycle: until the new due date plus the grace period.
    extend_cycle_tokens(session, cycle_id, token_expiry(new_due, utcnow()))
    review = _review(session, cycle_id, Decision.extension_granted, officer, comment, new_due=new_due)
    session.flush()
    if rt is None:
        return 0
    return queue_decision_message(
        session, rt, cycle, "extended", review.id or 0, comment=clean_text(comment, 1000), new_due=new_due
    )


def refuse_extension(session: Session, rt: Runtime | None, cycle_id: int, officer: str, comment: str = "") -> int:
    """*answered* (with an extension request) → the state before the request; reminders resume."""
    cycle = _cycle(session, cycle_id)
    if cycle.status != CycleStatus.answered:
        raise DecisionError("không có đề nghị gia hạn đang chờ xem xét")
    latest = latest_answer(session, cycle_id)
    if latest is None or latest.extension_to is None:
        raise DecisionError("không có đề nghị gia hạn đang chờ xem xét")
    back = _state_before(session, cycle)
    if not set_status(
        session,
        cycle_id,
        CycleStatus.answered,
        back,
        _actor(officer),
        "không chấp thuận gia hạn" + (f": {clean_text(comment, 500)}" if comment.strip() else ""),
        next_reminder_on=None,
    ):
        raise DecisionError("kỳ báo cáo vừa được người khác cập nhật; vui lòng tải lại trang")
    review = _review(session, cycle_id, Decision.extension_refused, officer, comment)
    session.flush()
    if rt is None:
        return 0
    return queue_decision_message(session, rt, cycle, "refused", review.id or 0, comment=clean_text(comment, 1000))


def _state_before(session: Session, cycle: Cycle) -> str:
    """The reminding state the cycle had before its pending answers (open when unknown and not yet due)."""
    first_pending = (
        session.execute(
            select(CycleEvent)
            .where(
                CycleEvent.cycle_id == cycle.id,
                CycleEvent.to_status == CycleStatus.answered,
                CycleEvent.from_status != CycleStatus.answered,
            )
            .order_by(CycleEvent.at.desc(), CycleEvent.id.desc())  # type: ignore[attr-defined, union-attr]
        )
        .scalars()
        .first()
    )
    before = first_pending.from_status if first_pending else None
    if before in REMINDING:
        return before  # type: ignore[return-value]
    return CycleStatus.overdue if cycle.due < today_local() else CycleStatus.open


def reassign(session: Session, rt: Runtime, cycle_id: int, officer: str, to_agency_id: int, comment: str = "") -> int:
    """Cancel the cycle and open one for ``to_agency_id`` (same task, period and due dates). Returns the new
    cycle's id; queue its messages with ``models.services.reminders.queue_batch`` after committing.

    The new cycle's period key carries the origin ("2025-07~r42"): the daily run's routing then never
    cancels it as "not the routed agency", and the origin stays traceable.
    """
    cycle = _cycle(session, cycle_id)
    if cycle.status in CLOSED:
        raise DecisionError("kỳ báo cáo đã đóng")
    target = session.get(Agency, to_agency_id)
    if target is None:
        raise DecisionError("không tìm thấy cơ quan nhận")
    if target.id == cycle.agency_id:
        raise DecisionError("cơ quan nhận trùng với cơ quan hiện tại")
    source = session.get(Agency, cycle.agency_id)
    note = f"chuyển cho {target.name}" + (f": {clean_text(comment, 500)}" if comment.strip() else "")
    if not set_status(session, cycle_id, cycle.status, CycleStatus.cancelled, _actor(officer), note):
        raise DecisionError("kỳ báo cáo vừa được người khác cập nhật; vui lòng tải lại trang")
    revoke_cycle_tokens(session, cycle_id)
    _review(session, cycle_id, Decision.reassigned, officer, comment)
    now = utcnow()
    today = today_local()
    suffix = f"~r{cycle.id}"
    row = {
        "plan_id": cycle.plan_id,
        "subject": cycle.subject,
        "task_id": cycle.task_id,
        "indicator_id": cycle.indicator_id,
        "agency_id": target.id,
        "role": cycle.role,
        "kind": cycle.kind,
        "round_id": cycle.round_id,
        "period_key": cycle.period_key[: 64 - len(suffix)] + suffix,
        "label": cycle.label,
        "opens_on": min(cycle.opens_on, today),
        "due_nominal": cycle.due_nominal,
        "due_effective": cycle.due_effective,
        "due_extended": cycle.due_extended,
        "status": CycleStatus.open,
        "status_changed_at": now,
        "created_at": now,
    }
    insert_ignore(session, Cycle, [row])
    new_id = session.execute(
        select(Cycle.id).where(
            Cycle.subject == cycle.subject,
            Cycle.agency_id == target.id,
            Cycle.role == cycle.role,
            Cycle.period_key == row["period_key"],
        )
    ).scalar_one()
    source_name = source.name if source else "cơ quan trước"
    write_events(
        session, [new_id], None, CycleStatus.open, _actor(officer), f"chuyển từ {source_name} (kỳ #{cycle.id})", now
    )
    return int(new_id)


# --------------------------------------------------------------------------------------------------
# Links and messages
# --------------------------------------------------------------------------------------------------


def revoke_links(session: Session, cycle_id: int, officer: str) -> int:
    """Revoke every live link of the cycle (history: a ``cycleevent`` row that keeps the state)."""
    cycle = _cycle(session, cycle_id)
    count = revoke_cycle_tokens(session, cycle_id)
    write_events(
        session, [cycle_id], cycle.status, cycle.status, _actor(officer), f"thu hồi {count} đường dẫn báo cáo", utcnow()
    )
    return count


def resend_link(session: Session, rt: Runtime, cycle_id: int, officer: str) -> int:
    """Queue a fresh link to the agency (a new token; older links stay valid unless revoked)."""
    cycle = _cycle(session, cycle_id)
    if cycle.status in CLOSED:
        raise DecisionError("kỳ báo cáo đã đóng")
    write_events(
        session, [cycle_id], cycle.status, cycle.status, _actor(officer), "gửi lại đường dẫn báo cáo", utcnow()
    )
    # One resend per second at most: a double click queues one message (same key).
    return queue_decision_message(session, rt, cycle, "resend", f"{utcnow():%Y%m%d%H%M%S}")


def retry_dead(session: Session, ids: list[int] | None = None) -> int:
    """Put dead messages back in the queue (all, or ``ids``), skipping those another channel already has;
    returns how many went back (the details: ``models.services.retry.retry_dead``)."""
    return retry.retry_dead(session, ids).requeued
