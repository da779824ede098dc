"""The mutations' texts kept once a request, compressed together (issue 13: the server's size per shift).

``received_mutation.raw`` (the mutation as the station sent it, the audit's "what") was ~430 bytes a
row, stored as is: PostgreSQL compresses nothing in a row under 2 KB. The texts of one request (a
push of up to 500 mutations, an admin write) now go in ONE new ``received_batch`` row (``raws``, a
``text[]`` on PostgreSQL, a JSON array of strings on SQLite), which PostgreSQL compresses whole: what
the mutations share (field names, clocks, the ward's id) is stored once, ~70 bytes a mutation. Each
``received_mutation`` row keeps everything else it had (the ids, the station's order, the payload hash
that answers a re-sent mutation, the verdict, who) and points at its text (``batch_id``,
``batch_index`` from 1); ``raw`` is NULL.

Nothing is lost: the text is the same string, byte for byte. The new view ``received_raw`` gives
every row's text as ``raw`` held it (slim or whole, ``apply.full_raw`` makes it whole); the views
``mutation_log`` and ``field_history`` read it there (as before, for rows written either way).

A request's texts are kept 100 to a row (a push of 500 is 5 rows): reading one text decompresses its
row. Existing rows are converted on PostgreSQL (set-based: one statement per step, the requests found
by device and arrival time), the table written anew compactly; on SQLite they stay as they are (``raw``
set), read the same way.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: texts in one batch row at most (``apply.TEXTS_PER_ROW``: a push of 500 is 5 rows; reading one text
#: decompresses its row's 100, ~0.1 ms, where 500 cost ~0.5 ms; the size is the same within 3%)
BATCH = 100


def _pg() -> bool:
    return bool(op.get_bind().dialect.name == 'postgresql')


def _drop_views() -> None:
    for view in ("field_history", "mutation_log", "applied_mutation", "received_raw"):
        op.execute(f"DROP VIEW IF EXISTS {view}")


def _slim(raw: str, pg: bool) -> str:
    """A slim text (migration 0010): a station's mutation whose text no longer names its id."""
    find = "strpos" if pg else "instr"
    return f"m.client_seq IS NOT NULL AND {find}({raw}, '\"mutation_id\":') = 0"


def _applied_mutation(pg: bool) -> None:
    """As migration 0009 made it (dropped and made again around the table's change on SQLite)."""
    sha = "encode(payload_sha256, 'hex')" if pg else "lower(hex(payload_sha256))"
    empty = "'{}'::jsonb" if pg else "'{}'"
    op.execute("CREATE VIEW applied_mutation AS SELECT mutation_id, device_id, client_seq, "
               f"{sha} AS payload_sha256, status, server_seq, coalesce(result, {empty}) AS result, received_at "
               "FROM received_mutation WHERE client_seq IS NOT NULL")


def create_views(pg: bool) -> None:
    # the stored text of a row: its own (written before 0015) or its request's element
    text_of = "coalesce(m.raw, b.raws[m.batch_index])" if pg else \
        "coalesce(m.raw, json_extract(b.raws, '$[' || (m.batch_index - 1) || ']'))"
    batch = "LEFT JOIN received_batch b ON b.id = m.batch_id"
    op.execute(f"CREATE VIEW received_raw AS SELECT m.mutation_id, m.device_id, m.client_seq, m.recorded_by, {text_of} AS raw"
               f" FROM received_mutation m {batch}")
    if pg:
        # the text taken out once a row (OFFSET 0: not inlined into each use below, each a decompression)
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
    op.execute(f"CREATE VIEW field_history AS SELECT f.id, f.entity, {entity_id}, f.field, f.old_value, f.new_value, "
               f"coalesce(f.incoming_hlc, {hlc}) AS incoming_hlc, f.stored_hlc, f.outcome, "
               "coalesce(f.device_id, m.device_id) AS device_id, "
               "coalesce(f.recorded_by, m.recorded_by) AS recorded_by, f.mutation_id, "
               "coalesce(f.server_seq, m.server_seq) AS server_seq, "
               "coalesce(f.at, m.received_at) AS at "
               f"FROM field_change f LEFT JOIN received_mutation m ON m.mutation_id = f.mutation_id {batch}")
    _applied_mutation(pg)


def upgrade() -> None:
    pg = _pg()
    _drop_views()
    op.create_table(
        'received_batch',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), primary_key=True, autoincrement=True),
        sa.Column('raws', sa.JSON().with_variant(postgresql.ARRAY(sa.Text()), 'postgresql'), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_received_batch'),
    )
    with op.batch_alter_table('received_mutation') as b:
        b.alter_column('raw', existing_type=sa.Text(), nullable=True)
        b.add_column(sa.Column('batch_id', sa.BigInteger(), nullable=True))
        b.add_column(sa.Column('batch_index', sa.Integer(), nullable=True))
    if pg:
        _convert()
    create_views(pg)


