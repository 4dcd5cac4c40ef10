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
