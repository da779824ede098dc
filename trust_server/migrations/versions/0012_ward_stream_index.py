"""A pull reads its ward's stream by one index, whatever the planner's statistics (issue 13, at trust
size): the index on ``(ward_id, seq)`` becomes one on ``(ward_id, (seq + 0))``
(``models.WARD_STREAM_SQL``). The pull's ranges are written on that expression, which the primary
key (on ``seq``) cannot serve, so PostgreSQL can no longer walk the primary key from a cursor through
every other ward's newer changes (it did, with statistics taken before the latest pushes, and with
the generic plan a connection switches to after a few executions of the same statement).
The statistics are taken at the end (the expression's own, which the planner reads).

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-01 22:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0012'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STREAM = "seq + 0"  # models.WARD_STREAM_SQL


def upgrade() -> None:
    op.execute(f"CREATE INDEX ix_change_log_ward_stream ON change_log (ward_id, ({STREAM}))")
    op.execute("DROP INDEX ix_change_log_ward_seq")
    op.execute("ANALYZE change_log")


def downgrade() -> None:
    op.execute("CREATE INDEX ix_change_log_ward_seq ON change_log (ward_id, seq)")
    op.execute("DROP INDEX ix_change_log_ward_stream")
