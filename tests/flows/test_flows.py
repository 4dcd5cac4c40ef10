"""The flows under Prefect (a real local Prefect server started by ``prefect_test_harness``), and the CLI
commands that run them: daily, round, digest, dispatch, simulate, cycles, outbox. SQLite and PostgreSQL."""

import json
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session
from typer.testing import CliRunner

from cli.main import app as cli

runner = CliRunner()


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One temporary Prefect server for the tests of this module (about 10 s to start); stopped after them,
    so that it does not take CPU from the rest of the suite."""
    os.environ["PREFECT_HOME"] = str(tmp_path_factory.mktemp("prefect-home"))
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def imported(imported_url, cli_env, prefect_server) -> str:
    """The CLI's database holding the shipped plan (``dondoc plan import`` itself: tests/services/test_import.py)."""
    return cli_env


def _json(args: list[str]) -> object:
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.slow  # 4–9 s each under Prefect
def test_daily_flow_runs_under_prefect_and_is_idempotent(imported, tmp_path) -> None:
    from prefect.client.orchestration import get_client

    from flows.daily import daily

    first = daily(today=date(2025, 8, 6))
    assert first["queued"] > 0 and first["dispatch"]["sent"] == first["queued"]
    again = daily(today=date(2025, 8, 6))
    assert again["queued"] == 0 and again["dispatch"]["sent"] == 0

    async def runs() -> list[str]:
        async with get_client() as client:
            return [r.state_name for r in await client.read_flow_runs()]

    import asyncio

    assert "Completed" in asyncio.run(runs())  # recorded by the Prefect server, not just a plain call
    files = list((Path(os.environ["DONDOC_DATA_DIR"]) / "outbox").rglob("*.txt"))
    assert len(files) == first["queued"]
    # Each run is in dondoc's own table too, as a Prefect ("server") run (issue 14 item 2).
    from models.store.db import make_engine
    from models.store.run_tables import DailyRun

    engine = make_engine(imported)
    with Session(engine) as s:
        recorded = list(s.execute(select(DailyRun).order_by(DailyRun.id)).scalars())
    engine.dispose()
    assert [(r.day, r.status, r.mode) for r in recorded] == [(date(2025, 8, 6), "completed", "server")] * 2
    assert recorded[0].figures["queued"] == first["queued"] and recorded[1].figures["queued"] == 0


@pytest.mark.slow  # 4–9 s under Prefect
def test_watch_flow_under_prefect(imported, monkeypatch) -> None:
    """The alerts' flow as a deployment would run it: no daily run today and a deadline of 00:00."""
    from config.settings import get_settings
    from flows.watch import watch

    monkeypatch.setenv("DONDOC_DAILY_DEADLINE", "00:00")
    get_settings.cache_clear()
    first = watch()
    assert first["raised"] == ["daily_late"] and first["queued"] == 2 and first["dispatch"]["sent"] == 2
    assert watch()["queued"] == 0  # once a day per kind


@pytest.mark.slow  # 4–9 s each under Prefect
def test_cli_daily_cycles_outbox(imported) -> None:
    summary = _json(["daily", "--today", "2025-08-06", "--json"])
    assert summary["queued"] > 0
    cycles = _json(["cycles", "--task", "1", "--json"])
    assert cycles and {"id", "task", "agency", "label", "due_nominal", "due_effective", "status"} <= set(cycles[0])
    lead = [c for c in cycles if c["role"] == "lead"]
    assert [(c["agency"], c["due_effective"]) for c in lead] == [("so-khcn", "2025-07-31")]
    assert any(c["role"] == "coordinating" and c["due_effective"] == "2025-07-24" for c in cycles)
    rows = _json(["outbox", "--json"])
    assert {
        "key",
        "cycle",
        "task",
        "agency",
        "channel",
        "recipient",
        "step",
        "status",
        "link",
        "created_at",
        "sent_at",
    } <= set(rows[0])
    assert all("*" in r["recipient"] for r in rows)  # masked
    assert all(r["link"].startswith("http://127.0.0.1:8000/r/") for r in rows if r["cycle"])
    dry = _json(["daily", "--today", "2025-09-06", "--dry-run", "--json"])
    assert dry["dry_run"] is True
    assert _json(["outbox", "--json"]) == rows  # a dry run wrote nothing


