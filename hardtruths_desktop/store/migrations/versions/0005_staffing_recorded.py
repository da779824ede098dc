"""Shift: staffing_recorded (a shift row made only for a red flag or a note is not "nobody came").

Existing shifts were all recorded through the staffing form or CLI, so they start as recorded.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("shift", schema=None) as batch_op:
        batch_op.add_column(sa.Column("staffing_recorded", sa.Boolean(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("shift", schema=None) as batch_op:
        batch_op.drop_column("staffing_recorded")
