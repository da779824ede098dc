"""The audit rows narrowed: a history row's field by a small number, outcomes and verdicts as small codes, an
empty verdict as NULL, the payload hash 16 bytes, a request's texts compressed with lz4 (issue 13: the server's
size per shift-with-one-edit).

Measured with ``benchmarks/bench_size.py --n 20000`` (PostgreSQL, one burst of 20,000 shifts each recorded then
edited once; average bytes as stored, before -> after; ``benchmarks/RESULTS.md``, ``### pg``). Server database
3,329 -> 3,234 B a shift (tables and indexes 2,922 -> 2,822).

- ``field_change.field`` (the field's name, ~20 B as text) becomes ``field_id``, a ``smallint`` naming a row
  of the new table ``field_name`` (id, name): a name is stored once, however many rows change it. A push
  looks up the names its history rows use (one small query a push with history, ~0.1 ms) and adds a name it
  has not met (``trust_server.audit_codes``); names come only from the entity schemas, a bounded set.
- ``field_change.outcome`` (``applied`` | ``concurrent_won`` | ``concurrent_lost`` as text, 8-16 B)
  becomes ``outcome_code`` 1 | 2 | 3 (``smallint``, checked).
  On PostgreSQL both keep their places (``ALTER ... TYPE``, one rewrite), so the 2-byte codes sit between
  ``entity_id`` and the varlena columns without padding. Together: a history row 142 -> 118 B,
  ``field_change`` 407 -> 369 B a shift (2 history rows: the figure and its derived hours).
- ``received_mutation.status`` (``applied`` | ``rejected`` | NULL as text, 8-9 B) becomes ``status_code``
  1 | 2 | NULL, and ``result`` (the verdict's flags, error and effective values, ``{}`` for a clean
  change: 5 B as jsonb) is NULL when empty: with the 8-byte alignment of ``batch_id`` after them a mutation
  row is 164 -> 148 B.
- ``received_mutation.payload_sha256`` keeps the first 16 bytes of the SHA-256 (a re-sent change is told from
  another change under the same id by 128 bits): 148 -> 132 B a row. With the codes: ``received_mutation``
  498 -> 431 B a shift (2 rows). The downgrade computes each station mutation's hash whole again from its
  kept text (``received_raw``, over the bytes the push hashes), so the server before 0022 answers a re-sent
  change as a duplicate, as before (``benchmarks/bench_migrate_audit.py``: 75,000 of 75,000 whole again).
- ``received_batch.raws`` compressed with lz4 where PostgreSQL has it (pglz before): the same size
  (153 B a shift; 6,864 against 6,829 B a row of 100 texts at 20,000, 68.9 against 71.1 B a text at
  2,000) for about a third of the insert's database time. Rows written before keep pglz.

The views keep their columns and texts (``field_history.field`` and ``.outcome``, ``applied_mutation.status``
and ``.result``, ``{}`` for an empty verdict; ``applied_mutation.payload_sha256`` is 32 hex digits, not 64):
every reader of the audit sees what it saw.

Not changed, and why: the ``(device_id, client_seq)`` unique index is what the push reads a station's
re-sent range by; ``change_log`` (88 B a row) gains nothing from a coded ``entity`` (the alignment of the
uuid after it absorbs the 4 bytes); ``field_change.stored_hlc`` (29 B of text) would save ~8 B a row after
alignment as binary, with every reader of it changed.

Both ways on PostgreSQL and SQLite; existing rows converted (a status other than applied/rejected refuses
the upgrade, naming it: no verdict is ever mapped to NULL silently). At a trust-year (75,000 mutations,
82,500 history rows, fsync on, loaded machine): 1.25 s up, 8.1 s down.

Revision ID: 0022
Revises: 0019
Create Date: 2026-12-02 11:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0022'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OUTCOMES = (("applied", 1), ("concurrent_won", 2), ("concurrent_lost", 3))
STATUSES = (("applied", 1), ("rejected", 2))
#: the bytes of a mutation's SHA-256 payload hash kept (``models.PAYLOAD_HASH_BYTES``)
HASH_BYTES = 16


def _pg() -> bool:
    return bool(op.get_bind().dialect.name == 'postgresql')


def _to_code(column: str, pairs: tuple[tuple[str, int], ...]) -> str:
    return f"CASE {column} " + " ".join(f"WHEN '{name}' THEN {code}" for name, code in pairs) + " END"


def _to_name(column: str, pairs: tuple[tuple[str, int], ...]) -> str:
    return f"CASE {column} " + " ".join(f"WHEN {code} THEN '{name}'" for name, code in pairs) + " END"


def _has_lz4() -> bool:
    found = op.get_bind().execute(sa.text(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")).scalar()
    return bool(found)


def _drop_views() -> None:
    for view in ("field_history", "mutation_log", "applied_mutation", "received_raw"):
        op.execute(f"DROP VIEW IF EXISTS {view}")


def _slim(raw: str, pg: bool) -> str:
    """A slim text (migration 0010): a station's mutation whose text no longer names its id."""
    find = "strpos" if pg else "instr"
    return f"m.client_seq IS NOT NULL AND {find}({raw}, '\"mutation_id\":') = 0"


