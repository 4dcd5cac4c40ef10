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
   (folded) reminders. Wall time per phase — materialise and transitions by wrapping the functions
   ``prepare_day`` calls, queue as the steps after them (list the reminding cycles, queue, compose) —, the
   ``DayReport`` counts, and memory: the process's max RSS (``getrusage``, before and after) and the
   tracemalloc peak. Tracing slows this code down about 4–5 times, so by default the tracemalloc peak comes
   from a separate run on an identical second database (same seed) and the timed run is untraced;
   ``--trace same`` traces the timed run instead (times inflated), ``--trace off`` skips it;
2. a second ``evaluate_day`` for the same day with the same ``Runtime`` (its caches warm) — it should
   queue nothing — and again with a fresh ``Runtime`` (what re-running ``dondoc daily`` costs);
3. the next day with a fresh ``Runtime``: the steady-state cost of one daily run;
4. with ``--dispatch``: sending the queued messages through the file channel
   (``App.outbox(channels={name: FileChannel(...)}, record_batch=200)``; the shipped directory's contacts
   are demo ones, which the outbox diverts to its own file channel in the data folder: the same work),
   all of them or ``--dispatch-limit``;
5. the raw baseline (``RawBaseline``; ``--no-raw`` skips it), in the same process on the same database:
   the rows the first run wrote, then those the next day wrote, copied into empty ``<table>_raw`` tables
   of the same DDL — ``executemany`` through ``sqlite3`` with dondoc's pragmas, ``COPY`` through psycopg —,
   one set-based ``UPDATE`` for the transitions, a read of every row, and a read plus one ``UPDATE`` of the
   messages for the dispatch. Each phase is printed beside its baseline with the ratio (phase ÷ baseline;
   none where the phase wrote no rows) and the SQL statements it issued (a ``before_cursor_execute``
   listener: an ``executemany`` batch counts once).

``--tasks 1000,10000`` measures each size in turn and prints the growth factor of each phase per 10× tasks
(10 is linear). ``--json`` prints one JSON document on stdout — ``figures`` (everything measured),
``time_ratios`` (lower is better), ``throughput_ratios`` (dondoc rows/s ÷ raw rows/s: higher is better),
``statements`` and ``growth_per_10x``, per backend and size — and the table on stderr.

Each database is generated and evaluated in child processes of its own, so that the max RSS of one
measurement is not the generator's or the other backend's.

Run: ``.venv/bin/python bench/bench_daily.py [--tasks 100000 | --tasks 1000,10000] [--backend
sqlite|postgresql|both] [--day 2026-06-15] [--trace separate|same|off] [--dispatch] [--dispatch-limit N]
[--pg-url URL] [--json] [--no-raw]``.
"""

from __future__ import annotations

import argparse
import gc
import itertools
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


# --------------------------------------------------------------------------------------------------
# Phase timing, statement counting and the raw-database baseline (issue 13, items 1, 3 and 4)
# --------------------------------------------------------------------------------------------------

# The phases compared with their raw baseline. materialise and transitions are timed by wrapping the
# functions ``evaluate_day`` calls; queue is everything after them (list the reminding cycles, queue
# their reminders, compose the messages); dispatch is ``Outbox.dispatch``.
PHASES = ("materialise", "transitions", "queue", "dispatch")
QUEUE_STEPS = ("list-reminding-cycles", "queue-reminders", "compose-messages")
# The tables each phase writes, in the order the raw baseline fills them (parents first).
RAW_TABLES = ("cycle", "cycleevent", "reminderledger", "responsetoken", "notification")
# Columns copied with the value they had when the row was written, not the one later phases gave it.
FRESH = {("cycle", "status"): "'scheduled'", ("notification", "status"): "'pending'"}


class PhaseMeter:
    """Wall time and SQL statements per phase. One ``before_cursor_execute`` listener on the engine counts
    every statement sent to the driver (an ``executemany`` counts once, as the database sees one batch)
    under the phase running at the time; statements outside a phase count as "other"."""

    def __init__(self) -> None:
        self.current = "other"
        self.times: dict[str, float] = {}
        self.statements: Counter[str] = Counter()

    def listen(self, engine: Any) -> None:
        from sqlalchemy import event

        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_args: Any) -> None:
        self.statements[self.current] += 1

    def timed(self, phase: str, fn: Any) -> Any:
        previous, self.current = self.current, phase
        t = time.perf_counter()
        try:
            return fn()
        finally:
            self.times[phase] = self.times.get(phase, 0.0) + time.perf_counter() - t
            self.current = previous

    def wrap(self, phase: str, fn: Any) -> Any:
        return lambda *a, **kw: self.timed(phase, lambda: fn(*a, **kw))

    def __call__(self, name: str, step: Any) -> Any:  # the step runner ``evaluate_day(run=...)`` calls
        if name in QUEUE_STEPS:
            return self.timed("queue", step)
        return step()

    def take(self) -> dict[str, Any]:
        out = {"times": self.times, "statements": dict(self.statements)}
        self.times, self.statements = {}, Counter()
        return out


def install_meter(engine: Any) -> PhaseMeter:
    """Count the engine's statements and time materialise / transitions where ``prepare_day`` calls them."""
    import models.services.daily as daily

    meter = PhaseMeter()
    meter.listen(engine)
    daily.materialise = meter.wrap("materialise", daily.materialise)  # type: ignore[assignment]
    daily.transition = meter.wrap("transitions", daily.transition)  # type: ignore[assignment]
    return meter


