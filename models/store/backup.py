"""Backups and restores of dondoc's data: the database and the answers' attachments, with a manifest.

``backup(url, attachments_dir, out)`` writes into the new folder ``out``:

- ``dondoc.db`` — SQLite: a copy made with SQLite's **online backup API** (``sqlite3.Connection.backup``):
  consistent while the web app and the flows keep writing (WAL), no lock held for long;
- ``dondoc.dump`` — PostgreSQL: ``pg_dump --format=custom`` of a snapshot exported by the transaction
  that counts the rows (so the manifest's counts are exactly the dump's), taken without stopping
  anything; ``pg_dump`` must be on PATH, else the backup fails naming it. When the URL sets a
  ``search_path`` (one schema of a shared database), only that schema is dumped;
- ``attachments/`` — the files answers were given with (the attachments folder, ``DONDOC_ATTACHMENTS_DIR``
  or ``<data dir>/attachments``), copied as they are;
- ``manifest.json`` — when, the schema revision, the backend, the row count of every table and the
  attachments' count and size: :func:`restore` checks the restored database against it.

``restore(folder, url, attachments_dir)`` puts a backup into an **empty** database (a fresh SQLite file; a
PostgreSQL database or schema without dondoc's tables, with ``pg_restore`` on PATH) and the attachments
into the data folder, then compares every table's rows with the manifest. It refuses a database that
already holds tables: a restore never mixes two histories.

Secrets: the database holds no working answer link (see README, "No stored copy of a message answers"),
but whoever has the backup *and* ``DONDOC_SECRET_KEY`` can rebuild them; keep the key apart from backups.
"""

import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, Connection, make_url

from models.domain.clock import utcnow
from models.store.db import make_engine, revision_of

MANIFEST = "manifest.json"
SQLITE_FILE = "dondoc.db"
PG_FILE = "dondoc.dump"
ATTACHMENTS = "attachments"
FORMAT = 1


class BackupError(Exception):
    """A backup or restore that cannot be done as asked (the message says why and what to do)."""


@dataclass(frozen=True)
class Manifest:
    data: dict[str, Any]

    @property
    def tables(self) -> dict[str, int]:
        return dict(self.data["tables"])


# --------------------------------------------------------------------------------------------------
# Backup
# --------------------------------------------------------------------------------------------------


def backup(url: str, attachments_dir: Path, out: Path, now: datetime | None = None) -> Manifest:
    """Back up the database at ``url`` and the attachments in ``attachments_dir`` into the new folder ``out``."""
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"{out}: the folder is not empty (choose a new folder for each backup)")
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        _tool("pg_dump")  # before anything is written: say at once what is missing
    engine = make_engine(url)
    try:
        revision = revision_of(engine)
        if revision is None:
            raise BackupError("the database has no dondoc schema (run `dondoc db upgrade` first)")
        out.mkdir(parents=True, exist_ok=True)
        if backend == "sqlite":
            database_file = SQLITE_FILE
            _sqlite_copy(Path(parsed.database or ""), out / database_file)
            copy = make_engine(f"sqlite:///{out / database_file}")
            try:
                with copy.connect() as conn:
                    tables = _counts(conn)  # in the copy itself: exact
            finally:
                copy.dispose()
        elif backend == "postgresql":
            database_file = PG_FILE
            # One snapshot for the counts and the dump: pg_dump reads the very rows counted here, however
            # much the web app and the flows write meanwhile.
            with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
                snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                tables = _counts(conn)
                _pg_dump(parsed, out / database_file, snapshot)
        else:
            raise BackupError(f"no backup method for the {backend!r} database")
    finally:
        engine.dispose()
    files, size = _copy_attachments(attachments_dir, out / ATTACHMENTS)
    manifest = {
        "format": FORMAT,
        "created_at": (now or utcnow()).isoformat(),
        "backend": backend,
        "revision": revision,
        "database_file": database_file,
        "schema": _pg_schema(parsed) if backend == "postgresql" else None,
        "tables": tables,
        "attachments": {"files": files, "bytes": size},
    }
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return Manifest(manifest)


