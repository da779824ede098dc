"""Server migration 0019 (a one-field edit is a HOT update) on a database at 0020b of a trust-year's counts or more.

A real PostgreSQL (``tests/support/postgres.py``, fsync on) at revision 0020b, filled set-based with N/2 records
(a shift's data and 13 field versions, 50 wards, uuid ids) and N change-log rows (two a record: its create and
its edit, both one station's echo, so 0019 deletes the create's row); then the time of the upgrade to 0019
(one table rewrite for the stored ``day`` column, the month's index built again, one DELETE) and the bytes of
both tables before and after (after a VACUUM: space reusable), and the time of the downgrade.

Run: .venv/bin/python benchmarks/bench_migrate_hot.py [N]   (default 75,000: a trust-year's changes)
No floor: the figure is the time a trust waits at the upgrade (linear in N).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import psycopg
from _common import record_and_log_sizes
from alembic import command
from support.postgres import PostgresCluster

from trust_server.db import alembic_config, make_engine

VERSION = ("json_build_object('tok', gen_random_uuid()::text, 'hlc', '1796180033226-00491-d5adbb0e',"
           " 'device_id', '6c5c3789-286d-472d-b440-2da4e5a89fa5', 'seq', i)")
WARD = "('f9163e4a-797a-573d-b14a-33474d83be' || lpad((i % 50)::text, 2, '0'))::uuid"
ECHO = "'6c5c3789-286d-472d-b440-2da4e5a89fa5'::uuid"


def fill(con: psycopg.Connection, n: int) -> None:
    meta = "json_build_object(" + ", ".join(f"'groups.f{k}.actual_hours', {VERSION}" for k in range(13)) + ")"
    data = ("jsonb_build_object('shift_date', (date '2025-12-01' + (i / 100)::int)::text, 'shift_code', 'early', 'ward_id',"
            f" {WARD}::text, 'notes', '', " + ", ".join(f"'groups.f{k}.actual_hours', i % 40" for k in range(10)) + ")")
    con.execute("CREATE TEMPORARY TABLE ids AS SELECT i, gen_random_uuid() AS id FROM generate_series(1, %s) i" % (n // 2))
    con.execute("INSERT INTO entity_record (entity, id, ward_id, data, field_meta, deleted, last_seq, needs_review, updated_at)"
                f" SELECT 'shift', id, {WARD}, {data}, {meta}, false, {n // 2} + i, false, now() FROM ids")
    con.execute(f"INSERT INTO change_log (seq, ward_id, entity, entity_id, deleted, echo_of) SELECT i, {WARD}, 'shift', id, false,"
                f" {ECHO} FROM ids")
    con.execute(f"INSERT INTO change_log (seq, ward_id, entity, entity_id, deleted, echo_of) SELECT {n // 2} + i, {WARD}, 'shift',"
                f" id, false, {ECHO} FROM ids")
    con.execute("VACUUM ANALYZE")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 75000
    with PostgresCluster.started(fsync=True) as pg:
        url = pg.create_database("migrate_hot")
        engine = make_engine(url)

        def to(revision: str, down: bool = False) -> float:
            t = time.perf_counter()
            with engine.begin() as conn:
                cfg = alembic_config()
                cfg.attributes["connection"] = conn
                (command.downgrade if down else command.upgrade)(cfg, revision)
            return time.perf_counter() - t

        to("0020b")
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as con:
            fill(con, n)
            before = record_and_log_sizes(con)
            up = to("0019")
            con.execute("VACUUM ANALYZE")
            after = record_and_log_sizes(con)
            left = con.execute("SELECT count(*) FROM change_log").fetchone()
            down = to("0020b", down=True)
            print(f"{n // 2:,} records, {n:,} changes at 0020b: migration 0019 {up:.2f} s, its downgrade {down:.2f} s"
                  f" (load average {os.getloadavg()[0]:.1f}); change-log rows left {left[0] if left else 0:,}")
            print(f"entity_record {before[0] / (n // 2):.0f} -> {after[0] / (n // 2):.0f} B a record,"
                  f" change_log {before[1] / n:.0f} -> {after[1] / n:.0f} B a change (file sizes after VACUUM)")
        engine.dispose()


if __name__ == "__main__":
    main()
