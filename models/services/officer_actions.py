"""An officer's action on one cycle, as the cycle page offers them — accept, return, extend, refuse,
reassign, resend, revoke — in one call and one transaction (:func:`act_on_cycle`); and putting dead
messages back in the queue (:func:`retry_messages`, without a second copy of what another channel
already has: ``models.services.retry``).

The rules are those of ``models.services.decisions``; here each action's input is checked and the
decision made: an extension needs a new date (``grant_extension`` refuses one before today), a reassign
names the receiving agency as typed (resolved through the directory) and queues the new cycle's messages
in the same transaction, a resend needs an agency with an address. Anything refused raises
``models.domain.answer_form.DecisionError`` with the reason in Vietnamese, and nothing is written.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from models.domain.answer_form import DecisionError
from models.services import decisions
from models.services.officer_views import agency_id_for_name
from models.services.reminders import queue_batch
from models.services.retry import RetryOutcome, retry_dead
from models.services.runtime import Runtime


@dataclass(frozen=True)
class CycleAction:
    """What the officer asked, as the form gave it."""

    name: str  # one of ACTIONS
    cycle_id: int
    officer: str  # login
    comment: str = ""
    new_due: date | None = None  # extend: the new due date (None: not given or not a date)
    agency: str = ""  # reassign: the receiving agency's name as typed


def _accept(session: Session, rt: Runtime, action: CycleAction, today: date) -> None:
    decisions.accept(session, action.cycle_id, action.officer, action.comment, today=today)


def _return(session: Session, rt: Runtime, action: CycleAction, today: date) -> None:
    decisions.return_answer(session, rt, action.cycle_id, action.officer, action.comment)


def _extend(session: Session, rt: Runtime, action: CycleAction, today: date) -> None:
    if action.new_due is None:
        raise DecisionError("vui lòng nhập hạn mới (ngày/tháng/năm)")
    decisions.grant_extension(session, rt, action.cycle_id, action.officer, action.new_due, action.comment, today=today)


def _refuse(session: Session, rt: Runtime, action: CycleAction, today: date) -> None:
    decisions.refuse_extension(session, rt, action.cycle_id, action.officer, action.comment)


def _reassign(session: Session, rt: Runtime, action: CycleAction, today: date) -> None:
    agency_id = agency_id_for_name(session, rt.directory, action.agency)
    if agency_id is None:
        raise DecisionError("không tìm thấy cơ quan nhận; chọn một tên trong danh sách")
    new_id = decisions.reassign(session, rt, action.cycle_id, action.officer, agency_id, action.comment)
    queue_batch(rt, [new_id], today, session)  # the new agency hears of it in the same transaction


def _resend(session: Session, rt: Runtime, action: CycleAction, today: date) -> None:
    if decisions.resend_link(session, rt, action.cycle_id, action.officer) == 0:
        raise DecisionError("cơ quan chưa có địa chỉ liên lạc (Zalo, SMS, email)")


def _revoke(session: Session, rt: Runtime, action: CycleAction, today: date) -> None:
    decisions.revoke_links(session, action.cycle_id, action.officer)


Act = Callable[[Session, Runtime, CycleAction, date], None]
# Each action, what it is done by, and the word for "done" the pages report it with.
ACTIONS: dict[str, tuple[Act, str]] = {
    "accept": (_accept, "accepted"),
    "return": (_return, "returned"),
    "extend": (_extend, "extended"),
    "refuse": (_refuse, "refused"),
    "reassign": (_reassign, "reassigned"),
    "resend": (_resend, "resent"),
    "revoke": (_revoke, "revoked"),
}


def act_on_cycle(rt: Runtime, action: CycleAction, today: date) -> str:
    """Do ``action`` on its cycle in one transaction; returns what was done ("accepted", "returned", …).

    Raises ``DecisionError`` (nothing written) when the cycle's state, the input or a concurrent change
    refuses it; ``KeyError`` for a name not in :data:`ACTIONS`.
    """
    do, done = ACTIONS[action.name]
    with Session(rt.engine, expire_on_commit=False) as session:
        try:
            do(session, rt, action, today)
            session.commit()
        except DecisionError:
            session.rollback()
            raise
    return done


def retry_messages(rt: Runtime, ids: list[int] | None, *, dry_run: bool = False) -> RetryOutcome:
    """Put dead messages back in the queue (``ids``, or all with None), except those another channel of
    the same message already has; what went back and what was skipped (``dry_run``: would go back)."""
    with Session(rt.engine) as session:
        outcome = retry_dead(session, ids, dry_run=dry_run)
        if not dry_run:
            session.commit()
    return outcome
