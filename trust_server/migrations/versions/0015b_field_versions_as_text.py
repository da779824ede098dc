"""A record's field versions as ``json`` text, a change's echo device as ``uuid`` (issue 13: the server's size).

- ``entity_record.field_meta`` becomes ``json`` on PostgreSQL, not ``jsonb``: it is only ever read whole
  (the pull sends its text, a push loads it; an edit merges its changed keys through ``jsonb`` and stores
  the text), never searched inside. A shift's 13 versions are mostly the same one repeated; as text
  PostgreSQL's compression finds the repeats, in ``jsonb``'s binary layout less so: ~60 bytes less a row
  version (347 -> 282 for a new shift, 390 -> 328 once edited, measured on 2,000 shifts). The table is
  rewritten (every row compressed under 0013's settings, rows written before 0013 included); storage
  ``MAIN`` is set again (a change of type resets it).
- ``change_log.echo_of`` (the device a change echoes) becomes ``uuid``: 16 bytes, not 37. Device ids are
  the server's own UUIDs; the migration refuses to run, saying why, if a row holds anything else.

SQLite: nothing changes (JSON is text there, ids are text).

Revision ID: 0015b
Revises: 0015
Create Date: 2026-12-02 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015b'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CANONICAL = "'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'"


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    odd = op.get_bind().execute(sa.text(f"SELECT count(*) FROM change_log WHERE echo_of !~ {CANONICAL}")).scalar_one()
    if odd:
        raise RuntimeError(f"{odd} row(s) of change_log have an echo device that is not a UUID in its usual lower-case form:"
                           " migration 0015b keeps it as uuid; settle them by hand first")
    op.execute("ALTER TABLE entity_record ALTER COLUMN field_meta TYPE json USING field_meta::text::json,"
               " ALTER COLUMN field_meta SET STORAGE MAIN")
    op.execute("ALTER TABLE change_log ALTER COLUMN echo_of TYPE uuid USING echo_of::uuid")
    op.execute("ANALYZE entity_record")
    op.execute("ANALYZE change_log")


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("ALTER TABLE entity_record ALTER COLUMN field_meta TYPE jsonb USING field_meta::jsonb,"
               " ALTER COLUMN field_meta SET STORAGE MAIN")
    op.execute("ALTER TABLE change_log ALTER COLUMN echo_of TYPE varchar(36) USING echo_of::text")
