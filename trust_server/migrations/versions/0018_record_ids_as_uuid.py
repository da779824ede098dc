"""Record and ward ids as ``uuid`` in ``entity_record`` and ``change_log`` (issue 13: the server's size).

On PostgreSQL ``entity_record.id`` / ``ward_id`` and ``change_log.entity_id`` / ``ward_id`` become
``uuid``: 16 bytes, not 37, in each row version and in every index entry that holds them (the primary
key, ``ix_entity_record_ward_day``, ``ix_entity_record_ward_last_seq``, ``ix_change_log_ward_stream``):
about 340 B a shift recorded and edited once. PostgreSQL gives a ``uuid`` back as the same lower-case
text, so every reader sees the ids as before (the push refuses an id in any other form since 0013,
migration 0016 and ``admin settle-record-ids`` rewrote older ones).

A record whose id (or ward) is still not a UUID in its usual form here is one 0016 left because another
record of its entity already has that id in the usual form (two records are never merged silently).
It cannot be kept under a ``uuid`` key: it is moved, whole, to ``record_set_aside`` (made only then; its columns
as text, as they were, with when and why), and its change-log rows with it (stations that hold it keep it; nobody
could change it since 0013). Its mutations stay in ``received_mutation``. On a database no odd client
wrote to (every release's), nothing is set aside.

Set-based: two table rewrites (``ALTER ... TYPE``, one statement each); the set-aside a statement a table.
SQLite: nothing changes (ids are text there).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CANONICAL = "'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'"
_ODD_RECORD = f"(id !~ {CANONICAL} OR ward_id !~ {CANONICAL})"
_ODD_CHANGE = f"(entity_id !~ {CANONICAL} OR ward_id !~ {CANONICAL})"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    odd = bind.execute(sa.text(f"SELECT count(*) FROM entity_record WHERE id !~ {CANONICAL} OR ward_id !~ {CANONICAL}")).scalar_one()
    odd_changes = bind.execute(sa.text(f"SELECT count(*) FROM change_log WHERE {_ODD_CHANGE}")).scalar_one()
    if odd or odd_changes:  # (the table exists only where something was set aside)
        op.execute("CREATE TABLE record_set_aside (set_aside_at timestamptz NOT NULL DEFAULT now(), reason text NOT NULL,"
                   " entity varchar(40) NOT NULL, id text NOT NULL, ward_id text, data jsonb, field_meta text, deleted boolean,"
                   " last_seq bigint, needs_review boolean, updated_at timestamptz, change_seqs bigint[])")
        op.execute("INSERT INTO record_set_aside (reason, entity, id, ward_id, data, field_meta, deleted, last_seq, needs_review,"
                   " updated_at, change_seqs)"
                   " SELECT 'migration 0018: id or ward not a UUID in its usual form (another record has it)', r.entity, r.id,"
                   " r.ward_id, r.data, r.field_meta::text, r.deleted, r.last_seq, r.needs_review, r.updated_at,"
                   " ARRAY(SELECT c.seq FROM change_log c WHERE c.entity = r.entity AND c.entity_id = r.id ORDER BY c.seq)"
                   f" FROM entity_record r WHERE r.id !~ {CANONICAL} OR r.ward_id !~ {CANONICAL}")
        op.execute(f"DELETE FROM change_log WHERE {_ODD_CHANGE}")
        op.execute(f"DELETE FROM entity_record WHERE {_ODD_RECORD}")
    op.execute("ALTER TABLE entity_record ALTER COLUMN id TYPE uuid USING id::uuid,"
               " ALTER COLUMN ward_id TYPE uuid USING ward_id::uuid")
    op.execute("ALTER TABLE change_log ALTER COLUMN entity_id TYPE uuid USING entity_id::uuid,"
               " ALTER COLUMN ward_id TYPE uuid USING ward_id::uuid")
    op.execute("ANALYZE entity_record")
    op.execute("ANALYZE change_log")


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("ALTER TABLE entity_record ALTER COLUMN id TYPE varchar(36) USING id::text,"
               " ALTER COLUMN ward_id TYPE varchar(36) USING ward_id::text,"
               " ALTER COLUMN id SET STORAGE MAIN, ALTER COLUMN ward_id SET STORAGE MAIN")  # as 0013 left them
    op.execute("ALTER TABLE change_log ALTER COLUMN entity_id TYPE varchar(36) USING entity_id::text,"
               " ALTER COLUMN ward_id TYPE varchar(36) USING ward_id::text")
    if not sa.inspect(op.get_bind()).has_table("record_set_aside"):
        return
    # the records set aside come back as they were (text keys again), each with its latest change-log row
    op.execute("INSERT INTO entity_record (entity, id, ward_id, data, field_meta, deleted, last_seq, needs_review, updated_at)"
               " SELECT entity, id, ward_id, data, field_meta::json, deleted, last_seq, needs_review, updated_at"
               " FROM record_set_aside WHERE last_seq IS NOT NULL")
    op.execute("INSERT INTO change_log (seq, ward_id, entity, entity_id, deleted)"
               " SELECT last_seq, ward_id, entity, id, deleted FROM record_set_aside WHERE last_seq IS NOT NULL"
               " ON CONFLICT DO NOTHING")
    op.execute("DROP TABLE record_set_aside")
