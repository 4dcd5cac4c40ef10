"""Benchmark of the daily evaluation: time and peak memory of ``evaluate_day`` over a large synthetic plan.

A seeded generator (``random.Random(2025)``) writes a plan of N tasks (default 100,000) straight into a
fresh database — schema by ``models.store.db.upgrade``, the shipped agency directory (with its demo contacts) by
``models.directory_sync.sync_directory``, then one ``Plan`` (issued 24/01/2025) and the ``Task`` and
``TaskAgency`` rows by bulk Core inserts (not the text importer: it would be the benchmark then).

The mix is meant to look like the plans dondoc reads:

* deadline phrases: 40 % the 68 phrases of 25/KH-UBND in their real frequencies (read from
  ``config/plans/25-KH-UBND-2025-thai-nguyen.txt``), the rest variants — "Tháng {m}/{y}" (some written
  "Tháng 07/…"), "Quý {I..IV}/{y}", "Năm {y}", "Hằng năm", "Thường xuyên", "{y} - {y+1}", "Năm {y} và
  những năm tiếp theo", "Tháng 11 của năm trước", and 1 % "Khi có yêu cầu" (no date: no cycle);
  ``deadline_kind`` is ``parse_deadline(phrase).kind``;
* lead agency: 93 % one provincial department (a current ``so``-kind agency), 5 % a single agency of
  another kind — boards, mass organisations, and the district UBNDs dissolved in 2025, which route to
  their successor (the commune UBNDs) —, 2 % a group ("Các Sở, ban, ngành", "UBND các xã, phường"…, which
  expands to many cycles);
* 0–3 coordinating agencies (rarely a group, open-ended ones included); 0.5 % of the tasks withdrawn.

Measured for one day (default 2026-06-15), on SQLite (a temporary file) and PostgreSQL (a throwaway
schema ``bench_<random>`` in ``postgresql+psycopg://postgres@127.0.0.1:5432/test``, dropped at the end):

1. the first ``evaluate_day(rt, day)`` on the fresh database — everything up to the outbox: materialise
   the cycles since the plan's issue (catch-up of 17 months), open them and mark them overdue, queue the
   (folded) reminders. Wall time per step (materialise / transitions / queue reminders, by wrapping the
   module functions), the ``DayReport`` counts, and memory: the process's max RSS (``getrusage``, before
   and after) and the tracemalloc peak. Tracing slows this code down about 4–5 times, so by default the
   tracemalloc peak comes from a separate run on an identical second database (same seed) and the timed
   run is untraced; ``--trace same`` traces the timed run instead (times inflated), ``--trace off`` skips
   it (a quick run: about a fifth of the default's time);
2. a second ``evaluate_day`` for the same day with the same ``Runtime`` (its caches warm) — it should
   queue nothing — and again with a fresh ``Runtime`` (what re-running ``dondoc daily`` costs);
3. the next day with a fresh ``Runtime``: the steady-state cost of one daily run;
4. with ``--dispatch``: sending the queued messages through the file channel
   (``App.outbox(channels={name: FileChannel(...)}, record_batch=200)``; the shipped directory's contacts
   are demo ones, which the outbox diverts to its own file channel in the data folder: the same work),
   all of them or ``--dispatch-limit``.

Each database is generated and evaluated in child processes of its own, so that the max RSS of one
measurement is not the generator's or the other backend's.

Run: ``.venv/bin/python bench/bench_daily.py [--tasks 100000] [--backend sqlite|postgresql|both]
[--day 2026-06-15] [--trace separate|same|off] [--dispatch] [--dispatch-limit N] [--pg-url URL]``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections import Counter
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEED = 2025
ISSUED = date(2025, 1, 24)
PLAN_NUMBER = "999/KH-BENCH"
PLAN_FILE = ROOT / "config" / "plans" / "25-KH-UBND-2025-thai-nguyen.txt"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ROMAN = ["I", "II", "III", "IV"]
YEARS = list(range(2025, 2031))

# Groups that expand to fixed agencies (lead or coordinating), and open-ended ones (coordinating only:
# they route to nobody until an officer picks).
LEAD_GROUPS = ["so-ban-nganh", "ubnd-cap-xa", "cac-doan-the", "so-nganh-dia-phuong", "ubnd-cap-huyen"]
OPEN_GROUPS = ["so-nganh-lien-quan", "don-vi-lien-quan", "so-nganh-dia-phuong-lien-quan"]

WORDS = " ".join(
    [
        "triển khai xây dựng hoàn thiện nâng cấp chuyển đổi số hạ tầng dữ liệu nền tảng dịch vụ công trực",
        "tuyến cơ sở dữ liệu chuyên ngành đề án kế hoạch hướng dẫn đào tạo bồi dưỡng kỹ năng số an toàn thông",
        "tin kinh tế số xã hội số chính quyền số doanh nghiệp người dân trên địa bàn tỉnh giai đoạn",
    ]
).split()


# --------------------------------------------------------------------------------------------------
# Generator
# --------------------------------------------------------------------------------------------------


def plan_phrases(path: Path = PLAN_FILE) -> list[str]:
    """The deadline phrases of the shipped plan's task table (Phụ lục II, column "Thời gian hoàn thành"):
    a task row is "N. |" followed by five cells, the last being the phrase (as tests/test_deadline_plan_phrases)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("PHỤ LỤC II"))
    cells = [line[:-1].strip() if line.endswith("|") else line for line in lines[start:]]
    out: list[str] = []
    i = 0
    while i < len(cells):
        if re.fullmatch(r"\d+\.", cells[i]):
            out.append(cells[i + 5])
            i += 6
        else:
            i += 1
    return out


