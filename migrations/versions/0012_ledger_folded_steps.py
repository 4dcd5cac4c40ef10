"""one ledger row per message and recipient (``reminderledger.folded``); ``materialisemark``

- ``reminderledger.folded``: the earlier steps recorded with ``step`` (folded into the same message),
  space-separated, "" when none. Until now each folded step had a row of its own: a 17-month catch-up at
  10,000 tasks wrote 362,680 rows for 250 messages (bench/bench_daily.py); with ``folded`` it writes one
  per (cycle, recipient). Existing rows keep their meaning (``folded`` "": one step each).

- ``materialisemark``: how far the daily run created cycles and a digest of what they depend on, so
  that a run whose inputs did not change and in whose look-ahead no new cycle opens skips working out
  every due of every task (``models.services.materialise_mark``).

A column with a constant default (SQLite's ADD COLUMN and PostgreSQL 11 and later change only the
catalogue: no table is rewritten) and a new table: safe to apply while the web app and the flows run.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 12:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('reminderledger', sa.Column('folded', sa.Text(), server_default='', nullable=False))
    op.create_table(
        'materialisemark',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('fingerprint', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('through', sa.Date(), nullable=False),
        sa.Column('next_open', sa.Date(), nullable=False),
        sa.Column('epoch', sa.Date(), nullable=False),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('scope'),
    )


def downgrade() -> None:
    op.drop_table('materialisemark')
    # Folded steps go back to rows of their own, so that the older code does not send them again.
    bind = op.get_bind()
    ledger = sa.table(
        'reminderledger',
        sa.column('id', sa.Integer()),
        sa.column('cycle_id', sa.Integer()),
        sa.column('step', sa.String()),
        sa.column('recipient', sa.String()),
        sa.column('due_on', sa.Date()),
        sa.column('recorded_on', sa.Date()),
        sa.column('notification_key', sa.String()),
        sa.column('folded', sa.Text()),
    )
    rows = bind.execute(
        sa.select(ledger.c.cycle_id, ledger.c.recipient, ledger.c.due_on, ledger.c.recorded_on,
                  ledger.c.notification_key, ledger.c.folded).where(ledger.c.folded != '')
    ).all()
    extra = [
        {'cycle_id': r.cycle_id, 'step': step, 'recipient': r.recipient, 'due_on': r.due_on,
         'recorded_on': r.recorded_on, 'notification_key': r.notification_key}
        for r in rows for step in r.folded.split()
    ]
    if extra:
        bind.execute(sa.insert(ledger), extra)
    with op.batch_alter_table('reminderledger') as batch:
        batch.drop_column('folded')
