"""agency-scoped link tokens, task extra columns, plan tracking dates

- ``responsetoken.cycle_id`` nullable: a token without a cycle is scoped to one agency's open cycles
  (the agency page a consolidated reminder links to); per-cycle tokens are unchanged;
- ``task.extra``: the task table's columns beyond the known roles, by header text (JSON object);
- ``plan.track_from``: reminder moments before it are never sent (a plan adopted mid-way);
- ``plan.retired_at``: the plan was ended (open cycles cancelled, history kept).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 20:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('responsetoken', schema=None) as batch_op:
        batch_op.alter_column('cycle_id', existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('extra', sa.JSON(), nullable=False, server_default='{}'))
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('track_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('retired_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_column('retired_at')
        batch_op.drop_column('track_from')
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_column('extra')
    op.execute("DELETE FROM responsetoken WHERE cycle_id IS NULL")
    with op.batch_alter_table('responsetoken', schema=None) as batch_op:
        batch_op.alter_column('cycle_id', existing_type=sa.Integer(), nullable=False)
