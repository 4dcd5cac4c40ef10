"""How CLI flow commands run (issue 12, point 5): with no Prefect server configured they run the flow code
directly — no throwaway Prefect server, no Prefect database, and they say so — while the work and its
exactly-once guarantees are the same. Real processes (a fresh interpreter, as an officer's shell has),
SQLite and PostgreSQL. Timings are measured by bench/bench_cli_noop.py, not here."""

import json

from support.commands import dondoc_env as _env
from support.commands import run_dondoc as _dondoc


def test_daily_without_a_prefect_server_runs_directly_and_says_so(imported_url, tmp_path) -> None:
    env = _env(tmp_path, imported_url)
    first = _dondoc(env, "daily", "--today", "2025-08-01", "--json")
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["prefect"] == "direct"
    assert report["queued"] > 0 and report["day"] == "2025-08-01"
    # No Prefect server was started: Prefect's home under the data folder holds no database.
    assert not (tmp_path / "data" / "prefect" / "prefect.db").exists()
    assert "Traceback" not in first.stderr

    again = _dondoc(env, "daily", "--today", "2025-08-01")
    assert again.returncode == 0, again.stderr
    assert "0 tin nhắn xếp hàng" in again.stdout  # a rerun of the day queues nothing
    assert "chạy trực tiếp" in again.stdout and "PREFECT_API_URL" in again.stdout


def test_direct_mode_is_a_setting_too(imported_url, tmp_path) -> None:
    """DONDOC_PREFECT_MODE=direct wins over a configured server (here one that does not exist: it is
    never contacted)."""
    env = _env(tmp_path, imported_url, DONDOC_PREFECT_MODE="direct", PREFECT_API_URL="http://127.0.0.1:9/api")
    result = _dondoc(env, "dispatch", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["prefect"] == "direct"


def test_a_bad_mode_is_refused_with_the_setting_named(imported_url, tmp_path) -> None:
    env = _env(tmp_path, imported_url, DONDOC_PREFECT_MODE="sometimes")
    result = _dondoc(env, "daily", "--json")
    assert result.returncode == 2
    assert "DONDOC_PREFECT_MODE" in result.stderr and "Traceback" not in result.stderr + result.stdout
