"""Shift drafts (issue 12): a shift's typed, unsaved figures kept locally per ward, shift and
author, so they survive a restart and an idle lock. Local only, never synced.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('shift_draft',
    sa.Column('ward_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('shift_date', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('shift_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('author_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('data', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['ward_id'], ['ward.id'], name=op.f('fk_shift_draft_ward_id_ward')),
    sa.PrimaryKeyConstraint('ward_id', 'shift_date', 'shift_code', 'author_id', name=op.f('pk_shift_draft'))
    )


def downgrade() -> None:
    op.drop_table('shift_draft')