def _create_views(pg: bool, coded: bool) -> None:
    """The four views as migration 0015 made them; ``coded``: reading this revision's codes and names back as
    the texts they were."""
    text_of = "coalesce(m.raw, b.raws[m.batch_index])" if pg else \
        "coalesce(m.raw, json_extract(b.raws, '$[' || (m.batch_index - 1) || ']'))"
    batch = "LEFT JOIN received_batch b ON b.id = m.batch_id"
    op.execute(f"CREATE VIEW received_raw AS SELECT m.mutation_id, m.device_id, m.client_seq, m.recorded_by, {text_of} AS raw"
               f" FROM received_mutation m {batch}")
    if pg:
        source = f"received_mutation m {batch} CROSS JOIN LATERAL (SELECT {text_of} AS raw OFFSET 0) r"
        whole = (f"CASE WHEN {_slim('r.raw', pg)} THEN (r.raw::jsonb || jsonb_build_object('mutation_id', m.mutation_id::text,"
                 " 'client_seq', m.client_seq, 'recorded_by', m.recorded_by))::text ELSE r.raw END")
        hlc = f"substring({text_of} from '\"hlc\":\"([^\"]*)\"')"
        entity_id = "f.entity_id::text AS entity_id"
    else:
        source = f"received_mutation m {batch}"
        whole = (f"CASE WHEN {_slim(text_of, pg)} THEN json_patch({text_of}, json_object('client_seq', m.client_seq, 'mutation_id',"
                 f" m.mutation_id, 'recorded_by', m.recorded_by)) ELSE {text_of} END")
        hlc = f"json_extract({text_of}, '$.hlc')"
        entity_id = "f.entity_id"
    op.execute(f"CREATE VIEW mutation_log AS SELECT m.mutation_id, m.device_id, {whole} AS raw, m.recorded_by, m.received_at"
               f" FROM {source}")
    field = "n.name AS field" if coded else "f.field"
    outcome = f"{_to_name('f.outcome_code', OUTCOMES)} AS outcome" if coded else "f.outcome"
    names = "LEFT JOIN field_name n ON n.id = f.field_id " if coded else ""
    op.execute(f"CREATE VIEW field_history AS SELECT f.id, f.entity, {entity_id}, {field}, f.old_value, f.new_value, "
               f"coalesce(f.incoming_hlc, {hlc}) AS incoming_hlc, f.stored_hlc, {outcome}, "
               "coalesce(f.device_id, m.device_id) AS device_id, "
               "coalesce(f.recorded_by, m.recorded_by) AS recorded_by, f.mutation_id, "
               "coalesce(f.server_seq, m.server_seq) AS server_seq, "
               "coalesce(f.at, m.received_at) AS at "
               f"FROM field_change f {names}LEFT JOIN received_mutation m ON m.mutation_id = f.mutation_id {batch}")
    sha = "encode(payload_sha256, 'hex')" if pg else "lower(hex(payload_sha256))"
    empty = "'{}'::jsonb" if pg else "'{}'"
    status = f"{_to_name('status_code', STATUSES)} AS status" if coded else "status"
    op.execute("CREATE VIEW applied_mutation AS SELECT mutation_id, device_id, client_seq, "
               f"{sha} AS payload_sha256, {status}, server_seq, coalesce(result, {empty}) AS result, received_at "
               "FROM received_mutation WHERE client_seq IS NOT NULL")


