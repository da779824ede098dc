"""Sync at wire speed (issue 13): ``change_log.echo_of`` (a station's pull skips its own changes)
and, on PostgreSQL, the ``change_id`` sequence (a change's id, taken without locking the counter row;
it starts above every seq already handed out, so old and new ids never meet).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 13:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('echo_of', sa.String(length=36), nullable=True))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE SEQUENCE change_id")
        op.execute("SELECT setval('change_id', coalesce((SELECT max(value) FROM sync_counter), 0) + 1, false)")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP SEQUENCE change_id")
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.drop_column('echo_of')
