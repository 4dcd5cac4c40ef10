"""Every command given bad arguments answers with a clear message and exit code 2, never a traceback, and
changes nothing (issue 12, point 5): unknown filters are errors, not empty lists; dates are checked
before any work starts; `report --out` into a missing folder does not create it; `simulate` refuses an
empty database. In process (Typer's runner) on an imported database, SQLite and PostgreSQL."""

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session
from typer.testing import CliRunner

from cli.main import app as cli
from models.store.cycle_tables import Cycle, Notification, ReportRound
from models.store.db import make_engine

runner = CliRunner()

BAD = [
    "plan show --on 2025-99-01",
    "plan show --task 999",
    "plan show --plan 99/KH-X",
    "plan track-from 99/KH 2025-01-01",
    "plan track-from 25/KH-UBND 2025-99-01",
    "plan retire 99/NOPE",
    "plan import {missing}/plan.docx",
    "cycles --status bogus",
    "cycles --agency unknown",
    "cycles --task 999",
    "outbox --status bogus",
    "outbox --limit -1",
    "report --out {missing}/x.xlsx",
    "report --format pdf --out {tmp}/x.pdf",
    "report --today 2025-99-01 --out {tmp}/x.xlsx",
    "report --plan 99/X --out {tmp}/x.xlsx",
    "daily --today 2025-13-01",
    "digest --today 2025-99-01",
    "simulate --from 2025-13-01 --to 2025-02-01",
    "simulate --from 2025-02-01 --to 2025-01-01",
    "round open --title x --due 2099-01-15 --task 999",
    "round open --title x --due 2020-01-15 --task 1",
    "round open --title x --due 2099-01-15 --agency nope",
    "round open --title x --due 2099-99-15 --task 1",
    "round open --title x --due 2099-01-15 --plan 99/X --task 1",
    "deadline explain Năm --from 2025-99-99",
    "status load {missing}/status.csv",
    "agencies link nope",
    "agencies revoke-links nope",
    "users list --bogus",
]


def _counts(url: str) -> tuple[int, int, int]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return tuple(  # type: ignore[return-value]
                session.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (Cycle, Notification, ReportRound)
            )
    finally:
        engine.dispose()


@pytest.mark.parametrize("line", BAD)
def test_bad_arguments_exit_2_with_a_message_and_no_traceback(
    imported_url: str, cli_env: str, tmp_path: Path, line: str
) -> None:
    before = _counts(imported_url)
    args = line.format(missing=tmp_path / "no-such-folder", tmp=tmp_path).split()
    result = runner.invoke(cli, args)
    assert result.exit_code == 2, (line, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), (line, result.exception)
    assert "Traceback" not in result.output, line
    assert result.output.strip(), line  # something is said
    assert not (tmp_path / "no-such-folder").exists()  # nothing created on the way
    assert _counts(imported_url) == before, line  # nothing written


def test_simulate_refuses_an_empty_database_and_says_it_writes(cli_env: str) -> None:
    result = runner.invoke(cli, ["simulate", "--from", "2025-01-24", "--to", "2025-02-01"])
    assert result.exit_code == 2 and "no plan" in result.output and "Traceback" not in result.output
    help_text = " ".join(runner.invoke(cli, ["simulate", "--help"]).output.split())
    assert "WRITES INTO THE CONFIGURED" in help_text and "copy" in help_text