def _whole_hashes() -> None:
    """Each station mutation's payload hash computed again, whole, from its text as kept (``received_raw``): over the
    same bytes the push hashes (``apply.raw_json`` of its entity, id, op, payload and base), so the server before
    0022, comparing whole hashes, answers a re-sent change as a duplicate, not a conflict. A text that does not give
    back its stored prefix (none should) keeps its 16 bytes."""
    import hashlib
    import json

    from trust_server.apply import raw_json

    bind = op.get_bind()
    size = "octet_length" if _pg() else "length"
    rows = bind.execute(sa.text(
        "SELECT m.mutation_id, r.raw, m.payload_sha256 FROM received_mutation m JOIN received_raw r ON r.mutation_id = m.mutation_id"
        f" WHERE {size}(m.payload_sha256) = {HASH_BYTES} AND r.raw IS NOT NULL")).all()
    whole = []
    for mid, raw, short in rows:
        try:
            sent = json.loads(raw)
            sha = hashlib.sha256(raw_json({k: sent.get(k) for k in ("entity", "entity_id", "op", "payload", "base")}).encode()).digest()
        except (ValueError, TypeError):
            continue
        if sha[:HASH_BYTES] == bytes(short):
            whole.append({"m": mid, "h": sha})
    if whole:
        bind.execute(sa.text("UPDATE received_mutation SET payload_sha256 = :h WHERE mutation_id = :m"), whole)


def _refuse_unknown_statuses() -> None:
    odd = [r[0] for r in op.get_bind().execute(sa.text(
        "SELECT DISTINCT status FROM received_mutation WHERE status IS NOT NULL AND status NOT IN ('applied', 'rejected')"))]
    if odd:
        raise RuntimeError(f"received_mutation holds statuses this migration has no code for: {sorted(odd)[:5]};"
                           " nothing was changed")


