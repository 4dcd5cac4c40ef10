"""Answers and officers' decisions on them: the domain operations behind the answer link and the officers'
pages (no web imports: the CLI, the flows and the tests call them too).

State rules (the vocabulary of ``models.domain.states.CycleStatus``):

- ``record_answer``: every answer is a new row; the cycle moves to *answered* (not a reminding state, so
  the daily run stops reminding it). A new answer while the cycle is *answered* keeps it there.
- ``accept``: *answered* → *accepted* (closed); the cycle's live links then expire 30 days later (grace
  to look at the receipt), never later than they would have.
- ``return_answer``: *answered* → *returned* (reminding again) and a message with the officer's comment
  is queued in the outbox for the agency, with a fresh link.
- ``grant_extension``: any open state → *extended* with ``due_extended`` = the new date, the schedule
  version bumped (the reminder steps of the new calendar are new steps for the ledger), and
  ``next_reminder_on``/``evaluated_on`` cleared so that the next daily run re-plans at once.
- ``refuse_extension``: *answered* → the state before the request (open/overdue/…), reminders resume.
- ``reassign``: the cycle is *cancelled* and a new open cycle is created for the right agency.

Every change is a conditional ``UPDATE … WHERE status = <the state we saw>`` plus a ``cycleevent`` row;
a change that loses a race returns ``False`` / raises ``DecisionError`` and changes nothing.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from models.domain.answer_form import CleanAnswer, DecisionError, StoredFile, clean_text, new_reference
from models.domain.clock import utcnow
from models.domain.states import (
    ANSWER_STATUS_TEXT,
    ANSWERABLE,
    CLOSED,
    EXTENDABLE,
    REMINDING,
    AnswerStatus,
    CycleStatus,
    Decision,
    NotificationStatus,
)
from models.domain.text import strip_diacritics
from models.domain.tokens import GRACE, TOKEN_LIFETIME, link_for
from models.services.cycles import _contacts, _insert_ignore, channels_for, set_status
from models.services.runtime import Runtime
from models.store.answer_tables import Answer, AnswerReview
from models.store.cycle_tables import Cycle, CycleEvent, Notification, ResponseToken
from models.store.plan_tables import Agency, Indicator, Plan, Task
from models.store.tokens import new_token, revoke_cycle_tokens


@dataclass
class Recorded:
    answer: Answer
    created: bool  # False: the same form was submitted before (double click); its answer is returned


def record_answer(
    session: Session,
    *,
    cycle_id: int,
    agency_id: int,
    answer: CleanAnswer,
    submission_key: str,
    token_id: int | None = None,
    attachment: StoredFile | None = None,
    client_ip_hash: str | None = None,
    other_agency_id: int | None = None,
    now: datetime | None = None,
) -> Recorded:
    """Record an answer and move the cycle to *answered*, in the caller's transaction (the caller commits).

    Raises ``DecisionError`` when the cycle is closed. A second submission of the same form
    (``submission_key``) records nothing and returns the first answer.
    """
    now = now or utcnow()
    previous = session.execute(select(Answer).where(Answer.submission_key == submission_key)).scalar()
    if previous is not None:
        return Recorded(previous, False)
    for _attempt in range(3):  # the daily run may change the state between our read and our update
        cycle = session.get(Cycle, cycle_id, populate_existing=True)
        if cycle is None:
            raise DecisionError("không tìm thấy kỳ báo cáo")
        if cycle.status not in ANSWERABLE:
            raise DecisionError("kỳ báo cáo này đã đóng, không nhận thêm báo cáo")
        before = cycle.status
        if before == CycleStatus.answered or _move(
            session,
            cycle_id,
            before,
            CycleStatus.answered,
            "agency",
            _answer_reason(answer),
            answered_at=now,
        ):
            break
    else:
        raise DecisionError("kỳ báo cáo đang được cập nhật, vui lòng gửi lại")
    row = Answer(
        reference=new_reference(cycle_id, now),
        submission_key=submission_key,
        cycle_id=cycle_id,
        agency_id=agency_id,
        token_id=token_id,
        cycle_status_before=before,
        status=answer.status,
        progress=answer.progress,
        done_text=answer.done_text,
        document_number=answer.document_number,
        document_date=answer.document_date,
        link_url=answer.link_url,
        extension_to=answer.extension_to,
        extension_reason=answer.extension_reason,
        other_agency=answer.other_agency,
        other_agency_id=other_agency_id,
        indicator_value=answer.indicator_value,
        indicator_source=answer.indicator_source,
        created_at=now,
        client_ip_hash=client_ip_hash,
    )
    if attachment is not None:
        row.attachment_path = attachment.path
        row.attachment_name = attachment.name[:255]
        row.attachment_type = attachment.content_type
        row.attachment_size = attachment.size
        row.attachment_sha256 = attachment.sha256
    session.flush()  # the state change first: a failed insert below rolls back to here only
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # The same form won a race with us (two POSTs at once): give back its answer.
        previous = session.execute(select(Answer).where(Answer.submission_key == submission_key)).scalar()
        if previous is None:
            raise
        return Recorded(previous, False)
    if before == CycleStatus.answered:
        # A further answer while the first awaits review: the history says so (the state does not change).
        session.add(
            CycleEvent(
                cycle_id=cycle_id,
                at=now,
                from_status=before,
                to_status=before,
                actor="agency",
                reason="báo cáo bổ sung: " + _answer_reason(answer),
            )
        )
    if token_id is not None:
        session.execute(update(ResponseToken).where(ResponseToken.id == token_id).values(last_used_at=now))
    return Recorded(row, True)


def _answer_reason(answer: CleanAnswer) -> str:
    parts = []
    if answer.status:
        parts.append(ANSWER_STATUS_TEXT[AnswerStatus(answer.status)].lower())
        if answer.progress is not None:
            parts.append(f"{answer.progress}%")
    if answer.extension_to:
        parts.append(f"đề nghị gia hạn đến {answer.extension_to:%d/%m/%Y}")
    if answer.other_agency:
        parts.append("báo nhiệm vụ thuộc cơ quan khác")
    return "cơ quan báo cáo: " + (", ".join(parts) or "báo cáo")


def _move(session: Session, cycle_id: int, old: str, new: str, actor: str, reason: str, **values: Any) -> bool:
    """``models.services.cycles.set_status`` with extra column values changed in the same conditional update."""
    if not values:
        return set_status(session, cycle_id, old, new, actor, reason)
    now = utcnow()
    values = {"status": new, "status_changed_at": now, **values}
    if new in CLOSED:
        values.setdefault("closed_at", now)
    if new in REMINDING:
        values.setdefault("next_reminder_on", None)
    changed = session.execute(update(Cycle).where(Cycle.id == cycle_id, Cycle.status == old).values(**values)).rowcount  # type: ignore[attr-defined]
    if changed:
        session.add(CycleEvent(cycle_id=cycle_id, at=now, from_status=old, to_status=new, actor=actor, reason=reason))
    return bool(changed)


def latest_answer(session: Session, cycle_id: int) -> Answer | None:
    return (
        session.execute(
            select(Answer).where(Answer.cycle_id == cycle_id).order_by(Answer.created_at.desc(), Answer.id.desc())  # type: ignore[attr-defined, union-attr]
        )
        .scalars()
        .first()
    )


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


def accept(session: Session, cycle_id: int, officer: str, comment: str = "") -> bool:
    """*answered* → *accepted*; the cycle's live links expire after the grace period."""
    cycle = _cycle(session, cycle_id)
    if cycle.status != CycleStatus.answered:
        raise DecisionError("chỉ chấp nhận được kỳ báo cáo đang chờ xem xét")
    reason = "chấp nhận báo cáo" + (f": {clean_text(comment, 500)}" if comment.strip() else "")
    if not set_status(session, cycle_id, CycleStatus.answered, CycleStatus.accepted, _actor(officer), reason):
        return False
    shorten_tokens(session, cycle_id)
    _review(session, cycle_id, Decision.accepted, officer, comment)
    return True


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
    text = f"Báo cáo của quý cơ quan chưa được chấp nhận. Ý kiến của cơ quan thường trực: {comment}"
    return queue_decision_message(session, rt, cycle, "returned", review.id or 0, text)


