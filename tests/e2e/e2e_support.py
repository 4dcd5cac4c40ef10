"""Helpers of the end-to-end tests and the benchmark: a free port, a real uvicorn in its own process."""

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
PHONE = {"width": 360, "height": 740}
SECRET_KEY = "e2e-secret-key-not-for-production"


def app_env(db_url: str, data_dir: Path, port: int) -> dict[str, str]:
    """The settings of the application a test builds in its own process and serves on ``port``."""
    return {
        "DONDOC_DATABASE_URL": db_url,
        "DONDOC_DATA_DIR": str(data_dir),
        "DONDOC_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "DONDOC_SECRET_KEY": SECRET_KEY,
    }


def day_app(
    db_url: str, data_dir: Path, plan_path: Path, day: date, monkeypatch: Any
) -> tuple[dict[str, str], int, Any]:
    """The environment of a test server on a free port (set in this process too, through ``monkeypatch``),
    the port, and the application (``config.app.App``) with the shipped plan imported and the daily run of
    ``day`` done. Imported here, not at the top: the benchmark uses this module without the application."""
    from config.app import build_app
    from config.settings import Settings, get_settings
    from models.services.daily import evaluate_day
    from models.services.importer import import_plan

    port = free_port()
    env = app_env(db_url, data_dir, port)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    core = build_app(Settings(), migrate=False)
    import_plan(core.engine, plan_path, core.runtime.directory, core.runtime.config)
    core.runtime.forget()
    evaluate_day(core.runtime, day)
    return env, port, core


def add_officer(login: str, name: str, password: str) -> None:
    """An officer's account, made with the command officers use (``dondoc web users add``)."""
    from typer.testing import CliRunner

    from cli import common
    from cli import web as web_cli

    common._engine.cache_clear()
    args = ["users", "add", login, "--name", name, "--password-stdin"]
    added = CliRunner().invoke(web_cli.app, args, input=password + "\n")
    assert added.exit_code == 0, added.output


def log_in(page: Any, login: str, password: str) -> None:
    """Fill the officers' login form the browser is on and send it."""
    page.get_by_label("Tên đăng nhập").fill(login)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


def write_pdf(path: Path) -> Path:
    """A small valid PDF at ``path`` (an answer's attachment)."""
    path.write_bytes(
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    base_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start_server(env: dict[str, str], port: int, log: Path, timeout: float = 60.0, workers: int = 1) -> LiveServer:
    """``uvicorn e2e_server:make --factory`` on 127.0.0.1:``port`` in its own process (``workers`` above 1:
    uvicorn's worker processes under it); waits for /healthz."""
    full_env = {**os.environ, **env, "PYTHONPATH": os.pathsep.join([str(ROOT), str(Path(__file__).parent)])}
    out = log.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "e2e_server:make", "--factory", "--host", "127.0.0.1", "--port", str(port)]
        + (["--workers", str(workers)] if workers > 1 else []),
        cwd=str(log.parent),
        env=full_env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    server = LiveServer(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the web server stopped:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(f"{server.base_url}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"the web server did not start in {timeout:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")
