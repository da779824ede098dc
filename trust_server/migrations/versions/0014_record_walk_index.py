"""A station far behind the head is sent the records themselves, in ``last_seq`` order (issue 13:
a new station's pull at size). The index ``(ward_id, last_seq)`` on ``entity_record`` lets a pull from
cursor 0 (or from a station that never pushed) read the ward's current records from its cursor on,
one per record, instead of walking every change of the ward and dropping the superseded ones
(``trust_server.sync.record_rows_query``). The statistics are taken at the end.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 00:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'  # after i13-size3's 0013, which landed first
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE INDEX ix_entity_record_ward_last_seq ON entity_record (ward_id, last_seq)")
    op.execute("ANALYZE entity_record")


def downgrade() -> None:
    op.execute("DROP INDEX ix_entity_record_ward_last_seq")
