"""The trust-wide part of a pull reads only trust-wide changes (issue 13, at trust size): a partial
index on ``change_log (seq) WHERE ward_id IS NULL``. The pull's second range scan (``ward_id IS
NULL AND seq > cursor ORDER BY seq``) could not take its order from ``ix_change_log_ward_seq``
(``IS NULL`` is not an equality the planner orders by), so PostgreSQL walked the primary key from
the cursor and discarded every other ward's change above it: each poll cost the trust's changes
since the ward's cursor, not its own.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-01 19:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0011'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE INDEX ix_change_log_trust_seq ON change_log (seq) WHERE ward_id IS NULL")


def downgrade() -> None:
    op.execute("DROP INDEX ix_change_log_trust_seq")