def max_ids(engine: Any) -> dict[str, int]:
    """The highest id of each table the phases write: the rows of a run are the ids above the previous mark."""
    from sqlalchemy import text

    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT coalesce(max(id), 0) FROM {t}")).scalar_one() for t in RAW_TABLES}


class RawBaseline:
    """The raw database work of the rows dondoc wrote, on the same database with the same driver and
    settings: empty copies ``<table>_raw`` of the tables (same DDL: SQLite's own ``CREATE`` statements
    for the table and its indexes, PostgreSQL's ``LIKE … INCLUDING ALL``), then, timed —

    * insert: the cycles (as materialise creates them: ``scheduled``), cycle events, ledger rows, tokens
      and messages of one run — ``executemany`` in one transaction through ``sqlite3``, ``COPY`` through
      psycopg (the rows are taken out beforehand, untimed: ``SELECT`` / ``COPY … TO STDOUT``);
    * transitions: one set-based ``UPDATE`` opening the cycles due to open and marking the late ones overdue;
    * read: a ``SELECT *`` of every copied row;
    * dispatch: a read of the messages and one ``UPDATE`` marking them sent.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite = url.startswith("sqlite")

    def connect(self) -> Any:
        if self.sqlite:
            import sqlite3

            conn = sqlite3.connect(self.url.removeprefix("sqlite:///"), isolation_level=None)
            for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000"):
                conn.execute(f"PRAGMA {pragma}")  # the settings dondoc's engine uses (models/store/db.py)
            return conn
        import psycopg
        from sqlalchemy.engine import make_url

        u = make_url(self.url)
        return psycopg.connect(
            host=u.host, port=u.port, user=u.username, password=u.password, dbname=u.database, **u.query
        )

    def columns(self, cur: Any, table: str) -> list[str]:
        cur.execute(f"SELECT * FROM {table} WHERE 1 = 0")
        return [d[0] for d in cur.description]

    def create(self, conn: Any, table: str) -> None:
        raw = f"{table}_raw"
        if self.sqlite:
            conn.execute(f"DROP TABLE IF EXISTS {raw}")
            ddl = conn.execute(
                "SELECT type, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL ORDER BY type DESC",
                (table,),
            ).fetchall()
            for kind, sql in ddl:  # the table first ("table" > "index"), then its indexes
                if kind == "table":
                    sql = re.sub(rf'^CREATE TABLE "?{table}"?', f"CREATE TABLE {raw}", sql)
                else:
                    sql = re.sub(
                        rf'^CREATE (UNIQUE )?INDEX "?(\w+)"? ON "?{table}"?',
                        lambda m: f"CREATE {m.group(1) or ''}INDEX {m.group(2)}_raw ON {raw}",
                        sql,
                    )
                conn.execute(sql)
        else:
            with conn.cursor() as cur:
                cur.execute(f"DROP TABLE IF EXISTS {raw}")
                cur.execute(f"CREATE TABLE {raw} (LIKE {table} INCLUDING ALL)")
            conn.commit()

    def run(self, low: dict[str, int], high: dict[str, int], today: date) -> dict[str, Any]:
        """Copy the rows with ``low[t] < id <= high[t]`` of each table into fresh raw tables, timed; then drop them."""
        conn = self.connect()
        try:
            for table in RAW_TABLES:
                self.create(conn, table)
            return self._timed(conn, low, high, today)
        finally:
            for table in RAW_TABLES[::-1]:
                if self.sqlite:
                    conn.execute(f"DROP TABLE IF EXISTS {table}_raw")
                else:
                    conn.rollback()
                    conn.execute(f"DROP TABLE IF EXISTS {table}_raw")
            if not self.sqlite:
                conn.commit()
            conn.close()

    def _timed(self, conn: Any, low: dict[str, int], high: dict[str, int], today: date) -> dict[str, Any]:
        cur = conn.cursor()
        data: dict[str, Any] = {}
        cols: dict[str, list[str]] = {}
        rows: dict[str, int] = {}
        for table in RAW_TABLES:
            cols[table] = self.columns(cur, table)
            # Cycles go in as materialise writes them, messages as queued: the UPDATEs below then do the
            # transitions' and the dispatch's work.
            select = ", ".join(FRESH.get((table, c), c) for c in cols[table])
            query = f"SELECT {select} FROM {table} WHERE id > {low[table]} AND id <= {high[table]} ORDER BY id"
            if self.sqlite:
                data[table] = cur.execute(query).fetchall()
                rows[table] = len(data[table])
            else:
                buf = bytearray()
                with cur.copy(f"COPY ({query}) TO STDOUT") as copy:
                    for block in copy:
                        buf += block
                data[table] = bytes(buf)
                rows[table] = buf.count(b"\n")
        if not self.sqlite:
            conn.commit()
        out: dict[str, Any] = {"rows": rows, "insert_s": {}}
        for table in RAW_TABLES:
            names = ", ".join(cols[table])
            t = time.perf_counter()
            if self.sqlite:
                marks = ", ".join("?" * len(cols[table]))
                cur.execute("BEGIN")
                cur.executemany(f"INSERT INTO {table}_raw ({names}) VALUES ({marks})", data[table])
                cur.execute("COMMIT")
            else:
                with cur.copy(f"COPY {table}_raw ({names}) FROM STDIN") as copy:
                    copy.write(data[table])
                conn.commit()
            out["insert_s"][table] = time.perf_counter() - t
        update = (
            "UPDATE cycle_raw SET status = CASE WHEN coalesce(due_extended, due_effective) < {d} THEN 'overdue' "
            "ELSE 'open' END, status_changed_at = CURRENT_TIMESTAMP WHERE status = 'scheduled' AND opens_on <= {d}"
        )
        day = f"'{today.isoformat()}'"
        t = time.perf_counter()
        out["updated"] = self._execute(conn, cur, update.format(d=day))
        out["update_s"] = time.perf_counter() - t
        t = time.perf_counter()
        read = 0
        for table in RAW_TABLES:
            cur.execute(f"SELECT * FROM {table}_raw")
            read += len(cur.fetchall())
        out["read_s"] = time.perf_counter() - t
        out["read_rows"] = read
        t = time.perf_counter()
        cur.execute("SELECT * FROM notification_raw WHERE status = 'pending' ORDER BY id")
        cur.fetchall()
        self._execute(
            conn,
            cur,
            "UPDATE notification_raw SET status = 'sent', sent_at = CURRENT_TIMESTAMP WHERE status = 'pending'",
        )
        out["dispatch_s"] = time.perf_counter() - t
        cur.close()
        return out

    def _execute(self, conn: Any, cur: Any, sql: str) -> int:
        """One statement in its own transaction; returns the rows it changed (read before the COMMIT resets it)."""
        if self.sqlite:
            cur.execute("BEGIN")
            cur.execute(sql)
            changed = int(cur.rowcount)
            cur.execute("COMMIT")
        else:
            cur.execute(sql)
            changed = int(cur.rowcount)
            conn.commit()
        return changed


def baseline_rows(raw: dict[str, Any]) -> dict[str, int]:
    """The rows behind each baseline: a phase that wrote nothing (the next day creates no cycle) has no
    meaningful ratio — its raw cost is a few microseconds of an empty statement."""
    rows = raw["rows"]
    return {
        "materialise": rows["cycle"],
        "transitions": raw["updated"] + rows["cycleevent"],
        "queue": rows["reminderledger"] + rows["responsetoken"] + rows["notification"],
        "total": sum(rows.values()) + raw["updated"],
    }


def baselines(raw: dict[str, Any]) -> dict[str, float]:
    """The raw seconds each dondoc phase is compared with."""
    ins = raw["insert_s"]
    return {
        "materialise": ins["cycle"],
        "transitions": raw["update_s"] + ins["cycleevent"],
        "queue": ins["reminderledger"] + ins["responsetoken"] + ins["notification"],
        "dispatch": raw["dispatch_s"],
        "total": sum(ins.values()) + raw["update_s"] + raw["read_s"],
    }


def settings_for(url: str, data_dir: Path) -> Any:
    from config.settings import Settings

    return Settings(database_url=url, data_dir=data_dir)


def measure(
    url: str, data_dir: Path, day: date, *, trace: bool, full: bool, dispatch: int | None, raw: bool = True
) -> dict[str, Any]:
    """Evaluate ``day`` on the generated database at ``url``; with ``full`` also the re-runs, the next day,
    (``dispatch`` not None) the dispatch and (``raw``) the raw baseline of the rows the first run and the
    next day wrote. Returns the figures."""
    from config.app import build_app
    from models.services.daily import evaluate_day

    out: dict[str, Any] = {}
    settings = settings_for(url, data_dir)
    app = build_app(settings, migrate=False)
    meter = install_meter(app.engine)
    out["rss_before_mb"] = rss_mb()
    out["max_rss_before_mb"] = max_rss_mb()
    if trace:
        tracemalloc.start()
    meter.take()
    t = time.perf_counter()
    report = evaluate_day(app.runtime, day, run=meter)
    out["first_s"] = time.perf_counter() - t
    if trace:
        out["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    out["max_rss_after_mb"] = max_rss_mb()
    out["rss_after_mb"] = rss_mb()
    out["first_steps"] = meter.take()
    out["first"] = report.as_json()
    if not full:
        return out
    mark_first = max_ids(app.engine)
    out["counts_after_first"] = table_counts(app.engine)

    def timed_run(runtime: Any, on: date) -> tuple[float, dict[str, Any], dict[str, Any]]:
        meter.take()
        t = time.perf_counter()
        rep = evaluate_day(runtime, on, run=meter)
        return time.perf_counter() - t, rep.as_json(), meter.take()

    def fresh_app() -> Any:  # a new Runtime (empty caches) on the same engine; the previous one is freed
        gc.collect()
        fresh = build_app(settings, migrate=False)
        meter.listen(fresh.engine)  # build_app makes an engine of its own: count its statements too
        return fresh

    out["again_s"], out["again"], out["again_steps"] = timed_run(app.runtime, day)
    app = fresh_app()
    out["again_fresh_s"], out["again_fresh"], out["again_fresh_steps"] = timed_run(app.runtime, day)
    next_day = day + timedelta(days=1)
    out["next_day"] = next_day.isoformat()
    app = fresh_app()
    out["next_s"], out["next"], out["next_steps"] = timed_run(app.runtime, next_day)
    out["max_rss_end_mb"] = max_rss_mb()
    mark_next = max_ids(app.engine)
    out["counts_end"] = table_counts(app.engine)
    if dispatch is not None:
        from notifiers.file import FileChannel

        folder = data_dir / "sent"
        channels = {name: FileChannel(name, folder) for name in ("zalo", "sms", "email")}
        outbox = app.outbox(channels=channels, record_batch=200)
        meter.take()
        t = time.perf_counter()
        stats = meter.timed(
            "dispatch", lambda: outbox.dispatch(batch=200, max_batches=(-(-dispatch // 200) if dispatch else None))
        )
        out["dispatch_s"] = time.perf_counter() - t
        out["dispatch_steps"] = meter.take()
        out["dispatch"] = dict(stats.__dict__)
    app.engine.dispose()
    if raw:
        zero = dict.fromkeys(RAW_TABLES, 0)
        baseline = RawBaseline(url)
        out["raw_first"] = baseline.run(zero, mark_first, day)
        out["raw_next"] = baseline.run(mark_first, mark_next, next_day)
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


def run_backend(backend: str, n_tasks: int, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    result: dict[str, Any] = {"backend": backend, "tasks": n_tasks}
    dbs: list[Database] = []
    try:
        db = Database(backend, folder, args.pg_url, f"{backend}-{n_tasks}-timed")
        dbs.append(db)
        print(f"[{backend}] generating {n_tasks:,} tasks …", file=sys.stderr, flush=True)
        result["gen"] = child(["--_generate", db.url, "--tasks", str(n_tasks)])
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
        if args.no_raw:
            argv.append("--_no-raw")
        result["timed"] = child([*argv, "--_full"])
        result["db_mb"] = db.size_mb()
        if args.trace == "separate":
            db2 = Database(backend, folder, args.pg_url, f"{backend}-{n_tasks}-traced")
            dbs.append(db2)
            print(f"[{backend}] traced run on a second identical database …", file=sys.stderr, flush=True)
            child(["--_generate", db2.url, "--tasks", str(n_tasks)])
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


def fmt_steps(steps: dict[str, Any]) -> str:
    """ "materialise 1.2 s (40 SQL) / transitions … / queue …" of one run."""
    times, statements = steps["times"], steps["statements"]
    return (
        " / ".join(f"{p} {times.get(p, 0.0):.2f} s ({statements.get(p, 0):,} SQL)" for p in PHASES[:3])
        + f"; other {statements.get('other', 0):,} SQL"
    )


def phase_times(timed: dict[str, Any], run: str) -> dict[str, float]:
    """dondoc's seconds per phase of ``run`` ("first" or "next"), with the whole run as "total"."""
    times = timed[f"{run}_steps"]["times"]
    out = {p: times.get(p, 0.0) for p in PHASES[:3]}
    out["total"] = timed[f"{run}_s"]
    return out


