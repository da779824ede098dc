"""The pull stream per ward (issue 13): on PostgreSQL a change's seq comes from the ``change_id``
sequence, taken under a per-ward advisory lock held until commit, instead of the one
``sync_counter`` row every push queued on. The sequence is moved above every seq already handed
out (by the counter or as a change id), so new seqs are above every cursor a station holds.
No table changes; SQLite keeps the counter row.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 17:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("SELECT setval('change_id', greatest((SELECT last_value FROM change_id),"
                   " coalesce((SELECT max(value) FROM sync_counter), 0), coalesce((SELECT max(seq) FROM change_log), 0)), true)")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':  # the counter takes over again above every seq handed out
        op.execute("UPDATE sync_counter SET value = greatest(value, (SELECT last_value FROM change_id)) WHERE id = 1")
