"""What an agency sends through its link: ``record_answer`` keeps every answer (a new row each time, never
overwritten) and moves the cycle to *answered* (not a reminding state, so the daily run stops reminding
it); a new answer while the cycle is *answered* keeps it there. The officers' decisions on answers are
in ``models.services.decisions``.

The change is the store's conditional ``set_status`` (``UPDATE … WHERE status = <the state we saw>`` plus
a ``cycleevent`` row); a state changed by someone else meanwhile is read again, three times at most.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from models.domain.answer_form import CleanAnswer, DecisionError, StoredFile, new_reference
from models.domain.clock import utcnow
from models.domain.indicators import period_bounds
from models.domain.states import (
    ANSWER_STATUS_TEXT,
    ANSWERABLE,
    AnswerStatus,
    CycleStatus,
)
from models.store.answer_tables import Answer
from models.store.cycle_tables import Cycle, ResponseToken
from models.store.indicator_tables import IndicatorValue, IndicatorValueIn
from models.store.plan_tables import Indicator
from models.store.writes import set_status, write_events


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
    before = _move_to_answered(session, cycle_id, answer, now)
    row = Answer(
        reference=new_reference(cycle_id, now),
        submission_key=submission_key,
        cycle_id=cycle_id,
        agency_id=agency_id,
        token_id=token_id,
        cycle_status_before=before,
        other_agency_id=other_agency_id,
        created_at=now,
        client_ip_hash=client_ip_hash,
        **answer_values(answer, attachment),
    )
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
    if answer.indicator_number is not None and answer.indicator_period:
        _record_value(session, cycle_id, agency_id, row, answer, now)
    if before == CycleStatus.answered:
        # A further answer while the first awaits review: the history says so (the state does not change).
        write_events(session, [cycle_id], before, before, "agency", "báo cáo bổ sung: " + _answer_reason(answer), now)
    if token_id is not None:
        session.execute(update(ResponseToken).where(ResponseToken.id == token_id).values(last_used_at=now))
    return Recorded(row, True)


def _record_value(
    session: Session, cycle_id: int, agency_id: int, row: Answer, answer: CleanAnswer, now: datetime
) -> None:
    """The answer's indicator value as a number, one more row of the indicator's history (never replaced:
    a second answer about the same period is a newer value of that period)."""
    cycle = session.get(Cycle, cycle_id)
    assert cycle is not None and cycle.indicator_id is not None and row.id is not None
    indicator = session.get(Indicator, cycle.indicator_id)
    bounds = period_bounds(answer.indicator_period or "")
    assert indicator is not None and bounds is not None  # the form checked both
    checked = IndicatorValueIn.model_validate(
        {
            "indicator_id": indicator.id,
            "agency_id": agency_id,
            "cycle_id": cycle_id,
            "answer_id": row.id,
            "period_key": answer.indicator_period,
            "period_end": bounds[1],
            "value": answer.indicator_number,
            "value_raw": (answer.indicator_value or "")[:64],
            "unit": indicator.unit_raw[:255],
            "source": answer.indicator_source or "",
            "note": answer.indicator_note or "",
        }
    )
    session.add(IndicatorValue.model_validate(checked.model_dump() | {"recorded_at": now}))


def _move_to_answered(session: Session, cycle_id: int, answer: CleanAnswer, now: datetime) -> str:
    """Move the cycle to *answered* (it may already be); returns the state it was in."""
    for _attempt in range(3):  # the daily run may change the state between our read and our update
        cycle = session.get(Cycle, cycle_id, populate_existing=True)
        if cycle is None:
            raise DecisionError("không tìm thấy kỳ báo cáo")
        if cycle.status not in ANSWERABLE:
            raise DecisionError("kỳ báo cáo này đã đóng, không nhận thêm báo cáo")
        before = cycle.status
        reason = _answer_reason(answer)
        if before == CycleStatus.answered or set_status(
            session, cycle_id, before, CycleStatus.answered, "agency", reason, answered_at=now
        ):
            return before
    raise DecisionError("kỳ báo cáo đang được cập nhật, vui lòng gửi lại")


def answer_values(answer: CleanAnswer, attachment: StoredFile | None) -> dict[str, Any]:
    """The columns of an answer row that come from the form and its attachment."""
    values: dict[str, Any] = {
        "status": answer.status,
        "progress": answer.progress,
        "done_text": answer.done_text,
        "document_number": answer.document_number,
        "document_date": answer.document_date,
        "link_url": answer.link_url,
        "extension_to": answer.extension_to,
        "extension_reason": answer.extension_reason,
        "other_agency": answer.other_agency,
        "indicator_value": answer.indicator_value,
        "indicator_source": answer.indicator_source,
    }
    if attachment is not None:
        values.update(
            attachment_path=attachment.path,
            attachment_name=attachment.name[:255],
            attachment_type=attachment.content_type,
            attachment_size=attachment.size,
            attachment_sha256=attachment.sha256,
        )
    return values


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


def latest_answer(session: Session, cycle_id: int) -> Answer | None:
    return (
        session.execute(
            select(Answer).where(Answer.cycle_id == cycle_id).order_by(Answer.created_at.desc(), Answer.id.desc())  # type: ignore[attr-defined, union-attr]
        )
        .scalars()
        .first()
    )
