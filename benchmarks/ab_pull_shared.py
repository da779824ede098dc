"""A new station's first pull, older code against this checkout's, on the SAME data (issue 13).

One PostgreSQL, one ward of N shifts (each created, then edited, by station A through this checkout's
server); then two server processes on that database, one running the older commit's code and one
this checkout's, and new stations pulling alternately from their own side's server, each pull a fresh
process of that side's code (enrol, then one timed ``sync_once``). Rounds alternate which side goes
first, so the machine's load falls on both; compare the medians (and the rounds), not single runs.

Run: .venv/bin/python benchmarks/ab_pull_shared.py <old-commit> [--rounds 6] [--n 2000]
The older code runs from ``git archive`` in /tmp with this checkout's virtualenv (as ``ab_pull.sh``);
the database is migrated by this checkout's server; when the older commit lacks some of its
migrations (``trust_server/migrations/versions``), they are copied into the older tree and its
``HEAD_REVISION`` set to this checkout's, so the older server starts on the newer schema (the older
code's queries do not read what a newer migration adds; an index, for example).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


def child(url: str, code: str, ward: str) -> None:
    """One new station's first sync with the code on ``sys.path`` (this tree's)."""
    sys.path[:0] = [str(Path.cwd() / "benchmarks"), str(Path.cwd() / "tests"), str(Path.cwd())]
    import bench_vs_pouchdb as b

    st = b.Station(b.temp_dir("ab-pull-shared-"))
    st.engine.enrol(url, code, ward)
    t0, c0 = time.perf_counter(), time.process_time()
    r = st.engine.sync_once()
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    if not r.ok:
        raise SystemExit(f"sync failed: {r.error} {r.message}")
    print(json.dumps({"s": dt, "cpu": cpu, "pulled": r.pulled, "down": st.wire.down}))
    st.store.close()
    shutil.rmtree(st.folder, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("old")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--n", type=int, default=2000)
    args = ap.parse_args()
    old = Path(f"/tmp/hardtruths-ab-pull-shared-{args.old}")
    if not old.exists():
        old.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(HERE), "archive", args.old], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
    versions = Path("trust_server/migrations/versions")
    missing = sorted(p.name for p in (HERE / versions).glob("0*.py") if not (old / versions / p.name).exists())
    if missing:
        for name in missing:
            shutil.copy(HERE / versions / name, old / versions / name)
        db_py = old / "trust_server" / "db.py"
        head = next(line for line in (HERE / "trust_server" / "db.py").read_text().splitlines() if line.startswith("HEAD_REVISION ="))
        db_py.write_text("\n".join(head if line.startswith("HEAD_REVISION =") else line for line in db_py.read_text().splitlines()) + "\n")
        print(f"older tree: migrations {', '.join(missing)} copied in, {head}", flush=True)
    sys.path[:0] = [str(HERE / "benchmarks"), str(HERE / "tests"), str(HERE)]
    import bench_vs_pouchdb as b
    from support.postgres import PostgresCluster
    from support.server_process import ServerProcess

    n, ward = args.n, "AB1"
    today = date.today()
    codes = b.shift_codes(n)
    keys = [(today - timedelta(days=1 + i // len(codes)), codes[i % len(codes)]) for i in range(n)]
    res: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
    with PostgresCluster.started(fsync=True) as pg:
        url = pg.create_database("ab_pull_shared")
        data = b.temp_dir("ab-pull-shared-srv-")
        os.chdir(HERE)
        with ServerProcess.start(url, data, pinned_clock=None) as srv_new:
            a = b.enrolled_station(srv_new.url, data, url, ward, codes, today, "ab-pull-shared-a-")
            b.record(a, ward, keys, today, 3)
            a.sync()
            b.record(a, ward, keys, today, 4)
            a.sync()
            os.chdir(old)  # ``python -m trust_server.cli`` finds the old code first
            os.environ["PYTHONPATH"] = str(old)
            try:
                srv_old = ServerProcess.start(url, data, pinned_clock=None)
            finally:
                os.chdir(HERE)
                del os.environ["PYTHONPATH"]
            try:
                for rnd in range(args.rounds):
                    sides = [("old", old, srv_old), ("new", HERE, srv_new)]
                    for side, tree, srv in sides if rnd % 2 == 0 else sides[::-1]:
                        code = b.admin(data, url, "enrolment-code", "--ward", ward)
                        out = subprocess.run([sys.executable, str(HERE / "benchmarks" / "ab_pull_shared.py"), "--child", srv.url, code, ward],
                                             cwd=tree, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(tree)})
                        if out.returncode:
                            raise SystemExit(out.stderr[-2000:])
                        d = json.loads(out.stdout.strip().splitlines()[-1])
                        res[side].append(d)
                        print(f"round {rnd + 1} {side}: {d['s'] * 1000:.0f} ms (station CPU {d['cpu'] * 1000:.0f} ms), "
                              f"{d['pulled']:.0f} records, {d['down'] / n:.0f} B/shift down, load {os.getloadavg()[0]:.1f}", flush=True)
            finally:
                srv_old.stop()
    for side, runs in res.items():
        v = [d["s"] for d in runs]
        print(f"{side}: median {statistics.median(v) * 1000:.0f} ms (min {min(v) * 1000:.0f}, max {max(v) * 1000:.0f}); "
              f"station CPU median {statistics.median(d['cpu'] for d in runs) * 1000:.0f} ms")
    ratio = statistics.median(d["s"] for d in res["old"]) / statistics.median(d["s"] for d in res["new"])
    print(f"new vs old: {ratio:.2f}x faster (medians of {args.rounds})")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
    else:
        main()
