"""The server's side of a new station's pull, in process (issue 13, i13-hot6): one station records N shifts and
edits each once over the real server process (``bench_vs_pouchdb.py``'s backlog, PostgreSQL with fsync); then
``trust_server.sync.pull`` is run page after page from cursor 0 for a device that never pushed (the walk a new
station gets, ``sync.record_rows_query``), 7 times; printed: the median and least time and this process's CPU
(the rest is PostgreSQL's). Compare old and new code in one session, as ``push_cpu.py`` says:

    (cd <old tree> && PYTHONPATH=<old tree> <venv>/bin/python <this checkout>/benchmarks/pull_from_zero.py 20000)
    .venv/bin/python benchmarks/pull_from_zero.py 20000

No floor: a split of where a pull's time goes, not a target."""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path.cwd()  # the tree whose code runs (its benchmarks/ and tests/ are used)
sys.path.insert(0, str(ROOT / "benchmarks"))
import bench_vs_pouchdb as bench  # noqa: E402
from support.postgres import PostgresCluster  # noqa: E402
from support.server_process import ServerProcess  # noqa: E402


def main() -> None:
    import psycopg

    from hardtruths_desktop.domain.clock import SYSTEM_CLOCK
    from hardtruths_desktop.store.migrate import SCHEMA_VERSION
    from trust_server import sync as srv_sync
    from trust_server.db import make_engine

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    with PostgresCluster.started(fsync=True) as pg:
        today = date.today()
        codes = bench.shift_codes(n)
        keys = [(today - timedelta(days=1 + i // len(codes)), codes[i % len(codes)]) for i in range(n)]
        url = pg.create_database("pull_from_zero")
        data = bench.temp_dir("pull-zero-server-")
        with ServerProcess.start(url, data, pinned_clock=None) as srv:
            a = bench.enrolled_station(srv.url, data, url, "BV1", codes, today, "pull-zero-a-")
            for rn in (3, 4):
                bench.record(a, "BV1", keys, today, rn)
                a.sync()
            a.store.close()
            b = bench.Station(bench.temp_dir("pull-zero-b-"))
            b.engine.enrol(srv.url, bench.admin(data, url, "enrolment-code", "--ward", "BV1"), "BV1")
            b.store.close()
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as con:
            row = con.execute("SELECT (SELECT device_id::text FROM device ORDER BY enrolled_at DESC LIMIT 1),"
                              " (SELECT count(*) FROM change_log)").fetchone()
            assert row is not None
            device_id, log_rows = str(row[0]), int(row[1])
        engine = make_engine(url)
        headers = srv_sync.ClientHeaders(schema=SCHEMA_VERSION, protocol=2)
        times, cpus = [], []
        pages = got = 0
        for _ in range(7):
            t, c = time.perf_counter(), time.process_time()
            since, pages, got = 0, 0, 0
            while True:
                page = srv_sync.pull(engine, device_id, since, 1000, None, headers, clock=SYSTEM_CLOCK)
                body = json.loads(page.body) if isinstance(page, srv_sync.EncodedPage) else page.model_dump()
                got, since, pages = got + len(body["changes"]), body["next_since"], pages + 1
                if not body["has_more"]:
                    break
            times.append(time.perf_counter() - t)
            cpus.append(time.process_time() - c)
        engine.dispose()
    print(f"{n:,} shifts recorded and edited once ({log_rows:,} change-log rows): a new device's pull from 0, in process,"
          f" {pages} pages, {got:,} records: median {statistics.median(times) * 1000:.0f} ms (least {min(times) * 1000:.0f}),"
          f" this process's CPU {statistics.median(cpus) * 1000:.0f} ms; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
