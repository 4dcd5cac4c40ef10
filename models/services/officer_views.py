"""What the officers' pages show, read from the database: the plan's overview, a task's or indicator's
cycles, one cycle with its answers, decisions, messages and history, the review queue, a round, the dead
messages, an answer's attachment — and which agency a typed name denotes.

Reads only (one short session each); the decisions are ``models.services.officer_actions``. Rows come back
detached (the pages read their columns after the session is closed). Addresses are shown through the
``mask`` the caller gives (the web side masks phone numbers and emails: ``notifiers.masking``), channels by
the label of their spec in the runtime (``Runtime.channels``).
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import Session

from models.domain.agencies import Agency as DirectoryAgency
from models.domain.channels import label_of
from models.domain.report_states import (
    CycleFacts,
    Report,
    Row,
    State,
    Tally,
    agency_tallies,
    cycle_state,
    section_tallies,
)
from models.domain.states import (
    ANSWER_STATUS_TEXT,
    CLOSED,
    DECISION_TEXT,
    NOTIFICATION_TEXT,
    OUTCOME_UNKNOWN,
    AnswerStatus,
    CycleStatus,
    NotificationStatus,
    role_label,
)
from models.domain.subjects import subject_name
from models.services.plan_view import find_plan
from models.services.reports import build_report, cycle_facts, load_facts, with_answer
from models.services.retry import Skipped, retry_dead
from models.services.runtime import Runtime
from models.store.answer_tables import Answer, AnswerReview
from models.store.cycle_tables import Cycle, CycleEvent, Notification, ReminderLedger, ReportRound
from models.store.plan_tables import Agency, Indicator, Plan, Task

Mask = Callable[[str | None], str]  # how an address (phone, email, id) is shown
DEAD_SHOWN = 500  # the dead messages page lists the latest this many


# --------------------------------------------------------------------------------------------------
# One cycle
# --------------------------------------------------------------------------------------------------


@dataclass
class AnswerLine:
    answer: Answer
    status_text: str  # "Hoàn thành", … ("" for an answer that only asks for something)


@dataclass
class ReviewLine:
    review: AnswerReview
    text: str  # the decision in words


@dataclass
class MessageLine:
    notification: Notification
    channel: str  # the channel's label
    status: str  # the outbox state in words
    address: str  # masked


@dataclass
class CycleView:
    """One cycle as the pages show it: its agency, answers, decisions and messages, and its state."""

    cycle: Cycle
    agency: Agency | None
    role_text: str
    subject_name: str
    answers: list[AnswerLine]
    reviews: list[ReviewLine]
    messages: list[MessageLine]
    state: State
    last_answer: Answer | None
    pending_extension: bool  # answered, the latest answer asks for more time
    wrong_agency: bool  # answered, the latest answer says the work is another agency's


def cycle_view(session: Session, rt: Runtime, cycle: Cycle, today: date, mask: Mask) -> CycleView:
    agency = session.get(Agency, cycle.agency_id)
    answers = list(session.execute(select(Answer).where(Answer.cycle_id == cycle.id).order_by(Answer.id)).scalars())
    reviews = session.execute(
        select(AnswerReview).where(AnswerReview.cycle_id == cycle.id).order_by(AnswerReview.id)
    ).scalars()
    # The cycle's own messages, and the day's consolidated messages that listed it (its reminder steps and
    # the news of its acceptance: the ledger points to them; such a message lists several cycles).
    carried = select(ReminderLedger.notification_key).where(
        ReminderLedger.cycle_id == cycle.id,
        ReminderLedger.notification_key.startswith("m"),  # type: ignore[union-attr]
    )
    messages = session.execute(
        select(Notification)
        .where(or_(Notification.cycle_id == cycle.id, Notification.key.in_(carried)))  # type: ignore[attr-defined]
        .order_by(Notification.id)
    ).scalars()
    facts: CycleFacts = cycle_facts(cycle, agency.name if agency else "?")
    last = answers[-1] if answers else None
    if last is not None:
        with_answer(facts, last, len(answers))
    waiting = cycle.status == CycleStatus.answered and last is not None
    return CycleView(
        cycle=cycle,
        agency=agency,
        role_text=role_label(cycle.role),
        subject_name=_subject_name(session, cycle),
        answers=[AnswerLine(a, answer_status_text(a.status)) for a in answers],
        reviews=[ReviewLine(r, DECISION_TEXT.get(r.decision, r.decision)) for r in reviews],  # type: ignore[call-overload]
        messages=[message_line(rt, m, mask) for m in messages],
        state=cycle_state(facts, today),
        last_answer=last,
        pending_extension=waiting and bool(last and last.extension_to),
        wrong_agency=waiting and bool(last and last.other_agency),
    )


def answer_status_text(status: str | None) -> str:
    return ANSWER_STATUS_TEXT.get(AnswerStatus(status), status) if status else ""


def message_line(rt: Runtime, n: Notification, mask: Mask) -> MessageLine:
    return MessageLine(
        notification=n,
        channel=label_of(rt.channels, n.channel),
        status=NOTIFICATION_TEXT.get(n.status, n.status),  # type: ignore[call-overload]
        address=mask(n.address),
    )


def _subject_name(session: Session, cycle: Cycle) -> str:
    if cycle.task_id:
        task = session.get(Task, cycle.task_id)
        return subject_name(task=task.number) if task else "?"
    indicator = session.get(Indicator, cycle.indicator_id)
    return subject_name(indicator=indicator.code) if indicator else "?"


@dataclass
class CyclePage:
    view: CycleView
    subject: Task | Indicator | None
    kind: str  # "task" | "indicator"
    events: list[CycleEvent]
    round: ReportRound | None
    agency_names: list[str]  # the agencies of the directory today (the reassign field's choices)
    suggested_agency: str  # the agency the answer named, when it said the work is another's
    closed: bool


def cycle_page(rt: Runtime, cycle_id: int, today: date, mask: Mask) -> CyclePage | None:
    """A cycle with everything an officer decides on; None when there is no such cycle."""
    with Session(rt.engine) as session:
        cycle = session.get(Cycle, cycle_id)
        if cycle is None:
            return None
        view = cycle_view(session, rt, cycle, today, mask)
        subject: Task | Indicator | None = (
            session.get(Task, cycle.task_id) if cycle.task_id else session.get(Indicator, cycle.indicator_id)
        )
        events = list(
            session.execute(select(CycleEvent).where(CycleEvent.cycle_id == cycle_id).order_by(CycleEvent.id)).scalars()
        )
        rnd = session.get(ReportRound, cycle.round_id) if cycle.round_id else None
    suggested = ""
    if view.wrong_agency and view.last_answer is not None:
        suggested = view.last_answer.other_agency or ""
    return CyclePage(
        view=view,
        subject=subject,
        kind="task" if cycle.task_id else "indicator",
        events=events,
        round=rnd,
        agency_names=[name for _, name in agency_choices(rt.directory, today)],
        suggested_agency=suggested,
        closed=cycle.status in CLOSED,
    )


# --------------------------------------------------------------------------------------------------
# Lists of cycles: a task or indicator, the review queue, a round
# --------------------------------------------------------------------------------------------------


@dataclass
class SubjectPage:
    kind: str  # "task" | "indicator"
    subject: Task | Indicator
    name: str  # "Nhiệm vụ 12" / "Chỉ tiêu 8.1"
    plan: Plan | None
    cycles: list[CycleView]


def subject_page(rt: Runtime, kind: str, subject_id: int, today: date, mask: Mask) -> SubjectPage | None:
    """A task's or an indicator's cycles, by due date; None when there is no such task or indicator."""
    with Session(rt.engine) as session:
        subject: Task | Indicator | None = session.get(Task if kind == "task" else Indicator, subject_id)
        if subject is None:
            return None
        plan = session.get(Plan, subject.plan_id)
        cycles = session.execute(
            select(Cycle)
            .where(Cycle.subject == f"{kind}:{subject_id}")
            .order_by(Cycle.due_effective, Cycle.role, Cycle.agency_id)
        ).scalars()
        views = [cycle_view(session, rt, c, today, mask) for c in cycles]
    name = subject_name(task=subject.number) if isinstance(subject, Task) else subject_name(indicator=subject.code)
    return SubjectPage(kind, subject, name, plan, views)


def review_queue(rt: Runtime, today: date, mask: Mask) -> list[CycleView]:
    """The cycles an agency answered and no officer has decided on yet, oldest answer first."""
    with Session(rt.engine) as session:
        cycles = session.execute(
            select(Cycle).where(Cycle.status == CycleStatus.answered).order_by(Cycle.answered_at, Cycle.id)
        ).scalars()
        return [cycle_view(session, rt, c, today, mask) for c in cycles]


@dataclass
class RoundPage:
    round: ReportRound
    cycles: list[CycleView]


def round_page(rt: Runtime, round_id: int, today: date, mask: Mask) -> RoundPage | None:
    with Session(rt.engine) as session:
        rnd = session.get(ReportRound, round_id)
        if rnd is None:
            return None
        cycles = session.execute(select(Cycle).where(Cycle.round_id == round_id).order_by(Cycle.id)).scalars()
        return RoundPage(rnd, [cycle_view(session, rt, c, today, mask) for c in cycles])


# --------------------------------------------------------------------------------------------------
# The overview
# --------------------------------------------------------------------------------------------------


@dataclass
class Overview:
    plans: list[Plan]  # every plan, the latest imported first
    plan: Plan | None  # the one shown (None: no plan yet)
    report: Report | None = None
    sections: dict[str, Tally] = field(default_factory=dict)  # the tasks' states by section of the plan
    agencies: list[Tally] = field(default_factory=list)  # the states of each agency's opened cycles
    rows: list[Row] = field(default_factory=list)  # the tasks shown (those in ``state``, or all)
    review_count: int = 0  # cycles awaiting an officer
    dead_count: int = 0  # messages that could not be sent
    unconfirmed_count: int = 0  # messages sent with an outcome never confirmed ("đã gửi, chưa rõ kết quả")


def overview(rt: Runtime, plan_number: str | None, state: str, today: date) -> Overview:
    """Where the plan (``plan_number``, or the latest) stands on ``today``; ``state`` filters the task rows."""
    with Session(rt.engine) as session:
        plans = list(session.execute(select(Plan).order_by(Plan.imported_at.desc())).scalars())  # type: ignore[attr-defined]
        plan = find_plan(session, plan_number)
        if plan is None:
            return Overview(plans, None)
        facts = load_facts(session, plan.id or 0)
        report = build_report(session, plan, today, rt.directory, facts)
        review = session.execute(
            select(func.count()).select_from(Cycle).where(Cycle.status == CycleStatus.answered)
        ).scalar_one()
        dead = session.execute(
            select(func.count()).select_from(Notification).where(Notification.status == NotificationStatus.dead)
        ).scalar_one()
        unconfirmed = session.execute(
            select(func.count()).select_from(Notification).where(Notification.status.in_(sorted(OUTCOME_UNKNOWN)))  # type: ignore[attr-defined]
        ).scalar_one()
    return Overview(
        plans=plans,
        plan=plan,
        report=report,
        sections=section_tallies(report.tasks),
        agencies=agency_tallies(facts, today),
        rows=[r for r in report.tasks if not state or r.state == state],
        review_count=review,
        dead_count=dead,
        unconfirmed_count=unconfirmed,
    )


# --------------------------------------------------------------------------------------------------
# Messages, attachments, agencies
# --------------------------------------------------------------------------------------------------


@dataclass
class DeadMessage(MessageLine):
    agency: str  # the agency's name ("" when the message had none)
    skip: str = ""  # why retrying leaves it dead: another channel has the same message ("" : it goes back)


@dataclass
class DeadPage:
    items: list[DeadMessage]  # the latest ``DEAD_SHOWN``
    resend_all: int  # how many "retry all" puts back in the queue
    skip_all: int  # and how many it leaves, because another channel has the same message


def dead_page(rt: Runtime, mask: Mask) -> DeadPage:
    """The messages the outbox gave up on, the latest first (at most ``DEAD_SHOWN``), each with what a
    retry would do with it, and what "retry all" would do (``models.services.retry``, not written)."""
    with Session(rt.engine) as session:
        plan = retry_dead(session, None, dry_run=True)
    why = {s.id: skip_text(rt, s) for s in plan.skipped}
    items = [
        replace(m, skip=why.get(m.notification.id or 0, "")) for m in _messages_in(rt, mask, [NotificationStatus.dead])
    ]
    return DeadPage(items, plan.requeued, len(plan.skipped))


def unconfirmed_messages(rt: Runtime, mask: Mask) -> list[DeadMessage]:
    """Messages sent whose outcome the provider never confirmed ("Đã gửi, chưa rõ kết quả"): a timeout
    after the request left, a worker stopped mid-send. Not dead and not re-sent by "retry": the person
    may have them; the officer checks with the recipient or the provider's log."""
    return _messages_in(rt, mask, sorted(OUTCOME_UNKNOWN))


