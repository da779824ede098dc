"""Saving a shift (record + outbox + audit, durable) vs a bare durable SQLite commit of one row.

Target (issues 2 and 13): at most 3x the bare commit, at the median AND the p99. Both run on the
same disk (one temporary folder), in the same process, with WAL and synchronous=FULL, one
transaction per save; the floor is one INSERT of one row and its COMMIT, nothing else. The
samples are interleaved one by one, the order alternating within each pair (bare then save, save
then bare), after a warm-up, so a busy machine slows both alike. Each run takes ``--samples``
pairs (default 1,000: the p99 is then the 10th slowest of each, not the 5th); issue 13 asks that
two runs agree within 20%, so the script makes ``--runs`` independent runs (each its own stores,
default 3) and prints each run's ratios, their median and their spread (largest / smallest).

Checkpoints: the station checkpoints its WAL at the end of each sync cycle (``sync_store.checkpoint``)
and SQLite's own autocheckpoint only every 4,000 pages (``engine.WAL_AUTOCHECKPOINT_PAGES``); no
sync runs here, so a run of 1,000 saves meets ~2-3 autocheckpoints (as the floor, at SQLite's
default 1,000 pages and ~2 pages a commit, meets ~2). Durability is the same for both: every
commit syncs the WAL.
Run: .venv/bin/python benchmarks/bench_save.py [--runs 3] [--samples 1000]
A/B against older code in the same session: benchmarks/ab_save.sh <commit> [rounds]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import bench_clock, pct, summary, temp_dir, timed

from hardtruths_desktop.demo import create_demo
from hardtruths_desktop.domain.clock import today
from hardtruths_desktop.store import queries
from hardtruths_desktop.store.session import Actor, Store
from hardtruths_desktop.store.shifts import ShiftChange, save_shift

N = 1000


def bare_commit(folder: Path) -> Callable[[], None]:
    con = sqlite3.connect(folder / "bare.sqlite", isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT)")
    i = iter(range(10**9))

    def one() -> None:
        con.execute("BEGIN IMMEDIATE")
        con.execute("INSERT INTO t (payload) VALUES (?)", (f"row {next(i)}",))
        con.execute("COMMIT")

    return one


def shift_saves(folder: Path) -> Callable[[], None]:
    store = Store(folder, bench_clock())
    create_demo(store, days=3)
    with store.read() as s:
        ward = queries.ward_row(s, "W7")
        nic = next(x for x in queries.list_staff(s, ward.id) if x.role == "rn")
    actor = Actor(nic.id, nic.name)
    days = iter(range(10**6))
    base = today(store.clock) - timedelta(days=400)

    def one() -> None:
        k = next(days)  # a new shift each time for the first 1,140 saves, then corrections of them
        rn = 4 + k // 1140 % 2
        change = ShiftChange(groups={"rn": {"actual": rn, "actual_hours": 7.5 * rn}, "care": {"actual": 3, "actual_hours": 22.5}},
                             nurse_in_charge_id=nic.id)
        with store.write(actor) as tx:
            save_shift(tx, ward, base + timedelta(days=k % 380), ("early", "late", "night")[k // 380 % 3], change, tx.today)

    return one


def interleaved(a: Callable[[], None], b: Callable[[], None], n: int,
                cpu: list[float] | None = None) -> tuple[list[float], list[float]]:
    """``n`` timings of each, taken alternately (a b, b a, a b, ...). ``cpu``: gets the CPU time
    (this thread's, user + system, ms) of each ``a`` and ``b`` in total, in that order."""
    ta: list[float] = []
    tb: list[float] = []
    ca = cb = 0.0
    for i in range(n):
        for first in ((b, a) if i % 2 else (a, b)):
            c0 = time.thread_time()
            (ta if first is a else tb).extend(timed(first, 1))
            if first is a:
                ca += time.thread_time() - c0
            else:
                cb += time.thread_time() - c0
    if cpu is not None:
        cpu[:] = [ca * 1000 / n, cb * 1000 / n]
    return ta, tb


def one_run(k: int, n: int = N) -> tuple[float, float, float]:
    folder = temp_dir("bench-save-")
    bare_one = bare_commit(folder)
    save_one = shift_saves(folder)
    interleaved(bare_one, save_one, 50)  # warm up
    cpu: list[float] = []
    bare, save = interleaved(bare_one, save_one, n, cpu)
    ratio_med = statistics.median(save) / statistics.median(bare)
    paired = statistics.median(x / y for x, y in zip(save, bare, strict=True))
    ratio_p99 = pct(save, 99) / pct(bare, 99)
    print(f"run {k}: bare durable SQLite commit: {summary(bare)}; save a shift (record+outbox+audit): {summary(save)}")
    print(f"run {k}: ratio (median) {ratio_med:.2f}x, ratio (p99) {ratio_p99:.2f}x, median of paired ratios "
          f"(each save / the bare commit just before it) {paired:.2f}x  (load average {os.getloadavg()[0]:.2f})")
    print(f"run {k}: CPU time (this thread, user + system, mean): bare commit {cpu[0]:.2f} ms, save {cpu[1]:.2f} ms"
          " (the rest of each is waiting: the WAL's fsync, the write lock, other processes)")
    return ratio_med, ratio_p99, paired


def wal_pages_per_save(n: int = 500) -> float:
    """WAL pages one save writes (what its commit syncs and a checkpoint later copies): ``n`` saves
    after a TRUNCATE checkpoint, with autocheckpoint off on the store's connections while counting."""
    import hardtruths_desktop.store.engine as engine

    original = engine.apply_pragmas

    def no_autocheckpoint(conn: sqlite3.Connection) -> None:
        original(conn)
        conn.execute("PRAGMA wal_autocheckpoint = 0")

    engine.apply_pragmas = no_autocheckpoint
    try:
        folder = temp_dir("bench-save-wal-")
        save_one = shift_saves(folder)
        for _ in range(20):
            save_one()
        con = sqlite3.connect(folder / "ward-station.sqlite")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
        for _ in range(n):
            save_one()
        wal = folder / "ward-station.sqlite-wal"
        return (wal.stat().st_size - 32) / (4096 + 24) / n
    finally:
        engine.apply_pragmas = original


def main() -> None:
    ap = argparse.ArgumentParser(description="Save a shift vs a bare durable commit.")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--samples", type=int, default=N, help="pairs (bare commit, save) per run")
    ap.add_argument("--wal-pages", action="store_true", help="only count the WAL pages one save writes")
    args = ap.parse_args()
    if args.wal_pages:
        print(f"WAL pages written per shift save: {wal_pages_per_save():.1f} (the floor writes ~2)")
        return
    runs = [one_run(k + 1, args.samples) for k in range(args.runs)]
    for i, name in enumerate(("ratio (median)", "ratio (p99)", "paired ratio")):
        vals = [r[i] for r in runs]
        print(f"{name}: median of runs {statistics.median(vals):.2f}x, runs {min(vals):.2f}-{max(vals):.2f}x, "
              f"spread {max(vals) / min(vals) - 1:.0%} (issue 13: two runs within 20%)")
    med, p99 = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
    print(f"target <= 3x at the median and the p99: {'MET' if med <= 3 and p99 <= 3 else 'NOT MET'}")


if __name__ == "__main__":
    main()
