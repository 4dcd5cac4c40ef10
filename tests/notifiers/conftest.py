"""Fixtures of the channel tests."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from models.store.db import make_engine


@pytest.fixture
def lite_engine(tmp_path: Path, _sqlite_template: Path) -> Iterator[Engine]:
    """A fresh migrated SQLite database only — for tests about classification rather than the database
    (the ``engine`` fixture runs each test on both backends, which costs time)."""
    path = tmp_path / "lite.db"
    shutil.copy(_sqlite_template, path)
    eng = make_engine(f"sqlite:///{path}")
    yield eng
    eng.dispose()


# The crash and two-process tests of test_outbox.py take 4–10 s each (child processes, restarts). They are
# marked here so that ``-m "not slow"`` leaves them out; the marker can move into that module later.
SLOW_OUTBOX = (
    "test_crash_then_rerun_sends_each_message_once_or_again_with_same_key",
    "test_two_daily_processes_at_once",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name == "test_outbox.py" and item.name.startswith(SLOW_OUTBOX):
            item.add_marker(pytest.mark.slow)
