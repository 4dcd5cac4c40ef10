"""The read views of a plan (models/services/plan_view.py): ``routed_roles`` — agencies as written and as
routed on a date — and ``plan_view``, on the seeded database (the shipped plan), SQLite and PostgreSQL."""

from datetime import date
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.domain.agencies import Directory
from models.domain.states import Role
from models.services.plan_view import INDICATOR, TASK, find_plan, plan_view, routed_names, routed_roles
from models.store.plan_tables import Indicator, Task

BEFORE, AFTER = date(2025, 2, 1), date(2025, 6, 20)  # so-tttt was succeeded by so-khcn on 2025-03-01


def _ids(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        tasks = {f"task {t.number}": t.id for t in session.exec(select(Task)) if t.id}
        indicators = {f"indicator {i.code}": i.id for i in session.exec(select(Indicator)) if i.id}
    return tasks | indicators


def test_routed_roles_as_written_and_as_routed_on_a_date(seeded_engine: Engine, shipped_directory: Directory) -> None:
    ids = _ids(seeded_engine)
    task1 = (TASK, ids["task 1"])
    with Session(seeded_engine) as session:
        before = routed_roles(session, shipped_directory, BEFORE, [task1])
        after = routed_roles(session, shipped_directory, AFTER, [task1])
    assert list(before) == [task1] and list(after) == [task1]
    lead = [e for e in after[task1] if e.role == Role.lead]
    assert [(e.as_written, e.code, e.is_group) for e in lead] == [("Sở Thông tin và Truyền thông", "so-tttt", False)]
    assert [a.code for a in lead[0].routed] == ["so-khcn"]
    assert routed_names(e for e in before[task1] if e.role == Role.lead) == ["Sở Thông tin và Truyền thông"]
    coordinating = [e for e in after[task1] if e.role == Role.coordinating]
    assert [e.position for e in coordinating] == list(range(len(coordinating)))  # the cell's order
    assert any(e.is_group and len(e.routed) > 1 for e in coordinating)  # "Các Sở, ban, ngành" expands


def test_routed_roles_filters_subjects_and_roles(seeded_engine: Engine, shipped_directory: Directory) -> None:
    ids = _ids(seeded_engine)
    wanted = [(TASK, ids["task 1"]), (TASK, ids["task 33"]), (INDICATOR, ids["indicator 8.1"])]
    with Session(seeded_engine) as session:
        everything = routed_roles(session, shipped_directory, AFTER)
        some = routed_roles(session, shipped_directory, AFTER, wanted)
        leads = routed_roles(session, shipped_directory, AFTER, wanted, roles={Role.lead, Role.monitoring})
    assert set(some) == set(wanted)
    assert all(some[key] == everything[key] for key in wanted)
    assert {e.role for entries in leads.values() for e in entries} == {Role.lead, Role.monitoring}
    assert leads[wanted[0]] == [e for e in some[wanted[0]] if e.role == Role.lead]
    with Session(seeded_engine) as session:
        assert routed_roles(session, shipped_directory, AFTER, []) == {}


def test_a_code_the_directory_no_longer_knows_routes_to_nobody(seeded_engine: Engine) -> None:
    class Empty:
        def __contains__(self, code: object) -> bool:
            return False

        def route(self, code: str, on: date) -> list[Any]:
            raise AssertionError("not asked for a code it does not hold")

    with Session(seeded_engine) as session:
        roles = routed_roles(session, Empty(), AFTER)  # type: ignore[arg-type]
    entries = [e for entries in roles.values() for e in entries]
    assert entries and all(e.routed == () for e in entries)
    assert all(e.code for e in entries)  # still named as written and by code


def test_plan_view_matches_routed_roles(seeded_engine: Engine, shipped_directory: Directory) -> None:
    view = plan_view(seeded_engine, shipped_directory, number=None, on=AFTER)
    assert view is not None
    assert (view["plan"], view["routed_on"], len(view["tasks"]), len(view["indicators"])) == (
        "25/KH-UBND",
        "2025-06-20",
        68,
        42,
    )
    task1 = next(t for t in view["tasks"] if t["number"] == "1")
    assert task1["lead"] == [
        {
            "as_written": "Sở Thông tin và Truyền thông",
            "code": "so-tttt",
            "is_group": False,
            "routed": [{"code": "so-khcn", "name": "Sở Khoa học và Công nghệ"}],
        }
    ]
    assert task1["lead_today"] == ["Sở Khoa học và Công nghệ"]
    assert len(task1["coordinating_today"]) == len(set(task1["coordinating_today"]))
    indicator = view["indicators"][0]
    assert set(indicator) >= {"code", "monitoring", "monitoring_today", "target_op"}
    assert plan_view(seeded_engine, shipped_directory, number="25/KH-UBND", on=AFTER) == view
    assert plan_view(seeded_engine, shipped_directory, number="99/KH-UBND", on=AFTER) is None
    with Session(seeded_engine) as session:
        plan = find_plan(session)
        assert plan is not None and plan.number == "25/KH-UBND"
