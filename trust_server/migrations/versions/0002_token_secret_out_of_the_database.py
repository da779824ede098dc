"""The token-signing secret leaves the database (kept in the server's ``token-secret`` file or
``HARDTRUTHS_TOKEN_SECRET``; ``trust_server.db.migrate`` moves an existing value there first).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('server_meta', schema=None) as batch_op:
        batch_op.drop_column('token_secret')


def downgrade() -> None:
    with op.batch_alter_table('server_meta', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_secret', sa.String(length=128), nullable=False, server_default=''))
