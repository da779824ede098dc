"""Where a push's time goes, as CPU seconds per process (issue 13, i13-push2): one ``sync_once`` pushing
2,000 new shifts, then one pushing 2,000 one-field edits (``bench_vs_pouchdb.py``'s backlog, its real
server process and PostgreSQL with fsync), each printed as wall time and the CPU the station (this
process), the server process and the cluster's PostgreSQL processes used meanwhile. CPU seconds hold
far better than wall time on a loaded machine: compare old and new code by them in one session, e.g.

    (cd <old tree> && PYTHONPATH=<old tree> <venv>/bin/python <this checkout>/benchmarks/push_cpu.py)
    .venv/bin/python benchmarks/push_cpu.py

Linux only (reads /proc). Floor: none; a split, not a target."""

from __future__ import annotations

import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path.cwd()  # the tree whose code runs (its benchmarks/ and tests/ are used)
sys.path.insert(0, str(ROOT / "benchmarks"))
import bench_vs_pouchdb as bench  # noqa: E402
from support.postgres import PostgresCluster  # noqa: E402
from support.server_process import ServerProcess  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a process (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def pg_cpu(pg: PostgresCluster) -> float:
    """The cluster's postmaster and every process it started (backends, WAL writer, checkpointer)."""
    master = int((pg.data / "postmaster.pid").read_text().split()[0])
    total = proc_cpu(master)
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                status = Path(f"/proc/{p}/status").read_text()
            except OSError:
                continue
            if f"\nPPid:\t{master}\n" in status:
                total += proc_cpu(int(p))
    return total


def main(n: int = 2000) -> None:
    with PostgresCluster.started(fsync=True) as pg:
        today = date.today()
        codes = bench.shift_codes(n)
        keys = [(today - timedelta(days=1 + i // len(codes)), codes[i % len(codes)]) for i in range(n)]
        url = pg.create_database("push_cpu")
        data = bench.temp_dir("push-cpu-server-")
        with ServerProcess.start(url, data, pinned_clock=None) as srv:
            a = bench.enrolled_station(srv.url, data, url, "BV1", codes, today, "push-cpu-a-")
            for label, rn in (("push_new", 3), ("push_edit", 4)):
                bench.record(a, "BV1", keys, today, rn)
                s0, v0, p0 = time.process_time(), proc_cpu(srv.pid), pg_cpu(pg)
                wall, result, _up, _down = a.sync()
                s, v, p = time.process_time() - s0, proc_cpu(srv.pid) - v0, pg_cpu(pg) - p0
                assert result.applied == n, result
                print(f"{label:10s} wall {wall:.3f} s  cpu: station {s:.3f}  server {v:.3f}  postgresql {p:.3f}  total {s + v + p:.3f}"
                      f"  (load {os.getloadavg()[0]:.1f})", flush=True)
            a.store.close()
        print(table_stats(url, n), flush=True)


def table_stats(url: str, n: int) -> str:
    """How PostgreSQL wrote the edits (HOT: a new row version on the same page, no index entry; server
    migration 0019) and each table's bytes per record pushed (heap and indexes, dead versions included)."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as con:
        time.sleep(1.2)  # statistics reach the shared view within a second of the commit
        rows = con.execute(
            "SELECT s.relname, s.n_tup_upd, s.n_tup_hot_upd, s.n_tup_del, pg_relation_size(s.relid), pg_indexes_size(s.relid)"
            " FROM pg_stat_user_tables s WHERE s.relname IN ('entity_record', 'change_log', 'received_mutation',"
            " 'field_change', 'received_batch') ORDER BY s.relname").fetchall()
    return "\n".join(f"  {name}: updated {upd}, HOT {hot}, deleted {dele}; heap {heap / n:,.0f} B, indexes {idx / n:,.0f} B per record"
                     for name, upd, hot, dele, heap, idx in rows)


if __name__ == "__main__":
    main()
