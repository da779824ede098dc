"""Server migration 0021 (field versions packed) on a database at 0022 of N records.

A real PostgreSQL (``tests/support/postgres.py``, fsync on) at revision 0022, filled set-based with N shifts
(a shift's data, 13 field versions under its create's version and one under its edit's, in the object form
before 0021); then the time of the upgrade to 0021 (every row read, converted in Python and written back,
2,000 at a time), the bytes of ``entity_record`` before and after (after a VACUUM), and the time of the downgrade.

Run: .venv/bin/python benchmarks/bench_migrate_versions.py [N]   (default 20,000)
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

DEVICE = "'6c5c3789-286d-472d-b440-2da4e5a89fa5'"
WARD = "('f9163e4a-797a-573d-b14a-33474d83be' || lpad((i % 50)::text, 2, '0'))::uuid"
FIELDS = ("ward_id", "shift_date", "shift_code", "nurse_in_charge_id", "notes", "on_duty", "staffing_recorded",
          "groups.rn.planned", "groups.rn.planned_hours", "groups.rn.actual_hours", "groups.care.planned",
          "groups.care.actual", "groups.rn.actual")


def fill(con: psycopg.Connection, n: int) -> None:
    create = f"json_build_object('tok', c, 'hlc', '1796180033226-00491-d5adbb0e', 'device_id', {DEVICE}, 'seq', 2 * i)"
    edit = f"json_build_object('tok', e, 'hlc', '1796180093226-00000-d5adbb0e', 'device_id', {DEVICE}, 'seq', 2 * i + 1)"
    meta = "json_build_object(" + ", ".join(f"'{f}', {edit if f == 'groups.rn.actual' else create}" for f in FIELDS) + ")"
    data = ("jsonb_build_object('shift_date', (date '2025-12-01' + (i / 100)::int)::text, 'shift_code', 'early', 'ward_id',"
            f" {WARD}::text, 'notes', '', 'on_duty', '[]'::jsonb, 'staffing_recorded', false, 'nurse_in_charge_id', null,"
            " 'groups.rn.planned', 4, 'groups.rn.actual', 5, 'groups.rn.planned_hours', 30.0, 'groups.rn.actual_hours', 30.0,"
            " 'groups.care.planned', 2, 'groups.care.actual', 2)")
    con.execute("CREATE TEMPORARY TABLE ids AS SELECT i, gen_random_uuid() AS id, gen_random_uuid()::text AS c,"
                f" gen_random_uuid()::text AS e FROM generate_series(1, {int(n)}) i")
    con.execute("INSERT INTO entity_record (entity, id, ward_id, data, field_meta, deleted, last_seq, needs_review, updated_at)"
                f" SELECT 'shift', id, {WARD}, {data}, {meta}, false, i, false, now() FROM ids")
    con.execute("VACUUM ANALYZE")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    with PostgresCluster.started(fsync=True) as pg:
        url = pg.create_database("migrate_versions")
        engine = make_engine(url)

        def to(revision: str, down: bool = False) -> tuple[float, float]:
            t, c = time.perf_counter(), time.process_time()
            with engine.begin() as conn:
                cfg = alembic_config()
                cfg.attributes["connection"] = conn
                (command.downgrade if down else command.upgrade)(cfg, revision)
            return time.perf_counter() - t, time.process_time() - c

        to("0022")
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as con:
            fill(con, n)
            before = record_and_log_sizes(con)[0]
            text_before = con.execute("SELECT avg(octet_length(field_meta::text)), avg(pg_column_size(field_meta))"
                                      " FROM entity_record").fetchone()
            up, up_cpu = to("0021")
            con.execute("VACUUM FULL entity_record")
            after = record_and_log_sizes(con)[0]
            text_after = con.execute("SELECT avg(octet_length(field_meta::text)), avg(pg_column_size(field_meta))"
                                     " FROM entity_record").fetchone()
            down, down_cpu = to("0022", down=True)
            print(f"{n:,} records at 0022: migration 0021 {up:.2f} s ({up_cpu:.2f} s of this process's CPU), its downgrade"
                  f" {down:.2f} s ({down_cpu:.2f} s CPU) (load average {os.getloadavg()[0]:.1f})")
            assert text_before is not None and text_after is not None
            print(f"field_meta {float(text_before[0]):.0f} characters ({float(text_before[1]):.0f} B stored) ->"
                  f" {float(text_after[0]):.0f} ({float(text_after[1]):.0f} B stored);"
                  f" entity_record {before / n:.0f} -> {after / n:.0f} B a record (file sizes, after VACUUM FULL)")
        engine.dispose()


if __name__ == "__main__":
    main()
