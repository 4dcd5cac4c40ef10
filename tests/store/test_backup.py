"""Backups (issue 14 item 4): ``backup`` of a database in use — the seeded plan, an answer with its PDF,
messages, a recorded daily run — then ``restore`` into a fresh database finds every plan, task, cycle,
answer and message, row for row, and every attachment, byte for byte. SQLite (online backup API) and
PostgreSQL (``pg_dump`` / ``pg_restore`` into a new database); the command line on SQLite; a clear error
when ``pg_dump`` is missing; a restore never mixes into a database that has tables."""

import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlmodel import Session
from support.commands import dondoc_env, run_dondoc
from support.web import PDF, make_web

from models.services.system_status import recorded_run
from models.store.answer_tables import Answer
from models.store.backup import BackupError, backup, restore
from models.store.cycle_tables import Cycle, Notification
from models.store.db import head_revision, make_engine, revision_of, upgrade
from models.store.plan_tables import Plan, Task

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
TABLES = (Plan, Task, Cycle, Answer, Notification)


def _rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            return {
                t.__tablename__: [tuple(r) for r in s.execute(select(t.__table__).order_by(t.__table__.c.id))]  # type: ignore[attr-defined]
                for t in TABLES
            }
    finally:
        engine.dispose()


@pytest.fixture
def in_use(seeded_url: str, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The seeded database with an answer and its attachment (posted through the answer page) and a
    recorded daily run; (url, data folder)."""
    web = make_web(seeded_url, tmp_path)
    _cycle_id, path = web.path_for(role="lead", kind="periodic")
    answer = {
        "status": "done",
        "progress": "100",
        "done_text": "Đã ban hành.",
        "document_number": "12/KH-SKHCN",
        "document_date": "2025-06-18",
    }
    response = web.answer(path, answer, files={"attachment": ("báo cáo.pdf", PDF, "application/pdf")})
    assert response.status_code == 303, response.text[:300]
    with recorded_run(web.engine, web.today, "direct") as record:
        record.summary = {"queued": 1}
    yield seeded_url, web.settings.data_dir


def _fresh_target(source_url: str, tmp_path: Path) -> Iterator[str]:
    if source_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored' / 'dondoc.db'}"
        return
    # PostgreSQL: a new database on the same server; the dump recreates the source's schema in it.
    name = f"dondoc_restore_{uuid.uuid4().hex[:8]}"
    admin = make_engine(str(make_url(source_url).set(query={})))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield str(make_url(source_url).set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def test_backup_then_restore_finds_everything(in_use: tuple[str, Path], tmp_path: Path) -> None:
    url, data_dir = in_use
    if url.startswith("postgresql") and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump / pg_restore not on PATH")
    out = tmp_path / "backup"
    manifest = backup(url, data_dir / "attachments", out)
    assert manifest.data["revision"] == head_revision()
    assert manifest.data["attachments"] == {"files": 1, "bytes": len(PDF)}
    assert manifest.tables["answer"] == 1 and manifest.tables["dailyrun"] == 1 and manifest.tables["cycle"] > 100
    saved = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert saved == manifest.data
    expected = _rows(url)

    for target in _fresh_target(url, tmp_path):
        restored_data = tmp_path / "restored-data"
        result = restore(out, target, restored_data / "attachments")
        assert result["mismatched"] == {}
        assert _rows(target) == expected  # every plan, task, cycle, answer and message, row for row
        [answer] = expected["answer"]
        path = dict(zip(Answer.__table__.c.keys(), answer, strict=True))["attachment_path"]  # type: ignore[attr-defined]
        assert (restored_data / path).read_bytes() == PDF
        upgrade(target)  # already at head: nothing to do, nothing broken
        engine = make_engine(target)
        try:
            assert revision_of(engine) == head_revision()
        finally:
            engine.dispose()
        with pytest.raises(BackupError, match="already has tables"):
            restore(out, target, restored_data / "attachments")


def test_backup_refuses_a_folder_in_use(in_use: tuple[str, Path], tmp_path: Path) -> None:
    url, data_dir = in_use
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "x").write_text("x")
    with pytest.raises(BackupError, match="not empty"):
        backup(url, data_dir / "attachments", tmp_path / "used")


def test_backup_and_restore_commands(in_use: tuple[str, Path], tmp_path: Path) -> None:
    url, data_dir = in_use
    if not url.startswith("sqlite"):
        pytest.skip("the command line once, on SQLite (the PostgreSQL path is the same code)")
    env = dondoc_env(tmp_path, url)
    env["DONDOC_DATA_DIR"] = str(data_dir)
    done = run_dondoc(env, "backup", "--out", str(tmp_path / "b"))
    assert done.returncode == 0, done.stderr
    assert "Đã sao lưu vào" in done.stdout and "1 tệp đính kèm" in done.stdout
    env.update(DONDOC_DATABASE_URL=f"sqlite:///{tmp_path / 'new' / 'dondoc.db'}", DONDOC_DATA_DIR=str(tmp_path / "new"))
    back = run_dondoc(env, "restore", str(tmp_path / "b"), "--json")
    assert back.returncode == 0, back.stderr
    assert json.loads(back.stdout)["mismatched"] == {}
    again = run_dondoc(env, "restore", str(tmp_path / "b"))
    assert again.returncode == 1 and "already has tables" in again.stderr and "Traceback" not in again.stderr


def test_postgresql_backup_without_pg_dump_names_it(tmp_path: Path) -> None:
    env = dondoc_env(tmp_path, "postgresql+psycopg://nobody@127.0.0.1:9/none")  # never contacted
    env["PATH"] = str(tmp_path)  # no pg_dump here
    result = run_dondoc(env, "backup", "--out", str(tmp_path / "b"))
    assert not (tmp_path / "b").exists()
    assert result.returncode == 1 and "pg_dump is not on PATH" in result.stderr and "Traceback" not in result.stderr
