"""webcounter: the web's rate limits and login / bad-link throttles, shared by every web process
(UNLOGGED on PostgreSQL)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 07:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # PostgreSQL: UNLOGGED — no WAL write and no fsync per counted request (bench/bench_web_limits.py); a
    # crash of the server empties the table, which only resets the limits, as a restart of one web
    # process always did.
    postgresql = op.get_bind().dialect.name == 'postgresql'
    op.create_table(
        'webcounter',
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=96), nullable=False),
        sa.Column('started', sa.Float(), nullable=False),
        sa.Column('hits', sa.Integer(), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('failed_at', sa.Float(), nullable=False),
        sa.Column('pending', sa.Integer(), nullable=False),
        sa.Column('last', sa.Float(), nullable=False),
        sa.Column('updated', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
        prefixes=['UNLOGGED'] if postgresql else [],
    )
    with op.batch_alter_table('webcounter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webcounter_updated'), ['updated'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('webcounter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webcounter_updated'))
    op.drop_table('webcounter')
