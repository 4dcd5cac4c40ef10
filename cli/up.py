"""``dondoc up``: everything a province needs running, on one machine, from one command in the foreground.

1. **Prefect's server**: the configured one (``PREFECT_API_URL``, or a Prefect profile naming one) is used
   as it is; otherwise ``prefect server start`` on 127.0.0.1 (``--prefect-port``, 4200), its home and
   SQLite database in ``DONDOC_DATA_DIR/prefect`` unless ``PREFECT_HOME`` says otherwise, analytics off
   (``PREFECT_SERVER_ANALYTICS_ENABLED=false``, ``DO_NOT_TRACK=1``: offline, the telemetry call only
   logs an error).
2. **The five deployments with their schedules**: ``python -m flows.serve`` (``daily`` 07:00, ``dispatch``
   every 15 minutes 7–17 on working days, ``digest`` Monday 07:30, ``watch`` every 15 minutes 7–21,
   ``round`` on demand). A restart
   updates the same deployments (same flow and deployment names) and their schedules (each has a
   slug): nothing is duplicated, and the scheduler's runs are keyed by deployment and time.
3. **The web app**: ``dondoc serve`` with the same options (``--host``, ``--port``, ``--workers``,
   ``--forwarded-allow-ips``).

Each starts after the one before answers (the API's ``/health``, the deployments in the API, the web's
``/healthz``); a line then says where it listens. SIGTERM or SIGINT (Ctrl+C) stops them in the reverse
order — SIGTERM, then SIGKILL after :data:`GRACE` seconds — and the command exits 0. A child that exits by
itself stops the others and the command exits 1, naming it. The children run in process groups of their
own (a Ctrl+C reaches only this command, which stops them in order) and are asked by the kernel to end
when this command dies without a chance to stop them (``kill -9``: ``PR_SET_PDEATHSIG``, Linux).
"""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import typer

from cli.common import console, fail

GRACE = 20.0  # seconds a child gets to stop after SIGTERM
READY_TIMEOUT = 180.0  # seconds each part gets to answer (a first Prefect start creates its database)
DEPLOYMENTS = ("daily", "dispatch", "digest", "watch", "round")
READY_FILE = "DONDOC_SERVE_READY_FILE"  # flows.serve.READY_FILE (not imported: it would load Prefect here)


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    stop_signal: int = signal.SIGTERM


def _die_with_parent() -> None:  # runs in the child between fork and exec
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1


def _start(name: str, argv: list[str], env: dict[str, str], stop_signal: int = signal.SIGTERM) -> Child:
    process = subprocess.Popen(
        argv, env=env, stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=_die_with_parent
    )
    return Child(name, process, stop_signal)


def _stop(children: list[Child]) -> None:
    """Its stop signal to each (the last started first), SIGKILL to any still there after ``GRACE`` seconds."""
    for child in reversed(children):
        if child.process.poll() is None:
            child.process.send_signal(child.stop_signal)
            try:
                child.process.wait(timeout=GRACE)
            except subprocess.TimeoutExpired:
                console.print(f"{child.name}: không dừng sau {GRACE:.0f} giây, buộc dừng / killed after {GRACE:.0f} s")
                child.process.kill()
                child.process.wait()


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


class _Stopped(Exception):
    """SIGTERM or SIGINT arrived."""


def _wait_until(what: str, ready: Callable[[], bool], children: list[Child]) -> None:
    """Poll ``ready`` until it is true; a child that exits meanwhile, or the timeout, is an error."""
    deadline = time.monotonic() + READY_TIMEOUT
    while not ready():
        for child in children:
            if child.process.poll() is not None:
                raise RuntimeError(f"{child.name} exited with code {child.process.returncode} (đã dừng)")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not answer within {READY_TIMEOUT:.0f} s (không phản hồi)")
        time.sleep(0.5)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


def _deployments_present(api: str) -> bool:
    try:
        response = httpx.post(f"{api}/deployments/filter", json={"deployments": {"name": {"any_": list(DEPLOYMENTS)}}})
    except httpx.HTTPError:
        return False
    return response.status_code == 200 and {d["name"] for d in response.json()} >= set(DEPLOYMENTS)


def _environment(data_dir: Path) -> dict[str, str]:
    """The children's environment: this one, Prefect's home in the data folder, no telemetry, and the
    data folder as an absolute path (the same folder whatever a child's working directory)."""
    env = dict(os.environ)
    env["DONDOC_DATA_DIR"] = str(data_dir)
    env.setdefault("PREFECT_HOME", str(data_dir / "prefect"))
    env["DO_NOT_TRACK"] = "1"
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    env.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "dondoc")
    return env


def _configured_api(env: dict[str, str]) -> str | None:
    """The Prefect server already configured (environment or Prefect profile), read with the children's
    environment in place."""
    os.environ.update({k: env[k] for k in ("PREFECT_HOME", "DO_NOT_TRACK", "PREFECT_SERVER_ANALYTICS_ENABLED")})
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    return str(url).rstrip("/") if url else None


