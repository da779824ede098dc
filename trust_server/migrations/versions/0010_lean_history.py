"""Leaner history rows (issue 13: the server's bytes per shift).

- ``received_mutation.raw`` of a station's mutation no longer repeats what the row's own columns
  hold (``mutation_id``, ``client_seq``, ``recorded_by``), when they hold it exactly: a row written
  from now on may be *slim* (``client_seq`` set and no ``"mutation_id":`` in ``raw``).
  ``apply.full_raw`` gives back the exact text the station sent (the same bytes, hence the same
  hash); the view ``mutation_log`` shows the whole mutation (on PostgreSQL as ``jsonb`` text: the
  same keys and values, its own spacing and key order). About 110 bytes less a mutation.
- ``field_change.incoming_hlc`` is NULL where it is the clock its mutation was sent with (in the
  mutation's ``raw``, once): the view ``field_history`` fills it in. 29 bytes less a history row.
- ``ix_entity_record_ward_id`` goes: ``ix_entity_record_ward_day`` (ward, entity, day) starts with
  the ward and serves every query by ward.

Rows already written stay as they are (both forms read the same: the tables are append-only and
are not rewritten; rewriting them would double them on disk until a VACUUM FULL).

Revision ID: 0010
Revises: 0012
Create Date: 2026-12-01 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0012'  # after i13-trust's 0012, which landed first
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _pg() -> bool:
    return bool(op.get_bind().dialect.name == 'postgresql')


def _slim(pg: bool) -> str:
    """A slim row: a station's mutation whose raw no longer names its id (every whole one does). The
    exact text, as ``apply.station_raw`` tests it (a LIKE pattern's ``_`` would match any character)."""
    find = "strpos" if pg else "instr"
    return f"m.client_seq IS NOT NULL AND {find}(m.raw, '\"mutation_id\":') = 0"


def create_views(pg: bool) -> None:
    if pg:
        raw = (f"CASE WHEN {_slim(pg)} THEN (m.raw::jsonb || jsonb_build_object('mutation_id', m.mutation_id::text,"
               " 'client_seq', m.client_seq, 'recorded_by', m.recorded_by))::text ELSE m.raw END")
        hlc = "substring(m.raw from '\"hlc\":\"([^\"]*)\"')"
    else:
        raw = (f"CASE WHEN {_slim(pg)} THEN json_patch(m.raw, json_object('client_seq', m.client_seq, 'mutation_id',"
               " m.mutation_id, 'recorded_by', m.recorded_by)) ELSE m.raw END")
        hlc = "json_extract(m.raw, '$.hlc')"
    op.execute(f"CREATE VIEW mutation_log AS SELECT m.mutation_id, m.device_id, {raw} AS raw, m.recorded_by, m.received_at"
               " FROM received_mutation m")
    op.execute("CREATE VIEW field_history AS SELECT f.id, f.entity, f.entity_id, f.field, f.old_value, f.new_value, "
               f"coalesce(f.incoming_hlc, {hlc}) AS incoming_hlc, f.stored_hlc, f.outcome, "
               "coalesce(f.device_id, m.device_id) AS device_id, "
               "coalesce(f.recorded_by, m.recorded_by) AS recorded_by, f.mutation_id, f.server_seq, "
               "coalesce(f.at, m.received_at) AS at "
               "FROM field_change f LEFT JOIN received_mutation m ON m.mutation_id = f.mutation_id")


def upgrade() -> None:
    pg = _pg()
    op.execute("DROP VIEW IF EXISTS field_history")
    op.execute("DROP VIEW IF EXISTS mutation_log")
    with op.batch_alter_table('field_change') as batch:
        batch.alter_column('incoming_hlc', existing_type=sa.String(length=40), nullable=True)
    op.drop_index('ix_entity_record_ward_id', table_name='entity_record')
    create_views(pg)


def downgrade() -> None:
    """Slim rows made whole again (the exact text: ``apply.full_raw``), history clocks filled in."""
    import json

    pg = _pg()
    bind = op.get_bind()
    op.execute("DROP VIEW IF EXISTS field_history")
    op.execute("DROP VIEW IF EXISTS mutation_log")
    txt = "::text" if pg else ""
    slim = bind.execute(sa.text(f"SELECT m.mutation_id{txt}, m.client_seq, m.recorded_by, m.raw FROM received_mutation m"
                                f" WHERE {_slim(pg)}")).all()
    for mid, seq, by, raw in slim:
        whole = {**json.loads(raw), "mutation_id": mid, "client_seq": seq, "recorded_by": by}
        bind.execute(sa.text("UPDATE received_mutation SET raw = :raw WHERE client_seq = :seq AND recorded_by = :by"
                             f" AND mutation_id{txt} = :mid"),
                     {"raw": json.dumps(whole, separators=(",", ":"), ensure_ascii=True, sort_keys=True), "seq": seq,
                      "by": by, "mid": mid})
    hlc = "substring(m.raw from '\"hlc\":\"([^\"]*)\"')" if pg else "json_extract(m.raw, '$.hlc')"
    op.execute(f"UPDATE field_change SET incoming_hlc = (SELECT {hlc} FROM received_mutation m"
               " WHERE m.mutation_id = field_change.mutation_id) WHERE incoming_hlc IS NULL")
    with op.batch_alter_table('field_change') as batch:
        batch.alter_column('incoming_hlc', existing_type=sa.String(length=40), nullable=False)
    op.create_index('ix_entity_record_ward_id', 'entity_record', ['ward_id'])
    op.execute("CREATE VIEW mutation_log AS SELECT mutation_id, device_id, raw, recorded_by, received_at FROM received_mutation")
    op.execute("CREATE VIEW field_history AS SELECT f.id, f.entity, f.entity_id, f.field, f.old_value, f.new_value, "
               "f.incoming_hlc, f.stored_hlc, f.outcome, coalesce(f.device_id, m.device_id) AS device_id, "
               "coalesce(f.recorded_by, m.recorded_by) AS recorded_by, f.mutation_id, f.server_seq, "
               "coalesce(f.at, m.received_at) AS at "
               "FROM field_change f LEFT JOIN received_mutation m ON m.mutation_id = f.mutation_id")