def upgrade() -> None:
    pg = _pg()
    _refuse_unknown_statuses()
    _drop_views()
    op.create_table(
        'field_name',
        sa.Column('id', sa.SmallInteger().with_variant(sa.Integer(), 'sqlite'), primary_key=True, autoincrement=True),
        sa.Column('name', sa.String(80), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_field_name'),
        sa.UniqueConstraint('name', name='uq_field_name_name'),
    )
    op.execute("INSERT INTO field_name (name) SELECT DISTINCT field FROM field_change ORDER BY field")
    if pg:
        op.execute("CREATE FUNCTION pg_temp.field_id_0022(text) RETURNS smallint LANGUAGE sql STABLE"
                   " AS 'SELECT id FROM field_name WHERE name = $1'")
        op.execute("ALTER TABLE field_change DROP CONSTRAINT ck_field_change_outcome")
        # one rewrite; each column keeps its place (the codes between entity_id and the varlena columns: no padding)
        op.execute("ALTER TABLE field_change ALTER COLUMN field TYPE smallint USING pg_temp.field_id_0022(field),"
                   f" ALTER COLUMN outcome TYPE smallint USING {_to_code('outcome', OUTCOMES)}")
        op.execute("ALTER TABLE field_change RENAME COLUMN field TO field_id")
        op.execute("ALTER TABLE field_change RENAME COLUMN outcome TO outcome_code")
        op.execute("ALTER TABLE field_change ADD CONSTRAINT ck_field_change_outcome CHECK (outcome_code IN (1, 2, 3))")
        op.execute("ALTER TABLE received_mutation ALTER COLUMN result DROP NOT NULL")
        op.execute(f"ALTER TABLE received_mutation ALTER COLUMN status TYPE smallint USING {_to_code('status', STATUSES)},"
                   " ALTER COLUMN result TYPE jsonb USING nullif(result, '{}'::jsonb),"
                   f" ALTER COLUMN payload_sha256 TYPE bytea USING substring(payload_sha256 from 1 for {HASH_BYTES})")
        op.execute("ALTER TABLE received_mutation RENAME COLUMN status TO status_code")
        op.execute("DROP FUNCTION pg_temp.field_id_0022(text)")
        if _has_lz4():  # a request's texts compressed with lz4 from now on (rows written before keep pglz)
            op.execute("ALTER TABLE received_batch ALTER COLUMN raws SET COMPRESSION lz4")
        op.execute("ANALYZE field_change")
        op.execute("ANALYZE received_mutation")
    else:
        with op.batch_alter_table('field_change') as b:
            b.add_column(sa.Column('field_id', sa.SmallInteger(), nullable=True))
            b.add_column(sa.Column('outcome_code', sa.SmallInteger(), nullable=True))
        op.execute("UPDATE field_change SET field_id = (SELECT n.id FROM field_name n WHERE n.name = field_change.field),"
                   f" outcome_code = {_to_code('outcome', OUTCOMES)}")
        with op.batch_alter_table('field_change') as b:
            b.drop_constraint(op.f('ck_field_change_outcome'), type_='check')
            b.drop_column('field')
            b.drop_column('outcome')
            b.alter_column('field_id', existing_type=sa.SmallInteger(), nullable=False)
            b.alter_column('outcome_code', existing_type=sa.SmallInteger(), nullable=False)
            b.create_check_constraint('outcome', sa.text('outcome_code IN (1, 2, 3)'))
        with op.batch_alter_table('received_mutation') as b:
            b.add_column(sa.Column('status_code', sa.SmallInteger(), nullable=True))
        op.execute(f"UPDATE received_mutation SET status_code = {_to_code('status', STATUSES)}")
        with op.batch_alter_table('received_mutation') as b:
            b.drop_column('status')
            b.alter_column('result', existing_type=sa.JSON(), nullable=True)
        op.execute("UPDATE received_mutation SET result = NULL WHERE result = '{}'")
        op.execute(f"UPDATE received_mutation SET payload_sha256 = substr(payload_sha256, 1, {HASH_BYTES})"
                   f" WHERE length(payload_sha256) > {HASH_BYTES}")
    _create_views(pg, coded=True)


def downgrade() -> None:
    """The names and texts back in their columns, ``{}`` for an empty verdict, each payload hash whole again,
    ``field_name`` gone."""
    pg = _pg()
    _whole_hashes()
    _drop_views()
    if pg:
        op.execute("CREATE FUNCTION pg_temp.field_name_0022(smallint) RETURNS varchar LANGUAGE sql STABLE"
                   " AS 'SELECT name FROM field_name WHERE id = $1'")
        op.execute("ALTER TABLE field_change DROP CONSTRAINT ck_field_change_outcome")
        op.execute("ALTER TABLE field_change ALTER COLUMN field_id TYPE varchar(80) USING pg_temp.field_name_0022(field_id),"
                   f" ALTER COLUMN outcome_code TYPE varchar(16) USING {_to_name('outcome_code', OUTCOMES)}")
        op.execute("ALTER TABLE field_change RENAME COLUMN field_id TO field")
        op.execute("ALTER TABLE field_change RENAME COLUMN outcome_code TO outcome")
        op.execute("ALTER TABLE field_change ADD CONSTRAINT ck_field_change_outcome"
                   " CHECK (outcome IN ('applied','concurrent_won','concurrent_lost'))")
        op.execute("ALTER TABLE received_mutation ALTER COLUMN status_code TYPE varchar(16)"
                   f" USING {_to_name('status_code', STATUSES)},"
                   " ALTER COLUMN result TYPE jsonb USING coalesce(result, '{}'::jsonb)")
        op.execute("ALTER TABLE received_mutation RENAME COLUMN status_code TO status")
        op.execute("ALTER TABLE received_mutation ALTER COLUMN result SET NOT NULL")
        op.execute("DROP FUNCTION pg_temp.field_name_0022(smallint)")
        op.execute("ALTER TABLE received_batch ALTER COLUMN raws SET COMPRESSION DEFAULT")
    else:
        with op.batch_alter_table('field_change') as b:
            b.add_column(sa.Column('field', sa.String(80), nullable=True))
            b.add_column(sa.Column('outcome', sa.String(16), nullable=True))
        op.execute("UPDATE field_change SET field = (SELECT n.name FROM field_name n WHERE n.id = field_change.field_id),"
                   f" outcome = {_to_name('outcome_code', OUTCOMES)}")
        with op.batch_alter_table('field_change') as b:
            b.drop_constraint(op.f('ck_field_change_outcome'), type_='check')
            b.drop_column('field_id')
            b.drop_column('outcome_code')
            b.alter_column('field', existing_type=sa.String(80), nullable=False)
            b.alter_column('outcome', existing_type=sa.String(16), nullable=False)
            b.create_check_constraint('outcome', sa.text("outcome IN ('applied','concurrent_won','concurrent_lost')"))
        op.execute("UPDATE received_mutation SET result = '{}' WHERE result IS NULL")
        with op.batch_alter_table('received_mutation') as b:
            b.add_column(sa.Column('status', sa.String(16), nullable=True))
        op.execute(f"UPDATE received_mutation SET status = {_to_name('status_code', STATUSES)}")
        with op.batch_alter_table('received_mutation') as b:
            b.drop_column('status_code')
            b.alter_column('result', existing_type=sa.JSON(), nullable=False)
    op.drop_table('field_name')
    _create_views(pg, coded=False)
