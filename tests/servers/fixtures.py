"""Pytest fixtures shared by the channel tests: ``from servers.fixtures import lite_engine_fixture`` in a test
module makes the ``lite_engine`` fixture available there."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from models.store.db import make_engine


@pytest.fixture(name="lite_engine")
def lite_engine_fixture(tmp_path: Path, _sqlite_template: Path) -> Iterator[Engine]:
    """A fresh migrated SQLite database only — for tests about classification rather than the database
    (the ``engine`` fixture runs each test on both backends, which costs time)."""
    path = tmp_path / "lite.db"
    shutil.copy(_sqlite_template, path)
    eng = make_engine(f"sqlite:///{path}")
    yield eng
    eng.dispose()
