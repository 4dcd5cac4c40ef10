"""The daily evaluation on the shipped plan (SQLite and PostgreSQL): which cycles exist, catch-up
folding, idempotency, answers stopping reminders, succession, rounds, the digest and dry runs."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlmodel import Session

from config.app import build_app
from models.domain.states import CycleStatus
from models.domain.tokens import reveal
from models.services.daily import evaluate_day, evaluate_dry
from models.services.digest import queue_digest
from models.services.rounds import RoundError, RoundRequest, open_round
from models.store.cycle_tables import Cycle, CycleEvent, Notification, ReminderLedger, ResponseToken
from models.store.plan_tables import Agency, Task
from models.store.tokens import check_token
from models.store.writes import set_status


@pytest.fixture
def app(imported_url, cli_env, _cached_config):
    """The application over the shipped plan, imported (a copy of the session's template) and not yet run."""
    directory, policy = _cached_config
    return build_app(directory=directory, policy=policy, migrate=False)


def _task_cycles(session: Session, number: str, role: str = "lead") -> list[Cycle]:
    task = session.execute(select(Task).where(Task.number == number)).scalar_one()
    return list(
        session.execute(
            select(Cycle).where(Cycle.task_id == task.id, Cycle.role == role).order_by(Cycle.due_effective)
        ).scalars()
    )


def _covering(session: Session, cycle_id: int) -> list[tuple[str, str, Notification]]:
    """(step, recipient, message) for every ledger step of ``cycle_id`` that a message carries — a message
    lists many cycles (one per contact and day), so a cycle's messages are found through the ledger."""
    return [
        (step, entry.recipient, row)  # a ledger row records its folded steps and its own, in schedule order
        for entry, row in session.execute(
            select(ReminderLedger, Notification)
            .join(Notification, Notification.key == ReminderLedger.notification_key)
            .where(ReminderLedger.cycle_id == cycle_id)
            .order_by(Notification.id, ReminderLedger.due_on)
        ).all()
        for step in entry.steps()
    ]


def _messages_of(session: Session, cycle_id: int, recipient: str | None = None) -> list[Notification]:
    """The distinct messages that list ``cycle_id`` (to ``recipient``), in queueing order."""
    seen: dict[int, Notification] = {}
    for _, who, row in _covering(session, cycle_id):
        if recipient is None or who == recipient:
            seen.setdefault(row.id, row)
    return list(seen.values())


def _count(session: Session, model) -> int:  # type: ignore[no-untyped-def]
    return session.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.mark.slow  # about 5 s on PostgreSQL
def test_task33_yields_a_cycle_each_year(app) -> None:
    evaluate_day(app.runtime, date(2026, 11, 2))
    with Session(app.engine) as s:
        cycles = _task_cycles(s, "33")
        agency = s.get(Agency, cycles[0].agency_id)
    assert agency.code == "so-khcn"  # Sở TT&TT's task, routed to its successor
    assert [c.due_effective for c in cycles] == [date(2025, 12, 1), date(2026, 11, 30)]
    assert [c.due_nominal for c in cycles] == [date(2025, 11, 30), date(2026, 11, 30)]
    assert cycles[0].status == CycleStatus.overdue and cycles[1].status == CycleStatus.open


def test_effective_due_date_and_routing_of_task5(app) -> None:
    evaluate_day(app.runtime, date(2025, 8, 5))
    with Session(app.engine) as s:
        (cycle,) = _task_cycles(s, "5")
    assert (cycle.due_nominal, cycle.due_effective) == (date(2025, 8, 31), date(2025, 9, 3))
    assert cycle.status == CycleStatus.open


@pytest.mark.slow  # about 5 s on PostgreSQL
def test_opening_message_then_each_step_once_and_rerun_queues_nothing(app) -> None:
    rt = app.runtime
    day = date(2025, 6, 20)
    while day <= date(2025, 8, 31):
        evaluate_day(rt, day)
        day += timedelta(days=1)
    with Session(app.engine) as s:
        (cycle,) = _task_cycles(s, "1")
        covered = _covering(s, cycle.id)
        total = _count(s, Notification)
    steps = [(step, recipient) for step, recipient, _ in covered]
    assert len(steps) == len(set(steps))  # nothing twice
    last: dict[int, str] = {}
    for step, recipient, row in covered:
        if recipient == "so-khcn":
            last[row.id] = step  # the latest step a message covers speaks for the cycle
    # each step once, in order, one message a day; overdue_2 (14/08) coincides with the escalation: one message
    assert list(last.values()) == [
        "open",
        "before_14",
        "before_7",
        "before_3",
        "before_1",
        "due",
        "overdue_1",
        "escalation",
        "overdue_3",
        "overdue_4",
    ]
    assert {row.channel for _, _, row in covered} == {"zalo"}  # the instant channel; email copy is off
    # re-running any day of the period queues nothing new
    for again in (date(2025, 7, 1), date(2025, 7, 31), date(2025, 8, 31)):
        assert evaluate_day(rt, again).queued == 0
    with Session(app.engine) as s:
        assert _count(s, Notification) == total


def test_escalation_reaches_head_and_standing_agency(app) -> None:
    evaluate_day(app.runtime, date(2025, 7, 1))
    evaluate_day(app.runtime, date(2025, 8, 20))  # 20 days overdue: escalation step passed
    with Session(app.engine) as s:
        (cycle,) = _task_cycles(s, "1")
        recipients = {who for _, who, _ in _covering(s, cycle.id)}
    assert {"so-khcn", "so-khcn#head"} <= recipients  # the standing agency is the agency itself here
    with Session(app.engine) as s:
        (c5,) = _task_cycles(s, "5")  # Sở Nội vụ
    evaluate_day(app.runtime, date(2025, 9, 25))
    with Session(app.engine) as s:
        covered = _covering(s, c5.id)
    assert {"so-noi-vu", "so-noi-vu#head", "so-khcn#standing"} <= {who for _, who, _ in covered}
    # The standing agency's copy is not a message per cycle: its one message of the day lists the escalated
    # items by agency, besides its own items (addressed to its responsible unit).
    (standing,) = {row.key for _, who, row in covered if who == "so-khcn#standing"}
    message = next(row for _, who, row in covered if who == "so-khcn#standing")
    assert standing.startswith("m20250925:so-khcn:r1:") and message.recipient == "so-khcn"
    assert "Sở Nội vụ (" in message.body_text and "chậm báo cáo" in message.body_text
    assert "đề nghị quý cơ quan báo cáo" not in message.body_text  # it never asks itself to report to itself


def test_missed_days_fold_into_one_message_per_cycle(app) -> None:
    evaluate_day(app.runtime, date(2025, 6, 20))
    report = evaluate_day(app.runtime, date(2025, 8, 6))  # the machine was off for six weeks
    assert report.folded > 0
    with Session(app.engine) as s:
        (cycle,) = _task_cycles(s, "1")
        covered = _covering(s, cycle.id)
        entries = s.execute(select(ReminderLedger).where(ReminderLedger.cycle_id == cycle.id)).scalars().all()
        ledger = [step for entry in entries for step in entry.steps()]
        per_contact = s.execute(
            select(Notification.recipient, func.count())
            .where(Notification.key.startswith("m20250806:"))
            .group_by(Notification.recipient)
        ).all()
    rows = {row.id: row for _, _, row in covered}
    assert len(rows) == 1  # one message, not a flood
    (row,) = rows.values()
    steps = [step for step, _, _ in covered]
    assert steps[0] == "open" and steps[-1] == "due" and set(ledger) == set(steps)
    assert "Nhiệm vụ 1 (" in row.body_text and "quá hạn" in row.body_text  # a late "due" speaks of today
    assert "chưa gửi được" not in row.body_text  # nothing failed: the system was not running
    assert {count for _, count in per_contact} == {1}  # one message per contact that day


@pytest.mark.slow  # about 5 s on PostgreSQL
def test_answer_stops_reminders_and_return_restarts_them(app) -> None:
    evaluate_day(app.runtime, date(2025, 7, 1))
    with Session(app.engine) as s:
        (cycle,) = _task_cycles(s, "1")
        assert set_status(s, cycle.id, CycleStatus.open, CycleStatus.answered, "agency", "đã báo cáo")
        s.commit()
        before = len(_messages_of(s, cycle.id))
    for offset in range(1, 40):
        evaluate_day(app.runtime, date(2025, 7, 1) + timedelta(days=offset))
    with Session(app.engine) as s:
        assert len(_messages_of(s, cycle.id)) == before
        assert s.get(Cycle, cycle.id).status == CycleStatus.answered  # not overdue: it answered
        assert set_status(s, cycle.id, CycleStatus.answered, CycleStatus.returned, "officer:a", "bổ sung")
        s.commit()
    evaluate_day(app.runtime, date(2025, 8, 12))
    with Session(app.engine) as s:
        assert len(_messages_of(s, cycle.id)) > before
        history = s.execute(select(CycleEvent.to_status).where(CycleEvent.cycle_id == cycle.id)).scalars().all()
    assert history[:2] == ["open", "answered"] and "returned" in history


def test_extension_replans_reminders(app) -> None:
    evaluate_day(app.runtime, date(2025, 7, 1))
    evaluate_day(app.runtime, date(2025, 8, 1))
    with Session(app.engine) as s:
        (cycle,) = _task_cycles(s, "1")
        cycle_id = cycle.id
        s.execute(
            update(Cycle)
            .where(Cycle.id == cycle_id)
            .values(
                due_extended=date(2025, 9, 30),
                schedule_version=1,
                status=CycleStatus.extended,
                next_reminder_on=None,
            )
        )
        s.commit()
    evaluate_day(app.runtime, date(2025, 9, 10))
    evaluate_day(app.runtime, date(2025, 9, 30))
    with Session(app.engine) as s:
        steps = [step for step, _, _ in _covering(s, cycle_id)]
        cycle = s.get(Cycle, cycle_id)
    assert "before_14@v1" in steps and "due@v1" in steps
    assert cycle.status == CycleStatus.extended  # 30/09 is the new due date: not overdue yet


def test_district_cycles_move_to_communes(app) -> None:
    """Task 3 is led by the districts: after 01/07/2025 the commune-level UBNDs hold it."""
    evaluate_day(app.runtime, date(2025, 6, 5))
    evaluate_day(app.runtime, date(2025, 7, 2))
    with Session(app.engine) as s:
        codes = dict(s.execute(select(Agency.id, Agency.code)).all())
        rows = [(codes[c.agency_id], c.status, c.period_key) for c in _task_cycles(s, "3")]
    h1 = [(code, status) for code, status, key in rows if key == "report-2025-H1"]
    assert ("ubnd-huyen-phu-binh", CycleStatus.cancelled) in h1
    assert any(code.startswith("ubnd-x-") or code.startswith("ubnd-p-") for code, status in h1 if status != "cancelled")


def test_tokens_are_hashed_and_scoped(app) -> None:
    evaluate_day(app.runtime, date(2025, 7, 1))
    with Session(app.engine) as s:
        row = s.execute(select(Notification).where(Notification.link.is_not(None))).scalars().first()
        ref = row.link.rsplit("/", 1)[1]
        assert not check_token(s, ref).ok  # the stored link is a reference: it answers nothing
        token = reveal(row.link, app.runtime.link_key).rsplit("/", 1)[1]  # what the message sent carries
        assert len(token) >= 22 and token != ref  # 128 bits, URL-safe
        assert s.execute(select(func.count()).where(ResponseToken.token_hash == token)).scalar_one() == 0
        check = check_token(s, token)
        assert check.ok and check.token.cycle_id == row.cycle_id
        assert not check_token(s, token[:-1] + ("A" if token[-1] != "A" else "B")).ok


def test_round_opens_once_and_notifies(app) -> None:
    rt = app.runtime
    from models.services.reminders import queue_batch

    req = RoundRequest(title="Báo cáo sơ kết 6 tháng", due_on=date(2025, 7, 15), tasks=["1", "33"])
    with Session(app.engine) as s:
        result = open_round(rt, s, req, date(2025, 7, 1))
        s.commit()
    assert result.created and len(result.cycles) == 2
    report = queue_batch(rt, result.cycles, date(2025, 7, 1))
    assert report.queued == 2
    with Session(app.engine) as s:
        again = open_round(rt, s, req, date(2025, 7, 1))
        s.commit()
        steps = s.execute(select(Notification.step).where(Notification.cycle_id.in_(result.cycles))).scalars().all()
        subjects = s.execute(select(Notification.subject).where(Notification.cycle_id.in_(result.cycles))).scalars()
        assert all("Báo cáo sơ kết 6 tháng" in subject for subject in subjects)
    assert not again.created and sorted(again.cycles) == sorted(result.cycles)
    assert len(steps) == 2 and set(steps) == {"round"}
    assert queue_batch(rt, result.cycles, date(2025, 7, 1)).queued == 0
    with Session(app.engine) as s, pytest.raises(RoundError):
        open_round(rt, s, RoundRequest(title="x", due_on=date(2025, 7, 15), tasks=["999"]), date(2025, 7, 1))


def test_dry_run_changes_nothing(app) -> None:
    result = evaluate_dry(app.runtime, date(2025, 8, 1))
    assert result["created"] > 0 and result["queued"] > 0
    with Session(app.engine) as s:
        assert _count(s, Cycle) == 0 and _count(s, Notification) == 0


def test_digest_once_a_week(app) -> None:
    evaluate_day(app.runtime, date(2025, 8, 20))
    first = queue_digest(app.runtime, date(2025, 8, 25))
    assert first["queued"] >= 1 and first["overdue"] > 0
    assert queue_digest(app.runtime, date(2025, 8, 26))["queued"] == 0  # same ISO week
