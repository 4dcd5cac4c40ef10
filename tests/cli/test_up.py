"""``dondoc up`` as an operator runs it: a real subprocess that starts Prefect's server, serves the five
deployments and the web app; SIGTERM stops everything and exits 0; a second start finds the same
deployments with one schedule each, and the scheduled runs are not duplicated."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from servers.base import free_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOYMENTS = {"daily": 1, "dispatch": 1, "digest": 1, "watch": 1, "round": 0}  # schedules each

pytestmark = pytest.mark.slow


def _wait(what: str, ready, process: subprocess.Popen[bytes], timeout: float = 180.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"dondoc up exited ({process.returncode}) before {what} answered"
        try:
            if ready():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{what} did not answer within {timeout:.0f} s")


def _deployments(api: str) -> list[dict]:
    return httpx.post(f"{api}/deployments/filter", json={}).json()  # type: ignore[no-any-return]


def _scheduled_runs(api: str) -> list[tuple[str, str]]:
    runs = httpx.post(f"{api}/flow_runs/filter", json={"limit": 200}).json()
    return [(r["deployment_id"], r["expected_start_time"]) for r in runs if r["deployment_id"]]


def _up(env: dict[str, str], port: int, prefect_port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "cli.main", "up", "--port", str(port), "--prefect-port", str(prefect_port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


RUNNING = "dondoc up: đang chạy"


def _run_once(env: dict[str, str], port: int, prefect_port: int, log: Path) -> tuple[list[dict], float]:
    """Start, wait for the web, the deployments and the command's own "running" line, SIGTERM; the
    deployments seen and the seconds to start. On a restart the deployments and the scheduler's runs are
    in the API from the first start, so only the new "running" line says this start is done (a stop before
    it once cut flows.serve's registration short: a KeyboardInterrupt traceback in CI)."""
    api = f"http://127.0.0.1:{prefect_port}/api"
    running_before = log.read_text().count(RUNNING) if log.exists() else 0
    started = time.monotonic()
    process = _up(env, port, prefect_port, log)
    try:
        _wait("the web app", lambda: httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200, process)
        _wait("the deployments", lambda: {d["name"] for d in _deployments(api)} >= set(DEPLOYMENTS), process)
        _wait("the running line", lambda: log.read_text().count(RUNNING) > running_before, process)
        seconds = time.monotonic() - started
        _wait("the scheduler's runs", lambda: len(_scheduled_runs(api)) > 0, process)
        deployments = _deployments(api)
        runs = _scheduled_runs(api)
        assert len(runs) == len(set(runs)), "a scheduled run was created twice"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0, log.read_text()[-3000:]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    with pytest.raises(httpx.HTTPError):  # every child has stopped
        httpx.get(f"{api}/health", timeout=2)
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
    return deployments, seconds


def test_up_serves_everything_stops_cleanly_and_restarts_without_duplicates(tmp_path: Path) -> None:
    port, prefect_port = free_port(), free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),  # this checkout, whatever the working directory
        "DONDOC_DATA_DIR": str(tmp_path / "data"),
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",  # the scheduler's runs appear at once
    }
    env.pop("PREFECT_API_URL", None)
    env.pop("PREFECT_HOME", None)
    log = tmp_path / "up.log"

    first, seconds = _run_once(env, port, prefect_port, log)
    text = log.read_text()
    assert f"Web: http://127.0.0.1:{port}/officers" in text and f"API http://127.0.0.1:{prefect_port}/api" in text
    assert "đã dừng / stopped" in text
    assert (tmp_path / "data" / "prefect" / "prefect.db").exists()  # Prefect's database in the data folder
    assert "Traceback" not in text and "analytics" not in text.lower()
    print(f"dondoc up: web and deployments ready after {seconds:.1f} s (first start)")

    second, seconds = _run_once(env, port, prefect_port, log)
    print(f"dondoc up: ready after {seconds:.1f} s (restart)")
    for seen in (first, second):
        assert {d["name"]: len(d["schedules"]) for d in seen} == DEPLOYMENTS
        assert not any(d["paused"] for d in seen)
    assert sorted(d["id"] for d in first) == sorted(d["id"] for d in second)  # updated, not created again
    assert "Traceback" not in (restarted := log.read_text()), restarted[-4000:]
    assert restarted.count("flows.serve: 5 deployments registered") == 2  # each start registered all five