def phrase(rng: random.Random, real: list[str]) -> str:
    """One deadline phrase of the mix (see the module docstring)."""
    x = rng.random()
    if x < 0.40:
        return rng.choice(real)
    y = rng.choice(YEARS)
    if x < 0.55:
        m = rng.randint(1, 12)
        return f"Tháng {m:02d}/{y}" if rng.random() < 0.3 else f"Tháng {m}/{y}"
    if x < 0.63:
        return f"Quý {rng.choice(ROMAN)}/{y}"
    if x < 0.73:
        return f"Năm {y}"
    if x < 0.80:
        return "Hằng năm"
    if x < 0.90:
        return "Thường xuyên"
    if x < 0.94:
        return f"{min(y, 2029)} - {min(y, 2029) + 1}"
    if x < 0.96:
        return f"Năm {min(y, 2027)} và những năm tiếp theo"
    if x < 0.99:
        return "Tháng 11 của năm trước"
    return "Khi có yêu cầu"


@cache
def phrase_kind(text: str) -> str:
    from models.domain.deadlines import parse_deadline

    return parse_deadline(text).kind.value


def title(rng: random.Random, number: int) -> str:
    words = rng.choices(WORDS, k=rng.randint(12, 40))
    return f"Nhiệm vụ {number}: " + " ".join(words).capitalize()


