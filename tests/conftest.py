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


def _schema_url(schema: str) -> str:
    """``PG_URL`` working in ``schema``. Commits do not wait for the server's disk (``synchronous_commit``
    off, for this connection only): a commit is as visible and as atomic as before — only a crash of the
    server itself could lose the last ones — and the suite's many small transactions run faster."""
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}%20-csynchronous_commit%3Doff"


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
    url = _schema_url(schema)
    upgrade(url)
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


class _PgSchema:
    """The session's PostgreSQL schema, emptied before each test on one kept connection.

    Only the tables that hold rows are truncated, and every sequence is restarted: the same empty schema
    as ``TRUNCATE`` of all tables ``RESTART IDENTITY`` leaves, without the cost of new files for each
    empty table, and one round trip when the test wrote nothing."""

    def __init__(self, url: str) -> None:
        from sqlmodel import SQLModel

        import models.store.schema  # noqa: F401  (every table in the metadata)

        self.url = url
        self.engine = make_engine(url)
        self.tables = [t.name for t in SQLModel.metadata.sorted_tables]
        self.with_ids = [t.name for t in SQLModel.metadata.sorted_tables if "id" in t.c]
        with self.engine.connect() as conn:
            known = set(conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")))
            self.sequences = [
                row[0]
                for row in conn.execute(
                    text("SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()")
                )
            ]
        missing = {t for t in self.tables if (t,) not in known}
        assert not missing, f"tables of the models that the migrations did not create: {missing}"
        self._filled = " UNION ALL ".join(f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in self.tables)

    def empty(self) -> None:
        with self.engine.begin() as conn:
            filled = {row[0] for row in conn.execute(text(self._filled))}
            statements = [f'ALTER SEQUENCE "{seq}" RESTART' for seq in self.sequences]
            if filled:
                statements.append("TRUNCATE " + ", ".join(f'"{t}"' for t in self.tables if t in filled) + " CASCADE")
            conn.exec_driver_sql(";".join(statements))

    def copy_from(self, schema: str) -> None:
        """The rows of the template ``schema`` (same tables), and each sequence past its table's ids."""
        statements = [f'INSERT INTO "{t}" SELECT * FROM "{schema}"."{t}"' for t in self.tables]
        statements += [
            f"SELECT setval(pg_get_serial_sequence('\"{t}\"', 'id'), "
            f'coalesce((SELECT max(id) FROM "{t}"), 0) + 1, false)'
            for t in self.with_ids
        ]
        with self.engine.begin() as conn:
            conn.exec_driver_sql(";".join(statements))


@pytest.fixture(scope="session")
def _pg(_pg_schema: str) -> Iterator[_PgSchema]:
    pg = _PgSchema(_pg_schema)
    yield pg
    pg.engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, migrated, empty database URL on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "dondoc.db"
        shutil.copy(request.getfixturevalue("_sqlite_template"), path)
        return f"sqlite:///{path}"
    pg = request.getfixturevalue("_pg")
    pg.empty()
    return str(pg.url)


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


def _pg_template(name: str, build: Any) -> Iterator[str]:
    """A migrated PostgreSQL schema beside the tests' own, filled once by ``build(url)``; its name."""
    schema = f"dondoc_{name}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = _schema_url(schema)
    try:
        upgrade(url)
        build(url)
        yield schema
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _sqlite_copy(template: Path, folder: Path, build: Any) -> Path:
    """A copy of the migrated SQLite template in ``folder``, filled once by ``build(url)``."""
    path = folder / "template.db"
    shutil.copy(template, path)
    build(f"sqlite:///{path}")
    return path


def _copy_template(request: pytest.FixtureRequest, db_url: str, sqlite_fixture: str, pg_fixture: str) -> None:
    """Fill the fresh, empty database ``db_url`` with the rows of a session template (a file copy on SQLite,
    ``INSERT … SELECT`` from the template's schema on PostgreSQL): much faster than building it again."""
    if db_url.startswith("sqlite"):
        shutil.copy(request.getfixturevalue(sqlite_fixture), db_url.removeprefix("sqlite:///"))
    else:
        request.getfixturevalue("_pg").copy_from(request.getfixturevalue(pg_fixture))


# The imported plan: the shipped plan and the shipped directory, nothing evaluated yet.


def _import_shipped(url: str, plan_path: Path, config: tuple[Any, Any]) -> None:
    from models.services.importer import import_plan

    directory, policy = config
    engine = make_engine(url)
    try:
        import_plan(engine, plan_path, directory, policy)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def _imported_sqlite(
    tmp_path_factory: pytest.TempPathFactory, plan_path: Path, _sqlite_template: Path, _cached_config: tuple[Any, Any]
) -> Path:
    folder = tmp_path_factory.mktemp("imported")
    return _sqlite_copy(_sqlite_template, folder, lambda url: _import_shipped(url, plan_path, _cached_config))


@pytest.fixture(scope="session")
def _imported_pg(plan_path: Path, _pg_schema: str, _cached_config: tuple[Any, Any]) -> Iterator[str]:
    yield from _pg_template("imported", lambda url: _import_shipped(url, plan_path, _cached_config))


@pytest.fixture
def imported_url(request: pytest.FixtureRequest, db_url: str) -> str:
    """``db_url`` (a fresh database on each backend) holding the shipped plan as ``import_plan`` writes it
    with the shipped directory and policy — copied from a session template instead of imported per test."""
    _copy_template(request, db_url, "_imported_sqlite", "_imported_pg")
    return db_url


# The seed: the imported plan after the daily run of 20/06/2025, and an officer (tests/support/web.py).


@pytest.fixture(scope="session")
def _seed_sqlite(tmp_path_factory: pytest.TempPathFactory, plan_path: Path, _sqlite_template: Path) -> Path:
    folder = tmp_path_factory.mktemp("web-seed")
    return _sqlite_copy(_sqlite_template, folder, lambda url: web_support.seed(url, plan_path, folder))


@pytest.fixture(scope="session")
def _seed_pg(tmp_path_factory: pytest.TempPathFactory, plan_path: Path, _pg_schema: str) -> Iterator[str]:
    """A seeded PostgreSQL schema beside the tests' own; each test copies its rows (fast) instead of seeding."""
    folder = tmp_path_factory.mktemp("web-seed-pg")
    yield from _pg_template("webseed", lambda url: web_support.seed(url, plan_path, folder))


@pytest.fixture
def seeded_url(request: pytest.FixtureRequest, db_url: str, _cached_config: tuple[Any, Any]) -> Iterator[str]:
    """``db_url`` (a fresh database on each backend) holding the seed."""
    web_support.SHARED["config"] = _cached_config
    _copy_template(request, db_url, "_seed_sqlite", "_seed_pg")
    yield db_url
    while web_support.ENGINES:
        web_support.ENGINES.pop().dispose()