def _convert() -> None:
    """Existing rows' texts into batches: one per request (same device, same arrival time), at most
    ``BATCH`` texts each, in the station's order; set-based (a statement per step, not per row). The
    table is then written anew, compactly (an UPDATE of every row would leave the old versions' space,
    four fifths of the table, in the file until a VACUUM FULL), and its two indexes built once."""
    op.execute(
        "CREATE TEMPORARY TABLE batch_0015 ON COMMIT DROP AS"
        " SELECT nextval(pg_get_serial_sequence('received_batch', 'id')) AS id,"
        " array_agg(raw ORDER BY n) AS raws, array_agg(mutation_id ORDER BY n) AS mids"
        " FROM (SELECT device_id, received_at, raw, mutation_id,"
        "       row_number() OVER (PARTITION BY device_id, received_at ORDER BY client_seq, mutation_id) AS n"
        "       FROM received_mutation WHERE raw IS NOT NULL) r"
        f" GROUP BY device_id, received_at, (n - 1) / {BATCH}")
    op.execute("INSERT INTO received_batch (id, raws) SELECT id, raws FROM batch_0015")
    columns = "mutation_id, device_id, client_seq, server_seq, received_at, payload_sha256, status, recorded_by, result"
    op.execute("CREATE TABLE received_mutation_0015"
               " (LIKE received_mutation INCLUDING DEFAULTS INCLUDING STORAGE INCLUDING COMPRESSION)")
    op.execute(f"INSERT INTO received_mutation_0015 ({columns}, raw, batch_id, batch_index)"
               f" SELECT {', '.join('m.' + c for c in columns.split(', '))}, CASE WHEN x.id IS NULL THEN m.raw END, x.id, x.i"
               " FROM received_mutation m LEFT JOIN"
               " (SELECT b.id, u.mid, u.i FROM batch_0015 b, unnest(b.mids) WITH ORDINALITY AS u(mid, i)) x ON x.mid = m.mutation_id"
               " ORDER BY m.device_id, m.client_seq")
    op.execute("DROP TABLE received_mutation")
    op.execute("ALTER TABLE received_mutation_0015 RENAME TO received_mutation")
    op.execute("ALTER TABLE received_mutation ADD CONSTRAINT pk_received_mutation PRIMARY KEY (mutation_id),"
               " ADD CONSTRAINT uq_received_mutation_device_id UNIQUE (device_id, client_seq)")
    op.execute("ANALYZE received_mutation")
    op.execute("ANALYZE received_batch")


def downgrade() -> None:
    """Every text back in its own row (the same string), the batches gone, the views as 0013 left them."""
    pg = _pg()
    _drop_views()
    if pg:
        op.execute("UPDATE received_mutation m SET raw = b.raws[m.batch_index] FROM received_batch b"
                   " WHERE b.id = m.batch_id AND m.raw IS NULL")
    else:
        op.execute("UPDATE received_mutation SET raw = (SELECT json_extract(b.raws, '$[' || (received_mutation.batch_index - 1)"
                   " || ']') FROM received_batch b WHERE b.id = received_mutation.batch_id) WHERE raw IS NULL")
    with op.batch_alter_table('received_mutation') as b:
        b.drop_column('batch_index')
        b.drop_column('batch_id')
        b.alter_column('raw', existing_type=sa.Text(), nullable=False)
    op.drop_table('received_batch')
    # the views of 0010 (mutation_log) and 0013 (field_history), and 0009's applied_mutation
    if pg:
        whole = (f"CASE WHEN {_slim('m.raw', pg)} THEN (m.raw::jsonb || jsonb_build_object('mutation_id', m.mutation_id::text,"
                 " 'client_seq', m.client_seq, 'recorded_by', m.recorded_by))::text ELSE m.raw END")
        hlc = "substring(m.raw from '\"hlc\":\"([^\"]*)\"')"
        entity_id = "f.entity_id::text AS entity_id"
    else:
        whole = (f"CASE WHEN {_slim('m.raw', pg)} THEN json_patch(m.raw, json_object('client_seq', m.client_seq, 'mutation_id',"
                 " m.mutation_id, 'recorded_by', m.recorded_by)) ELSE m.raw END")
        hlc = "json_extract(m.raw, '$.hlc')"
        entity_id = "f.entity_id"
    op.execute(f"CREATE VIEW mutation_log AS SELECT m.mutation_id, m.device_id, {whole} AS raw, m.recorded_by, m.received_at"
               " FROM received_mutation m")
    op.execute(f"CREATE VIEW field_history AS SELECT f.id, f.entity, {entity_id}, f.field, f.old_value, f.new_value, "
               f"coalesce(f.incoming_hlc, {hlc}) AS incoming_hlc, f.stored_hlc, f.outcome, "
               "coalesce(f.device_id, m.device_id) AS device_id, "
               "coalesce(f.recorded_by, m.recorded_by) AS recorded_by, f.mutation_id, "
               "coalesce(f.server_seq, m.server_seq) AS server_seq, "
               "coalesce(f.at, m.received_at) AS at "
               "FROM field_change f LEFT JOIN received_mutation m ON m.mutation_id = f.mutation_id")
    _applied_mutation(pg)