def dispatch_baseline(timed: dict[str, Any]) -> float | None:
    """The raw seconds of reading and marking sent the messages dispatch sent (the raw UPDATE covers every
    message both runs queued; with ``--dispatch-limit`` it is scaled to the messages actually sent)."""
    if "dispatch" not in timed or "raw_first" not in timed:
        return None
    queued = timed["raw_first"]["rows"]["notification"] + timed["raw_next"]["rows"]["notification"]
    raw_s = timed["raw_first"]["dispatch_s"] + timed["raw_next"]["dispatch_s"]
    sent = timed["dispatch"].get("sent", 0)
    return raw_s * min(1.0, sent / queued) if queued else None


def ratios(r: dict[str, Any]) -> tuple[dict[str, float], dict[str, float]]:
    """``time_ratios`` (phase ÷ raw baseline: lower is better) and ``throughput_ratios`` (dondoc rows/s ÷
    raw rows/s for the same rows: higher is better) of one backend and size."""
    timed = r["timed"]
    time_r: dict[str, float] = {}
    thr: dict[str, float] = {}
    for run in ("first", "next"):
        if f"raw_{run}" not in timed:
            continue
        raw = timed[f"raw_{run}"]
        base, base_rows = baselines(raw), baseline_rows(raw)
        for phase, sec in phase_times(timed, run).items():
            if base[phase] > 0 and base_rows[phase] > 0:
                time_r[f"{run}.{phase}"] = sec / base[phase]
        rows = raw["rows"]
        for phase, n in (("materialise", rows["cycle"]), ("queue", rows["notification"])):
            sec = phase_times(timed, run)[phase]
            if n and sec > 0 and base[phase] > 0:
                thr[f"{run}.{phase}"] = (n / sec) / (n / base[phase])
    d_base = dispatch_baseline(timed)
    if d_base:
        time_r["dispatch"] = timed["dispatch_s"] / d_base
        thr["dispatch"] = d_base / timed["dispatch_s"]
    return time_r, thr