def _messages_in(rt: Runtime, mask: Mask, statuses: list[str]) -> list[DeadMessage]:
    with Session(rt.engine) as session:
        rows = session.execute(
            select(Notification, Agency.name)
            .join(Agency, Agency.id == Notification.agency_id, isouter=True)
            .where(Notification.status.in_(statuses))  # type: ignore[attr-defined]
            .order_by(Notification.id.desc())  # type: ignore[union-attr]
            .limit(DEAD_SHOWN)
        ).all()
    out = []
    for n, name in rows:
        line = message_line(rt, n, mask)
        out.append(DeadMessage(line.notification, line.channel, line.status, line.address, agency=name or ""))
    return out


def dead_messages(rt: Runtime, mask: Mask) -> list[DeadMessage]:
    """The messages the outbox gave up on, the latest first (at most ``DEAD_SHOWN``)."""
    return dead_page(rt, mask).items


def skip_text(rt: Runtime, skipped: Skipped) -> str:
    """Why a retry leaves a dead message alone, in the officers' words."""
    channel = label_of(rt.channels, skipped.channel)
    if skipped.reason == "covered":
        status = NOTIFICATION_TEXT.get(skipped.status, skipped.status).lower()  # type: ignore[call-overload]
        return f"Không gửi lại: cùng tin này qua {channel}: {status}"
    return f"Không gửi lại: cùng tin này được gửi lại qua {channel}"


