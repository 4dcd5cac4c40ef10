"""indicator values as numbers, with their history per period

- ``indicatorvalue``: one row per value an agency reports for an indicator (the number in the indicator's
  unit, the period it measures, its source and a note), linked to the answer it came with; never updated.
  ``answer.indicator_value`` (free text) stays as it was: old answers keep their text.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 07:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'indicatorvalue',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('indicator_id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('cycle_id', sa.Integer(), nullable=True),
        sa.Column('answer_id', sa.Integer(), nullable=True),
        sa.Column('period_key', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('period_end', sa.Date(), nullable=False),
        sa.Column('value', sa.Float(), nullable=False),
        sa.Column('value_raw', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('recorded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['indicator_id'], ['indicator.id']),
        sa.ForeignKeyConstraint(['agency_id'], ['agency.id']),
        sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id']),
        sa.ForeignKeyConstraint(['answer_id'], ['answer.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('answer_id'),
    )
    with op.batch_alter_table('indicatorvalue', schema=None) as batch_op:
        batch_op.create_index('ix_indicatorvalue_agency_id', ['agency_id'], unique=False)
        batch_op.create_index('ix_indicatorvalue_cycle_id', ['cycle_id'], unique=False)
        batch_op.create_index('ix_indicatorvalue_indicator_period', ['indicator_id', 'period_end'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('indicatorvalue', schema=None) as batch_op:
        batch_op.drop_index('ix_indicatorvalue_indicator_period')
        batch_op.drop_index('ix_indicatorvalue_cycle_id')
        batch_op.drop_index('ix_indicatorvalue_agency_id')
    op.drop_table('indicatorvalue')
