"""Helpers of the end-to-end tests and the benchmark: a free port, a real uvicorn in its own process."""

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

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


def start_server(env: dict[str, str], port: int, log: Path, timeout: float = 60.0) -> LiveServer:
    """``uvicorn e2e_server:make --factory`` on 127.0.0.1:``port`` in its own process; waits for /healthz."""
    full_env = {**os.environ, **env, "PYTHONPATH": os.pathsep.join([str(ROOT), str(Path(__file__).parent)])}
    out = log.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "e2e_server:make", "--factory", "--host", "127.0.0.1", "--port", str(port)],
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
