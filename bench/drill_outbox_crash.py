"""The crash drill of issue 15, end to end: random ``kill -9`` of dispatching workers against the local
SMTP server and the Zalo stand-in, rerun until done; prints expected / delivered / duplicates / lost.

What it does:

1. a fresh database (SQLite file, or a new schema on ``--db-url`` PostgreSQL), the shipped plan imported
   and the day 06/08/2025 evaluated; the first ``--messages`` rows kept, half of them moved to email;
2. the fakes of ``tests/servers`` on 127.0.0.1 — ``FakeZalo`` (ZBS send + OAuth) and ``LocalSMTP``
   (aiosmtpd) — and the real channels (``ZaloChannel``, ``EmailChannel`` over SMTP) built from settings;
3. ``--kills`` times: a worker process (this script with ``--worker``) starts dispatching and is killed
   with SIGKILL after a random delay; the rows it left *sending* with their send started are "in flight"
   (the kill fell mid-send); then workers run to the end, again and again until nothing is due;
4. counts what the fakes received per outbox key: Zalo by ``tracking_id``, mail by ``X-Dondoc-Key``.

Expected: with ``on_unknown=resend_once`` no message lost and at most one duplicate per row in flight at
a kill (with ``--concurrency 1``: per kill that fell mid-send); with ``assume_sent`` no duplicate and
every row whose outcome stayed unknown listed as *unconfirmed*. The exit status is 1 when that fails.

Run: ``.venv/bin/python bench/drill_outbox_crash.py [--kills 12] [--messages 300] [--policy resend_once]
[--concurrency 1] [--db-url postgresql+psycopg://postgres@127.0.0.1:5432/test] [--seed 1]``.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import yaml  # noqa: E402

DAY = date(2025, 8, 6)
PLAN = ROOT / "config" / "plans" / "25-KH-UBND-2025-thai-nguyen.txt"


def worker(policy: str, concurrency: int) -> None:
    """One dispatch run over the configured (fake) providers; the demo contacts are not diverted."""
    from config.app import build_app
    from notifiers.registry import build_channels, close_channels

    app = build_app(migrate=False)
    channels = build_channels(app.settings, app.engine)
    box = app.outbox(
        channels=channels,
        on_unknown=dict.fromkeys(channels, policy),
        unknown_wait=timedelta(0),  # the drill does not sleep through the wait: time "has passed"
        concurrency=None if concurrency <= 1 else dict.fromkeys(channels, concurrency),
    )
    box.window = None
    box.divert = {}
    print("ready", flush=True)  # the drill kills at a random moment from here on
    try:
        box.dispatch(batch=50)
    finally:
        close_channels(channels)


def _database(url: str | None, folder: Path) -> tuple[str, object]:
    """A fresh database URL and a clean-up function."""
    from sqlalchemy import text

    from models.store.db import make_engine

    if not url:
        return f"sqlite:///{folder / 'drill.db'}", lambda: None
    schema = f"dondoc_drill_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}", drop


def _prepare(env: dict[str, str], messages: int) -> list[str]:
    """Queue the day's messages; keep the first ``messages`` (half by email); return their keys."""
    from sqlalchemy import delete, select, update
    from sqlmodel import Session

    from config.app import build_app
    from config.settings import get_settings
    from models.services.daily import evaluate_day
    from models.services.importer import import_plan
    from models.store.cycle_tables import Notification

    os.environ.update(env)
    get_settings.cache_clear()
    app = build_app()
    import_plan(app.engine, PLAN, app.runtime.directory, app.runtime.config)
    evaluate_day(app.runtime, DAY)
    with Session(app.engine) as s:
        ids = s.execute(select(Notification.id).order_by(Notification.id)).scalars().all()
        keep = ids[:messages]
        s.execute(delete(Notification).where(Notification.id.not_in(keep)))  # type: ignore[union-attr]
        for row_id in keep[1::2]:
            s.execute(
                update(Notification)
                .where(Notification.id == row_id)
                .values(channel="email", address=f"nhan-{row_id}@vi-du.test", key=f"drill-mail-{row_id}")
            )
        s.commit()
        keys = list(s.execute(select(Notification.key)).scalars())
    app.engine.dispose()
    return keys


def _in_flight(db_url: str) -> int:
    """Rows a killed worker left *sending* with the send started: the kill fell mid-send."""
    from sqlalchemy import func, select

    from models.store.cycle_tables import Notification
    from models.store.db import make_engine

    engine = make_engine(db_url)
    N = Notification
    with engine.connect() as conn:
        n = conn.execute(
            select(func.count()).where(N.status == "sending", N.send_started_at.is_not(None))  # type: ignore[union-attr]
        ).scalar()
    engine.dispose()
    return int(n or 0)


def _statuses(db_url: str) -> tuple[Counter, list[str]]:
    from sqlalchemy import func, select

    from models.store.cycle_tables import Notification
    from models.store.db import make_engine

    engine = make_engine(db_url)
    N = Notification
    with engine.connect() as conn:
        counts = Counter(dict(conn.execute(select(N.status, func.count()).group_by(N.status)).all()))
        unconfirmed = list(conn.execute(select(N.key).where(N.status == "unconfirmed")).scalars())
    engine.dispose()
    return counts, unconfirmed


