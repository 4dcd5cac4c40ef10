"""Shared fixtures: a fresh, migrated database per test, on SQLite and on PostgreSQL, and the same
database holding a seed (``seeded_url``: the shipped plan after the daily run of 20/06/2025).

``db_url`` is parametrised over both backends. PostgreSQL is the server of ``DONDOC_TEST_POSTGRES_URL``;
each test session works in a schema of its own (dropped at the end), so runs never see each other's
rows. Where the server does not answer, PostgreSQL tests skip — unless ``DONDOC_TEST_REQUIRE_POSTGRES=1``
(CI), where they fail.
"""

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from support import web as web_support

from config.settings import get_settings
from models.store.db import make_engine, upgrade

ROOT = Path(__file__).resolve().parents[1]
SHARED_PLAN = ROOT.parent / "shared" / "plans" / "25-KH-UBND-2025-thai-nguyen.txt"
SHIPPED_PLAN = ROOT / "config" / "plans" / "25-KH-UBND-2025-thai-nguyen.txt"
PG_URL = os.environ.get("DONDOC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("DONDOC_TEST_REQUIRE_POSTGRES") == "1"


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test reads the developer's .env or writes into ./var."""
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
    for key in list(os.environ):
        if key.startswith("DONDOC_") and not key.startswith("DONDOC_TEST_"):
            monkeypatch.delenv(key)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def plan_path() -> Path:
    """The real plan: the project's shipped copy (identical to ../shared/plans)."""
    return SHIPPED_PLAN if SHIPPED_PLAN.exists() else SHARED_PLAN


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for each test (migrating per test would be slow)."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _pg_schema() -> Iterator[str]:
    """A migrated PostgreSQL schema for this test session; dropped afterwards."""
    schema = f"dondoc_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # the server is not there
        admin.dispose()
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL at {PG_URL} is required (DONDOC_TEST_REQUIRE_POSTGRES=1): {exc}")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {exc}")
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    upgrade(url)
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _truncate_pg(url: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            tables = [
                row[0]
                for row in conn.execute(
                    text(
                        "SELECT tablename FROM pg_tables "
                        "WHERE schemaname = current_schema() AND tablename <> 'alembic_version'"
                    )
                )
            ]
            if tables:
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, migrated, empty database URL on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "dondoc.db"
        shutil.copy(request.getfixturevalue("_sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("_pg_schema")
    _truncate_pg(url)
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the CLI's settings at the test database and a temporary data folder."""
    monkeypatch.setenv("DONDOC_DATABASE_URL", db_url)
    monkeypatch.setenv("DONDOC_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    from cli import common

    common._engine.cache_clear()
    return db_url


# --- the seeded database (tests/support/web.py) -----------------------------------------------------


@pytest.fixture(scope="session")
def _cached_config() -> tuple[Any, Any]:
    """The directory and the policy, parsed once per test session (~0.5 s each time otherwise)."""
    from config.files import SHIPPED_AGENCIES
    from config.policy import load_policy
    from models.domain.agencies import Directory

    return Directory.load(SHIPPED_AGENCIES), load_policy(None)


@pytest.fixture(scope="session")
def _seed_sqlite(tmp_path_factory: pytest.TempPathFactory, plan_path: Path, _sqlite_template: Path) -> Path:
    folder = tmp_path_factory.mktemp("web-seed")
    path = folder / "seed.db"
    shutil.copy(_sqlite_template, path)
    web_support.seed(f"sqlite:///{path}", plan_path, folder)
    return path


@pytest.fixture(scope="session")
def _seed_pg(tmp_path_factory: pytest.TempPathFactory, plan_path: Path, _pg_schema: str) -> Iterator[str]:
    """A seeded PostgreSQL schema beside the tests' own; each test copies its rows (fast) instead of seeding."""
    schema = f"dondoc_webseed_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    try:
        upgrade(url)
        web_support.seed(url, plan_path, tmp_path_factory.mktemp("web-seed-pg"))
        yield schema
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def seeded_url(request: pytest.FixtureRequest, db_url: str, _cached_config: tuple[Any, Any]) -> Iterator[str]:
    """``db_url`` (a fresh database on each backend) holding the seed."""
    web_support.SHARED["config"] = _cached_config
    if db_url.startswith("sqlite"):
        shutil.copy(request.getfixturevalue("_seed_sqlite"), db_url.removeprefix("sqlite:///"))
    else:
        web_support.copy_pg(db_url, request.getfixturevalue("_seed_pg"))
    yield db_url
    while web_support.ENGINES:
        web_support.ENGINES.pop().dispose()
