"""Load test of the answer link on a real uvicorn (one process) on 127.0.0.1: the response page (GET) and
the answer submit (POST, multipart with a small PDF), with 50 concurrent async httpx clients, on SQLite and
PostgreSQL (a throwaway schema). Prints requests/s and p50/p99 latency.

    .venv/bin/python bench/bench_web.py [--backend sqlite|postgresql|both] [--gets 3000] [--posts 1000]

Bounded: at most ``--gets`` + ``--posts`` requests per backend, each phase stops after ``--seconds``. The
rate limits are lifted for the run (50 clients share one address); everything else is as in production:
CSRF tokens (computed with the run's key), content sniffing, attachments written to disk, answers
recorded with their state change and history.
"""

import argparse
import asyncio
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "e2e")]

from e2e_support import free_port, start_server  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from config.app import build_app  # noqa: E402
from config.settings import Settings  # noqa: E402
from models.domain.tokens import hash_token, reveal  # noqa: E402
from models.services.daily import evaluate_day  # noqa: E402
from models.services.importer import import_plan  # noqa: E402
from models.store.answer_tables import Answer  # noqa: E402
from models.store.cycle_tables import Notification  # noqa: E402
from models.store.db import make_engine, upgrade  # noqa: E402
from web.security import Csrf  # noqa: E402

DAY = date(2025, 6, 20)
SECRET = "bench-secret-key"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PG_URL = os.environ.get("DONDOC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0
    server_cpu: float = 0.0  # CPU seconds the server process used during the phase

    def line(self) -> str:
        n = len(self.latencies)
        if not n:
            return f"{self.name:<5} no successful request ({self.errors} errors)"
        ordered = sorted(self.latencies)
        p50 = statistics.median(ordered) * 1000
        p99 = ordered[min(n - 1, int(n * 0.99))] * 1000
        return (
            f"{self.name:<5} {n:>5} ok, {self.errors} errors in {self.elapsed:5.1f} s: "
            f"{n / self.elapsed:7.1f} req/s, p50 {p50:6.1f} ms, p99 {p99:6.1f} ms; "
            f"server CPU {self.server_cpu / (n + self.errors) * 1000:.1f} ms/request"
        )


async def run_phase(
    name: str, base: str, links: list[str], total: int, clients: int, seconds: float, post: bool
) -> Phase:
    phase = Phase(name)
    csrf = Csrf(SECRET.encode())
    remaining = {"n": total}
    deadline = time.monotonic() + seconds
    rng = random.Random(42)

    async def client(index: int) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            while remaining["n"] > 0 and time.monotonic() < deadline:
                remaining["n"] -= 1
                path = rng.choice(links)
                start = time.perf_counter()
                try:
                    if post:
                        token = path.rsplit("/", 1)[1]
                        data = {
                            "csrf": csrf.issue("answer", hash_token(token)),
                            "status": "in_progress",
                            "progress": str(rng.randint(1, 99)),
                            "done_text": f"Báo cáo tiến độ từ máy {index}: đang triển khai.",
                            "indicator_value": "75",  # ignored for a task; required for an indicator
                            "indicator_source": "Cục Thống kê",
                        }
                        files = {"attachment": ("tien-do.pdf", PDF, "application/pdf")}
                        response = await http.post(path, data=data, files=files)
                        ok = response.status_code == 303
                    else:
                        response = await http.get(path)
                        ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                if ok:
                    phase.latencies.append(time.perf_counter() - start)
                else:
                    phase.errors += 1

    begin = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    phase.elapsed = time.perf_counter() - begin
    return phase


def prepare(url: str, data_dir: Path, port: int) -> list[str]:
    """Migrate, import the shipped plan, evaluate 20/06/2025; return the answer paths of its messages."""
    upgrade(url)
    settings = Settings(database_url=url, data_dir=data_dir, public_base_url=f"http://127.0.0.1:{port}")
    core = build_app(settings, migrate=False)
    import_plan(core.engine, settings.plan_file, core.runtime.directory, core.runtime.config)
    core.runtime.forget()
    evaluate_day(core.runtime, DAY)
    with Session(core.engine) as s:
        links = sorted(
            {
                # The stored link is a reference; the message sent carries the real one (models.domain.tokens).
                reveal(link, core.runtime.link_key).split(f":{port}", 1)[1]
                for (link,) in s.execute(select(Notification.link).where(Notification.link.is_not(None)))  # type: ignore[union-attr]
            }
        )
    core.engine.dispose()
    return links


def bench_backend(backend: str, args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix=f"dondoc-bench-{backend}-"))
    schema = None
    admin = None
    server = None
    try:
        if backend == "sqlite":
            url = f"sqlite:///{work / 'dondoc.db'}"
        else:
            schema = f"dondoc_bench_{uuid.uuid4().hex[:10]}"
            admin = make_engine(PG_URL)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            sep = "&" if "?" in PG_URL else "?"
            url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
        port = free_port()
        t0 = time.perf_counter()
        links = prepare(url, work / "data", port)
        print(f"[{backend}] prepared {len(links)} answer links in {time.perf_counter() - t0:.1f} s")
        env = {
            "DONDOC_DATABASE_URL": url,
            "DONDOC_DATA_DIR": str(work / "data"),
            "DONDOC_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "DONDOC_SECRET_KEY": SECRET,
            "DONDOC_E2E_TODAY": DAY.isoformat(),
            "DONDOC_E2E_NO_LIMITS": "1",
        }
        server = start_server(env, port, work / "server.log")
        base = server.base_url
        # Warm up (imports, template compilation, connection pool) outside the measurement.
        asyncio.run(run_phase("warm", base, links, 50, 5, 30, post=False))
        pid = server.process.pid
        cpu = cpu_seconds(pid)
        get = asyncio.run(run_phase("GET", base, links, args.gets, args.clients, args.seconds, post=False))
        get.server_cpu, cpu = cpu_seconds(pid) - cpu, cpu_seconds(pid)
        post = asyncio.run(run_phase("POST", base, links, args.posts, args.clients, args.seconds, post=True))
        post.server_cpu = cpu_seconds(pid) - cpu
        print(f"[{backend}] {get.line()}")
        print(f"[{backend}] {post.line()}")
        engine = make_engine(url)
        with Session(engine) as s:
            answers = s.execute(select(func.count()).select_from(Answer)).scalar_one()
        engine.dispose()
        print(f"[{backend}] answers recorded: {answers} (POSTs that succeeded: {len(post.latencies)})")
    finally:
        if server is not None:
            server.stop()
        if admin is not None and schema is not None:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--gets", type=int, default=3000, help="GET requests per backend (bounded)")
    parser.add_argument("--posts", type=int, default=1000, help="POST requests per backend (bounded)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent async clients")
    parser.add_argument("--seconds", type=float, default=60.0, help="time limit of each phase")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(
        f"dondoc web benchmark: {args.clients} concurrent clients, one uvicorn process, {os.cpu_count()} CPUs "
        f"(load average {load:.1f} at start: other work on the machine slows the figures)"
    )
    for backend in ("sqlite", "postgresql") if args.backend == "both" else (args.backend,):
        bench_backend(backend, args)


if __name__ == "__main__":
    main()
