"""Officers' decisions on the directory (models/services/directory_changes.py), SQLite and PostgreSQL: a
successor set for an agency marked for review is audited (who, when, before/after), settles its review mark,
is in force at once in the process that made it and is used by the next daily run (a new runtime)."""

from datetime import date

import pytest
from sqlalchemy import select
from sqlmodel import Session

from config.app import build_app
from models.services.daily import evaluate_day
from models.services.directory_changes import ChangeRefused, directory_listing, set_successor
from models.store.cycle_tables import Cycle
from models.store.plan_tables import Agency, DirectoryChange, Task

JULY = date(2025, 7, 1)


@pytest.fixture
def app(imported_url, cli_env, _cached_config):
    directory, policy = _cached_config
    return build_app(directory=directory, policy=policy, migrate=False)


def test_the_shipped_review_marks_are_listed(app) -> None:
    listing = directory_listing(app.engine, app.runtime.directory, date(2025, 7, 2))
    marked = {r["code"] for r in listing["rows"] if r["review"]}
    assert {"cuc-thue", "nhnn-thai-nguyen", "so-ngoai-vu", "thanh-tra-tinh", "dai-ptth", "bao-thai-nguyen"} <= marked
    assert {"ubmttq-tinh", "tinh-doan", "hoi-lhpn-tinh"} <= marked
    assert listing["rows"][0]["review"]  # the agencies to confirm come first
    assert listing["sample_count"] == 0  # the shipped communes are the sourced list, not samples
    with Session(app.engine) as s:  # the marks are mirrored in the database (the badges of every page)
        row = s.execute(select(Agency).where(Agency.code == "cuc-thue")).scalar_one()
        assert row.review and "xác nhận" in row.review


def test_a_successor_is_audited_and_used_by_the_next_daily_run(app) -> None:
    set_successor(app.runtime, "can.bo", "cuc-thue", "so-tai-chinh", JULY, "Quyết định thử nghiệm")
    # In force at once in this process...
    assert [a.code for a in app.runtime.directory.route("cuc-thue", date(2025, 7, 2))] == ["so-tai-chinh"]
    assert app.runtime.directory.agencies["cuc-thue"].review is None
    with Session(app.engine) as s:
        [change] = s.execute(select(DirectoryChange)).scalars().all()
        agency = s.execute(select(Agency).where(Agency.code == "cuc-thue")).scalar_one()
    assert (change.officer, change.code, change.successor_code, change.succeeded_on) == (
        "can.bo", "cuc-thue", "so-tai-chinh", JULY,
    )  # fmt: skip
    assert change.before["successor"] is None and change.before["review"]
    assert change.after == {
        "valid_to": "2025-06-30", "successor": "so-tai-chinh", "succeeded_on": "2025-07-01",
        "legal_basis": "Quyết định thử nghiệm", "review": None,
    }  # fmt: skip
    assert change.at is not None
    assert (agency.successor_code, agency.valid_to, agency.review) == ("so-tai-chinh", date(2025, 6, 30), None)

    # ... and the next run (a new runtime from the file, as `dondoc daily` builds it) applies it: task 52
    # ("Cục Thuế tỉnh" leads, "Năm 2025") has its cycle at Sở Tài chính, none at Cục Thuế.
    _, policy = app.runtime.directory, app.runtime.config
    nxt = build_app(policy=policy, migrate=False)
    assert nxt.runtime.directory.agencies["cuc-thue"].successor == "so-tai-chinh"
    evaluate_day(nxt.runtime, date(2025, 11, 25))
    with Session(nxt.engine) as s:
        task = s.execute(select(Task).where(Task.number == "52")).scalar_one()
        codes = dict(s.execute(select(Agency.id, Agency.code)).all())
        leads = {
            codes[c.agency_id]
            for c in s.execute(select(Cycle).where(Cycle.task_id == task.id, Cycle.role == "lead")).scalars()
            if c.due_effective > JULY
        }
    assert "so-tai-chinh" in leads and "cuc-thue" not in leads


def test_confirming_as_it_is_settles_the_mark_only(app) -> None:
    set_successor(app.runtime, "can.bo", "so-ngoai-vu", None, None)
    agency = app.runtime.directory.agencies["so-ngoai-vu"]
    assert (agency.review, agency.successor, agency.valid_to) == (None, None, None)


@pytest.mark.parametrize(
    ("code", "successor", "why"),
    [("khong-co", "so-tai-chinh", "Không có cơ quan"), ("cuc-thue", "khong-co", "Không có cơ quan hoặc nhóm")],
)
def test_refused_changes_write_nothing(app, code: str, successor: str, why: str) -> None:
    with pytest.raises(ChangeRefused, match=why):
        set_successor(app.runtime, "can.bo", code, successor, JULY)
    with Session(app.engine) as s:
        assert s.execute(select(DirectoryChange)).scalars().all() == []


def test_a_succession_cycle_is_refused(app) -> None:
    set_successor(app.runtime, "can.bo", "cuc-thue", "so-tai-chinh", JULY)
    with pytest.raises(ChangeRefused, match="Không ghi được"):
        set_successor(app.runtime, "can.bo", "so-tai-chinh", "cuc-thue", JULY)


def test_a_change_in_a_running_process_moves_open_cycles_on_its_next_run(app) -> None:
    """The web process keeps its runtime: after the decision its next evaluation cancels Cục Thuế's live
    cycle of task 52 ("Năm 2025") and creates one at the successor (as the district cycles moved to the
    communes on 01/07/2025)."""
    evaluate_day(app.runtime, date(2025, 11, 25))
    set_successor(app.runtime, "can.bo", "cuc-thue", "so-tai-chinh", JULY)
    evaluate_day(app.runtime, date(2025, 11, 26))
    with Session(app.engine) as s:
        task = s.execute(select(Task).where(Task.number == "52")).scalar_one()
        codes = dict(s.execute(select(Agency.id, Agency.code)).all())
        rows = [
            (codes[c.agency_id], c.status)
            for c in s.execute(select(Cycle).where(Cycle.task_id == task.id, Cycle.role == "lead")).scalars()
            if c.period_key == "2025"  # "Năm 2025": due 31/12/2025
        ]
    assert ("cuc-thue", "cancelled") in rows
    assert any(code == "so-tai-chinh" and status != "cancelled" for code, status in rows)
