"""Database engine, sessions and schema upgrades (Alembic), for SQLite and PostgreSQL alike."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL still survives an application crash; only a power cut may lose the last commits.
    # It spares an fsync per commit: the outbox records each send in its own small transaction.
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Wait for a concurrent writer instead of failing at once with "database is locked".
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys, WAL and a busy timeout; its folder is created.

    The pool keeps enough connections for a web process's thread pool (40 threads) under load: with the
    default 5 (+10 overflow) the threads queued for a connection, and each overflow connection was opened
    and closed again (SQLite's pragmas, PostgreSQL's login) at every burst. A page uses one connection."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        memory = not parsed.database or parsed.database == ":memory:"  # one connection per thread, no queue
        pool = {} if memory else {"pool_size": 20, "max_overflow": 20}
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **pool)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error (one transaction)."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(url: str):  # type: ignore[no-untyped-def]
    """Alembic configuration built in code, so an installed dondoc needs no alembic.ini."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema at ``url`` up to ``revision`` (default: the newest). Safe to run from several
    processes at once: PostgreSQL upgrades take an advisory lock (``migrations/env.py``); SQLite ones
    an exclusive lock on ``<database>.upgrade-lock`` beside the file (its DDL would otherwise race: two
    processes upgrading a new file both ran the same ``CREATE TABLE``)."""
    from alembic import command

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        command.upgrade(alembic_config(url), revision)
        return
    import fcntl

    make_engine(url).dispose()  # creates the folder of the SQLite file
    with open(f"{parsed.database}.upgrade-lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed (or the process ends)
        command.upgrade(alembic_config(url), revision)


def current_revision(url: str) -> str | None:
    """The schema revision the database is at (None: empty database)."""
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str | None:
    """The newest revision of the shipped migrations (what ``dondoc db upgrade`` brings a database to)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def revision_of(engine: Engine) -> str | None:
    """The revision the database of ``engine`` is at (None: empty), on one of the engine's connections."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def ping(engine: Engine) -> None:
    """One round trip to the database (raises the driver's error when it does not answer)."""
    from sqlalchemy import text

    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