def generate(url: str, n_tasks: int) -> dict[str, Any]:
    """Write the directory, one plan and ``n_tasks`` tasks with their agencies into the database at ``url``."""
    from sqlalchemy import insert, select
    from sqlmodel import Session

    from config.files import SHIPPED_AGENCIES
    from models.domain.agencies import Directory
    from models.domain.clock import utcnow
    from models.domain.states import Role
    from models.services.directory_sync import sync_directory
    from models.store.db import make_engine, upgrade
    from models.store.plan_tables import Plan, Task, TaskAgency

    t0 = time.perf_counter()
    upgrade(url)
    t_migrate = time.perf_counter() - t0
    rng = random.Random(SEED)
    real = plan_phrases()
    directory = Directory.load(SHIPPED_AGENCIES)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            ids, _ = sync_directory(session, directory)
            session.commit()
            agencies = directory.agencies
            current = sorted(code for code, a in agencies.items() if a.valid_to is None and a.kind != "external")
            so = sorted(code for code in current if agencies[code].kind == "so")
            others = sorted(code for code, a in agencies.items() if a.kind not in ("so", "external"))
            names = {code: a.name for code, a in agencies.items()} | {
                code: g.name for code, g in directory.groups.items()
            }
            with_contacts = sum(1 for a in agencies.values() if a.phone or a.email or a.zalo_user_id)

            plan = Plan(
                number=PLAN_NUMBER,
                title=f"Kế hoạch tổng hợp (benchmark, {n_tasks} nhiệm vụ)",
                kind="Kế hoạch",
                issued_on=ISSUED,
                issuer="UBND tỉnh Thái Nguyên",
                signer="bench",
                source_name="bench_daily.py",
                content_hash="0" * 64,
                imported_at=utcnow(),
            )
            session.add(plan)
            session.commit()
            plan_id = plan.id

            def ref(code: str) -> dict[str, Any]:
                is_group = code in directory.groups
                return {
                    "raw_name": names[code],
                    "agency_id": None if is_group else ids.agency[code],
                    "group_id": ids.group[code] if is_group else None,
                }

            task_rows: list[dict[str, Any]] = []
            roles: list[list[tuple[str, str]]] = []  # per task: (role, code) in order
            kinds: Counter[str] = Counter()
            leads: Counter[str] = Counter()
            for i in range(n_tasks):
                text = phrase(rng, real)
                kind = phrase_kind(text)
                kinds[kind] += 1
                x = rng.random()
                if x < 0.93:
                    lead = [rng.choice(so)]
                    leads["so"] += 1
                elif x < 0.98:
                    lead = [rng.choice(others)]
                    leads["other agency"] += 1
                else:
                    lead = [rng.choice(LEAD_GROUPS)]
                    leads["group"] += 1
                coords: list[str] = []
                for _ in range(rng.choice([0, 0, 1, 1, 1, 2, 2, 3])):
                    y = rng.random()
                    code = rng.choice(LEAD_GROUPS if y < 0.01 else OPEN_GROUPS) if y < 0.03 else rng.choice(current)
                    if code not in coords and code not in lead:
                        coords.append(code)
                roles.append([(Role.lead, c) for c in lead] + [(Role.coordinating, c) for c in coords])
                number = i + 1
                task_rows.append(
                    {
                        "plan_id": plan_id,
                        "number": str(number),
                        "position": i,
                        "section": f"{number // 1000 + 1}",
                        "section_title": f"Nhóm nhiệm vụ {number // 1000 + 1}",
                        "title": title(rng, number),
                        "lead_raw": "; ".join(names[c] for c in lead),
                        "coordinating_raw": "; ".join(names[c] for c in coords),
                        "output_raw": rng.choice(["Báo cáo", "Kế hoạch", "Đề án", "Quyết định", "Văn bản"]),
                        "deadline_raw": text,
                        "deadline_kind": kind,
                        "deadline_note": None,
                        "source_line": number,
                        "withdrawn": rng.random() < 0.005,
                    }
                )
            for start in range(0, n_tasks, 10_000):
                session.execute(insert(Task.__table__), task_rows[start : start + 10_000])  # type: ignore[attr-defined]
            task_ids = dict(session.execute(select(Task.number, Task.id).where(Task.plan_id == plan_id)).all())
            ta_rows: list[dict[str, Any]] = []
            for i, task_roles in enumerate(roles):
                task_id = task_ids[str(i + 1)]
                for position, (role, code) in enumerate(task_roles):
                    ta_rows.append({"task_id": task_id, "role": role, "position": position, **ref(code)})
            for start in range(0, len(ta_rows), 20_000):
                session.execute(insert(TaskAgency.__table__), ta_rows[start : start + 20_000])  # type: ignore[attr-defined]
            session.commit()
    finally:
        engine.dispose()
    return {
        "migrate_s": t_migrate,
        "generate_s": time.perf_counter() - t0,
        "tasks": n_tasks,
        "task_agencies": len(ta_rows),
        "agencies": len(directory.agencies),
        "agencies_with_contacts": with_contacts,
        "deadline_kinds": dict(kinds.most_common()),
        "lead_mix": dict(leads.most_common()),
        "distinct_phrases": len({r["deadline_raw"] for r in task_rows}),
    }


