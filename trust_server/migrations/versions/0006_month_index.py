"""An expression index for a ward's month: shifts and 23:59 counts by the day they belong to
(``trust_server/staffing._RECORD_DAY``), so a month reads its own records, not the ward's history.

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-01 14:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0006'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DAY = "coalesce(data->>'shift_date', data->>'day')"  # models.RECORD_DAY_SQL (PostgreSQL; SQLite 3.38+)


def upgrade() -> None:
    op.execute(f"CREATE INDEX ix_entity_record_ward_day ON entity_record (ward_id, entity, ({DAY}))")


def downgrade() -> None:
    op.execute("DROP INDEX ix_entity_record_ward_day")
