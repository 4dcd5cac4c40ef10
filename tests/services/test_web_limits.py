"""The web's counters in the database (``models.services.web_limits`` through ``web.security``'s shared
classes), on SQLite and PostgreSQL: two limiters over two engines stand for two web processes; threads
hit them at once; the start-up checks of several processes."""

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from config.settings import Settings, get_settings
from models.domain.limits import Backoff, Limit
from models.services import web_limits
from models.store.db import make_engine
from web.app import StartupError, check_shared_setup
from web.security import SharedRateLimiter, SharedThrottle


@pytest.fixture
def second(db_url: str) -> Engine:
    """Another engine on the same database: another web process's connections."""
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


def test_two_processes_share_one_allowance(engine: Engine, second: Engine) -> None:
    one, two = SharedRateLimiter(engine), SharedRateLimiter(second)
    clock = [1000.0]
    one._now = two._now = lambda: clock[0]
    limit = Limit(4, 60)
    assert [one.hit("k", limit), two.hit("k", limit), one.hit("k", limit), two.hit("k", limit)] == [True] * 4
    assert not one.hit("k", limit) and not two.hit("k", limit) and not two.peek("k", limit)
    assert two.hit("other", limit)  # keys are apart
    clock[0] += 60  # the window has passed
    assert two.peek("k", limit) and one.hit("k", limit)


def test_concurrent_hits_count_once_each(engine: Engine, second: Engine) -> None:
    """40 requests at once through two engines against a limit of 25: exactly 25 pass."""
    limiters = [SharedRateLimiter(engine), SharedRateLimiter(second)]
    limit = Limit(25, 600)
    with ThreadPoolExecutor(8) as pool:
        passed = list(pool.map(lambda i: limiters[i % 2].hit("burst", limit), range(40)))
    assert passed.count(True) == 25


def test_the_throttle_is_shared_and_forgets_a_dead_attempt(engine: Engine, second: Engine) -> None:
    one, two = SharedThrottle(engine), SharedThrottle(second)
    clock = [5000.0]
    one._now = two._now = lambda: clock[0]
    key = [("login:x", Backoff(2, first=1.0, cap=8.0, window=900))]
    waits = []
    for i in range(5):  # failures alternate between the processes: one count
        throttle = (one, two)[i % 2]
        wait = throttle.reserve(key)
        waits.append(wait)
        clock[0] += wait or 0.0
        throttle.finish(key, failed=True)
    assert waits == [0.0, 0.0, 1.0, 2.0, 4.0] and two.failures("login:x") == 5
    # a parallel flood past max_wait is refused, nothing booked
    assert one.reserve(key, max_wait=10.0) == 8.0
    assert two.reserve(key, max_wait=10.0) is None
    # the booked attempt's process dies: after STALE_PENDING it no longer counts
    clock[0] += web_limits.STALE_PENDING + 1
    assert two.reserve(key, max_wait=10.0) == 0.0  # the failures (window 900 s) still count, but spaced long ago
    two.finish(key, failed=False, clear=["login:x"])
    assert one.failures("login:x") == 0


def test_failures_are_forgotten_after_the_window(engine: Engine) -> None:
    throttle = SharedThrottle(engine)
    clock = [100.0]
    throttle._now = lambda: clock[0]
    key = [("bad:ip", Backoff(1, first=2.0, cap=8.0, window=60))]
    waits = []
    for _ in range(4):
        waits.append(throttle.reserve(key) or 0.0)
        clock[0] += waits[-1]
        throttle.finish(key, failed=True)
    assert waits == [0.0, 2.0, 4.0, 8.0]
    clock[0] += 61
    assert throttle.reserve(key) == 0.0


def _settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(data_dir=tmp_path / "data", **values)  # type: ignore[arg-type]


def test_several_processes_need_the_key_and_shared_counters(tmp_path: Path) -> None:
    check_shared_setup(_settings(tmp_path))  # one process: a generated key is fine
    with pytest.raises(StartupError, match="DONDOC_SECRET_KEY"):
        check_shared_setup(_settings(tmp_path), processes=2)
    with pytest.raises(StartupError, match="DONDOC_SECRET_KEY"):
        check_shared_setup(_settings(tmp_path, web_processes=3))
    with pytest.raises(StartupError, match="DONDOC_WEB_LIMITS"):
        check_shared_setup(_settings(tmp_path, secret_key="k" * 40, web_limits="memory"), processes=2)
    check_shared_setup(_settings(tmp_path, secret_key="k" * 40), processes=2)


def test_the_attachments_folder_is_checked(tmp_path: Path) -> None:
    with pytest.raises(StartupError, match="does not exist"):
        check_shared_setup(_settings(tmp_path, attachments_dir=tmp_path / "not-mounted"))
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    with pytest.raises(StartupError, match="not a folder"):
        check_shared_setup(_settings(tmp_path, attachments_dir=a_file))
    folder = tmp_path / "shared"
    folder.mkdir()
    if os.geteuid() != 0:  # root writes anywhere: the permission check is only seen as another user
        folder.chmod(0o500)
        try:
            with pytest.raises(StartupError, match="cannot write"):
                check_shared_setup(_settings(tmp_path, attachments_dir=folder))
        finally:
            folder.chmod(0o700)
    check_shared_setup(_settings(tmp_path, attachments_dir=folder))
    assert list(folder.iterdir()) == []  # the check leaves nothing behind


def test_serve_with_workers_and_no_key_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cli.main import app

    monkeypatch.setenv("DONDOC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DONDOC_SECRET_KEY", raising=False)
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["serve", "--workers", "2"])
    assert result.exit_code == 2, result.output
    assert "DONDOC_SECRET_KEY" in result.output and "Traceback" not in result.output