# --------------------------------------------------------------------------------------------------
# Measurement (runs in a child process per database)
# --------------------------------------------------------------------------------------------------


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class StepTimer:
    """Times the steps of ``evaluate_day``: passed as its step runner (``run=``), it times each named step
    (prepare-day, list-reminding-cycles, queue-reminders)."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}

    def __call__(self, name: str, step: Any) -> Any:
        t = time.perf_counter()
        try:
            return step()
        finally:
            self.times[name] = self.times.get(name, 0.0) + time.perf_counter() - t

    def take(self) -> dict[str, float]:
        out, self.times = self.times, {}
        return out


def table_counts(engine: Any) -> dict[str, int]:
    from sqlalchemy import func, select
    from sqlmodel import Session

    from models.store.cycle_tables import Cycle, CycleEvent, Notification, ReminderLedger, ResponseToken

    with Session(engine) as session:
        counts: dict[str, Any] = {
            name: session.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in (
                ("cycles", Cycle),
                ("cycle_events", CycleEvent),
                ("ledger", ReminderLedger),
                ("outbox", Notification),
                ("tokens", ResponseToken),
            )
        }
        busiest = session.execute(
            select(Notification.recipient, func.count())
            .group_by(Notification.recipient)
            .order_by(func.count().desc())
            .limit(1)
        ).first()
        counts["busiest_recipient"] = list(busiest) if busiest else None
        return counts


def settings_for(url: str, data_dir: Path) -> Any:
    from config.settings import Settings

    return Settings(database_url=url, data_dir=data_dir)


def measure(url: str, data_dir: Path, day: date, *, trace: bool, full: bool, dispatch: int | None) -> dict[str, Any]:
    """Evaluate ``day`` on the generated database at ``url``; with ``full`` also the re-runs, the next day
    and (``dispatch`` not None) the dispatch. Returns the figures."""
    from config.app import build_app
    from models.services.daily import evaluate_day

    out: dict[str, Any] = {}
    timer = StepTimer()
    settings = settings_for(url, data_dir)
    app = build_app(settings, migrate=False)
    out["rss_before_mb"] = rss_mb()
    out["max_rss_before_mb"] = max_rss_mb()
    if trace:
        tracemalloc.start()
    t = time.perf_counter()
    report = evaluate_day(app.runtime, day, run=timer)
    out["first_s"] = time.perf_counter() - t
    if trace:
        out["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    out["max_rss_after_mb"] = max_rss_mb()
    out["rss_after_mb"] = rss_mb()
    out["first_steps"] = timer.take()
    out["first"] = report.as_json()
    if not full:
        return out
    out["counts_after_first"] = table_counts(app.engine)

    def timed_run(runtime: Any, on: date) -> tuple[float, dict[str, Any], dict[str, float]]:
        t = time.perf_counter()
        rep = evaluate_day(runtime, on, run=timer)
        return time.perf_counter() - t, rep.as_json(), timer.take()

    def fresh_app() -> Any:  # a new Runtime (empty caches) on the same engine; the previous one is freed
        gc.collect()
        return build_app(settings, migrate=False)

    out["again_s"], out["again"], out["again_steps"] = timed_run(app.runtime, day)
    app = fresh_app()
    out["again_fresh_s"], out["again_fresh"], out["again_fresh_steps"] = timed_run(app.runtime, day)
    next_day = day + timedelta(days=1)
    out["next_day"] = next_day.isoformat()
    app = fresh_app()
    out["next_s"], out["next"], out["next_steps"] = timed_run(app.runtime, next_day)
    out["max_rss_end_mb"] = max_rss_mb()
    out["counts_end"] = table_counts(app.engine)
    if dispatch is not None:
        from notifiers.file import FileChannel

        folder = data_dir / "sent"
        channels = {name: FileChannel(name, folder) for name in ("zalo", "sms", "email")}
        outbox = app.outbox(channels=channels, record_batch=200)
        t = time.perf_counter()
        stats = outbox.dispatch(batch=200, max_batches=(-(-dispatch // 200) if dispatch else None))
        out["dispatch_s"] = time.perf_counter() - t
        out["dispatch"] = dict(stats.__dict__)
    app.engine.dispose()
    return out


# --------------------------------------------------------------------------------------------------
# Orchestration
# --------------------------------------------------------------------------------------------------


def child(argv: list[str]) -> dict[str, Any]:
    """Run this file in a child process (one measurement per process: max RSS is per process)."""
    proc = subprocess.run(
        [sys.executable, __file__, *argv], capture_output=True, text=True, cwd=ROOT, env={**os.environ}
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"child {argv[:2]} failed with code {proc.returncode}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


class Database:
    """A throwaway database: a SQLite file in a temporary folder, or a PostgreSQL schema."""

    def __init__(self, backend: str, folder: Path, pg_url: str, tag: str) -> None:
        self.backend = backend
        self.data_dir = folder / tag
        self.data_dir.mkdir(parents=True)
        if backend == "sqlite":
            self.url = f"sqlite:///{self.data_dir / 'bench.db'}"
            self.schema = None
        else:
            from sqlalchemy import create_engine, text

            self.schema = f"bench_{uuid.uuid4().hex[:10]}"
            self._admin = create_engine(pg_url)
            with self._admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            sep = "&" if "?" in pg_url else "?"
            self.url = f"{pg_url}{sep}options=-csearch_path%3D{self.schema}"

    def size_mb(self) -> float:
        if self.backend == "sqlite":
            return sum(p.stat().st_size for p in self.data_dir.glob("bench.db*")) / 2**20
        from sqlalchemy import text

        with self._admin.connect() as conn:
            size = conn.execute(
                text(
                    "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :s AND c.relkind = 'r'"
                ),
                {"s": self.schema},
            ).scalar_one()
        return float(size) / 2**20

    def drop(self) -> None:
        shutil.rmtree(self.data_dir, ignore_errors=True)  # the SQLite file, the messages written by dispatch
        if self.schema is not None:
            from sqlalchemy import text

            with self._admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
            self._admin.dispose()
            self.schema = None


def run_backend(backend: str, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    result: dict[str, Any] = {"backend": backend}
    dbs: list[Database] = []
    try:
        db = Database(backend, folder, args.pg_url, f"{backend}-timed")
        dbs.append(db)
        print(f"[{backend}] generating {args.tasks:,} tasks …", file=sys.stderr, flush=True)
        result["gen"] = child(["--_generate", db.url, "--tasks", str(args.tasks)])
        print(
            f"[{backend}] generated in {result['gen']['generate_s']:.1f} s; evaluating {args.day} …",
            file=sys.stderr,
            flush=True,
        )
        argv = ["--_measure", db.url, "--_data-dir", str(db.data_dir), "--day", args.day.isoformat()]
        if args.trace == "same":
            argv.append("--_trace")
        if args.dispatch:
            argv += ["--_dispatch", str(args.dispatch_limit)]
        result["timed"] = child([*argv, "--_full"])
        result["db_mb"] = db.size_mb()
        if args.trace == "separate":
            db2 = Database(backend, folder, args.pg_url, f"{backend}-traced")
            dbs.append(db2)
            print(f"[{backend}] traced run on a second identical database …", file=sys.stderr, flush=True)
            child(["--_generate", db2.url, "--tasks", str(args.tasks)])
            traced = child(
                ["--_measure", db2.url, "--_data-dir", str(db2.data_dir), "--day", args.day.isoformat(), "--_trace"]
            )
            result["traced"] = traced
    finally:
        for d in dbs:
            d.drop()
    return result


def share(counts: dict[str, int]) -> str:
    total = sum(counts.values()) or 1
    return ", ".join(f"{k} {100 * v / total:.1f} %" for k, v in counts.items())


def fmt_report(rep: dict[str, Any]) -> str:
    keys = ("created", "cancelled", "opened", "overdue", "queued", "folded", "expired", "no_contact", "skipped_batches")
    return ", ".join(f"{k} {rep[k]:,}" for k in keys if rep.get(k))


def fmt_steps(steps: dict[str, float]) -> str:
    short = {"materialise": "materialise", "transition": "transitions", "queue_reminders": "queue"}
    return " / ".join(f"{short[k]} {steps.get(k, 0.0):.1f}" for k in short)


def print_results(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    print()
    python = sys.version.split()[0]
    print(f"dondoc daily evaluation — {args.tasks:,} tasks, day {args.day}, seed {SEED}, Python {python}")
    for r in results:
        gen, timed = r["gen"], r["timed"]
        print()
        print(f"== {r['backend']} ==")
        print(
            f"  data: {gen['tasks']:,} tasks, {gen['task_agencies']:,} task-agency rows, "
            f"{gen['distinct_phrases']} distinct phrases, generated in {gen['generate_s']:.1f} s"
        )
        print(f"  deadline kinds: {share(gen['deadline_kinds'])}; lead: {share(gen['lead_mix'])}")
        rows: list[tuple[str, str, str]] = []
        rows.append(("1. first run (fresh db)", f"{timed['first_s']:.1f} s", fmt_report(timed["first"])))
        rows.append(("   steps (s)", fmt_steps(timed["first_steps"]), ""))
        peak = None
        if "tracemalloc_peak_mb" in timed:
            peak = f"{timed['tracemalloc_peak_mb']:.0f} MB (traced run itself: {timed['first_s']:.1f} s)"
        elif "traced" in r:
            tr = r["traced"]
            peak = f"{tr['tracemalloc_peak_mb']:.0f} MB (separate traced run: {tr['first_s']:.1f} s)"
        rows.append(
            (
                "   memory",
                f"max RSS {timed['max_rss_before_mb']:.0f} → {timed['max_rss_after_mb']:.0f} MB",
                f"RSS after {timed['rss_after_mb']:.0f} MB" + (f"; tracemalloc peak {peak}" if peak else ""),
            )
        )
        c1 = dict(timed["counts_after_first"])
        busiest = c1.pop("busiest_recipient")
        rows.append(("   rows after", ", ".join(f"{k} {v:,}" for k, v in c1.items()), f"db {r['db_mb']:.0f} MB at end"))
        if busiest:
            rows.append(("   busiest recipient", f"{busiest[0]}: {busiest[1]:,} messages", ""))
        rows.append(("2. same day again", f"{timed['again_s']:.1f} s", fmt_report(timed["again"]) or "nothing"))
        rows.append(("   steps (s)", fmt_steps(timed["again_steps"]), "(same Runtime: caches warm)"))
        rows.append(
            ("   … fresh Runtime", f"{timed['again_fresh_s']:.1f} s", fmt_report(timed["again_fresh"]) or "nothing")
        )
        rows.append(("   steps (s)", fmt_steps(timed["again_fresh_steps"]), ""))
        rows.append(
            (f"3. next day {timed['next_day']}", f"{timed['next_s']:.1f} s", fmt_report(timed["next"]) or "nothing")
        )
        rows.append(
            (
                "   steps (s)",
                fmt_steps(timed["next_steps"]),
                f"max RSS of the process at end {timed['max_rss_end_mb']:.0f} MB",
            )
        )
        if "dispatch" in timed:
            d = timed["dispatch"]
            rate = d.get("sent", 0) / timed["dispatch_s"] if timed["dispatch_s"] else 0.0
            counts = ", ".join(f"{k} {v:,}" for k, v in d.items() if v and isinstance(v, int))
            rows.append(("4. dispatch (file channel)", f"{timed['dispatch_s']:.1f} s", f"{counts} ({rate:,.0f} msg/s)"))
        w0 = max(len(a) for a, _, _ in rows)
        w1 = max(len(b) for _, b, _ in rows)
        for a, b, c in rows:
            print(f"  {a:<{w0}}  {b:<{w1}}  {c}".rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--day", type=date.fromisoformat, default=date(2026, 6, 15))
    parser.add_argument("--trace", choices=["separate", "same", "off"], default="separate")
    parser.add_argument("--dispatch", action="store_true", help="also time sending the outbox (file channel)")
    parser.add_argument("--dispatch-limit", type=int, default=0, help="send at most N messages (0: all)")
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--json", action="store_true", help="print the raw figures as JSON too")
    # Child-process modes (internal).
    parser.add_argument("--_generate", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--_measure", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--_data-dir", dest="data_dir", help=argparse.SUPPRESS)
    parser.add_argument("--_trace", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--_full", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--_dispatch", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args._generate:
        print(json.dumps(generate(args._generate, args.tasks)))
        return
    if args._measure:
        figures = measure(
            args._measure, Path(args.data_dir), args.day, trace=args._trace, full=args._full, dispatch=args._dispatch
        )
        print(json.dumps(figures))
        return

    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    folder = Path(tempfile.mkdtemp(prefix="dondoc-bench-daily-"))
    results = []
    t0 = time.perf_counter()
    try:
        for backend in backends:
            results.append(run_backend(backend, args, folder))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print_results(results, args)
    print(f"\n(total {time.perf_counter() - t0:.0f} s)")
    if args.json:
        print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
