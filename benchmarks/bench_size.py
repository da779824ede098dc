"""Bytes per shift-with-one-edit on the trust server and on the ward station (issue 13, size only).

The same backlog as ``bench_vs_pouchdb.py`` (whose helpers it reuses): a real PostgreSQL
(``tests/support/postgres.py``), the real ``hardtruths-server`` process over loopback HTTP, a station
running the real ``SyncEngine``. Station A records N new shifts and syncs, then changes one figure of
each and syncs again; a new station B pulls the ward. Then, per shift:

- server: ``pg_database_size`` after VACUUM (what the issue measured), and the sum of
  ``pg_total_relation_size`` over the server's tables (no fixed catalogue), with the biggest tables;
- station A and B: the file after a WAL checkpoint (what the issue measured), and ``dbstat`` per table
  and index.

Run: .venv/bin/python benchmarks/bench_size.py [--n 20000] [--rounds 1]

Dead row versions count: the figures are file sizes after a plain VACUUM (what autovacuum does), so the
space an edit's old record version or a purged row leaves is counted until new rows reuse it. With
``--rounds R`` the same shifts are recorded and edited in R rounds, each followed by the trust's nightly
jobs (``admin purge``: superseded change-log rows; then VACUUM), as in normal operation.
Station A's last cycle is an idle one (nothing to send), as the looping sync's next poll: since station
migration 0014 that is when acknowledged changes are archived (``sync_store.archive_acked``).
Target (issue 13): at least 3x smaller than before issue 13 (at N = 20,000: server 8,284 B, station
5,326 B per shift with one edit, ``bench_vs_pouchdb.py --sizes 20000``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
from datetime import date, timedelta
from pathlib import Path

from _common import temp_dir
from bench_vs_pouchdb import Station, admin, enrolled_station, pg_bytes, record, shift_codes  # also puts tests/ on the path
from support.postgres import PostgresCluster
from support.server_process import ServerProcess

BEFORE = {"server": 8284, "station": 5326}  # bytes per shift with one edit before issue 13, N = 20,000
BEFORE_N = 20000


def pg_tables(database_url: str) -> list[tuple[str, int]]:
    import psycopg

    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as con:
        rows = con.execute(
            "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 2 DESC").fetchall()
    return [(str(r[0]), int(r[1])) for r in rows]


def pg_breakdown(database_url: str, n: int) -> str:
    """Per table (heap, TOAST, live/dead rows), per index and per column (average stored bytes), per shift."""
    import psycopg

    out = ["  server per table (B per shift: heap / toast / indexes; live, dead rows):"]
    carried = 0.0  # live rows (their stored size) and indexes of these tables: no dead space, no catalogue
    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as con:
        tabs = con.execute(
            "SELECT c.relname, pg_relation_size(c.oid), pg_total_relation_size(c.oid) - pg_relation_size(c.oid)"
            " - pg_indexes_size(c.oid), pg_indexes_size(c.oid), coalesce(s.n_live_tup, 0), coalesce(s.n_dead_tup, 0)"
            " FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace"
            " LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid"
            " WHERE ns.nspname = 'public' AND c.relkind = 'r' ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 6").fetchall()
        for name, heap, toast, idx, live, dead in tabs:
            out.append(f"    {name}: {heap / n:,.0f} / {toast / n:,.0f} / {idx / n:,.0f}; live {live}, dead {dead}")
            for iname, isize in con.execute(
                    "SELECT i.relname, pg_relation_size(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
                    " WHERE x.indrelid = %s::regclass ORDER BY 2 DESC", (name,)).fetchall():
                out.append(f"      index {iname}: {isize / n:,.0f}")
            cols = [r[0] for r in con.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped"
                " ORDER BY attnum", (name,)).fetchall()]
            if cols and live:
                avgs = con.execute("SELECT " + ", ".join(f'avg(coalesce(pg_column_size("{c}"), 0))' for c in cols)
                                   + f', avg(pg_column_size(t.*)) FROM "{name}" t').fetchone()
                assert avgs
                carried += float(avgs[-1] or 0) * live + idx
                out.append("      columns (avg B): " + ", ".join(f"{c} {float(a or 0):.0f}" for c, a in zip(cols, avgs[:-1], strict=True))
                           + f"; row {float(avgs[-1] or 0):.0f}; live rows {float(avgs[-1] or 0) * live / n:,.0f} B per shift"
                           " (no dead space: the same whether or not autovacuum ran during the edits)")
    out.append(f"  live rows and indexes of these tables: {carried / n:,.0f} B per shift (what the file holds once"
               " autovacuum's reuse has absorbed the edits' old row versions; PostgreSQL's catalogue not counted)")
    return "\n".join(out)


def station_breakdown(path: Path, n: int) -> str:
    """Per table and index (dbstat: pages, payload, unused), and average column lengths of the big tables."""
    con = sqlite3.connect(path)
    out = [f"  {path.name} per table/index (B per shift: pages / payload / unused; rows):"]
    try:
        for name, pg, payload, unused in con.execute(
                "SELECT name, sum(pgsize), sum(payload), sum(unused) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 12"):
            out.append(f"    {name}: {pg / n:,.0f} / {payload / n:,.0f} / {unused / n:,.0f}")
        free = con.execute("PRAGMA freelist_count").fetchone()[0] * con.execute("PRAGMA page_size").fetchone()[0]
        out.append(f"    free pages: {free / n:,.0f}")
        for table in ("outbox", "shift", "audit_log"):
            cols = [r[1] for r in con.execute(f"PRAGMA table_info({table})")]
            rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            if not cols or not rows:
                continue
            avgs = con.execute("SELECT " + ", ".join(f'avg(coalesce(length("{c}"), 0))' for c in cols) + f" FROM {table}").fetchone()
            out.append(f"    {table} ({rows} rows) avg length: " + ", ".join(f"{c} {float(a or 0):.0f}" for c, a in zip(cols, avgs, strict=True)))
    finally:
        con.close()
    return "\n".join(out)


def aged_station(path: Path, n: int) -> str:
    """A copy of the station 31 days later: the janitor has pruned the acknowledged outbox rows (kept
    30 days, SYNC.md decision 4) after folding each into its audit row. Bytes per shift in its tables
    (``dbstat``; the freed pages, which later saves reuse, are counted apart)."""
    from hardtruths_desktop.domain.clock import SYSTEM_CLOCK
    from hardtruths_desktop.store import sync_store
    from hardtruths_desktop.store.session import Store

    folder = temp_dir("bench-size-aged-")
    shutil.copy(path, folder / path.name)
    store = Store(folder, SYSTEM_CLOCK)
    pruned = sync_store.janitor(store, server_offset_ms=31 * 86_400_000)
    store.close()
    tables = station_tables(folder / path.name)
    con = sqlite3.connect(folder / path.name)
    free = con.execute("PRAGMA freelist_count").fetchone()[0] * con.execute("PRAGMA page_size").fetchone()[0]
    con.close()
    shutil.rmtree(folder, ignore_errors=True)
    return (f"  31 days later (the janitor pruned {pruned:,} acknowledged outbox rows, folding each into its audit row):"
            f" {sum(b for _, b in tables) / n:,.0f} B per shift in tables and indexes ("
            + ", ".join(f"{name} {b / n:,.0f}" for name, b in tables[:6]) + f"); freed pages {free / n:,.0f} B per shift")


def station_tables(path: Path) -> list[tuple[str, int]]:
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        rows = con.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC").fetchall()
    finally:
        con.close()
    return [(str(r[0]), int(r[1])) for r in rows]


def show(label: str, n: int, whole: int, tables: list[tuple[str, int]], before: int | None) -> None:
    if before and n == BEFORE_N:
        ratio = f"  ({before / (whole / n):.2f}x smaller than before issue 13's {before:,} B; target >= 3x)"
    elif before:  # the database's fixed part (PostgreSQL's catalogue, ~7.5 MB) weighs more per shift at a small N
        ratio = f"  (before issue 13: {before:,} B at --n {BEFORE_N}; compare at that N)"
    else:
        ratio = ""
    print(f"{label}: {whole / n:,.0f} B per shift{ratio}")
    print(f"  tables and indexes: {sum(b for _, b in tables) / n:,.0f} B per shift; biggest: "
          + ", ".join(f"{name} {b / n:,.0f}" for name, b in tables[:8]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=1,
                    help="record and edit the shifts in this many rounds, each followed by the nightly jobs of a trust"
                         " (`admin purge`, then VACUUM as autovacuum would): normal operation, not one burst")
    ap.add_argument("--per-request", type=int, default=0,
                    help="push this many changes a request (the station's batch size), as a ward's looping sync does"
                         " (1-3 a request); default: the station's own batches of 500")
    args = ap.parse_args()
    n, rounds = args.n, max(1, args.rounds)
    today = date.today()
    codes = shift_codes(n)
    keys = [(today - timedelta(days=1 + i // len(codes)), codes[i % len(codes)]) for i in range(n)]
    ward = "BS1"
    print(f"{n:,} shifts, each recorded then edited once"
          + (f", in {rounds} rounds each followed by the nightly purge and a VACUUM" if rounds > 1 else "")
          + (f", {args.per_request} changes a request" if args.per_request else "")
          + f"; load average {os.getloadavg()[0]:.1f}")
    with PostgresCluster.started(fsync=True) as pg:
        url = pg.create_database("bench_size")
        data = temp_dir("bench-size-server-")
        with ServerProcess.start(url, data, pinned_clock=None) as srv:
            a = enrolled_station(srv.url, data, url, ward, codes, today, "bench-size-a-")
            if args.per_request:  # every push request carries this many changes (the engine's batch, never grown)
                a.engine.batch_size = a.engine.max_batch = args.per_request
            per = -(-n // rounds)
            for r in range(0, n, per):
                chunk = keys[r:r + per]
                record(a, ward, chunk, today, 3)
                assert a.sync()[1].applied == len(chunk)
                record(a, ward, chunk, today, 4)
                assert a.sync()[1].applied == len(chunk)
                if rounds > 1:  # the night: retention as deployed (docs/DEPLOYMENT.md), then what autovacuum does
                    admin(data, url, "purge")
                    pg_bytes(url)
            # the looping sync's next poll (1-5 minutes on), with nothing to send: the station archives what
            # was acknowledged (station migration 0014; kept out of the pushing cycles' time)
            assert a.sync()[1].pushed == 0
            b = Station(temp_dir("bench-size-b-"))
            b.engine.enrol(srv.url, admin(data, url, "enrolment-code", "--ward", ward), ward)
            assert b.sync()[1].pulled >= n
            server_whole, server_tables = pg_bytes(url), pg_tables(url)
            detail = pg_breakdown(url, n)
            a.store.close()
            b.store.close()
    a_tables, b_tables = station_tables(a.store.path), station_tables(b.store.path)
    show("server database", n, server_whole, server_tables, BEFORE["server"])
    texts = sum(b for name, b in server_tables if name in ("received_mutation", "received_batch"))
    print(f"  the mutations as received (received_mutation + received_batch): {texts / (2 * n):,.0f} B per change"
          + (f" ({args.per_request} a request)" if args.per_request else ""))
    print(detail)
    show("station file (recorded and edited here)", n, a.file_bytes(), a_tables, BEFORE["station"])
    print(station_breakdown(a.store.path, n))
    print(aged_station(a.store.path, n))
    show("new station's file (pulled)", n, b.file_bytes(), b_tables, None)
    print(station_breakdown(b.store.path, n))
    for folder in (a.folder, b.folder):
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
