"""Sync enrolment: server address, CA bundle, ward and status on sync_state.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 23:33:27.704220
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    with op.batch_alter_table('sync_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('server_url', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('ca_bundle', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('ward_code', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('sync_status', sqlmodel.sql.sqltypes.AutoString(), server_default='not_enrolled', nullable=False))
        batch_op.add_column(sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('last_attempt', sqlmodel.sql.sqltypes.AutoString(), nullable=True))




def downgrade() -> None:

    with op.batch_alter_table('sync_state', schema=None) as batch_op:
        batch_op.drop_column('last_attempt')
        batch_op.drop_column('last_error')
        batch_op.drop_column('sync_status')
        batch_op.drop_column('ward_code')
        batch_op.drop_column('ca_bundle')
        batch_op.drop_column('server_url')


