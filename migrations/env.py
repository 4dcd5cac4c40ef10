"""Alembic environment: the URL comes from the config built by ``models.store.db.alembic_config``
(itself from ``Settings``); the target metadata is every SQLModel table.

Upgrades from several processes at once (two web processes starting, ``dondoc db upgrade`` while
``dondoc serve`` starts) are serialised on PostgreSQL by a transaction-level advisory lock taken before
Alembic reads the current revision: the second waits, then finds the schema current and does nothing
(without it, both ran the same ``CREATE TABLE`` and one failed). SQLite serialises writers itself.
"""

from alembic import context
from sqlalchemy import text
from sqlmodel import SQLModel

from models.store.db import make_engine

config = context.config
MIGRATION_LOCK = 0x646F6E646F63  # "dondoc": the advisory lock key of schema upgrades
target_metadata = SQLModel.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is not set"
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=True,  # SQLite cannot ALTER most things: batch mode copies the table
                compare_type=True,
            )
            with context.begin_transaction():
                if connection.dialect.name == "postgresql":
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
