"""Defect (1) of issue 9: the plan import reads the configured policy (``DONDOC_POLICY_FILE``), not the
shipped one — for ``dondoc plan import`` and for the import ``dondoc run`` does on an empty database.

The shipped plan understands every deadline phrase, so the plan here is the shipped one with two cells
changed: task 4 says "Khi có yêu cầu" (event-driven: no date) and task 5 "Quý V/2025" (not understood);
task 8 says "Khi có yêu cầu" too but has no override, so its warning must stay. The policy file overrides
tasks 4 and 5 and the ongoing task 2.
"""

import json
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from cli.main import app as cli
from models.domain.plan_reader import read_plan_file
from models.store.db import make_engine
from models.store.plan_tables import Task

runner = CliRunner()

CHANGED = {"4": "Khi có yêu cầu", "5": "Quý V/2025", "8": "Khi có yêu cầu"}
POLICY = """\
deadline_overrides:
  "25/KH-UBND":
    "2":
      dates: [2025-09-30, 2026-03-31]
      note: "Báo cáo theo Văn bản số 1/TEST"
    "4":
      date: 2025-10-15
      note: "Hạn do UBND tỉnh giao"
    5:
      rrule: "FREQ=YEARLY;BYMONTH=11;BYMONTHDAY=30"
      note: "Hằng năm trước 30/11"
"""
EXPECTED_KIND = {"2": "one_off", "4": "one_off", "5": "recurring"}


@pytest.fixture
def edited_plan(plan_path: Path, tmp_path: Path) -> Path:
    """The shipped plan with the deadline cells of ``CHANGED`` rewritten (the same layout otherwise)."""
    lines = plan_path.read_text(encoding="utf-8").splitlines()
    for task in read_plan_file(plan_path).tasks:
        if task.number in CHANGED:
            index = task.line + 4  # 1-based task line; cells: number, title, lead, coordinating, output, deadline
            assert lines[index] == f"{task.deadline_raw} |", lines[index]
            lines[index] = f"{CHANGED[task.number]} |"
    path = tmp_path / "plan-edited.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def policy_env(cli_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """``DONDOC_POLICY_FILE`` pointing at a policy with the overrides of ``POLICY``."""
    from config.settings import get_settings

    path = tmp_path / "policy.yaml"
    path.write_text(POLICY, encoding="utf-8")
    monkeypatch.setenv("DONDOC_POLICY_FILE", str(path))
    get_settings.cache_clear()
    return cli_env


def _task_warnings(warnings: list[str], number: str) -> list[str]:
    return [w for w in warnings if w.startswith(f"task {number} (")]


def _deadline_warnings(warnings: list[str], number: str) -> list[str]:
    return [w for w in _task_warnings(warnings, number) if "not understood" in w or "has no date" in w]


def _check(report: dict[str, Any], db_url: str) -> None:
    warnings = report["warnings"]
    for number in EXPECTED_KIND:
        assert _deadline_warnings(warnings, number) == [], f"task {number}: {_task_warnings(warnings, number)}"
    assert _deadline_warnings(warnings, "8"), "task 8 has no override: its warning stays"
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            rows = {t.number: t for t in session.exec(select(Task).where(Task.number.in_([*EXPECTED_KIND, "8"])))}
    finally:
        engine.dispose()
    for number, kind in EXPECTED_KIND.items():
        assert rows[number].deadline_kind == kind, number
        assert (rows[number].deadline_note or "").startswith("override"), rows[number].deadline_note
    assert rows["8"].deadline_kind == "external"
    assert rows["4"].deadline_raw == "Khi có yêu cầu"  # the plan's phrase stays visible


def test_plan_import_applies_the_configured_overrides(policy_env: str, edited_plan: Path) -> None:
    result = runner.invoke(cli, ["plan", "import", str(edited_plan), "--json"])
    assert result.exit_code == 0, result.output
    _check(json.loads(result.stdout), policy_env)
    text = runner.invoke(cli, ["plan", "import", str(edited_plan)]).stdout
    assert "task 4 (" not in text and "task 5 (" not in text and "task 8 (" in text


def test_run_imports_with_the_configured_overrides(
    policy_env: str, edited_plan: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``dondoc run`` on an empty database imports ``DONDOC_PLAN_FILE`` under the configured policy (the
    daily flow itself is stubbed: tests/flows runs it under Prefect)."""
    import flows.daily
    from config.settings import get_settings

    monkeypatch.setenv("DONDOC_PLAN_FILE", str(edited_plan))
    get_settings.cache_clear()
    days: list[Any] = []

    def daily(today: Any = None, **_: Any) -> dict[str, Any]:
        days.append(today)
        counts = dict.fromkeys(("created", "opened", "overdue", "queued", "folded"), 0)
        return {"day": "2025-08-06", **counts, "dispatch": {"sent": 0, "by_channel": {}}}

    monkeypatch.setattr(flows.daily, "daily", daily)
    monkeypatch.setattr("cli.main.run_flow", lambda flow, **params: flow(**params))
    result = runner.invoke(cli, ["run", "--today", "2025-08-06", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    _check(summary["import"], policy_env)
    assert summary["import"]["track_from"] == "2025-08-06"  # issued 24/01/2025: tracked from the run's day
    assert [str(d) for d in days] == ["2025-08-06"]
    again = json.loads(runner.invoke(cli, ["run", "--today", "2025-08-06", "--json"]).stdout)
    assert again["import"] is None  # the database has a plan now: nothing imported


def test_a_broken_policy_file_is_named_not_ignored(cli_env: str, plan_path: Path, tmp_path: Path, monkeypatch) -> None:
    from config.settings import get_settings

    path = tmp_path / "policy.yaml"
    path.write_text("deadline_overrides:\n  '25/KH-UBND':\n    '4': {note: 'no date given'}\n", encoding="utf-8")
    monkeypatch.setenv("DONDOC_POLICY_FILE", str(path))
    get_settings.cache_clear()
    result = runner.invoke(cli, ["plan", "import", str(plan_path)])
    assert result.exit_code == 2
    assert str(path) in result.output and "exactly one" in result.output