def up_cmd(
    host: str = typer.Option("127.0.0.1", "--host", help="Address of the web app (0.0.0.0: every interface)."),
    port: int = typer.Option(8000, "--port", help="TCP port of the web app."),
    prefect_port: int = typer.Option(4200, "--prefect-port", help="Port of the local Prefect server (127.0.0.1)."),
    workers: int = typer.Option(1, "--workers", min=1, help="Web processes (above 1: DONDOC_SECRET_KEY must be set)."),
    forwarded_allow_ips: str | None = typer.Option(
        None, "--forwarded-allow-ips", help="Reverse proxies whose X-Forwarded-For is trusted (e.g. 127.0.0.1)."
    ),
) -> None:
    """Run everything in the foreground: Prefect's server (or the configured one), the five deployments
    with their schedules, and the web app. Ctrl+C or SIGTERM stops them all."""
    from config.settings import get_settings
    from web.app import StartupError, check_shared_setup

    settings = get_settings()
    try:  # the web's own checks, before anything starts
        check_shared_setup(settings, workers)
    except StartupError as exc:
        raise fail(str(exc), 2) from None
    if not _port_free(host, port):
        raise fail(f"--port: {host}:{port} is in use (cổng đang bận)", 2)
    env = _environment(settings.data_dir)
    api = _configured_api(env)
    if api is None and not _port_free("127.0.0.1", prefect_port):
        raise fail(
            f"--prefect-port: 127.0.0.1:{prefect_port} is in use (cổng đang bận) — a Prefect server already running? "
            f"Then set PREFECT_API_URL=http://127.0.0.1:{prefect_port}/api, or choose another port",
            2,
        )

    def stop_signal(signum: int, _frame: object) -> None:
        raise _Stopped()

    previous = {sig: signal.signal(sig, stop_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    children: list[Child] = []
    code = 0
    try:
        code = _run(
            children, env, api, host, port, prefect_port, workers, forwarded_allow_ips, settings.public_base_url
        )
    except _Stopped:
        console.print("dondoc up: đang dừng / stopping …")
    except RuntimeError as exc:
        console.print(f"dondoc up: {exc}")
        code = 1
    finally:
        for sig in previous:  # a second Ctrl+C during the stop must not cut it short
            signal.signal(sig, signal.SIG_IGN)
        _stop(children)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if code == 0:
        console.print("dondoc up: đã dừng / stopped")
    raise typer.Exit(code)


def _run(
    children: list[Child],
    env: dict[str, str],
    api: str | None,
    host: str,
    port: int,
    prefect_port: int,
    workers: int,
    forwarded_allow_ips: str | None,
    public_base_url: str,
) -> int:
    """Start the three parts in order, then watch them until a signal (raised as :class:`_Stopped`)."""
    python = sys.executable
    if api is None:
        api = f"http://127.0.0.1:{prefect_port}/api"
        children.append(
            _start(
                "Prefect server",
                [python, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(prefect_port)],
                env,
            )
        )
        _wait_until("the Prefect server", lambda: _answers(f"{api}/health"), children)
        console.print(
            f"Prefect: http://127.0.0.1:{prefect_port} (giao diện / UI) — API {api}, dữ liệu {env['PREFECT_HOME']}"
        )
    else:
        _wait_until(f"the Prefect server {api}", lambda: _answers(f"{api}/health"), children)
        console.print(f"Prefect: máy chủ đã cấu hình / configured server {api}")
    env = {**env, "PREFECT_API_URL": api}
    # Ready once flows.serve says it registered all five: on a restart the deployments are in the API
    # already, and a stop before it registered them again would cut the registration short.
    ready = Path(env["DONDOC_DATA_DIR"]) / "serve.ready"
    ready.parent.mkdir(parents=True, exist_ok=True)
    ready.unlink(missing_ok=True)
    # SIGINT: Prefect's runner answers SIGTERM with sys.exit() from the signal handler, in the middle of
    # its websocket reads (a traceback in the log); SIGINT stops it the way Ctrl+C does, quietly
    serve_env = {**env, READY_FILE: str(ready)}
    children.append(_start("flows.serve", [python, "-m", "flows.serve"], serve_env, signal.SIGINT))
    _wait_until("the deployments", lambda: ready.exists() and _deployments_present(api), children)
    console.print(
        "Lịch chạy / deployments: daily 07:00 hằng ngày, dispatch 15 phút một lần 7–17 giờ ngày làm việc, "
        "digest 07:30 thứ Hai, round khi cán bộ mở (giờ Việt Nam)"
    )
    web = [python, "-m", "cli.main", "serve", "--host", host, "--port", str(port), "--workers", str(workers)]
    if forwarded_allow_ips:
        web += ["--forwarded-allow-ips", forwarded_allow_ips]
    children.append(_start("web", web, env))
    local = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    _wait_until("the web app", lambda: _answers(f"http://{local}:{port}/healthz"), children)
    console.print(
        f"Web: http://{host}:{port}/officers — đường dẫn trả lời / answer links: {public_base_url.rstrip('/')}/r/…"
    )
    console.print("dondoc up: đang chạy; Ctrl+C hoặc SIGTERM để dừng / running; Ctrl+C or SIGTERM stops it")
    while True:
        for child in children:
            if child.process.poll() is not None:
                console.print(
                    f"dondoc up: {child.name} đã dừng / exited (code {child.process.returncode}); dừng tất cả"
                )
                return 1
        time.sleep(0.5)
