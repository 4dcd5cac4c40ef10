"""A plan's life after its import (issue 10 point 5, issue 11 point 4), on SQLite and PostgreSQL: the
tracking day and its default, a revised version (diff, cancelled and re-planned cycles, unchanged tasks
untouched, dry run), retiring a plan, and the daily run's view of both."""

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlmodel import Session

from config.app import build_app
from models.domain.plan_changes import default_track_from, diff_tasks
from models.domain.states import CycleStatus
from models.services.daily import evaluate_day
from models.services.importer import import_plan
from models.services.materialise import load_subjects, plan_tracking
from models.services.plan_lifecycle import PlanNotFound, plan_rows, replan_tasks, retire_plan, set_track_from
from models.store.cycle_tables import Cycle, CycleEvent, Notification
from models.store.plan_tables import Indicator, Plan, Task
from models.store.writes import set_status

DAY = date(2025, 7, 5)


@pytest.fixture
def app(imported_url, cli_env, _cached_config):  # type: ignore[no-untyped-def]
    directory, policy = _cached_config
    return build_app(directory=directory, policy=policy, migrate=False)


def revised_copy(plan_path: Path, folder: Path) -> Path:
    """The shipped plan revised: task 2 reworded, task 4 due in September instead of July, task 68
    removed and a task 69 added in its place, indicator 3 removed."""
    text = plan_path.read_text(encoding="utf-8")
    indicator = "3 |\nXếp hạng năng lực cạnh tranh số |\nThứ bậc |\n≤ 10 các tỉnh, thành trên cả nước |\n"
    text = text.replace(indicator + "Sở Thông tin và Truyền thông |\n", "", 1)
    text = text.replace(
        "trên truyền hình, phát thanh và mạng xã hội |", "trên truyền hình, phát thanh, báo điện tử và mạng xã hội |", 1
    )
    four = text.index("4. |\nXây dựng văn bản quy định trách nhiệm người đứng đầu")
    end = text.index("Tháng 7/2025 |", four)
    text = text[:end] + "Tháng 9/2025 |" + text[end + len("Tháng 7/2025 |") :]
    start = text.index("68. |\nTích cực, chủ động tham gia")
    stop = text.index("Thường xuyên |", start) + len("Thường xuyên |")
    new_task = (
        "69. |\nXây dựng cổng thông tin đổi mới sáng tạo của tỉnh |\nSở Khoa học và Công nghệ |\n|\n"
        "Cổng thông tin |\nTháng 10/2025 |"
    )
    text = text[:start] + new_task + text[stop:]
    out = folder / "25-KH-UBND-revised.txt"
    out.write_text(text, encoding="utf-8")
    return out


def _task_cycles(session: Session, number: str) -> list[Cycle]:
    task = session.execute(select(Task).where(Task.number == number)).scalar_one()
    return list(session.execute(select(Cycle).where(Cycle.task_id == task.id).order_by(Cycle.id)).scalars())


# -- tracking day --------------------------------------------------------------------------------------


def test_default_track_from_rule() -> None:
    issued = date(2025, 1, 24)
    assert default_track_from(issued, date(2025, 2, 23)) is None  # 30 days: from the start
    assert default_track_from(issued, date(2025, 2, 24)) == date(2025, 2, 24)
    assert default_track_from(None, date(2026, 12, 2)) is None


def test_import_default_and_explicit_track_from(engine, plan_path, _cached_config) -> None:  # type: ignore[no-untyped-def]
    directory, policy = _cached_config
    first = import_plan(engine, plan_path, directory, policy, import_day=date(2026, 12, 2))
    assert first.track_from == date(2026, 12, 2) and "30" in first.track_note
    assert first.as_json()["track_from"] == "2026-12-02"
    again = import_plan(engine, plan_path, directory, policy, import_day=date(2026, 12, 9))
    assert again.track_from == date(2026, 12, 2) and again.changed is False  # an existing plan keeps its day
    given = import_plan(engine, plan_path, directory, policy, track_from=date(2026, 1, 1))
    assert given.track_from == date(2026, 1, 1) and given.changed is True
    assert set_track_from(engine, "25/KH-UBND", None) == date(2026, 1, 1)
    with pytest.raises(PlanNotFound):
        set_track_from(engine, "99/KH-UBND", None)