def _channels_file(folder: Path) -> Path:
    """The shipped channel file with rate limits far above what the drill reaches."""
    data = yaml.safe_load((ROOT / "config" / "channels.yaml").read_text(encoding="utf-8"))
    data["rate_limits"] = {name: {"per_second": 5000, "burst": 5000} for name in data["rate_limits"]}
    data["zalo"]["timeout_seconds"] = 5
    path = folder / "channels.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=12)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--policy", choices=("resend_once", "assume_sent", "resend"), default="resend_once")
    parser.add_argument("--concurrency", type=int, default=1, help="sends in flight per channel (1: one at a time)")
    parser.add_argument("--db-url", default=None, help="a PostgreSQL server URL (default: a SQLite file)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--window", type=float, default=1.0, help="kill within this many seconds of dispatch start")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.policy, args.concurrency)
        return 0

    from servers.smtp import LocalSMTP
    from servers.zalo import FakeZalo

    from notifiers.http import short_id

    rng = random.Random(args.seed)
    folder = Path(tempfile.mkdtemp(prefix="dondoc-drill-"))
    db_url, drop = _database(args.db_url, folder)
    with FakeZalo(daily_quota=10**6) as zalo, LocalSMTP() as smtp:
        zalo.httpd.handle_error = lambda *_: None  # type: ignore[method-assign]  # a killed client's reset is expected
        env = {
            "DONDOC_DATABASE_URL": db_url,
            "DONDOC_DATA_DIR": str(folder / "data"),
            "DONDOC_CHANNELS_FILE": str(_channels_file(folder)),
            "DONDOC_ZALO_APP_ID": zalo.app_id,
            "DONDOC_ZALO_SECRET_KEY": zalo.secret_key,
            "DONDOC_ZALO_REFRESH_TOKEN": "refresh-0",
            "DONDOC_ZALO_API_BASE": zalo.url,
            "DONDOC_ZALO_OAUTH_BASE": zalo.url,
            "DONDOC_EMAIL_URL": f"mailto://127.0.0.1:{smtp.port}?from=dondoc@localhost",
        }
        keys = _prepare(env, args.messages)
        child_env = {**os.environ, **env}
        cmd = [sys.executable, __file__, "--worker", "--policy", args.policy, "--concurrency", str(args.concurrency)]
        kills_mid_send = rows_in_flight = kills = 0
        started = time.monotonic()
        for _ in range(args.kills):
            proc = subprocess.Popen(cmd, env=child_env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            assert proc.stdout is not None
            proc.stdout.readline()  # "ready": start-up done, dispatch begins
            time.sleep(rng.uniform(0, args.window))  # a random moment of the dispatch
            if proc.poll() is not None:
                break  # finished before the kill: nothing left to interrupt
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            kills += 1
            flying = _in_flight(db_url)
            rows_in_flight += flying
            kills_mid_send += 1 if flying else 0
            if args.verbose:
                print(f"  kill {kills}: {len(zalo.sent) + len(smtp.received)} received so far, {flying} in flight")
        reruns = 0
        while True:  # rerun until done
            reruns += 1
            done = subprocess.run(cmd, env=child_env, capture_output=True, text=True)
            if done.returncode != 0:
                print(done.stderr[-3000:])
                return 2
            counts, unconfirmed = _statuses(db_url)
            if not (counts.get("pending") or counts.get("failed") or counts.get("unknown") or counts.get("sending")):
                break
            if reruns > 20:
                print("not done after 20 reruns:", dict(counts))
                return 2
        took = time.monotonic() - started
        time.sleep(0.5)
        got: Counter = Counter()
        by_tracking = {short_id(k): k for k in keys}
        for m in zalo.sent:
            got[by_tracking.get(str(m["tracking_id"]), "?")] += 1
        for r in smtp.received:
            got[str(r.message()["X-Dondoc-Key"])] += 1
    drop()  # type: ignore[operator]
    expected = set(keys)
    delivered = len(expected & set(got))
    duplicates = sum(n - 1 for k, n in got.items() if k in expected and n > 1)
    lost = sorted(expected - set(got))
    lost_unlisted = [k for k in lost if k not in set(unconfirmed)]
    backend = "postgresql" if args.db_url else "sqlite"
    print(
        f"drill: {backend}, on_unknown={args.policy}, concurrency={args.concurrency}, {kills} kills "
        f"({kills_mid_send} mid-send, {rows_in_flight} rows in flight), {reruns} reruns, {took:.0f} s"
    )
    print(f"expected {len(expected)}  delivered {delivered}  duplicates {duplicates}  lost {len(lost)}")
    print(f"statuses {dict(sorted(counts.items()))}  unconfirmed (listed) {len(unconfirmed)}")
    for key in unconfirmed:
        print(f"  unconfirmed: {key} ({'received' if key in got else 'not received'})")
    if args.policy == "assume_sent":
        ok = duplicates == 0 and not lost_unlisted
    else:
        bound = kills_mid_send if args.concurrency <= 1 else rows_in_flight
        ok = not lost and duplicates <= bound
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
