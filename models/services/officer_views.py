"""What the officers' pages show, read from the database: the plan's overview, a task's or indicator's
cycles, one cycle with its answers, decisions, messages and history, the review queue, a round, the dead
messages, an answer's attachment — and which agency a typed name denotes.

Reads only (one short session each); the decisions are ``models.services.officer_actions``. Rows come back
detached (the pages read their columns after the session is closed). Addresses are shown through the
``mask`` the caller gives (the web side masks phone numbers and emails: ``notifiers.masking``), channels by
the label of their spec in the runtime (``Runtime.channels``).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from models.domain.agencies import Agency as DirectoryAgency
from models.domain.channels import label_of
from models.domain.dashboard import (
    CYCLE_SORTS,
    Filters,
    Page,
    Summary,
    keep,
    paginate,
    read_filters,
    sort_rows,
    sort_tallies,
    summary,
)
from models.domain.report_states import (
    AgencyRow,
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
from models.store.cycle_tables import Cycle, CycleEvent, Notification, ReportRound
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
    messages = session.execute(
        select(Notification).where(Notification.cycle_id == cycle.id).order_by(Notification.id)
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
    plan: Plan | None  # the one shown (None: no plan yet, or ``missing`` names none)
    report: Report | None = None
    sections: dict[str, Tally] = field(default_factory=dict)  # the tasks' states by section of the plan
    agencies: list[Tally] = field(default_factory=list)  # the states of each agency's opened cycles
    rows: list[Row] = field(default_factory=list)  # the tasks the filters keep, in the order asked
    review_count: int = 0  # cycles awaiting an officer (every plan)
    dead_count: int = 0  # messages that could not be sent
    unconfirmed_count: int = 0  # messages sent with an outcome never confirmed ("đã gửi, chưa rõ kết quả")
    filters: Filters = field(default_factory=Filters)
    errors: list[str] = field(default_factory=list)  # filter values that named nothing, in Vietnamese
    tasks: Summary | None = None  # the plan's tasks by state (each task once: its current period)
    cycles: Summary | None = None  # the plan's opened cycles by state (each agency's report once)
    page: Page[Row] | None = None  # the page of ``rows`` shown
    section_order: list[str] = field(default_factory=list)  # the sections' codes in the order asked
    agency_codes: dict[int, str] = field(default_factory=dict)  # agency id → code (links to its page)
    agency_choices: list[tuple[str, str]] = field(default_factory=list)  # (code, name) for the filter
    plan_of: dict[int, str] = field(default_factory=dict)  # task id → plan number (every plan's list)
    missing: str = ""  # the plan number asked for that no plan has


def overview(
    rt: Runtime, plan_number: str | None, state: str, today: date, params: Mapping[str, str] | None = None
) -> Overview:
    """Where the plan (``plan_number``, or the latest) stands on ``today``: its tasks and opened cycles
    counted by state, by section and by agency, and the tasks ``params`` (the page's query: section,
    agency, state, overdue, sort, page, per; ``state`` alone for callers without a query) keep."""
    params = dict(params or {})
    if state and "state" not in params:
        params["state"] = state
    with Session(rt.engine) as session:
        plans = list(session.execute(select(Plan).order_by(Plan.imported_at.desc())).scalars())  # type: ignore[attr-defined]
        plan = find_plan(session, plan_number)
        if plan is None:
            return Overview(plans, None, missing=plan_number or "")
        facts = load_facts(session, plan.id or 0)
        report = build_report(session, plan, today, rt.directory, facts)
        codes = _agency_codes(session)
        review, dead, unconfirmed = _queue_counts(session)
    view = Overview(
        plans=plans,
        plan=plan,
        report=report,
        sections=section_tallies(report.tasks),
        agencies=agency_tallies(facts, today),
        review_count=review,
        dead_count=dead,
        unconfirmed_count=unconfirmed,
        agency_codes=codes,
    )
    _narrow(view, [(plan.number, report, facts)], params, today)
    return view


def overview_all(rt: Runtime, today: date, params: Mapping[str, str] | None = None) -> Overview:
    """Every plan at once: the counts over all plans, and their tasks the filters keep (``plan_of`` says
    whose); ``sections`` is empty (each plan has its own)."""
    with Session(rt.engine) as session:
        plans = list(session.execute(select(Plan).order_by(Plan.imported_at.desc())).scalars())  # type: ignore[attr-defined]
        reports = []
        for plan in plans:
            facts = load_facts(session, plan.id or 0)
            reports.append((plan.number, build_report(session, plan, today, rt.directory, facts), facts))
        codes = _agency_codes(session)
        review, dead, unconfirmed = _queue_counts(session)
    all_facts = [f for _, _, facts in reports for f in facts]
    view = Overview(
        plans=plans,
        plan=None,
        agencies=agency_tallies(all_facts, today),
        review_count=review,
        dead_count=dead,
        unconfirmed_count=unconfirmed,
        agency_codes=codes,
    )
    _narrow(view, reports, dict(params or {}), today)
    return view


def _narrow(
    view: Overview, reports: list[tuple[str, Report, list[CycleFacts]]], params: Mapping[str, str], today: date
) -> None:
    """Count, filter, sort and page the tasks of ``reports`` into ``view``."""
    tasks = [(number, row) for number, report, _ in reports for row in report.tasks]
    facts = [f for _, _, fs in reports for f in fs]
    section_names = {code: t.name for code, t in view.sections.items()}
    # Every agency with a cycle of the plan, opened or not (the filter keeps the tasks it has a part in).
    by_code = {view.agency_codes[f.agency_id]: f.agency_name for f in facts if f.agency_id in view.agency_codes}
    filters, errors = read_filters(params, section_names, by_code)
    wanted: set[int] | None = None
    if filters.agency:
        ids = {i for i, c in view.agency_codes.items() if c == filters.agency}
        wanted = {f.task_id for f in facts if f.agency_id in ids and f.task_id is not None}
    rows = [
        (number, r)
        for number, r in tasks
        if keep(r, filters)
        and (not filters.section or r.section == filters.section)
        and (wanted is None or r.id in wanted)
    ]
    view.rows = sort_rows([r for _, r in rows], filters.sort)
    view.plan_of = {r.id: number for number, r in rows}
    view.page = paginate(view.rows, filters.page, filters.per, errors)
    view.filters, view.errors = filters, errors
    view.tasks = summary([r.state for _, r in tasks], "nhiệm vụ")
    view.cycles = summary([cycle_state(f, today).value for f in facts if f.opens_on <= today], "kỳ báo cáo")
    ranked = sort_tallies(list(view.sections.values()), filters.ssort)  # as the plan has them without a key
    code_of = {id(t): code for code, t in view.sections.items()}
    view.section_order = [code_of[id(t)] for t in ranked]
    view.agencies = sort_tallies(view.agencies, filters.asort)
    view.agency_choices = sorted(by_code.items(), key=lambda item: item[1])


def _agency_codes(session: Session) -> dict[int, str]:
    return {i: c for i, c in session.execute(select(Agency.id, Agency.code)).all() if i is not None}


def _queue_counts(session: Session) -> tuple[int, int, int]:
    """Cycles awaiting an officer, dead messages, messages of unknown outcome (every plan)."""
    review = session.execute(
        select(func.count()).select_from(Cycle).where(Cycle.status == CycleStatus.answered)
    ).scalar_one()
    dead = session.execute(
        select(func.count()).select_from(Notification).where(Notification.status == NotificationStatus.dead)
    ).scalar_one()
    unconfirmed = session.execute(
        select(func.count()).select_from(Notification).where(Notification.status.in_(sorted(OUTCOME_UNKNOWN)))  # type: ignore[attr-defined]
    ).scalar_one()
    return review, dead, unconfirmed


@dataclass
class AgencyOverview:
    """The opened cycles of a plan for the officers — one agency's (``agency``) or every agency's (None) —
    counted by state, and the ones the filters keep."""

    agency: Agency | None
    plans: list[Plan]
    plan: Plan | None
    cycles: Summary | None = None
    rows: list[AgencyRow] = field(default_factory=list)  # the opened cycles the filters keep
    page: Page[AgencyRow] | None = None
    filters: Filters = field(default_factory=Filters)
    errors: list[str] = field(default_factory=list)
    not_opened: int = 0  # cycles not opened yet (scheduled later)
    agency_codes: dict[int, str] = field(default_factory=dict)  # cycle id → its agency's code (links)


class UnknownAgency(LookupError):
    """No agency of the directory has this code."""


def agency_overview(
    rt: Runtime, code: str | None, plan_number: str | None, today: date, params: Mapping[str, str] | None = None
) -> AgencyOverview:
    """The cycles of the plan (``plan_number``, or the latest) opened by ``today`` — the agency ``code``'s,
    or every agency's when ``code`` is None — counted by state and filtered (state, overdue, sort, page,
    per). Raises ``UnknownAgency`` when no agency has that code."""
    with Session(rt.engine) as session:
        agency = None
        if code is not None:
            agency = session.execute(select(Agency).where(Agency.code == code)).scalar_one_or_none()
            if agency is None:
                raise UnknownAgency(code)
        plans = list(session.execute(select(Plan).order_by(Plan.imported_at.desc())).scalars())  # type: ignore[attr-defined]
        plan = find_plan(session, plan_number)
        if plan is None:
            return AgencyOverview(agency, plans, None)
        facts = load_facts(session, plan.id or 0)
        report = build_report(session, plan, today, None, facts)
        codes = _agency_codes(session)
    own = [f for f in facts if agency is None or f.agency_id == agency.id]
    opened = {f.cycle_id for f in own if f.opens_on <= today}
    rows = [r for rs in report.agencies.values() for r in rs if r.cycle_id in opened]
    filters, errors = read_filters(params or {}, {}, {}, sorts=CYCLE_SORTS)
    kept = sort_rows([r for r in rows if keep(r, filters)], filters.sort)
    return AgencyOverview(
        agency=agency,
        plans=plans,
        plan=plan,
        cycles=summary([r.state for r in rows], "kỳ báo cáo"),
        rows=kept,
        page=paginate(kept, filters.page, filters.per, errors),
        filters=filters,
        errors=errors,
        not_opened=len(own) - len(opened),
        agency_codes={f.cycle_id: codes.get(f.agency_id, "") for f in own if f.cycle_id in opened},
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
