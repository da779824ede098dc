"""Fewer bytes per record and per history row (issue 13: the server's size per shift).

- ``entity_record`` on PostgreSQL: a shift's row (its data and its per-field versions, ~2.1 KB as
  stored JSON) is over the 2 KB at which PostgreSQL compresses a row, but PostgreSQL stopped after
  compressing the versions (the row was then under its default target), so ``data`` was kept raw.
  ``toast_tuple_target = 128`` makes it compress ``data`` too (a shift's ~350 bytes become ~250),
  and storage ``MAIN`` on every text and JSON column keeps each value in the row itself (compressed
  where that gains, never moved out to the TOAST table: with such a low target PostgreSQL would
  otherwise move even a 37-byte id out of the row). Nothing changes in what is
  stored or how it reads; only rows written from now on are compressed this way (an edit rewrites
  its row; existing rows are not rewritten here: that would double the table until a VACUUM FULL).
  Rows under 2 KB (a ward, a staff member) are not compressed, as before.
- ``field_change.entity_id`` becomes a PostgreSQL ``uuid`` (16 bytes, not 37), and its index is on
  the record id alone (the entity name added 8 bytes an entry and no selectivity: ids are UUIDs).
  The push refuses a record id that is not a UUID in its usual form, so its text stays the record's.
- ``field_change.old_value`` / ``new_value`` become ``json`` (text) on PostgreSQL, not ``jsonb``: a
  history value is only ever read whole (never searched inside), and a staffing figure is 2 bytes as
  text, 17 as jsonb. The values read back the same (the view and every reader parse them).
- ``field_change.server_seq`` is NULL where it is its mutation's (every row the server writes from
  now on): the view ``field_history`` fills it in from ``received_mutation``, as it already did for
  the author, the device and the time (0009) and the clock (0010).

Refuses to run, saying why, if a history row holds a record id PostgreSQL's ``uuid`` would not give
back as the same text (no server version writes one).

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-02 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CANONICAL = "'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'"


def _pg() -> bool:
    return bool(op.get_bind().dialect.name == 'postgresql')


def _field_history(pg: bool) -> None:
    """The view of 0010 with ``server_seq`` filled in from the mutation, and the record id as text, as it
    was (a lookup of one record's history by its index: ``field_change.entity_id``, a uuid)."""
    hlc = "substring(m.raw from '\"hlc\":\"([^\"]*)\"')" if pg else "json_extract(m.raw, '$.hlc')"
    entity_id = "f.entity_id::text AS entity_id" if pg else "f.entity_id"
    op.execute(f"CREATE VIEW field_history AS SELECT f.id, f.entity, {entity_id}, f.field, f.old_value, f.new_value, "
               f"coalesce(f.incoming_hlc, {hlc}) AS incoming_hlc, f.stored_hlc, f.outcome, "
               "coalesce(f.device_id, m.device_id) AS device_id, "
               "coalesce(f.recorded_by, m.recorded_by) AS recorded_by, f.mutation_id, "
               "coalesce(f.server_seq, m.server_seq) AS server_seq, "
               "coalesce(f.at, m.received_at) AS at "
               "FROM field_change f LEFT JOIN received_mutation m ON m.mutation_id = f.mutation_id")


def upgrade() -> None:
    pg = _pg()
    bind = op.get_bind()
    op.execute("DROP VIEW IF EXISTS field_history")
    op.drop_index('ix_field_change_record', table_name='field_change')  # before the column is rewritten
    if pg:
        odd = bind.execute(sa.text(f"SELECT count(*) FROM field_change WHERE entity_id !~ {CANONICAL}")).scalar_one()
        if odd:
            raise RuntimeError(f"{odd} row(s) of field_change have a record id that is not a UUID in its usual lower-case "
                               "form: migration 0013 keeps it as uuid; settle them by hand first")
        op.execute("ALTER TABLE field_change ALTER COLUMN entity_id TYPE uuid USING entity_id::uuid,"
                   " ALTER COLUMN old_value TYPE json USING old_value::json, ALTER COLUMN new_value TYPE json USING new_value::json")
        for column in ("entity", "id", "ward_id", "data", "field_meta"):  # (PLAIN would cost the keys their 1-byte headers)
            op.execute(f"ALTER TABLE entity_record ALTER COLUMN {column} SET STORAGE MAIN")
        op.execute("ALTER TABLE entity_record SET (toast_tuple_target = 128)")
    op.create_index('ix_field_change_entity_id', 'field_change', ['entity_id'])
    _field_history(pg)
    if pg:
        op.execute("ANALYZE field_change")


def downgrade() -> None:
    """History rows get their server_seq back; the record id is text again; the storage as before."""
    pg = _pg()
    op.execute("DROP VIEW IF EXISTS field_history")
    op.execute("UPDATE field_change SET server_seq = (SELECT m.server_seq FROM received_mutation m"
               " WHERE m.mutation_id = field_change.mutation_id) WHERE server_seq IS NULL")
    op.drop_index('ix_field_change_entity_id', table_name='field_change')
    if pg:
        op.execute("ALTER TABLE field_change ALTER COLUMN entity_id TYPE varchar(36) USING entity_id::text,"
                   " ALTER COLUMN old_value TYPE jsonb USING old_value::jsonb, ALTER COLUMN new_value TYPE jsonb USING new_value::jsonb")
        op.execute("ALTER TABLE entity_record RESET (toast_tuple_target)")
        for column in ("entity", "id", "ward_id", "data", "field_meta"):
            op.execute(f"ALTER TABLE entity_record ALTER COLUMN {column} SET STORAGE EXTENDED")
    op.create_index('ix_field_change_record', 'field_change', ['entity', 'entity_id'])
    # the view as 0010 made it
    hlc = "substring(m.raw from '\"hlc\":\"([^\"]*)\"')" if pg else "json_extract(m.raw, '$.hlc')"
    op.execute("CREATE VIEW field_history AS SELECT f.id, f.entity, f.entity_id, f.field, f.old_value, f.new_value, "
               f"coalesce(f.incoming_hlc, {hlc}) AS incoming_hlc, f.stored_hlc, f.outcome, "
               "coalesce(f.device_id, m.device_id) AS device_id, "
               "coalesce(f.recorded_by, m.recorded_by) AS recorded_by, f.mutation_id, f.server_seq, "
               "coalesce(f.at, m.received_at) AS at "
               "FROM field_change f LEFT JOIN received_mutation m ON m.mutation_id = f.mutation_id")
