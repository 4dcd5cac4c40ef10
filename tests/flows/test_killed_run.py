"""A CLI flow command killed with ``kill -9`` mid-run leaves no Prefect server behind, and the next
command marks its run *Crashed* (issue 15, item 5). Real processes: ``dondoc run`` in a subprocess with
no ``PREFECT_API_URL``, its temporary Prefect server, Prefect's SQLite history. SQLite and PostgreSQL."""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")]

DONDOC = [sys.executable, "-c", "from cli.main import main; main()"]


def _env(tmp_path: Path, db_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        DONDOC_DATABASE_URL=db_url,
        DONDOC_DATA_DIR=str(tmp_path / "data"),
        PREFECT_HOME=str(tmp_path / "prefect"),
        DONDOC_PREFECT_MODE="server",  # through a temporary Prefect server: what this test is about
        PYTHONPATH=str(Path(__file__).resolve().parents[2]),
    )
    return env


def _flow_runs(home: Path) -> dict[str, str]:
    """name -> state type, read from the temporary server's database."""
    try:
        with sqlite3.connect(home / "prefect.db", timeout=10) as db:
            return dict(db.execute("select name, state_type from flow_run").fetchall())
    except sqlite3.OperationalError:  # not created yet
        return {}


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(c) for c in task.read_text().split()]
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"  # a zombie has ended (its new parent has not reaped it yet)


def _listening_ports(pid: int) -> set[int]:
    """Ports on 127.0.0.1 a process listens on (its open sockets matched against /proc/net/tcp)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").glob("*"):
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
            ports.add(int(fields[1].split(":")[1], 16))
    return ports


def test_killed_cli_run_leaves_no_server_and_is_marked_crashed_next_time(cli_env: str, tmp_path: Path) -> None:
    env = _env(tmp_path, cli_env)
    home = tmp_path / "prefect"
    cli = subprocess.Popen([*DONDOC, "run", "--today", "2025-08-06"], env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240
        while "RUNNING" not in _flow_runs(home).values():
            assert cli.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "no flow run started"
            time.sleep(0.05)
        servers = [c for c in _children(cli.pid) if _alive(c)]
        assert servers, "no child Prefect server found"
        ports = set().union(*(_listening_ports(s) for s in servers))
        os.kill(cli.pid, signal.SIGKILL)
        cli.wait()
    finally:
        if cli.poll() is None:
            cli.kill()
    killed = [name for name, state in _flow_runs(home).items() if state == "RUNNING"]
    assert len(killed) == 1  # killed mid-run: Prefect's history says Running
    deadline = time.monotonic() + 20
    while any(_alive(s) for s in servers) and time.monotonic() < deadline:
        time.sleep(0.2)
    orphans = [s for s in servers if _alive(s)]
    for s in orphans:  # do not leave them to the next test
        os.kill(s, signal.SIGKILL)
    assert not orphans, f"the temporary Prefect server outlived its CLI ({orphans})"
    for port in ports:
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still answers"

    done = subprocess.run([*DONDOC, "dispatch", "--json"], env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    states = _flow_runs(home)
    assert states[killed[0]] == "CRASHED"
    assert list(states.values()).count("COMPLETED") == 1  # the dispatch run itself
