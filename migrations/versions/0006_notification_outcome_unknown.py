"""notification: unknown_sends, send_started_at, provider_ref (outcome unknown is a state of its own)

- ``unknown_sends``: how many sends of the row had an unknown outcome (the on_unknown policy reads it);
- ``send_started_at``: set just before the provider call, so that recovery tells a claim that never
  reached the provider (no try spent) from a send whose outcome is unknown;
- ``provider_ref``: the provider's own reference besides the message id (the SMTP server's queue id).

The status column is a plain string (no CHECK constraint): the new states ``unknown`` and
``unconfirmed`` need no change there.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 17:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unknown_sends', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('send_started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column('provider_ref', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('provider_ref')
        batch_op.drop_column('send_started_at')
        batch_op.drop_column('unknown_sends')
