"""The nightly packing of small requests' texts (``retention.pack_texts``, part of ``admin purge``) at trust size.

A real PostgreSQL (``tests/support/postgres.py``, fsync on) at the head, filled set-based with N mutations of 50
stations received two a request (each request's two ~430-byte texts one ``received_batch`` row, as a ward's looping
sync leaves them), plus as many again already packed 100 a row; then the time of one ``pack_texts`` in one
transaction, and the bytes of ``received_batch`` per small-request mutation before and after (after a VACUUM).

Run: .venv/bin/python benchmarks/bench_pack_texts.py [N]   (default 75,000: a trust-year's changes, all arriving
in small requests on one night: the worst case; a real night holds a day's)
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import psycopg
from sqlmodel import Session
from support.postgres import PostgresCluster

from trust_server.db import make_engine, migrate
from trust_server.retention import pack_texts

RAW = ("'{\"base\":{\"groups.rn.actual\":\"' || gen_random_uuid() || '\"},\"entity\":\"shift\",\"entity_id\":\"'"
       " || gen_random_uuid() || '\",\"hlc\":\"17961800' || (33226 + i) || '-00491-d5adbb0e\",\"op\":\"patch\","
       "\"payload\":{\"groups.rn.actual\":4,\"groups.rn.actual_hours\":32.0},\"schema_version\":13,"
       "\"wall_time\":\"2026-12-02T02:53:53.226Z\"}'")
DEVICE = "('0000000' || (i % 5) || '-1111-4a2b-9c3d-5e6f7a8b90' || lpad((i % 50)::text, 2, '0'))::uuid"


def fill(con: psycopg.Connection, n: int) -> None:
    con.execute(f"CREATE TEMPORARY TABLE t AS SELECT i, {RAW} AS raw FROM generate_series(0, 2 * {n} - 1) i")
    # the packed half: 100 a row; the small half: two a row (a request)
    con.execute(f"INSERT INTO received_batch (id, raws) SELECT i / 100 + 1, array_agg(raw ORDER BY i) FROM t WHERE i < {n}"
                " GROUP BY i / 100")
    con.execute(f"INSERT INTO received_batch (id, raws) SELECT 1000000 + i / 2, array_agg(raw ORDER BY i) FROM t WHERE i >= {n}"
                " GROUP BY i / 2")
    con.execute("SELECT setval(pg_get_serial_sequence('received_batch', 'id'), 2000000)")
    con.execute("INSERT INTO received_mutation (mutation_id, device_id, client_seq, server_seq, received_at, payload_sha256,"
                " status, recorded_by, result, batch_id, batch_index)"
                f" SELECT gen_random_uuid(), {DEVICE}, i + 1, i + 1, now(), sha256(i::text::bytea), 'applied', 'station:cli', '{{}}',"
                f" CASE WHEN i < {n} THEN i / 100 + 1 ELSE 1000000 + i / 2 END,"
                f" CASE WHEN i < {n} THEN i % 100 + 1 ELSE i % 2 + 1 END FROM t")
    con.execute("VACUUM ANALYZE")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 75000
    with PostgresCluster.started(fsync=True) as pg:
        url = pg.create_database("pack_texts")
        engine = make_engine(url)
        migrate(engine)
        dsn = url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn, autocommit=True) as con:
            fill(con, n)
            before = int(con.execute("SELECT pg_total_relation_size('received_batch')").fetchone()[0])  # type: ignore[index]
            sample = con.execute("SELECT mutation_id, raw FROM received_raw ORDER BY random() LIMIT 200").fetchall()
        t = time.perf_counter()
        with Session(engine) as session:
            moved = pack_texts(session)
            session.commit()
        took = time.perf_counter() - t
        with psycopg.connect(dsn, autocommit=True) as con:
            con.execute("VACUUM ANALYZE")
            after = int(con.execute("SELECT pg_total_relation_size('received_batch')").fetchone()[0])  # type: ignore[index]
            again = dict(con.execute("SELECT mutation_id, raw FROM received_raw WHERE mutation_id = ANY(%s)",
                                     ([m for m, _r in sample],)).fetchall())
        assert again == dict(sample), "a text reads differently after packing"
        print(f"{n:,} mutations in requests of two, {n:,} packed: pack_texts moved {moved:,} texts in {took:.2f} s"
              f" (load average {os.getloadavg()[0]:.1f}); received_batch {before / n:,.0f} -> {after / n:,.0f} B a small-request"
              " mutation (the file after VACUUM: the small rows' space is free for the next day's, counted here)")
        engine.dispose()


if __name__ == "__main__":
    main()