def retried_text(requeued: int, skipped: int) -> str:
    """What a retry did (``RetryOutcome.requeued``, ``len(RetryOutcome.skipped)``), for the officer who asked."""
    text = f"Đã xếp {requeued} tin nhắn vào hàng đợi gửi lại."
    if skipped:
        text += f" Bỏ qua {skipped} tin vì cùng tin đó đã gửi hoặc đang gửi qua kênh khác."
    return text


def attachment_of(rt: Runtime, answer_id: int) -> Answer | None:
    """The answer whose attachment an officer downloads; None when it has none."""
    with Session(rt.engine) as session:
        answer = session.get(Answer, answer_id)
    return answer if answer is not None and answer.attachment_path else None


def agency_choices(directory: Any, today: date) -> list[tuple[str, str]]:
    """(code, name) of every agency of the directory on ``today``, by name."""
    return sorted(
        ((a.code, a.name) for a in directory.agencies.values() if a.is_valid_on(today)), key=lambda item: item[1]
    )


def agency_id_for_name(session: Session, directory: Any, name: str) -> int | None:
    """The database id of the one agency ``name`` denotes in the directory (a code works too), or None."""
    match = directory.match(name.strip()) if name.strip() else None
    if not isinstance(match, DirectoryAgency):  # a group, several agencies, or nothing
        return None
    return session.execute(select(Agency.id).where(Agency.code == match.code)).scalar()
