"""daily runs recorded in dondoc's own database

- ``dailyrun``: one row per run of the daily flow (day, status running/completed/failed, Prefect mode,
  start and end, figures, error, host and pid), written by the flow in both Prefect modes.

Only a new table: nothing existing is rewritten or locked, so it is safe to apply while the web app and
the flows run (they do not read the table until they are restarted on the new code).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 07:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'dailyrun',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('mode', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('host', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('pid', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_dailyrun_day_status', 'dailyrun', ['day', 'status'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_dailyrun_day_status', table_name='dailyrun')
    op.drop_table('dailyrun')
