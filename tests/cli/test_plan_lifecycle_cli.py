"""``dondoc plan list|track-from|retire`` and ``plan import --track-from/--dry-run`` (issues 10 and 11), on
SQLite and PostgreSQL: JSON shapes, the default tracking day of a late import, bad dates exit 2."""

import json

from typer.testing import CliRunner

from cli.main import app as cli
from models.domain.clock import today_local

runner = CliRunner()


def _json(args: list[str]) -> dict:  # type: ignore[type-arg]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_import_tracks_a_late_plan_from_today_and_track_from_changes_it(cli_env, plan_path) -> None:  # type: ignore[no-untyped-def]
    data = _json(["plan", "import", str(plan_path), "--json"])
    assert data["track_from"] == today_local().isoformat()  # issued 24/01/2025: more than 30 days ago
    text = runner.invoke(cli, ["plan", "import", str(plan_path)])
    assert text.exit_code == 0 and "Theo dõi từ ngày" in text.stdout

    moved = _json(["plan", "track-from", "25/KH-UBND", "01/02/2026", "--json"])
    assert moved == {"plan": "25/KH-UBND", "track_from": "2026-02-01", "before": today_local().isoformat()}
    bad = runner.invoke(cli, ["plan", "track-from", "25/KH-UBND", "31/02/2026"])
    assert bad.exit_code == 2 and "DD/MM/YYYY" in bad.output
    missing = runner.invoke(cli, ["plan", "track-from", "9/KH-UBND", "2026-02-01"])
    assert missing.exit_code == 2 and "9/KH-UBND" in missing.output
    bad_import = runner.invoke(cli, ["plan", "import", str(plan_path), "--track-from", "soon"])
    assert bad_import.exit_code == 2 and "--track-from" in bad_import.output

    listed = _json(["plan", "list", "--json"])
    assert listed == [
        {
            "number": "25/KH-UBND",
            "title": listed[0]["title"],
            "issued": "2025-01-24",
            "tasks": 68,
            "open_cycles": 0,
            "overdue_cycles": 0,
            "track_from": "2026-02-01",
            "retired": None,
        }
    ]
    assert "25/KH-UBND" in runner.invoke(cli, ["plan", "list"]).stdout


def test_import_given_track_from_dry_run_and_retire(cli_env, plan_path) -> None:  # type: ignore[no-untyped-def]
    dry = _json(["plan", "import", str(plan_path), "--dry-run", "--json"])
    assert dry["dry_run"] is True and len(dry["changed"]["added"]) == 68
    assert _json(["plan", "list", "--json"]) == []  # nothing written
    data = _json(["plan", "import", str(plan_path), "--track-from", "2025-01-24", "--json"])
    assert data["track_from"] == "2025-01-24"
    retired = _json(["plan", "retire", "25/KH-UBND", "--json"])
    assert retired["cancelled"] == 0 and retired["already"] is False
    assert _json(["plan", "retire", "25/KH-UBND", "--json"])["already"] is True
    assert _json(["plan", "list", "--json"])[0]["retired"]
    assert runner.invoke(cli, ["plan", "retire", "1/KH"]).exit_code == 2
