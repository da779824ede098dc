"""Server migration 0022 (the audit rows narrowed) on a database at 0019 of a trust-year's counts or more.

A real PostgreSQL (``tests/support/postgres.py``, fsync on) at revision 0019, filled set-based with N mutations as a
push keeps them (``received_mutation``, their texts 100 to a ``received_batch`` row, each row's whole SHA-256 payload
hash over the same bytes the push hashes) and 1.1 N history rows (``field_change``, 13 field names, the three
outcomes); then the time of the upgrade to 0022 (two table rewrites: the codes, NULL results, 16-byte hashes) and
the bytes of both tables before and after (after a VACUUM), and the time of the downgrade (each hash computed
whole again in Python from its text: the longer way).

Run: .venv/bin/python benchmarks/bench_migrate_audit.py [N]   (default 75,000: a trust-year's changes)
No floor: the figure is the time a trust waits at the upgrade (linear in N).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import psycopg
from alembic import command
from support.postgres import PostgresCluster

from trust_server.db import alembic_config, make_engine

DEV = "'6c5c3789-286d-472d-b440-2da4e5a89fa5'::uuid"
# the hashed body and the kept (slim) text of mutation i, as ``apply.raw_json`` writes them (sorted keys, no spaces)
BODY = ("'{\"base\":{},\"entity\":\"shift\",\"entity_id\":\"' || id::text || '\",\"op\":\"patch\",\"payload\":"
        "{\"groups.f' || (i % 13) || '.actual\":' || (i % 40) || '}}'")
RAW = ("'{\"base\":{},\"entity\":\"shift\",\"entity_id\":\"' || id::text || '\",\"hlc\":\"1796180033226-' || lpad((i % 99999)::text, 5, '0')"
       " || '-d5adbb0e\",\"op\":\"patch\",\"payload\":{\"groups.f' || (i % 13) || '.actual\":' || (i % 40) || '},"
       "\"schema_version\":12,\"wall_time\":\"2026-12-01T21:53:41.132Z\"}'")


def fill(con: psycopg.Connection, n: int) -> None:
    con.execute(f"CREATE TEMPORARY TABLE m AS SELECT i, gen_random_uuid() AS mid, gen_random_uuid() AS id FROM generate_series(1, {n:d}) i")
    con.execute(f"INSERT INTO received_batch (id, raws) SELECT (i - 1) / 100 + 1, array_agg({RAW} ORDER BY i) FROM m GROUP BY 1")
    con.execute("INSERT INTO received_mutation (mutation_id, device_id, client_seq, server_seq, received_at, payload_sha256, status,"
                " recorded_by, result, batch_id, batch_index)"
                f" SELECT mid, {DEV}, i, i, now(), sha256(convert_to({BODY}, 'UTF8')), CASE WHEN i % 50 = 0 THEN 'rejected' ELSE"
                " 'applied' END, 'staff:Sister Okafor', CASE WHEN i % 10 = 0 THEN '{\"flags\": [\"needs_review\"]}' ELSE '{}' END::jsonb,"
                " (i - 1) / 100 + 1, (i - 1) % 100 + 1 FROM m")
    con.execute("INSERT INTO field_change (mutation_id, entity, entity_id, field, outcome, stored_hlc, old_value, new_value)"
                " SELECT mid, 'shift', id, 'groups.f' || (i % 13) || '.actual', (ARRAY['applied', 'concurrent_won', 'concurrent_lost'])"
                "[1 + (i % 20 = 0)::int + (i % 40 = 0)::int], '1796180033226-00491-d5adbb0e', '4', '5'"
                " FROM m, generate_series(1, CASE WHEN i % 10 = 0 THEN 2 ELSE 1 END)")
    con.execute("SELECT setval(pg_get_serial_sequence('received_batch', 'id'), (SELECT max(id) FROM received_batch))")
    con.execute("VACUUM ANALYZE")


def sizes(con: psycopg.Connection) -> tuple[int, int]:
    row = con.execute("SELECT pg_total_relation_size('received_mutation'), pg_total_relation_size('field_change')").fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 75000
    with PostgresCluster.started(fsync=True) as pg:
        url = pg.create_database("migrate_audit")
        engine = make_engine(url)

        def to(revision: str, down: bool = False) -> float:
            t = time.perf_counter()
            with engine.begin() as conn:
                cfg = alembic_config()
                cfg.attributes["connection"] = conn
                (command.downgrade if down else command.upgrade)(cfg, revision)
            return time.perf_counter() - t

        to("0019")
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as con:
            fill(con, n)
            history = con.execute("SELECT count(*) FROM field_change").fetchone()
            before = sizes(con)
            up = to("0022")
            con.execute("VACUUM ANALYZE")
            after = sizes(con)
            down = to("0019", down=True)
            whole = con.execute("SELECT count(*) FROM received_mutation WHERE octet_length(payload_sha256) = 32").fetchone()
            h = history[0] if history else 0
            print(f"{n:,} mutations, {h:,} history rows at 0019: migration 0022 {up:.2f} s, its downgrade {down:.2f} s"
                  f" (load average {os.getloadavg()[0]:.1f}); hashes whole again after it: {whole[0] if whole else 0:,}")
            print(f"received_mutation {before[0] / n:.0f} -> {after[0] / n:.0f} B a mutation, field_change {before[1] / h:.0f} ->"
                  f" {after[1] / h:.0f} B a history row (tables and indexes, after VACUUM)")
        engine.dispose()


if __name__ == "__main__":
    main()