def test_track_from_is_exposed_to_the_daily_sequence(app) -> None:  # type: ignore[no-untyped-def]
    set_track_from(app.engine, "25/KH-UBND", date(2026, 12, 2))
    rt = app.runtime
    with Session(app.engine) as session:
        plan_id = session.execute(select(Plan.id)).scalar_one()
        assert load_subjects(rt, session).track_from == {plan_id: date(2026, 12, 2)}
        assert plan_tracking(session) == {plan_id: date(2026, 12, 2)}


# -- a revised version ---------------------------------------------------------------------------------


def test_diff_tasks_by_number_and_field() -> None:
    old = {"1": {"title": "A", "deadline_raw": "Tháng 7/2025"}, "2": {"title": "B"}, "3": {"title": "C", "extra": {}}}
    new = {"1": {"title": "A", "deadline_raw": "Tháng 9/2025"}, "3": {"title": "C"}, "4": {"title": "D"}}
    diff = diff_tasks(old, new)
    assert (diff.added, diff.removed, diff.deadline_changed()) == (["4"], ["2"], ["1"])
    assert diff.as_json()["changed"] == [
        {"task": "1", "fields": {"deadline_raw": {"old": "Tháng 7/2025", "new": "Tháng 9/2025"}}}
    ]


def test_revised_plan_keeps_history_and_replans(app, plan_path, tmp_path, _cached_config) -> None:  # type: ignore[no-untyped-def]
    directory, policy = _cached_config
    rt = app.runtime
    evaluate_day(rt, DAY)
    with Session(app.engine) as s:
        one = _task_cycles(s, "1")[0]
        assert one.status == CycleStatus.open
        one_id = one.id
        set_status(s, one_id, CycleStatus.open, CycleStatus.answered, "agency", "test answer")
        s.commit()
        four_before = {c.id: c.due_effective for c in _task_cycles(s, "4")}
        live_68 = [c.id for c in _task_cycles(s, "68") if c.status not in (CycleStatus.cancelled, CycleStatus.accepted)]
        hash_before = s.execute(select(Plan.content_hash)).scalar_one()
        live_i3 = list(
            s.execute(
                select(Cycle.id)
                .join(Indicator, Indicator.id == Cycle.indicator_id)
                .where(Indicator.code == "3", Cycle.status.in_(["open", "overdue", "scheduled"]))  # type: ignore[attr-defined]
            ).scalars()
        )
    assert four_before and live_68 and live_i3
    revised = revised_copy(plan_path, tmp_path)

    dry = import_plan(app.engine, revised, directory, policy, runtime=rt, dry_run=True)
    assert dry.revision and dry.dry_run and dry.diff.added == ["69"] and dry.diff.removed == ["68"]
    with Session(app.engine) as s:
        assert s.execute(select(Plan.content_hash)).scalar_one() == hash_before  # nothing written

    report = import_plan(app.engine, revised, directory, policy, runtime=rt)
    changed = report.as_json()["changed"]
    assert changed["added"] == ["69"] and changed["removed"] == ["68"]
    assert changed["indicators"] == {"added": [], "removed": ["3"]}
    assert {c["task"] for c in changed["changed"]} == {"2", "4"}
    four = next(c for c in changed["changed"] if c["task"] == "4")
    assert four["fields"] == {"deadline_raw": {"old": "Tháng 7/2025", "new": "Tháng 9/2025"}}
    assert report.cancelled_cycles >= len(live_68) and report.replanned_cycles >= len(four_before)
    with Session(app.engine) as s:
        again = _task_cycles(s, "1")[0]
        assert (again.id, again.status) == (one_id, CycleStatus.answered)  # unchanged task: untouched
        assert {c.status for c in _task_cycles(s, "68") if c.id in live_68} == {CycleStatus.cancelled}
        statuses = s.execute(select(Cycle.status).where(Cycle.id.in_(live_i3))).scalars()  # type: ignore[union-attr]
        assert set(statuses) == {CycleStatus.cancelled}
        t68 = s.execute(select(Task).where(Task.number == "68")).scalar_one()
        assert t68.withdrawn is True
        # July's cycles are another period than September's: cancelled; September's come when they open
        assert {c.status for c in _task_cycles(s, "4")} == {CycleStatus.cancelled}
        events = s.execute(
            select(func.count()).select_from(CycleEvent).where(CycleEvent.cycle_id.in_(list(four_before)))  # type: ignore[attr-defined]
        ).scalar_one()
        assert events >= 2 * len(four_before)  # history kept: created/opened, then the new date
    rt.forget()
    before = _messages_of(app.engine, live_68)
    evaluate_day(rt, date(2025, 7, 6))  # the next day runs over the revised plan
    assert _messages_of(app.engine, live_68) == before  # a removed task is not chased
    evaluate_day(rt, date(2025, 9, 1))
    with Session(app.engine) as s:
        new = [c for c in _task_cycles(s, "4") if c.id not in four_before]
        assert new and {c.period_key for c in new} == {"2025-09"} and {c.due.month for c in new} <= {8, 9}
    same = import_plan(app.engine, revised, directory, policy, runtime=rt)
    assert not same.diff and same.changed is False


