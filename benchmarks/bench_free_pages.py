"""The recording station gives back the pages archiving frees, without stalling a save (issue 13, station
migration 0015).

A station records N new shifts and corrects each once (the ``bench_size.py`` burst, without a server: the
outbox is then marked acknowledged as a sync would), the sync's idle cycle archives the acknowledged
changes (``sync_store.archive_acked``), which frees the pages their outbox rows held. Then
``sync_store.release_free_pages`` gives them back while another thread saves shifts one after another,
as a nurse would; the same number of saves is timed with nothing else running, alternately, to compare.
Printed: the free pages and the file per shift before and after (after a checkpoint), each write
transaction of the release (how long it held the lock: the longest any save could wait for it) and the
saves' median, p99 and longest with and without the release running; and the time to rebuild a store of
that size in the new mode (``migrate.to_incremental_vacuum``, what the upgrade to 0015 does once).
Optionally ``--convert PATH``: the same rebuild timed on a copy of an existing store (0014 or older).

Run: .venv/bin/python benchmarks/bench_free_pages.py [--n 20000] [--convert /tmp/m14/s20k/ward-station.sqlite]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import threading
import time
from datetime import date, timedelta
from pathlib import Path

from _common import pct, temp_dir
from bench_vs_pouchdb import SAVES_PER_TX, Station, record, set_up, shift_codes  # also puts tests/ on the path

from hardtruths_desktop.store import migrate, queries, sync_store
from hardtruths_desktop.store.session import Actor
from hardtruths_desktop.store.shifts import ShiftChange, save_shift

ACKED = "json_object('client_seq', client_seq, 'mutation_id', mutation_id, 'status', 'applied', 'server_seq', client_seq,"\
        " 'flags', json('[]'))"


#: between two saves of the saving thread: far busier than a ward (a save every few seconds), and leaves
#: the release's transactions a moment to take the lock (a saver in a tight loop holds it ~95% of the time)
GAP_S = 0.005


def file_bytes(path: Path) -> tuple[int, int]:
    """(file bytes after a checkpoint, free pages)."""
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return path.stat().st_size, int(con.execute("PRAGMA freelist_count").fetchone()[0])
    finally:
        con.close()


def saver(st: Station, ward: str, today: date, keys: list[tuple[date, str]], start: int) -> tuple[threading.Event, list[float], threading.Thread]:
    """A thread saving one shift at a time (a nurse's correction of a recorded shift each) until told to stop."""
    stop = threading.Event()
    times: list[float] = []
    with st.store.read() as s:
        w = queries.ward_row(s, ward)

    def run() -> None:
        k = start
        while not stop.is_set():
            day, code = keys[k % len(keys)]
            change = ShiftChange(groups={"rn": {"actual": 5 + k % 2}})  # a change each time
            t0 = time.perf_counter()
            with st.store.write(Actor.command_line()) as tx:
                save_shift(tx, w, day, code, change, today)
            times.append(time.perf_counter() - t0)
            k += 1
            time.sleep(GAP_S)

    th = threading.Thread(target=run)
    return stop, times, th


def timed_saves(st: Station, ward: str, today: date, keys: list[tuple[date, str]], start: int, during: float) -> list[float]:
    stop, times, th = saver(st, ward, today, keys, start)
    th.start()
    time.sleep(during)
    stop.set()
    th.join()
    return times


def show(label: str, t: list[float]) -> str:
    return (f"{label}: {len(t)} saves, median {statistics.median(t) * 1e3:.2f} ms, p99 {pct(t, 99) * 1e3:.2f} ms,"
            f" longest {max(t) * 1e3:.1f} ms")


def convert(path: Path) -> None:
    folder = temp_dir("bench-free-convert-")
    copy = folder / path.name
    con = sqlite3.connect(path)
    dst = sqlite3.connect(copy)
    con.backup(dst)
    dst.close()
    con.close()
    av = sqlite3.connect(copy).execute("PRAGMA auto_vacuum").fetchone()[0]
    before = copy.stat().st_size
    t0 = time.perf_counter()
    ok = migrate.to_incremental_vacuum(copy)
    took = time.perf_counter() - t0
    print(f"rebuild of a copy of {path} ({before / 1e6:.1f} MB, auto_vacuum {av}) in incremental mode: {took:.2f} s"
          f" ({'done' if ok else 'FAILED'}; file now {copy.stat().st_size / 1e6:.1f} MB)")
    shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--convert", type=Path, help="also time the 0015 rebuild on a copy of this store file")
    args = ap.parse_args()
    n = args.n
    print(f"{n:,} shifts, each recorded then corrected once; load average {os.getloadavg()[0]:.1f}")
    today = date.today()
    ward = "BS1"
    codes = shift_codes(n)
    keys = [(today - timedelta(days=1 + i // len(codes)), codes[i % len(codes)]) for i in range(n)]
    st = Station(temp_dir("bench-free-"))
    set_up(st, ward, codes, today)
    t0 = time.perf_counter()
    record(st, ward, keys, today, 3)
    record(st, ward, keys, today, 4)
    print(f"recorded and corrected in {time.perf_counter() - t0:.1f} s ({SAVES_PER_TX} saves a transaction)")
    path = st.store.path
    with st.store.write(Actor.command_line()) as tx:  # as the server's verdicts leave it
        tx.db.execute(f"UPDATE outbox SET state = 'acked', attempts = 1, acked_at = ?, acked_seq = client_seq, result = {ACKED}",
                      (f"{today.isoformat()}T06:00:00.000Z",))
    whole, free = file_bytes(path)
    print(f"before archiving: file {whole / n:,.0f} B per shift, free pages {free}")
    t0 = time.perf_counter()
    archived = sync_store.archive_acked(st.store)
    whole, free = file_bytes(path)
    print(f"archived {archived:,} changes in {time.perf_counter() - t0:.2f} s: file {whole / n:,.0f} B per shift,"
          f" free pages {free} ({free * 4096 / n:,.0f} B per shift)")

    # the saves alone, then the saves while the free pages are given back, then alone again
    base1 = timed_saves(st, ward, today, keys, 0, 3.0)
    holds: list[float] = []
    stop, during, th = saver(st, ward, today, keys, 5000)
    th.start()
    time.sleep(0.2)
    t0 = time.perf_counter()
    released = sync_store.release_free_pages(st.store, holds=holds)
    took = time.perf_counter() - t0
    time.sleep(0.2)
    stop.set()
    th.join()
    time.sleep(0.5)
    base2 = timed_saves(st, ward, today, keys, 12000, 3.0)
    whole, free = file_bytes(path)
    print(f"gave back {released:,} pages in {len(holds)} transactions, {took:.2f} s in all (pauses included);"
          f" each held the write lock: median {statistics.median(holds) * 1e3:.1f} ms, longest {max(holds) * 1e3:.1f} ms")
    print(f"after: file {whole / n:,.0f} B per shift (after a checkpoint), free pages {free}")
    print(show("saves with nothing else running (before)", base1))
    print(show("saves while the pages are given back", during))
    print(show("saves with nothing else running (after)", base2))
    st.store.close()
    # the 0015 rebuild of this store, put back in the old mode first
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA auto_vacuum = 0")
    con.execute("VACUUM")
    con.close()
    convert(path)
    if args.convert:
        convert(args.convert)
    shutil.rmtree(st.folder, ignore_errors=True)


if __name__ == "__main__":
    main()
