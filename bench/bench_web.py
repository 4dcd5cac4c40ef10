"""Load test of the answer link on a real uvicorn on 127.0.0.1 (one process, or ``--workers N``).

The response page (GET) and the answer submit (POST, multipart with a small PDF), with 50 concurrent async
httpx clients, on SQLite and PostgreSQL (a throwaway schema). Prints requests/s, p50/p99 latency and the
server's CPU per request.

Baseline: ``bench/bare_page.py``, a bare FastAPI + Jinja page doing one indexed query (a cycle by primary
key) on the same database, its POST reading the same multipart form and inserting one row — served the same
way (the same uvicorn workers, the same clients), after dondoc's server has stopped. Each figure is printed
beside it with the ratio: server CPU and p99 as dondoc ÷ bare (lower is better), req/s as dondoc ÷ bare
(higher is better).

    .venv/bin/python bench/bench_web.py [--backend sqlite|postgresql|both] [--workers 1] [--gets 3000]
        [--posts 1000] [--json]

``--workers 2`` serves both pages with two uvicorn worker processes (dondoc's as in production with
``DONDOC_WEB_PROCESSES=2``: the secret key set, the limits counted in the database); the server CPU is
then that of the whole process tree (the workers and uvicorn's supervisor).

``--json`` prints one JSON document (``figures``, ``time_ratios``, ``throughput_ratios``) on stdout; the
progress lines go to stderr.

Bounded: at most ``--gets`` + ``--posts`` requests per backend, each phase stops after ``--seconds``. The
rate limits are lifted for the run (50 clients share one address); everything else is as in production:
CSRF tokens (computed with the run's key), content sniffing, attachments written to disk, answers
recorded with their state change and history.

The answer links are agency links (one message per agency): an agency link's page lists its cycles and each
cycle is answered at ``/r/{token}/c/{cycle_id}`` with a CSRF token bound to the link and the cycle, so the
POST targets are read from each agency page (real HTTP) before the phases; a cycle link is answered at its
own address.
"""

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "e2e")]

from e2e_support import LiveServer, free_port, start_server  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from config.app import build_app  # noqa: E402
from config.settings import Settings  # noqa: E402
from models.domain.tokens import hash_token, reveal  # noqa: E402
from models.services.daily import evaluate_day  # noqa: E402
from models.services.importer import import_plan  # noqa: E402
from models.store.answer_tables import Answer  # noqa: E402
from models.store.cycle_tables import Notification, ResponseToken  # noqa: E402
from models.store.db import make_engine, upgrade  # noqa: E402
from web.security import Csrf  # noqa: E402

