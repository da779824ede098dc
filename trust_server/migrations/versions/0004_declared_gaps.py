"""Declared gaps (SYNC.md 3.9): ranges of a station's changes that can never reach the server.

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-01 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'declared_gap',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('device_id', sa.String(length=36), nullable=False),
        sa.Column('ward_id', sa.String(length=36), nullable=False),
        sa.Column('from_seq', sa.BigInteger(), nullable=False),
        sa.Column('to_seq', sa.BigInteger(), nullable=False),
        sa.Column('oldest_retained_wall_time', sa.String(length=40), nullable=True),
        sa.Column('declared_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_declared_gap')),
        sa.UniqueConstraint('device_id', 'from_seq', name=op.f('uq_declared_gap_device_id')),
    )


def downgrade() -> None:
    op.drop_table('declared_gap')
