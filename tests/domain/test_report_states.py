"""The pure part of the report (``models.domain.report_states``): the office state of a cycle, the current
period of a task, a row's state over its lead agencies and its status columns, each agency's rows, and the
overview's counts — no database."""

from datetime import date, timedelta

import pytest

from models.domain.report_states import (
    STATE_TEXT,
    CycleFacts,
    Row,
    State,
    agency_rows,
    agency_tallies,
    answer_text,
    current_period,
    cycle_state,
    days_overdue,
    document_text,
    fill_row,
    section_tallies,
)
from models.domain.states import CycleKind

DUE = date(2025, 7, 31)


def facts(status: str, kind: str = CycleKind.deadline, **kw: object) -> CycleFacts:
    base: dict[str, object] = dict(
        cycle_id=1,
        subject="task:1",
        task_id=1,
        indicator_id=None,
        agency_id=1,
        agency_name="Sở A",
        role="lead",
        kind=kind,
        period_key="2025-07",
        label="Tháng 7/2025",
        status=status,
        opens_on=DUE - timedelta(days=30),
        due_nominal=DUE,
        due_effective=DUE,
        due_extended=None,
    )
    base.update(kw)
    return CycleFacts(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("f", "today", "state"),
    [
        (facts("open"), DUE, State.in_time),
        (facts("open"), DUE + timedelta(days=1), State.overdue),
        (facts("overdue"), DUE + timedelta(days=3), State.overdue),
        (facts("extended", due_extended=DUE + timedelta(days=30)), DUE + timedelta(days=10), State.in_time),
        (facts("returned"), DUE + timedelta(days=2), State.overdue),
        (facts("answered", answered_on=DUE, answer_status="done"), DUE + timedelta(days=5), State.awaiting_review),
        (facts("answered", extension_to=DUE + timedelta(days=9)), DUE, State.extension_requested),
        (facts("accepted", answered_on=DUE, answer_status="done"), DUE + timedelta(days=9), State.done_on_time),
        (
            facts("accepted", answered_on=DUE + timedelta(days=4), answer_status="done"),
            DUE + timedelta(days=9),
            State.done_late,
        ),
        # An extension moves "on time": the agreed date counts.
        (
            facts(
                "accepted",
                answered_on=DUE + timedelta(days=4),
                answer_status="done",
                due_extended=DUE + timedelta(days=5),
            ),
            DUE + timedelta(days=9),
            State.done_on_time,
        ),
        # A deadline cycle accepted with work in progress is not done.
        (facts("accepted", answered_on=DUE, answer_status="in_progress"), DUE + timedelta(days=1), State.overdue),
        # A periodic report accepted is done (the report was the work).
        (facts("accepted", CycleKind.periodic, answered_on=DUE, answer_status="in_progress"), DUE, State.done_on_time),
    ],
)
def test_cycle_state(f: CycleFacts, today: date, state: State) -> None:
    assert cycle_state(f, today) == state


def test_days_overdue() -> None:
    late = facts("accepted", answered_on=DUE + timedelta(days=4), answer_status="done")
    assert days_overdue(late, State.done_late, DUE + timedelta(days=20)) == 4
    assert days_overdue(facts("overdue"), State.overdue, DUE + timedelta(days=6)) == 6
    assert days_overdue(facts("open"), State.in_time, DUE) == 0


def test_current_period_is_the_earliest_open_one_not_accepted() -> None:
    june = facts(
        "accepted", period_key="2025-06", due_effective=DUE - timedelta(days=31), opens_on=DUE - timedelta(days=61)
    )
    july = facts("open", cycle_id=2)
    coord = facts("open", cycle_id=3, role="coordinating")
    assert current_period([june, july, coord], DUE) == [july]
    accepted_july = facts("accepted", cycle_id=2)
    assert current_period([june, accepted_july], DUE) == [accepted_july]  # all done: the latest
    future = facts("scheduled", cycle_id=4, opens_on=DUE + timedelta(days=5))
    assert current_period([future], DUE) == [future]  # nothing opened: the next one


