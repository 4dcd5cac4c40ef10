"""``dondoc db upgrade`` from several processes at once (two web processes starting together, an upgrade
while ``dondoc serve`` starts): each process succeeds and the schema is at the head once — on a new
SQLite file (a lock file beside it) and a new PostgreSQL schema (an advisory lock). Without the locks
two of three processes failed here with "table … already exists"."""

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from support.commands import ROOT

from models.store.db import current_revision, head_revision, make_engine

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no schema at all (not the suite's migrated templates)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'new.db'}"
        return
    import os

    base = os.environ.get("DONDOC_TEST_POSTGRES_URL", PG_URL)
    schema = f"dondoc_upgrade_{uuid.uuid4().hex[:8]}"
    admin = make_engine(base)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # no server: as the suite's other PostgreSQL tests do
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable at {base}: {exc}")
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_concurrent_upgrades_all_succeed(empty_url: str) -> None:
    code = f"from models.store.db import upgrade; upgrade({empty_url!r})"
    processes = [
        subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stderr=subprocess.PIPE, text=True) for _ in range(3)
    ]
    errors = []
    for process in processes:
        _out, err = process.communicate(timeout=180)
        if process.returncode != 0:
            errors.append(err.strip().splitlines()[-1])
    assert errors == []
    assert current_revision(empty_url) == head_revision()