def grant_extension(
    session: Session, rt: Runtime | None, cycle_id: int, officer: str, new_due: date, comment: str = ""
) -> int:
    """Any open state → *extended* until ``new_due``; the reminder calendar follows the new date.
    Returns how many messages were queued to tell the agency (0 without ``rt``)."""
    cycle = _cycle(session, cycle_id)
    if cycle.status not in EXTENDABLE:
        raise DecisionError("kỳ báo cáo đã đóng, không gia hạn được")
    if new_due <= cycle.due:
        raise DecisionError(f"hạn mới phải sau hạn hiện tại ({cycle.due:%d/%m/%Y})")
    reason = f"gia hạn đến {new_due:%d/%m/%Y}" + (f": {clean_text(comment, 500)}" if comment.strip() else "")
    moved = _move(
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
    review = _review(session, cycle_id, Decision.extension_granted, officer, comment, new_due=new_due)
    session.flush()
    if rt is None:
        return 0
    text = f"Đề nghị gia hạn được chấp thuận: hạn báo cáo mới là ngày {new_due:%d/%m/%Y}."
    if comment.strip():
        text += f" Ý kiến: {clean_text(comment, 1000)}"
    return queue_decision_message(session, rt, cycle, "extended", review.id or 0, text, due=new_due)


def refuse_extension(session: Session, rt: Runtime | None, cycle_id: int, officer: str, comment: str = "") -> int:
    """*answered* (with an extension request) → the state before the request; reminders resume."""
    cycle = _cycle(session, cycle_id)
    if cycle.status != CycleStatus.answered:
        raise DecisionError("không có đề nghị gia hạn đang chờ xem xét")
    latest = latest_answer(session, cycle_id)
    if latest is None or latest.extension_to is None:
        raise DecisionError("không có đề nghị gia hạn đang chờ xem xét")
    back = _state_before(session, cycle)
    if not _move(
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
    text = f"Đề nghị gia hạn không được chấp thuận; hạn báo cáo vẫn là ngày {cycle.due:%d/%m/%Y}."
    if comment.strip():
        text += f" Ý kiến: {clean_text(comment, 1000)}"
    return queue_decision_message(session, rt, cycle, "refused", review.id or 0, text)


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
    from models.domain.clock import today_local

    return CycleStatus.overdue if cycle.due < today_local() else CycleStatus.open


def reassign(session: Session, rt: Runtime, cycle_id: int, officer: str, to_agency_id: int, comment: str = "") -> int:
    """Cancel the cycle and open one for ``to_agency_id`` (same task, period and due dates). Returns the new
    cycle's id; queue its messages with ``models.services.cycles.queue_batch`` after committing.

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
    from models.domain.clock import today_local

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
    _insert_ignore(session, Cycle, [row])
    new_id = session.execute(
        select(Cycle.id).where(
            Cycle.subject == cycle.subject,
            Cycle.agency_id == target.id,
            Cycle.role == cycle.role,
            Cycle.period_key == row["period_key"],
        )
    ).scalar_one()
    source_name = source.name if source else "cơ quan trước"
    session.add(
        CycleEvent(
            cycle_id=new_id,
            at=now,
            from_status=None,
            to_status=CycleStatus.open,
            actor=_actor(officer),
            reason=f"chuyển từ {source_name} (kỳ #{cycle.id})",
        )
    )
    return int(new_id)


# --------------------------------------------------------------------------------------------------
# Links and messages
# --------------------------------------------------------------------------------------------------


def revoke_links(session: Session, cycle_id: int, officer: str) -> int:
    """Revoke every live link of the cycle (history: a ``cycleevent`` row that keeps the state)."""
    cycle = _cycle(session, cycle_id)
    count = revoke_cycle_tokens(session, cycle_id)
    session.add(
        CycleEvent(
            cycle_id=cycle_id,
            at=utcnow(),
            from_status=cycle.status,
            to_status=cycle.status,
            actor=_actor(officer),
            reason=f"thu hồi {count} đường dẫn báo cáo",
        )
    )
    return count


def resend_link(session: Session, rt: Runtime, cycle_id: int, officer: str) -> int:
    """Queue a fresh link to the agency (a new token; older links stay valid unless revoked)."""
    cycle = _cycle(session, cycle_id)
    if cycle.status in CLOSED:
        raise DecisionError("kỳ báo cáo đã đóng")
    session.add(
        CycleEvent(
            cycle_id=cycle_id,
            at=utcnow(),
            from_status=cycle.status,
            to_status=cycle.status,
            actor=_actor(officer),
            reason="gửi lại đường dẫn báo cáo",
        )
    )
    text = "Cơ quan thường trực gửi lại đường dẫn để quý cơ quan báo cáo."
    # One resend per second at most: a double click queues one message (same key).
    return queue_decision_message(session, rt, cycle, "resend", f"{utcnow():%Y%m%d%H%M%S}", text)


def queue_decision_message(
    session: Session,
    rt: Runtime,
    cycle: Cycle,
    step: str,
    n: int | str,
    text: str,
    *,
    due: date | None = None,
) -> int:
    """Queue one message to the cycle's agency (each channel of its contact), with a fresh answer link.

    Key ``c{cycle}:{step}:{n}:{recipient}:{channel}``: unique, so the same decision queues once. The
    message uses the "reminder" template kind for the channels that need an approved template (Zalo) and
    for the outbox's channel fallback; the officer's words are in the text (SMS, email, file channel).
    """
    agency = session.get(Agency, cycle.agency_id)
    if agency is None or cycle.id is None:
        return 0
    contact = next(c for c in _contacts(rt, agency, None, False) if c.kind == "agency")
    pairs = channels_for(rt, contact)
    if not pairs:
        return 0
    now = utcnow()
    token = new_token(session, cycle_id=cycle.id, agency_id=agency.id or 0, expires_at=now + TOKEN_LIFETIME)
    link = link_for(rt.public_base_url, token)
    subject_name, title, plan_number = _subject_text(session, cycle)
    due_day = due or cycle.due
    subject = f"[Đôn đốc {plan_number}] {subject_name}: {_STEP_SUBJECT.get(step, 'thông báo')}"
    body = (
        f"Kính gửi {agency.name},\n\n{text}\n\n"
        f'{subject_name} của Kế hoạch {plan_number}: "{title}" ({cycle.label}), hạn {due_day:%d/%m/%Y}.\n'
        f"Đường dẫn báo cáo: {link}\n"
    )
    sms = _sms_text(f"SKHCN: {subject_name} KH {plan_number}: {text}", link)
    params = {
        "agency": agency.name[:100],
        "subject": subject_name[:30],
        "title": title[:100],
        "label": cycle.label[:30],
        "due_date": f"{due_day:%d/%m/%Y}",
        "status": step,
        "link": link,
        "plan": plan_number,
    }
    rows = []
    for channel, address in pairs:
        rows.append(
            {
                "key": f"c{cycle.id}:{step}:{n}:{contact.recipient}:{channel}"[:200],
                "cycle_id": cycle.id,
                "step": step,
                "folded_steps": [],
                "agency_id": agency.id,
                "recipient": contact.recipient,
                "channel": channel,
                "address": address,
                "subject": subject[:255],
                "body_text": sms if channel == "sms" else body,
                "body_html": _html(body, link) if channel == "email" else None,
                "params": params if channel == "zalo" else {},
                "template": "reminder",
                "link": link,
                "urgent": False,
                "status": NotificationStatus.pending,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
        )
    return _insert_ignore(session, Notification, rows)


_STEP_SUBJECT = {
    "returned": "báo cáo được trả lại, đề nghị bổ sung",
    "extended": "chấp thuận gia hạn",
    "refused": "không chấp thuận gia hạn",
    "resend": "đường dẫn báo cáo",
}


def _subject_text(session: Session, cycle: Cycle) -> tuple[str, str, str]:
    plan_number = session.execute(select(Plan.number).where(Plan.id == cycle.plan_id)).scalar_one()
    if cycle.task_id:
        task = session.get(Task, cycle.task_id)
        assert task is not None
        return f"Nhiệm vụ {task.number}", _short(task.title, 200), plan_number
    indicator = session.get(Indicator, cycle.indicator_id)
    assert indicator is not None
    return f"Chỉ tiêu {indicator.code}", _short(indicator.title, 200), plan_number


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _sms_text(text: str, link: str, limit: int = 160) -> str:
    """Unaccented (GSM-7) text, cut to leave the link whole."""
    head = strip_diacritics(text).replace("…", ".")
    room = limit - len(link) - 1
    if len(head) > room:
        head = head[: max(0, room - 1)].rstrip() + "."
    return f"{head} {link}".strip()


def _html(text: str, link: str) -> str:
    import html

    body = html.escape(text)
    safe = html.escape(link)
    body = body.replace(safe, f'<a href="{safe}">{safe}</a>')
    paragraphs = "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in body.split("\n\n") if p.strip())
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8"></head>'
        f'<body style="font-family:Arial,sans-serif;font-size:15px;line-height:1.5">{paragraphs}</body></html>'
    )


def retry_dead(session: Session, ids: list[int] | None = None) -> int:
    """Put dead messages back in the queue (all, or ``ids``): pending, due now, attempts reset."""
    stmt = update(Notification).where(Notification.status == NotificationStatus.dead)
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(ids))  # type: ignore[union-attr]
    return session.execute(  # type: ignore[attr-defined, no-any-return]
        stmt.values(
            status=NotificationStatus.pending,
            next_attempt_at=utcnow(),
            attempts=0,
            claimed_by=None,
            claimed_at=None,
        )
    ).rowcount
