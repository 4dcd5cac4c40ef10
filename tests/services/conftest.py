"""Fixtures of the use-case tests: the shipped directory, and an engine on the seeded database."""

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from config.files import SHIPPED_AGENCIES
from models.domain.agencies import Directory
from models.store.db import make_engine


@pytest.fixture(scope="session")
def shipped_directory() -> Directory:
    """The shipped agency directory (``config/agencies.yaml``), parsed once."""
    return Directory.load(SHIPPED_AGENCIES)


@pytest.fixture
def seeded_engine(seeded_url: str) -> Iterator[Engine]:
    """An engine on ``seeded_url``: the shipped plan after the daily run of 20/06/2025 (tests/conftest.py)."""
    engine = make_engine(seeded_url)
    yield engine
    engine.dispose()
