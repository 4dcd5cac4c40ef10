"""The daily run routes a former district's task to that district's successor communes only (SQLite and
PostgreSQL): task 61 of the shipped plan names "UBND huyện Phú Bình, UBND thành phố Phổ Yên" among its
coordinating agencies; its cycles created after 01/07/2025 go to the communes formed from those two
districts' units (config/communes.csv, Nghị quyết 1683/NQ-UBTVQH15), never to another district's."""

from datetime import date

import pytest
from sqlalchemy import select
from sqlmodel import Session

from config.app import build_app
from models.services.daily import evaluate_day
from models.store.cycle_tables import Cycle
from models.store.plan_tables import Agency, Task


@pytest.fixture
def app(imported_url, cli_env, _cached_config):
    directory, policy = _cached_config
    return build_app(directory=directory, policy=policy, migrate=False)


def _agencies_of(app, number: str, role: str, after: date) -> set[str]:
    with Session(app.engine) as s:
        task = s.execute(select(Task).where(Task.number == number)).scalar_one()
        codes = dict(s.execute(select(Agency.id, Agency.code)).all())
        cycles = s.execute(select(Cycle).where(Cycle.task_id == task.id, Cycle.role == role)).scalars()
        return {codes[c.agency_id] for c in cycles if c.due_effective > after and c.status != "cancelled"}


def test_district_task_goes_to_its_own_successor_communes(app) -> None:
    directory = app.runtime.directory
    evaluate_day(app.runtime, date(2025, 7, 2))
    evaluate_day(app.runtime, date(2025, 11, 25))  # task 61's cycles due at the end of 2025 open
    got = {c for c in _agencies_of(app, "61", "coordinating", date(2025, 7, 1)) if c.startswith("ubnd-")}
    own = {a.code for d in ("ubnd-huyen-phu-binh", "ubnd-tp-pho-yen") for a in directory.route(d, date(2025, 7, 2))}
    assert got and got == own and "ubnd-p-phan-dinh-phung" not in got  # a ward of TP Thái Nguyên only
    for code in got:
        former = {n.lower() for n in directory.agencies[code].former_districts}
        assert former & {"huyện phú bình", "thành phố phổ yên"}, code