def growth(results: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, float]]]:
    """Per backend and consecutive pair of sizes, each phase's growth factor per 10× tasks:
    ``(t2 / t1) ** (1 / log10(n2 / n1))`` — 10 is linear."""
    import math

    out: dict[str, dict[str, dict[str, float]]] = {}
    by_backend: dict[str, list[dict[str, Any]]] = {}
    for r in results:
        by_backend.setdefault(r["backend"], []).append(r)
    for backend, rs in by_backend.items():
        rs.sort(key=lambda r: r["tasks"])
        for a, b in itertools.pairwise(rs):
            exponent = 1 / math.log10(b["tasks"] / a["tasks"])
            factors: dict[str, float] = {}
            for run in ("first", "next"):
                ta, tb = phase_times(a["timed"], run), phase_times(b["timed"], run)
                for phase in ta:
                    if ta[phase] > 0:
                        factors[f"{run}.{phase}"] = (tb[phase] / ta[phase]) ** exponent
            if a["timed"].get("dispatch_s") and b["timed"].get("dispatch_s"):
                factors["dispatch"] = (b["timed"]["dispatch_s"] / a["timed"]["dispatch_s"]) ** exponent
            out.setdefault(backend, {})[f"{a['tasks']}→{b['tasks']}"] = factors
    return out


