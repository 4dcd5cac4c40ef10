"""Incremental materialisation (``models.services.materialise_mark``), on SQLite and PostgreSQL: a rerun
whose inputs did not change skips working out the wanted cycles; an edited deadline, a changed policy
or a day on which new cycles open does not."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlmodel import Session

import models.services.materialise as materialise
from config.app import build_app
from models.services.daily import evaluate_day
from models.store.cycle_tables import Cycle
from models.store.plan_tables import Task
from models.store.run_tables import MaterialiseMark

DAY = date(2025, 9, 15)  # after the mergers of 1/7/2025: one routing epoch from here on


@pytest.fixture
def app(imported_url, cli_env, _cached_config):  # type: ignore[no-untyped-def]
    directory, policy = _cached_config
    return build_app(directory=directory, policy=policy, migrate=False)


@pytest.fixture
def expansions(monkeypatch: pytest.MonkeyPatch) -> list[date]:
    """The days for which ``wanted_cycles`` ran (the work the mark saves)."""
    seen: list[date] = []
    real = materialise.wanted_cycles

    def counting(rt, session, today, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(today)
        return real(rt, session, today, **kwargs)

    monkeypatch.setattr(materialise, "wanted_cycles", counting)
    return seen


def _fresh(app):  # type: ignore[no-untyped-def]
    """A new process's runtime on the same database (no cache of the old one)."""
    return build_app(app.settings, directory=app.runtime.directory, policy=app.runtime.config, migrate=False)


def _cycles(app) -> int:  # type: ignore[no-untyped-def]
    with Session(app.engine) as s:
        return s.execute(select(func.count()).select_from(Cycle)).scalar_one()


def test_a_rerun_with_nothing_changed_skips_the_expansion(app, expansions) -> None:  # type: ignore[no-untyped-def]
    first = evaluate_day(app.runtime, DAY)
    assert first.created > 0 and expansions == [DAY]
    with Session(app.engine) as s:
        mark = s.execute(select(MaterialiseMark)).scalar_one()
    assert mark.through == DAY + timedelta(days=app.runtime.lookahead_days)
    assert mark.next_open > mark.through  # the first opening day after the look-ahead
    again = evaluate_day(_fresh(app).runtime, DAY)
    assert again.created == 0 and again.cancelled == 0
    assert expansions == [DAY]  # skipped: nothing it depends on changed
    # Every day before the next opening skips too; the day it comes into the look-ahead does not.
    quiet = mark.next_open - timedelta(days=app.runtime.lookahead_days + 1)
    assert app.runtime.routing_epoch(quiet) == app.runtime.routing_epoch(DAY)
    if quiet > DAY:
        evaluate_day(_fresh(app).runtime, quiet)
        assert expansions == [DAY]
    opening = mark.next_open - timedelta(days=app.runtime.lookahead_days)
    before = _cycles(app)
    evaluate_day(_fresh(app).runtime, opening)
    assert expansions[-1] == opening and _cycles(app) > before


def test_an_edited_deadline_of_the_same_length_is_noticed(app, expansions) -> None:  # type: ignore[no-untyped-def]
    evaluate_day(app.runtime, DAY)
    with Session(app.engine) as s:
        task = s.execute(select(Task).where(Task.deadline_raw == "Tháng 7/2025").limit(1)).scalar_one()
        s.execute(update(Task).where(Task.id == task.id).values(deadline_raw="Tháng 8/2025"))
        s.commit()
        before = s.execute(select(func.count()).where(Cycle.task_id == task.id)).scalar_one()
    report = evaluate_day(_fresh(app).runtime, DAY)
    assert expansions == [DAY, DAY]  # the digest changed: the whole materialise ran again
    with Session(app.engine) as s:
        due = s.execute(select(Cycle.due_nominal).where(Cycle.task_id == task.id).order_by(Cycle.id)).scalars().all()
    assert report.created >= 1 and len(due) > before and max(due) >= date(2025, 8, 1)


def test_a_changed_look_ahead_or_a_forgotten_mark_runs_in_full(app, expansions) -> None:  # type: ignore[no-untyped-def]
    from models.services import materialise_mark

    evaluate_day(app.runtime, DAY)
    longer = _fresh(app).runtime
    longer.lookahead_days += 30
    evaluate_day(longer, DAY)
    assert expansions == [DAY, DAY]
    with Session(app.engine) as s:
        materialise_mark.forget(s)
        s.commit()
    evaluate_day(_fresh(app).runtime, DAY)
    assert expansions == [DAY, DAY, DAY]


def test_daily_full_ignores_the_mark(app, expansions) -> None:  # type: ignore[no-untyped-def]
    """``dondoc daily --full`` (the flow's ``full``): the cycles are worked out again though nothing changed."""
    from flows.daily import daily

    evaluate_day(app.runtime, DAY)
    daily.fn(today=DAY, send=False)
    assert expansions == [DAY]  # the mark holds
    daily.fn(today=DAY, send=False, full=True)
    assert expansions == [DAY, DAY]
