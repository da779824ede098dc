"""A push's and a pull's look-ups by key read only the rows they look for, whatever the table's size and statistics
(issue 13, i13-growth8: a push of 20,000 one-field edits grew 11-13x from 2,000, not 10x).

Three statements of every push batch take a list of keys: the records it touches (``apply._load_sql``, locked),
the mutations received before (``sync.RECEIVED_BY_IDS_SQL``) and the superseded change-log rows it deletes
(``stream._DELETE_PG``); a pull page reads the records it sends by key (``sync.records_sql``). Written as a join
to the unnested keys (or ``= ANY``), PostgreSQL planned a hash of the WHOLE table (or a scan) for a batch of 500
keys while the table had no statistics, which is every table during a burst (autovacuum analyses a minute later
at the earliest): each batch then read every row the push had written before it, 40 batches x up to 40,000 rows
in a push of 20,000.

Here each statement, as the server sends it, runs under ``EXPLAIN (ANALYZE, FORMAT JSON)`` against 5,000 records,
10,000 change-log rows and 10,000 received mutations written in one go with autovacuum off (a burst: the sizes at
which the join forms hashed every row in the benchmark's push), and again after ANALYZE, as a custom plan and as
the generic plan a server connection switches to: no node may scan the table, and each key is one probe of its
primary key. The records come back (and are locked) in key order."""

from __future__ import annotations

import hashlib
import random
import re
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql
from server_support import migrated
from sqlalchemy import text as sa_text
from sqlalchemy.engine import Dialect
from sqlmodel import Session
from support.plans import as_sent, plan_nodes

from trust_server.apply import _load_sql
from trust_server.db import make_engine
from trust_server.stream import _DELETE_PG
from trust_server.sync import RECEIVED_BY_IDS_SQL, records_sql, uuid_array

RECORDS = 5_000
CHANGES = 10_000  # a record created and edited: two rows each
WARD = "00000000-0000-4000-8000-0000000000aa"
DEVICE = "0f3c9a3e-2222-4a2b-9c3d-5e6f7a8b9c0d"
BATCH = 500


def _record_id(n: int) -> str:
    return str(uuid.UUID(hashlib.md5(f"rec-{n}".encode()).hexdigest()))


def _id_sql(expr: str) -> str:
    """SQL of ``_record_id``."""
    return f"md5('rec-' || ({expr}))::uuid"


def _burst(pg_cluster: Any, analysed: bool) -> tuple[str, Dialect]:
    """A database after a burst: the tables filled at once, with autovacuum off for them (no statistics, as
    during a burst), or ``analysed``."""
    url = pg_cluster.create_database()
    dialect = migrated(url)
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as c:
        for table in ("entity_record", "change_log", "received_mutation"):
            c.execute(sql.SQL("ALTER TABLE {} SET (autovacuum_enabled = false)").format(sql.Identifier(table)))
        c.execute("INSERT INTO entity_record (entity, id, ward_id, data, field_meta, deleted, last_seq, needs_review)"
                  " SELECT 'shift', " + _id_sql("g") + ", %s, jsonb_build_object('date', '2026-01-01', 'notes', repeat('x', 300)),"
                  " '[]'::json, false, 2 * g, false FROM generate_series(1, %s) AS g", (WARD, RECORDS))
        c.execute("INSERT INTO change_log (seq, ward_id, entity, entity_id, deleted, echo_of)"
                  " SELECT s, %s, 'shift', " + _id_sql("(s + 1) / 2") + ", false, %s FROM generate_series(1, %s) AS s",
                  (WARD, DEVICE, CHANGES))
        c.execute("INSERT INTO received_mutation (mutation_id, device_id, client_seq, received_at, status_code, recorded_by, result)"
                  " SELECT ('00005eed-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, %s, g, now(), 1, 'x', NULL"
                  " FROM generate_series(1, %s) AS g", (DEVICE, CHANGES))
        assert c.execute("SELECT count(*) FROM entity_record WHERE id = %s", (_record_id(7),)).fetchone() == (1,)
        if analysed:
            c.execute("ANALYZE entity_record, change_log, received_mutation")
    return url, dialect


@pytest.fixture(scope="module")
def burst(pg_cluster: Any) -> tuple[str, Dialect]:
    return _burst(pg_cluster, analysed=False)


@pytest.fixture(scope="module")
def analysed(pg_cluster: Any) -> tuple[str, Dialect]:
    return _burst(pg_cluster, analysed=True)


@pytest.fixture(params=["burst", "analysed"], ids=["no-statistics", "statistics"])
def con(request: pytest.FixtureRequest) -> Iterator[tuple[psycopg.Connection[Any], str]]:
    url, _dialect = request.getfixturevalue(request.param)
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as c:
        yield c, url


def _explain(c: psycopg.Connection[Any], text: str, values: list[Any], generic: bool) -> dict[str, Any]:
    """``text`` (``$n`` placeholders) prepared and run under EXPLAIN ANALYZE with ``values``, inside a transaction
    rolled back (the DELETE deletes, the load locks)."""
    c.execute(f"SET plan_cache_mode = {'force_generic_plan' if generic else 'force_custom_plan'}")
    c.execute(f"PREPARE probe AS {text}")
    try:
        args = sql.SQL(", ").join(sql.Literal(v) for v in values)
        row = c.execute(sql.SQL("EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE probe ({})").format(args)).fetchone()
        assert row is not None
        return dict(row[0][0]["Plan"])
    finally:
        c.rollback()
        c.execute("DEALLOCATE probe")


