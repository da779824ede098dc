"""First pull of a new ward station vs a bare batched SQLite insert (issue 3).

Seeds the real trust server (real PostgreSQL, loopback HTTP) by enrolling a demo station (90 days
of history) with ward W7 and syncing it. Then a NEW, empty station enrols on W7 and pulls the
ward's setup and 90 days of history (``SyncEngine.sync_once``). Its rate in rows (pulled changes)
per second is compared with the physical ceiling on the same disk: a bare batched insert of the
same number of rows of similar width into one SQLite table (WAL, synchronous=FULL, one
transaction per 500 rows, as the pull commits one page per transaction).
Target: pull >= 0.25 x bare insert. Reported twice: end to end (HTTP + server query + apply) and
the station's apply alone (``sync_store.apply_changes``).

Run: .venv/bin/python benchmarks/bench_pull.py
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))
from _common import temp_dir  # noqa: E402
from support.live_server import LiveServer  # noqa: E402
from support.postgres import PostgresCluster  # noqa: E402

from hardtruths_desktop.demo import create_demo  # noqa: E402
from hardtruths_desktop.domain.clock import SYSTEM_CLOCK  # noqa: E402
from hardtruths_desktop.store import sync_store  # noqa: E402
from hardtruths_desktop.store.session import Store  # noqa: E402
from hardtruths_desktop.sync.credentials import MemoryCredentials  # noqa: E402
from hardtruths_desktop.sync.engine import SyncEngine  # noqa: E402

WARD = "W7"
RUNS = 3
PAGE = 500


def admin(srv: LiveServer, *args: str) -> str:
    import contextlib
    import io

    from trust_server.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["admin", "--database-url", str(srv.database_url), "--data-dir", str(srv.settings.data_dir), *args]) == 0
    return out.getvalue().strip()


def bare_insert(n: int, sample: list[dict[str, Any]]) -> float:
    """Seconds to insert ``n`` rows like the pulled ones (id + JSON-ish payload columns) in pages of PAGE."""
    folder = temp_dir("bench-pull-bare-")
    con = sqlite3.connect(folder / "bare.db", isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = FULL")
    con.execute("CREATE TABLE r (id TEXT PRIMARY KEY, entity TEXT NOT NULL, ward_id TEXT, data TEXT NOT NULL,"
                " field_meta TEXT NOT NULL, seq INTEGER NOT NULL)")
    rows = []
    for i in range(n):
        ch = sample[i % len(sample)]
        rows.append((f"{i:08d}-{ch['id'][9:]}", ch["entity"], ch.get("ward_id"), json.dumps(ch["row"]),
                     json.dumps(ch["field_meta"]), i))
    t0 = time.perf_counter()
    for i in range(0, n, PAGE):
        con.execute("BEGIN IMMEDIATE")
        con.executemany("INSERT INTO r VALUES (?,?,?,?,?,?)", rows[i:i + PAGE])
        con.execute("COMMIT")
    dt = time.perf_counter() - t0
    con.close()
    return dt


def main() -> None:
    with PostgresCluster.started(fsync=True) as pg:
        srv = LiveServer.start(pg.create_database("bench_pull"), temp_dir("bench-pull-server-"), clock=SYSTEM_CLOCK)
        try:
            admin(srv, "create-ward", "--code", WARD, "--name", "Ward 7 - Elderly Care")
            seed = Store(temp_dir("bench-pull-seed-"))
            create_demo(seed)
            engine = SyncEngine(seed, MemoryCredentials())
            engine.enrol(srv.url, admin(srv, "enrolment-code", "--ward", WARD), WARD)
            t0 = time.perf_counter()
            r = engine.sync_once()
            print(f"seed: demo station pushed {r.pushed} changes ({r.applied} applied, {r.rejected} rejected: "
                  f"the other demo wards' records) in {time.perf_counter() - t0:.1f} s")
            seed.close()

            apply_s: list[float] = []
            real_apply = sync_store.apply_changes

            def timed_apply(*a: Any, **kw: Any) -> int:
                t = time.perf_counter()
                n = real_apply(*a, **kw)
                apply_s.append(time.perf_counter() - t)
                return n

            sync_store.apply_changes = timed_apply  # type: ignore[assignment]
            samples_e2e, samples_apply, pulled = [], [], 0
            for _ in range(RUNS):
                apply_s.clear()
                fresh = Store(temp_dir("bench-pull-new-"))
                eng = SyncEngine(fresh, MemoryCredentials())
                eng.enrol(srv.url, admin(srv, "enrolment-code", "--ward", WARD), WARD)
                t0 = time.perf_counter()
                res = eng.sync_once()
                samples_e2e.append(time.perf_counter() - t0)
                samples_apply.append(sum(apply_s))
                assert res.ok, res
                pulled = res.pulled
                fresh.close()
            sync_store.apply_changes = real_apply  # type: ignore[assignment]

            import httpx

            with httpx.Client(base_url=srv.url) as c:  # a sample of real pulled rows for the bare insert
                probe = Store(temp_dir("bench-pull-probe-"))
                creds = MemoryCredentials()
                e = SyncEngine(probe, creds)
                e.enrol(srv.url, admin(srv, "enrolment-code", "--ward", WARD), WARD)
                info = sync_store.sync_info(probe)
                tok = c.post("/v1/token", json={"device_id": info.device_id, "device_secret": creds.get(info.device_id or "")}).json()
                page = c.get("/v1/sync/pull", params={"since": 0, "limit": 1000},
                             headers={"Authorization": f"Bearer {tok['access_token']}"}).json()
            bare = statistics.median(bare_insert(pulled, page["changes"]) for _ in range(RUNS))
        finally:
            srv.stop()
    e2e, app = statistics.median(samples_e2e), statistics.median(samples_apply)
    bare_rate, e2e_rate, app_rate = pulled / bare, pulled / e2e, pulled / app
    print(f"new station first pull of ward {WARD} (setup + 90 days): {pulled} rows")
    print(f"  end to end (HTTP + server + apply): median {e2e:.2f} s = {e2e_rate:,.0f} rows/s")
    print(f"  station apply only:                 median {app:.2f} s = {app_rate:,.0f} rows/s")
    print(f"bare batched SQLite insert of {pulled} rows (WAL, FULL, {PAGE}/txn): median {bare:.3f} s = {bare_rate:,.0f} rows/s")
    for label, rate in (("end to end", e2e_rate), ("apply only", app_rate)):
        ratio = rate / bare_rate
        print(f"  {label}: {ratio:.2f}x bare insert  target >= 0.25x  {'MET' if ratio >= 0.25 else 'NOT MET'}")
    print(f"  first sync of a new device: {e2e:.2f} s (target <= 30 s)")


if __name__ == "__main__":
    main()
