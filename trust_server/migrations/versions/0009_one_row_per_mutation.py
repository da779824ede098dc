"""One row per mutation received (issue 13: the server's bytes per shift).

``applied_mutation`` (a station's verdicts) and ``mutation_log`` (every mutation as sent) held the
same mutation and device ids twice, each with its own indexes: they become ONE table,
``received_mutation``, with the ids as PostgreSQL ``uuid`` (16 bytes, not 36 characters of text) and
the payload hash as 32 bytes. ``field_history`` becomes ``field_change``, which no longer repeats
per field what its mutation says (who, which device, when); where an old row differed from its
mutation, the old values are kept in the row. Every row is carried over; views named
``applied_mutation``, ``mutation_log`` and ``field_history`` show the same facts as the old tables.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UUID_TEXT = sa.String(36).with_variant(postgresql.UUID(as_uuid=False), 'postgresql')
JSON = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')
TS = sa.DateTime(timezone=True)


def _pg() -> bool:
    return bool(op.get_bind().dialect.name == 'postgresql')


def create_views() -> None:
    """The old tables' names and columns, read from the new tables."""
    pg = _pg()
    sha = "encode(payload_sha256, 'hex')" if pg else "lower(hex(payload_sha256))"
    empty = "'{}'::jsonb" if pg else "'{}'"
    op.execute("CREATE VIEW applied_mutation AS SELECT mutation_id, device_id, client_seq, "
               f"{sha} AS payload_sha256, status, server_seq, coalesce(result, {empty}) AS result, received_at "
               "FROM received_mutation WHERE client_seq IS NOT NULL")
    op.execute("CREATE VIEW mutation_log AS SELECT mutation_id, device_id, raw, recorded_by, received_at FROM received_mutation")
    op.execute("CREATE VIEW field_history AS SELECT f.id, f.entity, f.entity_id, f.field, f.old_value, f.new_value, "
               "f.incoming_hlc, f.stored_hlc, f.outcome, coalesce(f.device_id, m.device_id) AS device_id, "
               "coalesce(f.recorded_by, m.recorded_by) AS recorded_by, f.mutation_id, f.server_seq, "
               "coalesce(f.at, m.received_at) AS at "
               "FROM field_change f LEFT JOIN received_mutation m ON m.mutation_id = f.mutation_id")


def drop_views() -> None:
    for view in ('field_history', 'mutation_log', 'applied_mutation'):
        op.execute(f"DROP VIEW IF EXISTS {view}")