def print_baseline(r: dict[str, Any], out: Any) -> None:
    """Each phase beside its raw baseline and the ratio, with the SQL statements dondoc issued."""
    timed = r["timed"]
    if "raw_first" not in timed:
        return
    time_r, _ = ratios(r)
    print("  each phase beside the raw database work of its rows (executemany/COPY, one UPDATE, SELECT):", file=out)
    print(f"    {'run.phase':<20} {'dondoc s':>9} {'raw s':>8} {'ratio':>7} {'SQL':>8}  raw rows", file=out)
    for run in ("first", "next"):
        raw = timed[f"raw_{run}"]
        base = baselines(raw)
        statements = timed[f"{run}_steps"]["statements"]
        rows = raw["rows"]
        described = {
            "materialise": f"{rows['cycle']:,} cycles",
            "transitions": f"{raw['updated']:,} updated, {rows['cycleevent']:,} events",
            "queue": f"{rows['reminderledger']:,} ledger, {rows['responsetoken']:,} tokens, "
            f"{rows['notification']:,} messages",
            "total": f"+ read {raw['read_rows']:,} rows in {raw['read_s']:.3f} s",
        }
        for phase, sec in phase_times(timed, run).items():
            ratio = time_r.get(f"{run}.{phase}")
            n_sql = sum(statements.values()) if phase == "total" else statements.get(phase, 0)
            print(
                f"    {run + '.' + phase:<20} {sec:>9.2f} {base[phase]:>8.3f} "
                f"{(f'{ratio:.1f}×' if ratio else '—'):>7} {n_sql:>8,}  {described[phase]}",
                file=out,
            )
    d_base = dispatch_baseline(timed)
    if d_base:
        n_sql = timed["dispatch_steps"]["statements"].get("dispatch", 0)
        print(
            f"    {'dispatch':<20} {timed['dispatch_s']:>9.2f} {d_base:>8.3f} "
            f"{timed['dispatch_s'] / d_base:>6.1f}× {n_sql:>8,}  read + one UPDATE of the messages",
            file=out,
        )