def test_round_flow_opens_once(imported) -> None:
    args = [
        "round",
        "open",
        "--title",
        "Báo cáo đột xuất",
        "--due",
        "2099-01-15",
        "--task",
        "1",
        "--task",
        "33",
        "--key",
        "r-1",
        "--json",
    ]
    first = _json(args)
    assert first["created"] is True and first["cycles"] == 2 and first["queued"] == 2
    second = _json(args)
    assert second["created"] is False and second["queued"] == 0
    bad = runner.invoke(cli, ["round", "open", "--title", "x", "--due", "2099-01-15", "--task", "999"])
    assert bad.exit_code == 2 and "999" in bad.output


@pytest.mark.slow  # 4–9 s each under Prefect
def test_digest_flow(imported) -> None:
    _json(["daily", "--today", "2025-09-06", "--json"])
    result = _json(["digest", "--today", "2025-09-08", "--json"])
    assert result["queued"] >= 1 and result["overdue"] > 0


@pytest.mark.slow
def test_simulate_two_years_of_the_shipped_plan(imported) -> None:
    from models.store.cycle_tables import Cycle
    from models.store.db import make_engine
    from models.store.plan_tables import Task

    result = _json(["simulate", "--from", "2025-01-24", "--to", "2026-12-31", "--json"])
    assert len(result["days"]) == 707 and result["queued"] > 1000 and result["sent"] == result["queued"]
    totals = result["totals"]
    # Issue 11: no contact above the cap (one reminder message a day per channel) on any day.
    assert totals["max_per_contact_day"] == 1 and totals["messages"] == result["queued"]
    print(f"\nsimulate 2025-01-24 … 2026-12-31: {totals}")
    engine = make_engine(imported)
    _every_cycle_listed_before_due(engine, date(2025, 1, 24), date(2026, 12, 31))
    with Session(engine) as s:
        t33 = s.execute(select(Task.id).where(Task.number == "33")).scalar_one()
        dues = (
            s.execute(
                select(Cycle.due_effective)
                .where(Cycle.task_id == t33, Cycle.role == "lead")
                .order_by(Cycle.due_effective)
            )
            .scalars()
            .all()
        )
        assert dues == [date(2025, 12, 1), date(2026, 11, 30)]
        ongoing = s.execute(select(Task.id).where(Task.number == "2")).scalar_one()  # "Thường xuyên"
        keys = set(s.execute(select(Cycle.period_key).where(Cycle.task_id == ongoing)).scalars())
        assert {"report-2025-H1", "report-2025", "report-2026-H1"} <= keys
    engine.dispose()
    again = _json(["simulate", "--from", "2025-01-24", "--to", "2026-12-31", "--json"])
    assert again["queued"] == 0  # running the same simulation again queues nothing


def _every_cycle_listed_before_due(engine, start: date, end: date) -> None:  # type: ignore[no-untyped-def]
    """Every cycle due in the window (not cancelled) is listed in a message of a day before its due date
    (or on it) — "got a message" meaning "is listed in a message". Except cycles whose agency did not exist
    yet on the due date (the communes that took over the districts' work on 01/07/2025 inherit periods
    already due): those are listed on the agency's first day."""
    from models.store.cycle_tables import Cycle, ReminderLedger
    from models.store.plan_tables import Agency

    with Session(engine) as s:
        first: dict[int, str] = {}
        for cycle_id, key in s.execute(
            select(ReminderLedger.cycle_id, ReminderLedger.notification_key).where(
                ReminderLedger.notification_key.startswith("m")
            )
        ):
            day = key[1:9]
            first[cycle_id] = min(first.get(cycle_id, day), day)
        cycles = s.execute(
            select(Cycle.id, Cycle.due_effective, Cycle.due_extended, Agency.valid_from)
            .join(Agency, Agency.id == Cycle.agency_id)
            .where(Cycle.due_effective >= start, Cycle.due_effective <= end, Cycle.status != "cancelled")
        ).all()
    late, inherited = [], 0
    for cid, due, ext, since in cycles:
        listed = first.get(cid, "99999999")
        if since is not None and since > (ext or due):
            inherited += 1
            assert listed <= f"{since:%Y%m%d}", (cid, since)  # listed on the agency's first day
        elif listed > f"{ext or due:%Y%m%d}":
            late.append((cid, due))
    print(
        f"cycles due in the window: {len(cycles)}, listed before due: {len(cycles) - inherited}, inherited: {inherited}"
    )
    assert cycles and not late, late[:10]