def upgrade() -> None:
    pg = _pg()
    op.create_table(
        'received_mutation',
        sa.Column('mutation_id', UUID_TEXT, nullable=False),
        sa.Column('device_id', UUID_TEXT, nullable=False),
        sa.Column('client_seq', sa.BigInteger(), nullable=True),
        sa.Column('server_seq', sa.BigInteger(), nullable=True),
        sa.Column('received_at', TS, nullable=False),
        sa.Column('payload_sha256', sa.LargeBinary(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=True),
        sa.Column('recorded_by', sa.String(length=120), nullable=False),
        sa.Column('result', JSON, nullable=False),
        sa.Column('raw', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('mutation_id', name=op.f('pk_received_mutation')),
        sa.UniqueConstraint('device_id', 'client_seq', name=op.f('uq_received_mutation_device_id')),
    )
    op.create_table(
        'field_change',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('server_seq', sa.BigInteger(), nullable=True),
        sa.Column('mutation_id', UUID_TEXT, nullable=False),
        sa.Column('entity', sa.String(length=40), nullable=False),
        sa.Column('entity_id', sa.String(length=36), nullable=False),
        sa.Column('field', sa.String(length=80), nullable=False),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.Column('incoming_hlc', sa.String(length=40), nullable=False),
        sa.Column('stored_hlc', sa.String(length=40), nullable=True),
        sa.Column('old_value', JSON, nullable=True),
        sa.Column('new_value', JSON, nullable=True),
        sa.Column('device_id', UUID_TEXT, nullable=True),
        sa.Column('recorded_by', sa.String(length=120), nullable=True),
        sa.Column('at', TS, nullable=True),
        sa.CheckConstraint("outcome IN ('applied','concurrent_won','concurrent_lost')", name=op.f('ck_field_change_outcome')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_field_change')),
    )
    op.create_index('ix_field_change_record', 'field_change', ['entity', 'entity_id'], unique=False)

    bind = op.get_bind()
    uuid = "::uuid" if pg else ""
    sha = "decode(a.payload_sha256, 'hex')" if pg else "NULL"  # SQLite 3.40 has no unhex(): set below
    lower = "lower" if not pg else ""
    # a mutation logged twice under one id never happens (the id is the verdict's primary key, written in the
    # same transaction); if an old database had it anyway, stop rather than drop a row
    twice = bind.execute(sa.text("SELECT count(*) - count(DISTINCT lower(mutation_id)) FROM mutation_log")).scalar_one()
    if twice:
        raise RuntimeError(f"mutation_log holds {twice} mutation id(s) twice: migration 0009 keeps one row per mutation; "
                           "settle them by hand first")
    if pg:  # only a hostile station could have sent an id PostgreSQL's uuid cannot read (the push now refuses it)
        canonical = "'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'"
        odd = bind.execute(sa.text(
            f"SELECT (SELECT count(*) FROM mutation_log WHERE mutation_id !~ {canonical} OR device_id !~ {canonical})"
            f" + (SELECT count(*) FROM applied_mutation WHERE mutation_id !~ {canonical} OR device_id !~ {canonical})"
            f" + (SELECT count(*) FROM field_history WHERE mutation_id !~ {canonical} OR device_id !~ {canonical})")).scalar_one()
        if odd:
            raise RuntimeError(f"{odd} row(s) of mutation_log, applied_mutation or field_history have a mutation or device id "
                               "that is not a UUID in its usual form: migration 0009 keeps them as uuid; settle them by hand first")
    # every logged mutation, with its verdict when a station sent it; then any verdict without a logged mutation
    op.execute(
        "INSERT INTO received_mutation (mutation_id, device_id, client_seq, server_seq, received_at, payload_sha256, status,"
        " recorded_by, result, raw) "
        f"SELECT {lower}(l.mutation_id){uuid}, coalesce(a.device_id, l.device_id){uuid}, a.client_seq, a.server_seq,"
        f" coalesce(a.received_at, l.received_at), {sha}, a.status, l.recorded_by, coalesce(a.result, {_empty_json(pg)}), l.raw"
        f" FROM mutation_log l LEFT JOIN applied_mutation a ON a.mutation_id = l.mutation_id")
    op.execute(
        "INSERT INTO received_mutation (mutation_id, device_id, client_seq, server_seq, received_at, payload_sha256, status,"
        " recorded_by, result, raw) "
        f"SELECT {lower}(a.mutation_id){uuid}, a.device_id{uuid}, a.client_seq, a.server_seq, a.received_at, {sha}, a.status,"
        " '', a.result, '' FROM applied_mutation a"
        " WHERE NOT EXISTS (SELECT 1 FROM mutation_log l WHERE l.mutation_id = a.mutation_id)")
    if not pg:
        hashes = bind.execute(sa.text("SELECT lower(mutation_id), payload_sha256 FROM applied_mutation")).all()
        if hashes:
            bind.execute(sa.text("UPDATE received_mutation SET payload_sha256 = :sha WHERE mutation_id = :mid"),
                         [{"sha": bytes.fromhex(h), "mid": mid} for mid, h in hashes])
    # history: who, device and when only where they differ from the mutation's
    differs = "IS DISTINCT FROM" if pg else "IS NOT"
    op.execute(
        "INSERT INTO field_change (id, server_seq, mutation_id, entity, entity_id, field, outcome, incoming_hlc, stored_hlc,"
        " old_value, new_value, device_id, recorded_by, at) "
        f"SELECT h.id, h.server_seq, {lower}(h.mutation_id){uuid}, h.entity, h.entity_id, h.field, h.outcome, h.incoming_hlc,"
        " h.stored_hlc, h.old_value, h.new_value,"
        f" CASE WHEN m.device_id{'::text' if pg else ''} {differs} lower(h.device_id) THEN h.device_id{uuid} END,"
        f" CASE WHEN m.recorded_by {differs} h.recorded_by THEN h.recorded_by END,"
        f" CASE WHEN m.received_at {differs} h.at THEN h.at END"
        f" FROM field_history h LEFT JOIN received_mutation m ON m.mutation_id = {lower}(h.mutation_id){uuid}")
    if pg:
        op.execute("SELECT setval(pg_get_serial_sequence('field_change', 'id'), coalesce((SELECT max(id) FROM field_change), 0) + 1, false)")
    op.drop_table('field_history')
    op.drop_table('mutation_log')
    op.drop_table('applied_mutation')
    create_views()


def _empty_json(pg: bool) -> str:
    return "'{}'::jsonb" if pg else "'{}'"


def downgrade() -> None:
    drop_views()
    op.create_table(
        'applied_mutation',
        sa.Column('mutation_id', sa.String(length=36), nullable=False),
        sa.Column('device_id', sa.String(length=36), nullable=False),
        sa.Column('client_seq', sa.BigInteger(), nullable=False),
        sa.Column('payload_sha256', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('server_seq', sa.BigInteger(), nullable=True),
        sa.Column('result', JSON, nullable=False),
        sa.Column('received_at', TS, nullable=False),
        sa.PrimaryKeyConstraint('mutation_id', name=op.f('pk_applied_mutation')),
        sa.UniqueConstraint('device_id', 'client_seq', name=op.f('uq_applied_mutation_device_id')),
    )
    op.create_table(
        'mutation_log',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('mutation_id', sa.String(length=36), nullable=False),
        sa.Column('device_id', sa.String(length=36), nullable=False),
        sa.Column('raw', sa.Text(), nullable=False),
        sa.Column('recorded_by', sa.String(length=120), nullable=False),
        sa.Column('received_at', TS, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mutation_log')),
    )
    op.create_index(op.f('ix_mutation_log_mutation_id'), 'mutation_log', ['mutation_id'], unique=False)
    op.create_table(
        'field_history',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('entity', sa.String(length=40), nullable=False),
        sa.Column('entity_id', sa.String(length=36), nullable=False),
        sa.Column('field', sa.String(length=80), nullable=False),
        sa.Column('old_value', JSON, nullable=True),
        sa.Column('new_value', JSON, nullable=True),
        sa.Column('incoming_hlc', sa.String(length=40), nullable=False),
        sa.Column('stored_hlc', sa.String(length=40), nullable=True),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.Column('device_id', sa.String(length=36), nullable=False),
        sa.Column('recorded_by', sa.String(length=120), nullable=False),
        sa.Column('mutation_id', sa.String(length=36), nullable=False),
        sa.Column('server_seq', sa.BigInteger(), nullable=True),
        sa.Column('at', TS, nullable=False),
        sa.CheckConstraint("outcome IN ('applied','concurrent_won','concurrent_lost')", name=op.f('ck_field_history_outcome')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_field_history')),
    )
    op.create_index('ix_field_history_record', 'field_history', ['entity', 'entity_id'], unique=False)
    txt = "::text" if _pg() else ""
    hexed = "encode(payload_sha256, 'hex')" if _pg() else "lower(hex(payload_sha256))"
    op.execute("INSERT INTO applied_mutation SELECT mutation_id" + txt + ", device_id" + txt + ", client_seq, "
               f"{hexed}, status, server_seq, result, received_at FROM received_mutation WHERE client_seq IS NOT NULL")
    op.execute("INSERT INTO mutation_log (mutation_id, device_id, raw, recorded_by, received_at) SELECT mutation_id" + txt
               + ", device_id" + txt + ", raw, recorded_by, received_at FROM received_mutation WHERE raw <> '' ORDER BY received_at")
    op.execute("INSERT INTO field_history SELECT f.id, f.entity, f.entity_id, f.field, f.old_value, f.new_value, f.incoming_hlc,"
               " f.stored_hlc, f.outcome, coalesce(f.device_id, m.device_id)" + txt + ", coalesce(f.recorded_by, m.recorded_by, ''),"
               " f.mutation_id" + txt + ", f.server_seq, coalesce(f.at, m.received_at)"
               " FROM field_change f LEFT JOIN received_mutation m ON m.mutation_id = f.mutation_id")
    if _pg():
        op.execute("SELECT setval(pg_get_serial_sequence('field_history', 'id'), coalesce((SELECT max(id) FROM field_history), 0) + 1, false)")
    op.drop_table('field_change')
    op.drop_table('received_mutation')