def print_growth(results: list[dict[str, Any]], out: Any) -> None:
    for backend, pairs in growth(results).items():
        print(f"\n== {backend}: growth factor per 10× tasks (10 = linear) ==", file=out)
        for pair, factors in pairs.items():
            print(f"  {pair}: " + ", ".join(f"{k} {v:.1f}" for k, v in factors.items()), file=out)


def print_results(results: list[dict[str, Any]], args: argparse.Namespace, out: Any = sys.stdout) -> None:
    print(file=out)
    python = sys.version.split()[0]
    sizes = ", ".join(f"{n:,}" for n in args.tasks)
    print(f"dondoc daily evaluation — {sizes} tasks, day {args.day}, seed {SEED}, Python {python}", file=out)
    for r in results:
        gen, timed = r["gen"], r["timed"]
        print(file=out)
        print(f"== {r['backend']}, {r['tasks']:,} tasks ==", file=out)
        print(
            f"  data: {gen['tasks']:,} tasks, {gen['task_agencies']:,} task-agency rows, "
            f"{gen['distinct_phrases']} distinct phrases, generated in {gen['generate_s']:.1f} s",
            file=out,
        )
        print(f"  deadline kinds: {share(gen['deadline_kinds'])}; lead: {share(gen['lead_mix'])}", file=out)
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
            n_sql = timed["dispatch_steps"]["statements"].get("dispatch", 0)
            rows.append(
                (
                    "4. dispatch (file channel)",
                    f"{timed['dispatch_s']:.1f} s",
                    f"{counts} ({rate:,.0f} msg/s, {n_sql:,} SQL)",
                )
            )
        w0 = max(len(a) for a, _, _ in rows)
        w1 = max(len(b) for _, b, _ in rows)
        for a, b, c in rows:
            print(f"  {a:<{w0}}  {b:<{w1}}  {c}".rstrip(), file=out)
        print_baseline(r, out)
    print_growth(results, out)