def _messages_of(engine, cycle_ids: list[int]) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        return s.execute(
            select(func.count()).select_from(Notification).where(Notification.cycle_id.in_(cycle_ids))  # type: ignore[union-attr]
        ).scalar_one()


# -- retiring ------------------------------------------------------------------------------------------


def test_retire_cancels_open_cycles_keeps_history_and_daily_ignores(app) -> None:  # type: ignore[no-untyped-def]
    rt = app.runtime
    evaluate_day(rt, DAY)
    with Session(app.engine) as s:
        total = s.execute(select(func.count()).select_from(Cycle)).scalar_one()
        messages = s.execute(select(func.count()).select_from(Notification)).scalar_one()
    done = retire_plan(app.engine, "25/KH-UBND")
    assert done.cancelled > 0 and not done.already
    assert retire_plan(app.engine, "25/KH-UBND").already
    with Session(app.engine) as s:
        statuses = set(s.execute(select(Cycle.status)).scalars())
        assert statuses <= {CycleStatus.cancelled, CycleStatus.accepted}
        assert s.execute(select(func.count()).select_from(Cycle)).scalar_one() == total  # nothing deleted
    rt.forget()
    day = evaluate_day(rt, date(2025, 8, 20))
    assert (day.created, day.queued) == (0, 0)
    with Session(app.engine) as s:
        assert s.execute(select(func.count()).select_from(Notification)).scalar_one() == messages
    rows = plan_rows(app.engine)
    assert rows[0]["number"] == "25/KH-UBND" and rows[0]["retired"] and rows[0]["open_cycles"] == 0
    assert rows[0]["tasks"] == 68


def test_replan_in_place_when_the_period_stays(app) -> None:  # type: ignore[no-untyped-def]
    """A cycle whose period the new rule still wants, with other dates: a scheduled one takes them in
    place, an open one moves to *extended* with the new due date; both with a new schedule version."""
    rt = app.runtime
    evaluate_day(rt, DAY)
    with Session(app.engine) as s:
        cycles = [c for c in _task_cycles(s, "1") if c.status == CycleStatus.open][:2]
        assert len(cycles) == 2
        right = {c.id: (c.due_effective, c.opens_on) for c in cycles}
        wrong = date(2025, 7, 20)
        s.execute(
            update(Cycle)
            .where(Cycle.id.in_(list(right)))  # type: ignore[union-attr]
            .values(due_effective=wrong, due_nominal=wrong, opens_on=date(2025, 6, 20))
        )
        s.execute(update(Cycle).where(Cycle.id == cycles[1].id).values(status=CycleStatus.scheduled))
        task_id = cycles[0].task_id
        s.commit()
        assert replan_tasks(rt, s, [task_id or 0], DAY) == 2
        s.commit()
        first, second = (s.get(Cycle, cid, populate_existing=True) for cid in right)
        assert first is not None and second is not None
        assert (first.status, first.due_effective, first.due_extended) == (
            CycleStatus.extended,
            right[first.id][0],
            right[first.id][0],
        )
        assert (second.status, second.due_effective, second.opens_on) == (CycleStatus.scheduled, *right[second.id])
        assert first.schedule_version == second.schedule_version == 1
        reasons = s.execute(select(CycleEvent.reason).where(CycleEvent.cycle_id == second.id)).scalars().all()
        assert any("thời hạn mới" in r for r in reasons)
        assert replan_tasks(rt, s, [task_id or 0], DAY) == 0  # nothing left to change
