"""Server migration 0018 (record and ward ids as ``uuid``) on a database at 0017 of a trust-year's counts or more.

A real PostgreSQL (``tests/support/postgres.py``, fsync on) at revision 0017, filled set-based with N/2 records
(a shift's data and 13 field versions, text ids of 50 wards) and N change-log rows (two a record), one record in
1,000 under an odd id whose usual form another record has (what 0016 leaves: 0018 sets it aside); then the time
of ``trust_server.db.migrate`` to the head and the bytes of both tables before and after.

Run: .venv/bin/python benchmarks/bench_migrate_ids.py [N]   (default 75,000: a trust-year's changes)
No floor: the figure is the time a trust waits at the upgrade (two table rewrites: linear in N).
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

from trust_server.db import alembic_config, make_engine, migrate

VERSION = ("json_build_object('tok', gen_random_uuid()::text, 'hlc', '1796180033226-00491-d5adbb0e',"
           " 'device_id', '6c5c3789-286d-472d-b440-2da4e5a89fa5', 'seq', i)")
WARD = "('f9163e4a-797a-573d-b14a-33474d83be' || lpad((i % 50)::text, 2, '0'))"


def fill(con: psycopg.Connection, n: int) -> None:
    meta = "json_build_object(" + ", ".join(f"'f{k}', {VERSION}" for k in range(13)) + ")"
    con.execute("CREATE TEMPORARY TABLE ids AS SELECT i, gen_random_uuid()::text AS id FROM generate_series(1, %s) i" % (n // 2))
    con.execute("INSERT INTO entity_record (entity, id, ward_id, data, field_meta, deleted, last_seq, needs_review, updated_at)"
                f" SELECT 'shift', id, {WARD}, jsonb_build_object('shift_date', '2026-10-17', 'shift_code', 'early', 'n', i,"
                f" 'ward_id', {WARD}), {meta}, false, {n // 2} + i, false, now() FROM ids")
    con.execute(f"INSERT INTO change_log (seq, ward_id, entity, entity_id, deleted) SELECT i, {WARD}, 'shift', id, false FROM ids")
    con.execute(f"INSERT INTO change_log (seq, ward_id, entity, entity_id, deleted) SELECT {n // 2} + i, {WARD}, 'shift', id, false"
                " FROM ids")
    # what 0016 leaves: an odd form of an id another record holds in its usual form
    con.execute("INSERT INTO entity_record (entity, id, ward_id, data, field_meta, deleted, last_seq, needs_review)"
                f" SELECT 'shift', upper(id), {WARD}, '{{}}', '{{}}', false, {n} + i, false FROM ids WHERE i % 1000 = 0")
    con.execute(f"INSERT INTO change_log (seq, ward_id, entity, entity_id, deleted) SELECT {n} + i, {WARD}, 'shift',"
                " upper(id), false FROM ids WHERE i % 1000 = 0")
    con.execute("VACUUM ANALYZE")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 75000
    with PostgresCluster.started(fsync=True) as pg:
        url = pg.create_database("migrate_ids")
        engine = make_engine(url)
        with engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0017")
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as con:
            fill(con, n)
            before = record_and_log_sizes(con)
            t = time.perf_counter()
            migrate(engine)
            took = time.perf_counter() - t
            con.execute("VACUUM ANALYZE")
            after = record_and_log_sizes(con)
            aside = con.execute("SELECT count(*) FROM record_set_aside").fetchone()
            print(f"{n // 2:,} records, {n:,} changes at 0017: migration 0018 {took:.2f} s (load average {os.getloadavg()[0]:.1f});"
                  f" set aside {aside[0] if aside else 0}")
            print(f"entity_record {before[0] / (n // 2):.0f} -> {after[0] / (n // 2):.0f} B a record,"
                  f" change_log {before[1] / n:.0f} -> {after[1] / n:.0f} B a change")
        engine.dispose()


if __name__ == "__main__":
    main()