def task_sizes(text: str) -> list[int]:
    """``--tasks``: "10000" or "1000,10000" (underscores allowed)."""
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number or a comma-separated list of numbers: {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"sizes must be positive: {text!r}")
    return sizes


def json_document(results: list[dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    """The one JSON document of ``--json``: raw figures, ratios per backend and size, statement counts
    per run and phase, and the growth factors."""
    time_ratios: dict[str, dict[str, Any]] = {}
    throughput_ratios: dict[str, dict[str, Any]] = {}
    statements: dict[str, dict[str, Any]] = {}
    for r in results:
        key = str(r["tasks"])
        time_r, thr = ratios(r)
        time_ratios.setdefault(r["backend"], {})[key] = time_r
        throughput_ratios.setdefault(r["backend"], {})[key] = thr
        timed = r["timed"]
        statements.setdefault(r["backend"], {})[key] = {
            run: timed[f"{run}_steps"]["statements"]
            for run in ("first", "again", "again_fresh", "next", "dispatch")
            if f"{run}_steps" in timed
        }
    return {
        "bench": "bench_daily",
        "day": args.day.isoformat(),
        "seed": SEED,
        "python": sys.version.split()[0],
        "tasks": sorted(args.tasks),
        "figures": results,
        "time_ratios": time_ratios,
        "throughput_ratios": throughput_ratios,
        "statements": statements,
        "growth_per_10x": growth(results),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--tasks",
        type=task_sizes,
        default=[100_000],
        help="number of tasks, or a comma-separated list of sizes (1000,10000): each is measured and the "
        "growth factor per 10× printed",
    )
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--day", type=date.fromisoformat, default=date(2026, 6, 15))
    parser.add_argument("--trace", choices=["separate", "same", "off"], default="separate")
    parser.add_argument("--dispatch", action="store_true", help="also time sending the outbox (file channel)")
    parser.add_argument("--dispatch-limit", type=int, default=0, help="send at most N messages (0: all)")
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON document (figures, time_ratios, throughput_ratios, statements, growth_per_10x) "
        "on stdout; the table goes to stderr",
    )
    parser.add_argument("--no-raw", action="store_true", help="skip the raw-database baseline")
    # Child-process modes (internal).
    parser.add_argument("--_generate", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--_measure", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--_data-dir", dest="data_dir", help=argparse.SUPPRESS)
    parser.add_argument("--_trace", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--_full", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--_dispatch", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--_no-raw", dest="_no_raw", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args._generate:
        print(json.dumps(generate(args._generate, args.tasks[0])))
        return
    if args._measure:
        figures = measure(
            args._measure,
            Path(args.data_dir),
            args.day,
            trace=args._trace,
            full=args._full,
            dispatch=args._dispatch,
            raw=not args._no_raw,
        )
        print(json.dumps(figures))
        return

    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    folder = Path(tempfile.mkdtemp(prefix="dondoc-bench-daily-"))
    results = []
    t0 = time.perf_counter()
    try:
        for backend in backends:
            for n_tasks in sorted(args.tasks):
                results.append(run_backend(backend, n_tasks, args, folder))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    out = sys.stderr if args.json else sys.stdout
    print_results(results, args, out)
    print(f"\n(total {time.perf_counter() - t0:.0f} s)", file=out)
    if args.json:
        print(json.dumps(json_document(results, args), indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
