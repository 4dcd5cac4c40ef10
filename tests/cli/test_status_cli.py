"""``dondoc status`` (issue 14 item 2) in real processes, SQLite and PostgreSQL: the bare command prints the
system's status in Vietnamese (``--json`` for scripts), the daily run is recorded in dondoc's own table in
direct mode, ``--alert`` queues and sends the officers' alerts once a day per kind, and ``status load``
still works as before."""

import json
from email import message_from_bytes
from email.policy import default
from pathlib import Path

from support.commands import dondoc_env as _env
from support.commands import run_dondoc as _dondoc


def test_status_after_a_daily_run(imported_url: str, tmp_path: Path) -> None:
    env = _env(tmp_path, imported_url, DONDOC_PREFECT_MODE="direct")
    daily = _dondoc(env, "daily", "--today", "2025-08-01", "--json")
    assert daily.returncode == 0, daily.stderr
    result = _dondoc(env, "status", "--json")
    status = json.loads(result.stdout)
    run = status["last_run"]
    assert run["day"] == "2025-08-01" and run["status"] == "completed" and run["mode"] == "direct"
    assert run["figures"]["queued"] == json.loads(daily.stdout)["queued"] and run["error"] is None
    assert set(status["messages"]) == {"queued", "sending", "dead", "unconfirmed"}
    assert status["disk"]["free_bytes"] > 0 and status["zalo_token"] is None
    # The run was of 01/08/2025, not today: today's run has not completed.
    assert status["today_completed"] is False

    human = _dondoc(env, "status")
    assert "Tình trạng hệ thống dondoc" in human.stdout
    assert "Hoàn thành — ngày chạy 01/08/2025" in human.stdout
    assert "Mã truy cập Zalo: Zalo chưa cấu hình" in human.stdout
    assert "Traceback" not in human.stderr


def test_status_alert_once_a_day(imported_url: str, tmp_path: Path) -> None:
    """No daily run today and a deadline of 00:00: late. The alert goes out through the file channel
    (urgent: outside the sending window too), and a second check queues nothing."""
    env = _env(tmp_path, imported_url, DONDOC_PREFECT_MODE="direct", DONDOC_DAILY_DEADLINE="00:00")
    first = _dondoc(env, "status", "--alert", "--json")
    assert first.returncode == 1, first.stderr  # something needs attention
    alerts = json.loads(first.stdout)["alerts"]
    assert alerts["raised"] == ["daily_late"] and alerts["queued"] == 2
    assert alerts["dispatch"]["sent"] == 2
    files = sorted((tmp_path / "data" / "outbox").rglob("*alert*"))
    assert len(files) == 2, sorted((tmp_path / "data" / "outbox").rglob("*"))
    email = message_from_bytes(next(f for f in files if f.suffix == ".eml").read_bytes(), policy=default)
    assert "Cảnh báo hệ thống" in str(email["subject"])
    assert "/officers/system" in email.get_body(("plain",)).get_content()  # type: ignore[union-attr]

    again = _dondoc(env, "status", "--alert")
    assert again.returncode == 1
    assert "Cảnh báo: Lần chạy hằng ngày chưa hoàn thành; 0 tin mới xếp hàng" in again.stdout
    assert "! Lần chạy ngày" in again.stdout


def test_bad_deadline_setting_is_a_usage_error(imported_url: str, tmp_path: Path) -> None:
    env = _env(tmp_path, imported_url, DONDOC_DAILY_DEADLINE="9h")
    result = _dondoc(env, "status")
    assert result.returncode == 2 and "DONDOC_DAILY_DEADLINE" in result.stderr and "Traceback" not in result.stderr


def test_status_load_is_still_there(imported_url: str, tmp_path: Path) -> None:
    env = _env(tmp_path, imported_url)
    result = _dondoc(env, "status", "load", str(tmp_path / "missing.csv"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