def _assert_probes(plan: dict[str, Any], table: str, index: str, keys: int) -> None:
    """No node scans ``table``; it is read by ``index``, one probe a key."""
    nodes = list(plan_nodes(plan))
    on_table = [n for n in nodes if n.get("Relation Name") == table]
    assert not [n for n in on_table if n["Node Type"] in ("Seq Scan", "Bitmap Heap Scan")], plan
    probes = [n for n in nodes if n.get("Index Name") == index and n["Node Type"] in ("Index Scan", "Index Only Scan")]
    assert probes, plan
    assert max(int(n["Actual Loops"]) for n in probes) == keys, plan


@pytest.mark.parametrize("generic", [False, True], ids=["custom", "generic"])
def test_a_batch_loads_its_records_by_key(con: tuple[psycopg.Connection[Any], str], generic: bool) -> None:
    """``Batch.load``'s statement: half the keys are records the server has (edits), half are not (new shifts);
    the ones it has come back, each by one probe, in key order (the order their rows are locked in) whatever
    the order the keys were sent in."""
    c, url = con
    have = [_record_id(n) for n in range(1, RECORDS + 1, RECORDS // (BATCH // 2))]
    keys = have + [str(uuid.uuid4()) for _ in range(BATCH - len(have))]
    random.Random(7).shuffle(keys)  # sent in any order: the statement's own ORDER BY gives the lock order
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            text = _load_sql(session, read_only=False)  # as ``Batch._load_pg`` sends it (psycopg's %s placeholders)
    finally:
        engine.dispose()
    values = ["{" + ",".join(["shift"] * len(keys)) + "}", "{" + ",".join(keys) + "}"]
    placeholders = iter(("$1", "$2"))
    plan = _explain(c, re.sub("%s", lambda _m: next(placeholders), text), values, generic)
    _assert_probes(plan, "entity_record", "pk_entity_record", len(keys))
    rows = c.execute(text, values).fetchall()  # type: ignore[call-overload]
    c.rollback()
    assert [r[1] for r in rows] == sorted(have)


@pytest.mark.parametrize("generic", [False, True], ids=["custom", "generic"])
def test_mutations_received_before_are_probed_by_key(con: tuple[psycopg.Connection[Any], str], generic: bool) -> None:
    """``_push_tx``'s look-up of a batch's mutation ids (half of them received before: a batch re-sent in part)."""
    c, _url = con
    mids = [f"00005eed-0000-4000-8000-{n:012x}" for n in range(CHANGES - BATCH // 2 + 1, CHANGES + 1)]
    mids += [str(uuid.uuid4()) for _ in range(BATCH - len(mids))]
    text, values = RECEIVED_BY_IDS_SQL.replace("%s", "$1"), [uuid_array(mids)]  # the text literal sent untyped, as psycopg sends it
    plan = _explain(c, text, values, generic)
    _assert_probes(plan, "received_mutation", "pk_received_mutation", len(mids))
    assert int(plan["Actual Rows"]) == BATCH // 2


@pytest.mark.parametrize("generic", [False, True], ids=["custom", "generic"])
def test_superseded_change_log_rows_are_deleted_by_key(con: tuple[psycopg.Connection[Any], str], generic: bool) -> None:
    """``stream.drop_unsent``'s DELETE of the previous rows (the creates) of a batch's 500 edited records."""
    c, url = con
    records = range(1, RECORDS + 1, RECORDS // BATCH)
    params = {"seqs": "{" + ",".join(str(2 * r - 1) for r in records) + "}", "ents": "{" + ",".join("shift" for _r in records) + "}",
              "ids": "{" + ",".join(_record_id(r) for r in records) + "}", "wards": "{" + ",".join(WARD for _r in records) + "}",
              "echoes": "{" + ",".join(DEVICE for _r in records) + "}"}
    text, values = as_sent(_DELETE_PG, _dialect(url), params)
    plan = _explain(c, text, values, generic)
    _assert_probes(plan, "change_log", "pk_change_log", len(records))
    c.execute(f"PREPARE gone AS {text}")
    deleted = c.execute(sql.SQL("EXECUTE gone ({})").format(sql.SQL(", ").join(sql.Literal(v) for v in values))).rowcount
    c.rollback()
    assert deleted == len(records)


@pytest.mark.parametrize("generic", [False, True], ids=["custom", "generic"])
@pytest.mark.parametrize("in_db", [True, False], ids=["encoded", "rows"])
def test_a_pull_page_reads_its_records_by_key(con: tuple[psycopg.Connection[Any], str], generic: bool, in_db: bool) -> None:
    """``sync._records``: a page of 1,000 records (a pull's page), each by one probe."""
    c, url = con
    records = range(1, RECORDS + 1, RECORDS // 1000)
    params = {"ents": "{" + ",".join("shift" for _r in records) + "}", "ids": "{" + ",".join(_record_id(r) for r in records) + "}",
              "seqs": "{" + ",".join(str(2 * r) for r in records) + "}"}
    text, values = as_sent(sa_text(records_sql(in_db)), _dialect(url), params)
    plan = _explain(c, text, values, generic)
    _assert_probes(plan, "entity_record", "pk_entity_record", len(records))
    assert int(plan["Actual Rows"]) == len(records)


def _dialect(url: str) -> Dialect:
    engine = make_engine(url)
    engine.dispose()
    return engine.dialect
