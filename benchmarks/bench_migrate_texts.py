"""Server migrations 0015 + 0015b on a database at 0014 of a trust-year's counts (issue 13, size).

A real PostgreSQL (``tests/support/postgres.py``, fsync on) at revision 0014, filled set-based with N
mutations written the old way (each its ~430-byte text in its row, 4 stations, requests of 500), a
history row each, N/2 records with 13 field versions (``jsonb``) and N changes echoing a device; then
the time of ``trust_server.db.migrate`` to the head, the bytes of ``received_mutation`` before and
after (plus ``received_batch``), and a full scan of the views ``mutation_log`` and ``field_history``.
The texts carry three random ids each, less compressible than a station's.

Run: .venv/bin/python benchmarks/bench_migrate_texts.py [N]   (default 75,000: a trust-year's mutations)
No floor: the figure is the time a trust waits at the upgrade (set-based: it grows with N, not N squared).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import psycopg
from alembic import command
from support.postgres import PostgresCluster

from trust_server.db import alembic_config, make_engine, migrate

RAW = ("'{\"base\":{\"groups.rn.actual\":\"' || gen_random_uuid() || '\",\"groups.rn.actual_hours\":\"' || gen_random_uuid()"
       " || '\"},\"entity\":\"shift\",\"entity_id\":\"' || gen_random_uuid() || '\",\"hlc\":\"17961800' || (33226 + i)"
       " || '-00491-d5adbb0e\",\"op\":\"patch\",\"payload\":{\"groups.rn.actual\":4,\"groups.rn.actual_hours\":32.0,"
       "\"notes\":\"row ' || i || '\"},\"schema_version\":13,\"wall_time\":\"2026-12-02T02:53:53.226Z\"}'")
VERSION = ("jsonb_build_object('tok', gen_random_uuid()::text, 'hlc', '1796180033226-00491-d5adbb0e',"
           " 'device_id', '6c5c3789-286d-472d-b440-2da4e5a89fa5', 'seq', i)")
WARD, DEVICE = "f9163e4a-797a-573d-b14a-33474d83bea1", "6c5c3789-286d-472d-b440-2da4e5a89fa5"


def fill(con: psycopg.Connection, n: int) -> None:
    con.execute("INSERT INTO received_mutation (mutation_id, device_id, client_seq, server_seq, received_at, payload_sha256,"
                " status, recorded_by, result, raw)"
                " SELECT gen_random_uuid(), ('0000000' || (i % 4) || '-1111-4a2b-9c3d-5e6f7a8b9c0d')::uuid, i / 4 + 1, i + 1,"
                " timestamptz '2026-01-01' + ((i / 2000) || ' minutes')::interval, sha256(i::text::bytea), 'applied',"
                f" 'station:cli', '{{}}', {RAW} FROM generate_series(0, {n} - 1) i")
    con.execute("INSERT INTO field_change (mutation_id, entity, entity_id, field, outcome, stored_hlc, old_value, new_value)"
                " SELECT mutation_id, 'shift', gen_random_uuid(), 'notes', 'applied', NULL, '\"a\"', '\"b\"' FROM received_mutation")
    meta = "jsonb_build_object(" + ", ".join(f"'f{k}', {VERSION}" for k in range(13)) + ")"
    con.execute("INSERT INTO entity_record (entity, id, ward_id, data, field_meta, deleted, last_seq, needs_review)"
                f" SELECT 'shift', gen_random_uuid()::text, '{WARD}', jsonb_build_object('shift_date', '2026-10-17', 'n', i),"
                f" {meta}, false, i, false FROM generate_series(1, {n} / 2) i")
    con.execute("INSERT INTO change_log (seq, ward_id, entity, entity_id, deleted, echo_of)"
                f" SELECT i, '{WARD}', 'shift', gen_random_uuid()::text, false, '{DEVICE}' FROM generate_series(1, {n}) i")
    con.execute("VACUUM ANALYZE")


def size(con: psycopg.Connection, table: str) -> int:
    row = con.execute("SELECT pg_total_relation_size(%s::regclass)", (table,)).fetchone()
    assert row is not None
    return int(row[0])


def timed(con: psycopg.Connection, query: str) -> float:
    t = time.perf_counter()
    con.execute(query).fetchall()
    return time.perf_counter() - t


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 75000
    with PostgresCluster.started(fsync=True) as pg:
        url = pg.create_database("migrate_texts")
        engine = make_engine(url)
        with engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0014")
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as con:
            fill(con, n)
            before = size(con, "received_mutation")
            t = time.perf_counter()
            migrate(engine)
            took = time.perf_counter() - t
            con.execute("VACUUM ANALYZE")
            after, texts = size(con, "received_mutation"), size(con, "received_batch")
            print(f"{n:,} mutations, {n // 2:,} records, {n:,} changes at 0014: migrations 0015 + 0015b {took:.2f} s"
                  f" (load average {__import__('os').getloadavg()[0]:.1f})")
            print(f"received_mutation {before / n:.0f} -> {after / n:.0f} B a mutation, plus received_batch {texts / n:.0f} B")
            print(f"full scan of mutation_log {timed(con, 'SELECT count(*), sum(length(raw)) FROM mutation_log'):.2f} s,"
                  f" of field_history {timed(con, 'SELECT count(*), count(incoming_hlc) FROM field_history'):.2f} s")
        engine.dispose()


if __name__ == "__main__":
    main()
