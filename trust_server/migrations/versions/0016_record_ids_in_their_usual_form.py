"""Record ids in their usual form (i13-clock4).

Before migration 0013 a push kept any record id Python's ``uuid.UUID`` reads (braces, no dashes) as
it was sent, lower-cased. No release of the ward station ever sent one (its ids are ``str(uuid...)``;
the release fixtures hold none); a broken or hostile client could. Since 0013 the push refuses such an
id, so a record kept under one could no longer be changed. Here each such id is written in its usual
form (``str(uuid.UUID(id))``): the record's key (``entity_record.id``), its ``change_log`` rows, and the
references other records hold to it (their ``*_id`` fields). The history holds uuids since 0013 (which
refuses to run while it holds an odd id: ``hardtruths-server admin settle-record-ids`` settles those
first, with the live copy of this, ``trust_server/record_ids.py``). An id whose usual form another
record of the same entity already has is left as it is (two records are never merged silently);
``admin settle-record-ids`` lists it. ``received_mutation.raw`` keeps what was sent.

Set-based: one SELECT of the candidates per column (none on a database no odd client wrote to), the new
ids in a temporary table, one UPDATE per table and reference field.

Revision ID: 0016
Revises: 0015b
Create Date: 2026-12-02 04:00:00
"""

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015b'  # after i13-size4's 0015b
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CANONICAL_RE = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
CANONICAL_GLOB = "-".join("[0-9a-f]" * n for n in (8, 4, 4, 4, 12))
#: every ``Ref.field`` of the protocol's schemas when this was written (frozen here)
REFERENCE_FIELDS = ("amends_id", "bed_id", "feedback_id", "incident_id", "nurse_in_charge_id", "red_flag_id", "shift_id",
                    "staff_id", "trust_id", "ward_id")


def _usual(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) > 45:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def _candidates(conn: Any, pg: bool, value: str, where: str = "") -> list[Any]:
    not_usual = f"({value}) !~ '{CANONICAL_RE}'" if pg else f"({value}) NOT GLOB '{CANONICAL_GLOB}'"
    cond = " AND ".join(c for c in (where, f"({value}) IS NOT NULL", not_usual) if c)
    return list(conn.execute(sa.text(f"SELECT entity, id, {value} FROM entity_record WHERE {cond}")).all())


def upgrade() -> None:
    conn = op.get_bind()
    pg = conn.dialect.name == 'postgresql'
    moves = [{"entity": e, "old": rid, "new": new} for e, rid, _v in _candidates(conn, pg, "id")
             if (new := _usual(rid)) is not None]
    if moves:
        conn.execute(sa.text("CREATE TEMPORARY TABLE settle_ids (entity text, old text, new text)"))
        conn.execute(sa.text("INSERT INTO settle_ids (entity, old, new) VALUES (:entity, :old, :new)"), moves)
        clash = ("EXISTS (SELECT 1 FROM entity_record r WHERE r.entity = settle_ids.entity AND r.id = settle_ids.new)"
                 " OR (SELECT count(*) FROM settle_ids o WHERE o.entity = settle_ids.entity AND o.new = settle_ids.new) > 1")
        conn.execute(sa.text(f"DELETE FROM settle_ids WHERE {clash}"))  # left as they are (admin settle-record-ids)
        conn.execute(sa.text("UPDATE change_log SET entity_id = m.new FROM settle_ids m"
                             " WHERE change_log.entity = m.entity AND change_log.entity_id = m.old"))
        conn.execute(sa.text("UPDATE entity_record SET id = m.new FROM settle_ids m"
                             " WHERE entity_record.entity = m.entity AND entity_record.id = m.old"))
        conn.execute(sa.text("DROP TABLE settle_ids"))
    for f in REFERENCE_FIELDS:
        value = f"data->>'{f}'" if pg else f"json_extract(data, '$.{f}')"
        typed = f"jsonb_typeof(data->'{f}') = 'string'" if pg else f"json_type(data, '$.{f}') = 'text'"
        fixes = [{"entity": e, "id": i, "new": new} for e, i, v in _candidates(conn, pg, value, typed)
                 if (new := _usual(v)) is not None]
        if not fixes:
            continue
        conn.execute(sa.text("CREATE TEMPORARY TABLE settle_refs (entity text, id text, new text)"))
        conn.execute(sa.text("INSERT INTO settle_refs (entity, id, new) VALUES (:entity, :id, :new)"), fixes)
        set_to = f"jsonb_set(data, '{{{f}}}', to_jsonb(m.new))" if pg else f"json_set(data, '$.{f}', m.new)"
        conn.execute(sa.text(f"UPDATE entity_record SET data = {set_to} FROM settle_refs m"
                             " WHERE entity_record.entity = m.entity AND entity_record.id = m.id"))
        conn.execute(sa.text("DROP TABLE settle_refs"))


def downgrade() -> None:
    pass  # the usual form is a record's id for every server version: nothing to undo
