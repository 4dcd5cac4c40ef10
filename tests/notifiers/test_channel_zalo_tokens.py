"""The Zalo token store: single-flight refresh across threads and processes, pair stored before use."""

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from servers.zalo import FakeZalo
from sqlalchemy import select
from sqlalchemy.engine import Engine

from models.store.channel_tables import ProviderToken
from notifiers.zalo_tokens import ZaloTokenStore, token_status

WORKERS = Path(__file__).resolve().parents[1] / "servers" / "workers.py"


@pytest.fixture
def zalo() -> Iterator[FakeZalo]:
    with FakeZalo() as server:
        yield server  # type: ignore[misc]


def store(engine: Engine, zalo: FakeZalo, seed: str | None = "refresh-0") -> ZaloTokenStore:
    return ZaloTokenStore(
        engine,
        app_id=zalo.app_id,
        secret_key=zalo.secret_key,
        oauth_base=zalo.url,
        seed_refresh_token=seed,
        client=httpx.Client(timeout=5),
    )


def test_new_pair_is_stored_before_use(engine: Engine, zalo: FakeZalo) -> None:
    token = store(engine, zalo).access_token()
    with engine.connect() as conn:
        row = conn.execute(select(ProviderToken)).one()
    assert row.access_token == token and zalo.access[token]
    assert row.refresh_token in zalo.valid_refresh  # the stored one is the live one
    assert "refresh-0" not in zalo.valid_refresh  # the seed is spent
    # A second store (another process) uses the stored pair: no refresh.
    assert store(engine, zalo, seed="refresh-0").access_token() == token
    assert zalo.refreshes == 1


def test_concurrent_threads_refresh_once(engine: Engine, zalo: FakeZalo) -> None:
    zalo.refresh_delay = 0.3  # a slow OAuth server widens the race
    stores = [store(engine, zalo) for _ in range(6)]  # separate stores: no shared in-process lock
    results: list[str] = []
    barrier = threading.Barrier(len(stores))

    def work(s: ZaloTokenStore) -> None:
        barrier.wait()
        results.append(s.access_token())

    threads = [threading.Thread(target=work, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert zalo.refreshes == 1
    assert len(results) == 6 and len(set(results)) == 1


def test_concurrent_processes_refresh_once(db_url: str, zalo: FakeZalo) -> None:
    zalo.refresh_delay = 0.3
    start_at = time.time() + 2.0  # after the children's imports
    args = {
        "db_url": db_url,
        "app_id": zalo.app_id,
        "secret_key": zalo.secret_key,
        "oauth_base": zalo.url,
        "seed": "refresh-0",
        "start_at": start_at,
    }
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKERS), "refresh", json.dumps(args)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err[-500:] for _, err in outputs]
    tokens = {out.strip() for out, _ in outputs}
    assert zalo.refreshes == 1 and len(tokens) == 1 and zalo.access[tokens.pop()]


def test_rejected_token_already_replaced_by_another_process(engine: Engine, zalo: FakeZalo) -> None:
    a, b = store(engine, zalo), store(engine, zalo)
    old = a.access_token()
    assert b.access_token() == old
    new = a.refresh_after_rejection(old)  # A sees −124 first and refreshes
    assert new != old
    # B then sees −124 with the old token: it takes A's token, no second refresh.
    assert b.refresh_after_rejection(old) == new
    assert zalo.refreshes == 2


def test_operator_reseeds_after_the_stored_token_died(engine: Engine, zalo: FakeZalo) -> None:
    store(engine, zalo).access_token()
    zalo.valid_refresh = {"fresh-from-officer"}  # the stored refresh token no longer works
    zalo.expire_access()
    reseeded = store(engine, zalo, seed="fresh-from-officer")
    token = reseeded.refresh_after_rejection(reseeded.access_token())
    assert zalo.access[token]
    status = token_status(engine)
    assert status.version == 2 and status.last_error is None


def test_no_refresh_token_at_all(engine: Engine, zalo: FakeZalo) -> None:
    from notifiers.base import AuthError

    with pytest.raises(AuthError):
        store(engine, zalo, seed=None).access_token()
    assert "DONDOC_ZALO_REFRESH_TOKEN" in (token_status(engine).last_error or "")
    assert zalo.refreshes == 0