def row(section: str = "I", state: str = "") -> Row:
    return Row("task", 1, "1", section, f"Mục {section}", "Nhiệm vụ", "Sở 1", "", "", "Tháng 7/2025", state, "")


def test_a_row_shows_its_least_advanced_lead_agency() -> None:
    done = facts("accepted", answer_status="done", answered_on=DUE - timedelta(days=2), answers=1)
    late = facts("overdue", cycle_id=2, agency_id=2, document_number="12/BC", document_date=DUE)
    out = row()
    fill_row(out, [done, late], DUE + timedelta(days=5), withdrawn=False)
    assert out.state == State.overdue and out.state_text == STATE_TEXT[State.overdue]
    assert out.days_overdue == 5 and out.period == "Tháng 7/2025" and out.due_effective == DUE.isoformat()
    assert out.last_answer == "Hoàn thành" and out.last_answer_on == (DUE - timedelta(days=2)).isoformat()
    assert out.document_number == "12/BC ngày 31/07/2025"


def test_a_row_without_cycles_says_so_and_whether_it_was_withdrawn() -> None:
    out = row()
    fill_row(out, [], DUE, withdrawn=True)
    assert out.state == State.no_cycle and out.state_text == "Chưa có kỳ báo cáo (đã rút)"
    later = row()
    fill_row(later, [facts("scheduled", opens_on=DUE + timedelta(days=1))], DUE, withdrawn=False)
    assert later.state == State.not_yet and later.days_overdue == 0


def test_answer_and_document_in_words() -> None:
    assert answer_text(facts("open")) == ""
    assert (
        answer_text(facts("answered", answers=1, answer_status="in_progress", answer_progress=40))
        == "Đang triển khai, 40%"
    )
    asked = facts("answered", answers=1, extension_to=DUE + timedelta(days=30))
    assert answer_text(asked) == "đề nghị gia hạn đến 30/08/2025"
    assert answer_text(facts("answered", answers=2)) == "đã báo cáo"
    assert document_text(facts("answered", document_number="45/KH")) == "45/KH"


def test_agency_rows_group_by_agency_then_due_date() -> None:
    early = facts(
        "open",
        cycle_id=3,
        agency_name="Sở B",
        due_effective=DUE - timedelta(days=10),
        subject="indicator:4",
        task_id=None,
    )
    rows = agency_rows(
        [facts("open", agency_name="Sở B"), facts("open", cycle_id=2, agency_name="Sở A", role="coordinating"), early],
        {"task:1": "Nhiệm vụ 1", "indicator:4": "Chỉ tiêu 8.1"},
        {"task:1": "Ban hành kế hoạch"},
        DUE,
    )
    assert list(rows) == ["Sở A", "Sở B"]
    assert [r.cycle_id for r in rows["Sở B"]] == [3, 1]
    assert rows["Sở B"][0].subject == "Chỉ tiêu 8.1" and rows["Sở B"][0].title == ""
    assert rows["Sở A"][0].role == "Phối hợp" and rows["Sở A"][0].title == "Ban hành kế hoạch"
    assert rows["Sở A"][0].state == State.in_time and rows["Sở A"][0].due_extended == ""


def test_tallies_by_section_and_by_agency() -> None:
    sections = section_tallies([row("I", "overdue"), row("II", "in_time"), row("I", "done_on_time")])
    assert list(sections) == ["I", "II"]
    assert sections["I"].name == "Mục I" and sections["I"].total == 2
    assert sections["I"].counts[State.overdue] == 1 and sections["I"].counts[State.done_on_time] == 1
    today = DUE + timedelta(days=1)
    agencies = agency_tallies(
        [
            facts("extended", agency_name="Sở A", due_extended=DUE + timedelta(days=20)),
            facts("overdue", cycle_id=2, agency_name="Sở B"),
            facts(
                "scheduled", cycle_id=3, agency_name="Sở A", opens_on=today + timedelta(days=1)
            ),  # not opened yet: not counted
        ],
        today,
    )
    # The agencies with most overdue cycles first.
    assert [(t.name, t.total, t.counts[State.overdue]) for t in agencies] == [("Sở B", 1, 1), ("Sở A", 1, 0)]