DAY = date(2025, 6, 20)
SECRET = "bench-secret-key"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PG_URL = os.environ.get("DONDOC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of a process and its live descendants (uvicorn's workers; Linux /proc)."""
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stats[int(entry.name)] = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # gone meanwhile
                continue
    tree, todo = set(), [pid]
    while todo:
        current = todo.pop()
        tree.add(current)
        todo.extend(child for child, fields in stats.items() if int(fields[1]) == current and child not in tree)
    ticks = sum(int(stats[p][11]) + int(stats[p][12]) for p in tree if p in stats)
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    failures: Counter[str] = field(default_factory=Counter)  # what the failed requests got, to tell why
    elapsed: float = 0.0
    server_cpu: float = 0.0  # CPU seconds the server process used during the phase

    def figures(self) -> dict[str, float | int | None]:
        """The phase's raw numbers (None where no request succeeded)."""
        n = len(self.latencies)
        ordered = sorted(self.latencies)
        return {
            "ok": n,
            "errors": self.errors,
            "failures": dict(self.failures),
            "seconds": round(self.elapsed, 3),
            "req_per_s": round(n / self.elapsed, 1) if n else None,
            "p50_ms": round(statistics.median(ordered) * 1000, 2) if n else None,
            "p99_ms": round(ordered[min(n - 1, int(n * 0.99))] * 1000, 2) if n else None,
            "server_cpu_ms": round(self.server_cpu / (n + self.errors) * 1000, 3) if n + self.errors else None,
        }

    def line(self) -> str:
        f = self.figures()
        if not f["ok"]:
            return f"{self.name:<9} no successful request ({self.errors} errors: {dict(self.failures)})"
        return (
            f"{self.name:<9} {f['ok']:>5} ok, {self.errors} errors in {self.elapsed:5.1f} s: "
            f"{f['req_per_s']:7.1f} req/s, p50 {f['p50_ms']:6.1f} ms, p99 {f['p99_ms']:6.1f} ms; "
            f"server CPU {f['server_cpu_ms']:.1f} ms/request"
            + (f"; failures {dict(self.failures)}" if self.errors else "")
        )


@dataclass(frozen=True)
class Target:
    """Where one answer is sent and what its CSRF token is bound to (as ``web.answer.Target.binding``)."""

    path: str
    binding: str
    cycle_id: int


FormMaker = Callable[[Target, int, random.Random], dict[str, str]]


def dondoc_form(csrf: Csrf) -> FormMaker:
    def make(target: Target, index: int, rng: random.Random) -> dict[str, str]:
        return {
            "csrf": csrf.issue("answer", target.binding),
            "status": "in_progress",
            "progress": str(rng.randint(1, 99)),
            "done_text": f"Báo cáo tiến độ từ máy {index}: đang triển khai.",
            "indicator_value": "1",  # ignored for a task; valid for every indicator (ranks 1-63, HDI <= 1)
            "indicator_source": "Cục Thống kê",
        }

    return make


def bare_form(target: Target, index: int, rng: random.Random) -> dict[str, str]:
    return {"done_text": f"Báo cáo tiến độ từ máy {index}: đang triển khai.", "progress": str(rng.randint(1, 99))}


async def run_phase(
    name: str,
    base: str,
    links: list[str],
    total: int,
    clients: int,
    seconds: float,
    post: FormMaker | None = None,
    targets: list[Target] | None = None,
) -> Phase:
    """GET ``links`` (``post`` None) or POST ``post``'s form with a small PDF to ``targets``."""
    phase = Phase(name)
    remaining = {"n": total}
    deadline = time.monotonic() + seconds
    rng = random.Random(42)

    async def client(index: int) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            while remaining["n"] > 0 and time.monotonic() < deadline:
                remaining["n"] -= 1
                target = rng.choice(targets) if post is not None and targets else None
                path = target.path if target is not None else rng.choice(links)
                start = time.perf_counter()
                try:
                    if post is not None and target is not None:
                        data = post(target, index, rng)
                        files = {"attachment": ("tien-do.pdf", PDF, "application/pdf")}
                        response = await http.post(path, data=data, files=files)
                        ok = response.status_code == 303
                    else:
                        response = await http.get(path)
                        ok = response.status_code == 200
                    got = f"HTTP {response.status_code}"
                except httpx.HTTPError as exc:
                    ok, got = False, type(exc).__name__
                if ok:
                    phase.latencies.append(time.perf_counter() - start)
                else:
                    phase.errors += 1
                    phase.failures[got] += 1

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


CYCLE_HREF = re.compile(r'href="(/r/[^"/]+)/c/(\d+)"')


def post_targets(base: str, links: list[str], url: str) -> list[Target]:
    """The cycles each link answers: a cycle link its own, an agency link those its page lists."""
    engine = make_engine(url)
    with Session(engine) as s:
        own = dict(s.execute(select(ResponseToken.token_hash, ResponseToken.cycle_id)).all())
    engine.dispose()
    targets: list[Target] = []
    with httpx.Client(base_url=base, timeout=30) as http:
        for path in links:
            token_hash = hash_token(path.rsplit("/", 1)[1])
            if own.get(token_hash) is not None:
                targets.append(Target(path, token_hash, own[token_hash]))
                continue
            page = http.get(path)
            page.raise_for_status()
            for link, cycle in sorted(set(CYCLE_HREF.findall(page.text))):
                if link == path:
                    targets.append(Target(f"{path}/c/{cycle}", f"{token_hash}|c{cycle}", int(cycle)))
    return targets


def start_bare(url: str, work: Path, workers: int) -> LiveServer:
    """The bare page on the same launcher as dondoc's (``start_server``: uvicorn, ``workers``, /healthz).

    ``start_server`` runs ``uvicorn e2e_server:make`` from the log's folder, and ``python -m`` looks in the
    current folder first: a two-line ``e2e_server.py`` there hands uvicorn ``bare_page.make`` instead."""
    folder = work / "bare"
    folder.mkdir()
    shim = f"import sys\nsys.path.insert(0, {str(ROOT / 'bench')!r})\nfrom bare_page import make\n"
    (folder / "e2e_server.py").write_text(shim)
    sys.path.insert(0, str(ROOT / "bench"))
    from bare_page import BARE_ANSWER

    engine = make_engine(url)
    BARE_ANSWER.create(engine, checkfirst=True)  # before the workers start (each would race to create it)
    engine.dispose()
    return start_server({"DONDOC_DATABASE_URL": url}, free_port(), folder / "bare.log", workers=workers)


def measure(
    server: LiveServer, links: list[str], targets: list[Target], form: FormMaker, args: argparse.Namespace, who: str
) -> tuple[Phase, Phase]:
    """Warm up, then the GET and POST phases, each with the server's CPU time over it."""
    base, pid = server.base_url, server.process.pid
    # Warm up (imports, template compilation, connection pool) outside the measurement.
    asyncio.run(run_phase("warm", base, links, 50, 5, 30))
    cpu = cpu_seconds(pid)
    get = asyncio.run(run_phase(f"{who} GET", base, links, args.gets, args.clients, args.seconds))
    get.server_cpu, cpu = cpu_seconds(pid) - cpu, cpu_seconds(pid)
    post = asyncio.run(run_phase(f"{who} POST", base, links, args.posts, args.clients, args.seconds, form, targets))
    post.server_cpu = cpu_seconds(pid) - cpu
    return get, post


def ratio(ours: float | int | None, base: float | int | None) -> float | None:
    return round(ours / base, 2) if ours is not None and base else None


def bench_backend(backend: str, args: argparse.Namespace, say: Callable[[str], None]) -> dict[str, dict[str, object]]:
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
        say(f"[{backend}] prepared {len(links)} answer links in {time.perf_counter() - t0:.1f} s")
        env = {
            "DONDOC_DATABASE_URL": url,
            "DONDOC_DATA_DIR": str(work / "data"),
            "DONDOC_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "DONDOC_SECRET_KEY": SECRET,
            "DONDOC_E2E_TODAY": DAY.isoformat(),
            "DONDOC_E2E_NO_LIMITS": "1",
            "DONDOC_WEB_PROCESSES": str(args.workers),
        }
        server = start_server(env, port, work / "server.log", workers=args.workers)
        targets = post_targets(server.base_url, links, url)
        say(f"[{backend}] {len(targets)} cycles to answer behind those links")
        get, post = measure(server, links, targets, dondoc_form(Csrf(SECRET.encode())), args, "dondoc")
        server.stop()
        engine = make_engine(url)
        with Session(engine) as s:
            answers = s.execute(select(func.count()).select_from(Answer)).scalar_one()
        engine.dispose()
        # The baseline after dondoc's server has stopped, on the same database and cycles.
        server = start_bare(url, work, args.workers)
        bare_links = sorted({f"/p/{t.cycle_id}" for t in targets})
        bare_targets = [Target(f"/p/{t.cycle_id}", "", t.cycle_id) for t in targets]
        bare_get, bare_post = measure(server, bare_links, bare_targets, bare_form, args, "bare")
        for phase in (get, bare_get, post, bare_post):
            say(f"[{backend}] {phase.line()}")
        say(f"[{backend}] answers recorded: {answers} (POSTs that succeeded: {len(post.latencies)})")
        figures: dict[str, object] = {"links": len(links), "cycles_answered": len(targets), "answers_recorded": answers}
        time_ratios: dict[str, float | None] = {}
        throughput_ratios: dict[str, float | None] = {}
        for kind, ours, bare in (("get", get, bare_get), ("post", post, bare_post)):
            mine, theirs = ours.figures(), bare.figures()
            figures[kind], figures[f"bare_{kind}"] = mine, theirs
            for measured in ("server_cpu_ms", "p99_ms"):
                time_ratios[f"{kind}_{measured}"] = ratio(mine[measured], theirs[measured])
            throughput_ratios[f"{kind}_req_per_s"] = ratio(mine["req_per_s"], theirs["req_per_s"])
            say(
                f"[{backend}] {kind.upper():<4} dondoc ÷ bare: server CPU {time_ratios[f'{kind}_server_cpu_ms']}×, "
                f"p99 {time_ratios[f'{kind}_p99_ms']}×, req/s {throughput_ratios[f'{kind}_req_per_s']}×"
            )
        return {"figures": figures, "time_ratios": time_ratios, "throughput_ratios": throughput_ratios}
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
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes of each server")
    parser.add_argument("--seconds", type=float, default=60.0, help="time limit of each phase")
    parser.add_argument("--json", action="store_true", help="one JSON document on stdout (progress on stderr)")
    args = parser.parse_args()
    if args.gets < 1 or args.posts < 1 or args.clients < 1 or args.workers < 1 or args.seconds <= 0:
        parser.error("--gets, --posts, --clients and --workers must be at least 1, --seconds above 0")

    def say(line: str) -> None:
        print(line, file=sys.stderr if args.json else sys.stdout, flush=True)

    load = os.getloadavg()[0]
    say(
        f"dondoc web benchmark: {args.clients} concurrent clients, {args.workers} uvicorn worker(s), "
        f"{os.cpu_count()} CPUs "
        f"(load average {load:.1f} at start: other work on the machine slows the figures)"
    )
    results = {
        backend: bench_backend(backend, args, say)
        for backend in (("sqlite", "postgresql") if args.backend == "both" else (args.backend,))
    }
    if args.json:
        document: dict[str, dict[str, object]] = {
            part: {backend: result[part] for backend, result in results.items()}
            for part in ("figures", "time_ratios", "throughput_ratios")
        }
        document["figures"]["settings"] = {
            "clients": args.clients,
            "gets": args.gets,
            "posts": args.posts,
            "workers": args.workers,
            "load_average": load,
        }
        print(json.dumps(document, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
