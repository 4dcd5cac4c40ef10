"""the directory's review marks and officers' changes

- ``agency.review`` (text): what an officer must confirm about an agency (config/agencies.yaml ``review``);
  ``agency.sample``: a sample entry. Both mirrored by the directory sync, shown as badges;
- ``directorychange``: an officer's successor and date for an agency (``/officers/directory``), the latest
  row per code in force, every row kept as the audit trail (officer, time, entry before and after).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 07:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('sample', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        'directorychange',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('successor_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('succeeded_on', sa.Date(), nullable=True),
        sa.Column('legal_basis', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column('officer', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('before', sa.JSON(), nullable=False),
        sa.Column('after', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('directorychange', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directorychange_code'), ['code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('directorychange', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_directorychange_code'))
    op.drop_table('directorychange')
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.drop_column('sample')
        batch_op.drop_column('review')
