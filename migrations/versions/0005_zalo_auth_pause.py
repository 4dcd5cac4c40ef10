"""providertoken.paused_until / pause_key: the Zalo auth circuit breaker, shared by every process

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 17:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('providertoken', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paused_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('pause_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('providertoken', schema=None) as batch_op:
        batch_op.drop_column('pause_key')
        batch_op.drop_column('paused_until')