def _sqlite_copy(source: Path, target: Path) -> None:
    if not source.exists():
        raise BackupError(f"{source}: the SQLite database file does not exist")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst, pages=4096)  # in steps: writers are let in between them
    finally:
        dst.close()
        src.close()


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not on PATH: install the PostgreSQL client tools (Debian: apt-get install postgresql-client) "
            f"of the server's major version or newer"
        )
    return found


def _libpq(parsed: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection URI for the client tools (no password in it: that goes in PGPASSWORD, so it
    never shows in the process list), and the environment to run them with."""
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _pg_schema(parsed: URL) -> str | None:
    """The schema a URL's ``options=-csearch_path=…`` selects (tests and shared databases), if any."""
    options = parsed.query.get("options")
    values = options if isinstance(options, tuple) else (options,) if options else ()
    for value in values:
        for part in value.split():
            if part.startswith("-csearch_path="):
                return part.split("=", 1)[1].split(",")[0].strip('"') or None
    return None


def _pg_dump(parsed: URL, target: Path, snapshot: str) -> None:
    uri, env = _libpq(parsed)
    command = [
        _tool("pg_dump"),
        "--format=custom",
        "--no-owner",
        "--no-privileges",
        f"--snapshot={snapshot}",
        f"--file={target}",
    ]
    if schema := _pg_schema(parsed):
        command.append(f"--schema={schema}")
    command.append(f"--dbname={uri}")
    _run(command, env, "pg_dump")


def _run(command: list[str], env: dict[str, str], name: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{name} failed (exit {done.returncode}): {done.stderr.strip()[:2000]}")


def _counts(conn: Connection) -> dict[str, int]:
    """Rows of every dondoc table (Alembic's own table left out), read on ``conn``."""
    names = sorted(n for n in inspect(conn).get_table_names() if n != "alembic_version")
    return {n: conn.execute(text(f'SELECT count(*) FROM "{n}"')).scalar_one() for n in names}


def _copy_attachments(source: Path, target: Path) -> tuple[int, int]:
    """Copy the attachments folder (its files keep their relative paths: rows name them so)."""
    if not source.exists():
        target.mkdir(parents=True, exist_ok=True)
        return 0, 0
    shutil.copytree(source, target, dirs_exist_ok=True)
    files = [p for p in target.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


# --------------------------------------------------------------------------------------------------
# Restore
# --------------------------------------------------------------------------------------------------


def read_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST
    if not path.exists():
        raise BackupError(f"{folder}: no {MANIFEST} (not a dondoc backup folder)")
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise BackupError(f"{path}: backup format {data.get('format')!r}, this dondoc reads {FORMAT}")
    return Manifest(data)


def restore(folder: Path, url: str, attachments_dir: Path) -> dict[str, Any]:
    """Restore the backup in ``folder`` into the empty database at ``url`` and its attachments into
    ``attachments_dir``; returns the tables' row counts compared with the manifest (``mismatched`` empty
    when all agree)."""
    manifest = read_manifest(folder)
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend != manifest.data["backend"]:
        raise BackupError(f"the backup is of a {manifest.data['backend']} database; the target is {backend}")
    engine = make_engine(url)
    try:
        present = inspect(engine).get_table_names()
    finally:
        engine.dispose()
    if present:
        raise BackupError(
            f"the target database already has tables ({', '.join(sorted(present)[:5])}…): restore into an empty one"
        )
    source = folder / manifest.data["database_file"]
    if backend == "sqlite":
        _sqlite_copy(source, Path(parsed.database or ""))
    else:
        uri, env = _libpq(parsed)
        _run(
            [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={uri}", str(source)],
            env,
            "pg_restore",
        )
    if (folder / ATTACHMENTS).exists():
        shutil.copytree(folder / ATTACHMENTS, attachments_dir, dirs_exist_ok=True)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            restored = _counts(conn)
    finally:
        engine.dispose()
    expected = manifest.tables
    mismatched = {n: {"expected": c, "restored": restored.get(n)} for n, c in expected.items() if restored.get(n) != c}
    return {"revision": manifest.data["revision"], "tables": restored, "mismatched": mismatched}
