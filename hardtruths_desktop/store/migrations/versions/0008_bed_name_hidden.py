"""Bed: name_hidden (the patient asked for their name not to be shown on the card above the bed).

Existing beds show the name, as before.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("bed", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_hidden", sa.Boolean(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("bed", schema=None) as batch_op:
        batch_op.drop_column("name_hidden")
