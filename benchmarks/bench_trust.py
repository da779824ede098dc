"""A trust-year on the trust server (issue 13, "At trust size"): 50 wards, a year, two server processes.

The year: every ward has its set-up (the ward, a day and a night shift pattern, their planned RN and
care heads, 24 staff) and records its day and night shift every day for ``--days`` days ending the
day before the benchmarks' pinned "now" (``_common.bench_clock``: the one clock, never today's
date); every shift is then corrected once (one more RN, as a late bank nurse): about 74,600 changes
for 50 wards and 365 days. The stations' saves are made beforehand with the real store calls (500
a transaction, cached under the temp folder), not timed.

It measures, on a real PostgreSQL (fsync on, ``tests/support/postgres.py``) with the real
``hardtruths-server`` processes (``tests/support/server_process.py``) and one real ``SyncEngine``
per ward on its own SQLite file:

1. **Push**: all the wards' stations run ``sync_once`` at the same moment (one thread each; a
   station whose cycle fails runs it again), through TWO server processes on one database (stations
   split between them), then through ONE, each on a fresh database. Printed: changes/s, each
   station's time, how often PostgreSQL sessions waited on a lock (``pg_stat_activity`` and
   ``pg_locks`` sampled every 50 ms during the run), the CPU each process used. Floor: PostgreSQL
   ``COPY`` of every row the push wrote into empty tables of the same definition, one transaction.
2. **Pull poll**: the server's pull (``trust_server.sync.pull``, in this process) for every ward
   at its head, and for the last ward from cursor 0; the pull query's own statement is captured and
   run again under ``EXPLAIN (ANALYZE, BUFFERS)``: rows the scans read and discarded, against the
   ward's own change count.
3. **Month**: ``trust_server.staffing.month_shifts`` for one ward-month (rows its dated query
   reads, ``EXPLAIN``), the monthly staffing return for every ward (one call, the national return),
   and the admin CLI's start (``hardtruths-server admin ... staffing-return``, a fresh process)
   against a bare interpreter that imports the same database layer and runs one query.
4. **Size per trust-year**: the database and each table after the year, then after the nightly
   retention purge (``hardtruths-server admin purge``, SYNC.md 3.8) with a plain ``VACUUM`` (space
   reusable) and with ``VACUUM FULL`` (space given back).

Run (full, about 15-25 min on 2 shared cores):  nice -n 10 .venv/bin/python benchmarks/bench_trust.py
Small (under a minute once the saves are cached): .venv/bin/python benchmarks/bench_trust.py --wards 4 --days 20
Targets (issue 13): a second server process adds write capacity; pushes of different wards do not
queue on one row; a poll costs its own ward's changes; a month reads only that month; a size per
trust-year (the issue measured 528 MB before, ``field_history`` 283 MB).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))
from _common import bench_clock, pct, temp_dir  # noqa: E402
from support.postgres import PostgresCluster  # noqa: E402
from support.server_process import ServerProcess  # noqa: E402

from hardtruths_desktop.domain.clock import LONDON, SYSTEM_CLOCK, FixedClock, today  # noqa: E402
from hardtruths_desktop.store import reference  # noqa: E402
from hardtruths_desktop.store.session import Actor, Store  # noqa: E402
from hardtruths_desktop.store.shifts import ShiftChange, save_shift  # noqa: E402
from hardtruths_desktop.sync.credentials import MemoryCredentials  # noqa: E402
from hardtruths_desktop.sync.engine import SyncEngine  # noqa: E402

SAVES_PER_TX = 500
STAFF = 24
CACHE_VERSION = 1  # bump when the generated year changes
#: (code, name, start, end, period, RN heads, care heads); 12.5-hour shifts
PATTERNS = (("day", "Day", dtime(7, 30), dtime(20, 0), "day", 5, 3), ("night", "Night", dtime(19, 30), dtime(8, 0), "night", 4, 2))
HOURS = 12.5


def ward_code(i: int) -> str:
    return f"T{i + 1:02d}"


def pg_dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


# ---------------------------------------------------------------- the stations' year (not timed)

def make_ward_year(folder: Path, code: str, days: int) -> int:
    """One ward's station: set-up plus a year of day and night shifts, each corrected once.
    Returns the number of saves (outbox rows)."""
    clock = bench_clock()
    now_day = today(clock)
    first = now_day - timedelta(days=days)
    store = Store(folder, clock)
    try:
        with store.write(Actor.command_line()) as tx:
            trust = reference.upsert_trust(tx, "BEN", "Bench Hospitals NHS Trust")
            w = reference.upsert_ward(tx, trust.id, code, f"Ward {code}", "Main Site", "General medicine", 28)
            for order, (pc, name, start, end, period, rn, care) in enumerate(PATTERNS):
                reference.set_shift_pattern(tx, w, reference.PatternInput(pc, name, start, end, period, order))
                reference.set_establishment(tx, w, pc, "rn", first - timedelta(days=30), rn, rn * HOURS)
                reference.set_establishment(tx, w, pc, "care", first - timedelta(days=30), care, care * HOURS)
            for s in range(STAFF):
                reference.add_staff(tx, w, f"Nurse {code}-{s:02d}", "care" if s % 3 == 2 else "rn", "Staff nurse", s == 0)
        keys = [(first + timedelta(days=d), p[0], p[5], p[6]) for d in range(days) for p in PATTERNS]
        for rn_extra in (0, 1):  # the shift as recorded, then one correction each
            for i in range(0, len(keys), SAVES_PER_TX):
                with store.write(Actor.command_line()) as tx:
                    for day, pc, rn, care in keys[i:i + SAVES_PER_TX]:
                        change = ShiftChange()
                        change.groups["rn"] = {"actual": rn - (day.toordinal() % 2) + rn_extra}
                        change.groups["care"] = {"actual": care}
                        save_shift(tx, w, day, pc, change, now_day)
        with store.read() as s:
            n = int(s.connection().exec_driver_sql("SELECT count(*) FROM outbox").scalar_one())
    finally:
        store.close()
    return n


def _make_one(job: tuple[str, str, int]) -> int | str:
    try:
        return make_ward_year(Path(job[0]), job[1], job[2])
    except Exception as e:  # said by the parent (a pool hangs on an error it cannot pickle)
        return f"{type(e).__name__}: {e}"


def templates(wards: int, days: int) -> tuple[Path, int]:
    """The wards' stations with their saves, built once (2 processes) and cached."""
    base = Path(tempfile.gettempdir()) / f"hardtruths-bench-trust-v{CACHE_VERSION}-{wards}w-{days}d"
    marker = base / ".complete"
    if not marker.exists():
        shutil.rmtree(base, ignore_errors=True)
        base.mkdir(parents=True)
        t0 = time.perf_counter()
        from multiprocessing import get_context

        jobs = [(str(base / ward_code(i)), ward_code(i), days) for i in range(wards)]
        with get_context("spawn").Pool(2) as pool:
            counts = pool.map(_make_one, jobs)
        if failed := [c for c in counts if isinstance(c, str)]:
            raise RuntimeError(f"preparing the stations failed: {failed[0]}")
        marker.write_text(str(sum(c for c in counts if isinstance(c, int))))
        print(f"(prepared {wards} stations' {marker.read_text()} saves in {time.perf_counter() - t0:.0f} s, cached in {base})")
    return base, int(marker.read_text())


# ---------------------------------------------------------------- sampling PostgreSQL and the processes

@dataclass
class Samples:
    n: int = 0
    active: int = 0  # backend-sessions of our database running a statement, summed over samples
    lock_waits: Counter[str] = field(default_factory=Counter)  # wait_event of sessions waiting on a Lock
    other_waits: Counter[str] = field(default_factory=Counter)
    ungranted: int = 0  # pg_locks rows not granted, summed
    max_lock_waiting: int = 0
    waiting_queries: Counter[str] = field(default_factory=Counter)  # what the waiting sessions were running


class Sampler(threading.Thread):
    def __init__(self, url: str, every: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.url, self.every, self.stop_flag, self.s = url, every, threading.Event(), Samples()

    def run(self) -> None:
        import psycopg

        with psycopg.connect(pg_dsn(self.url), autocommit=True) as con:
            while not self.stop_flag.is_set():
                rows = con.execute("SELECT state, wait_event_type, wait_event, left(regexp_replace(query, '\\s+', ' ', 'g'), 70) "
                                   "FROM pg_stat_activity "
                                   "WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                                   ).fetchall()
                ungranted = con.execute("SELECT count(*) FROM pg_locks WHERE NOT granted").fetchone()[0]  # type: ignore[index]
                self.s.n += 1
                waiting = 0
                for state, wtype, wevent, query in rows:
                    if state != "active":
                        continue
                    self.s.active += 1
                    if wtype == "Lock":
                        self.s.lock_waits[str(wevent)] += 1
                        self.s.waiting_queries[f"{wevent}: {query}"] += 1
                        waiting += 1
                    elif wtype:
                        self.s.other_waits[f"{wtype}:{wevent}"] += 1
                self.s.ungranted += int(ungranted)
                self.s.max_lock_waiting = max(self.s.max_lock_waiting, waiting)
                time.sleep(self.every)


def cpu_s(pid: int) -> float:
    parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12]) + int(parts[13]) + int(parts[14])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_s(pg: PostgresCluster) -> float:
    """CPU of every process of the cluster (postmaster and its children, finished ones included)."""
    pid = int((pg.data / "postmaster.pid").read_text().split()[0])
    return cpu_s(pid)


# ---------------------------------------------------------------- 1. the push

def admin(srv_data: Path, database_url: str, *args: str) -> str:
    from trust_server.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = main(["admin", "--database-url", database_url, "--data-dir", str(srv_data), *args])
    assert rc == 0, (args, rc)
    return out.getvalue().strip()


@dataclass
class PushRun:
    procs: int
    setup: Phase
    year: Phase
    stations: list[tuple[str, SyncEngine, Store]]
    url: str
    data: Path
    run_dir: Path  # the stations' copies (about 130 MB at full size): removed at the end


def push_run(pg: PostgresCluster, base: Path, wards: int, procs: int, tag: str) -> PushRun:
    url = pg.create_database(f"trust_{tag}")
    data = temp_dir(f"bench-trust-{tag}-server-")
    servers = [ServerProcess.start(url, data, pinned_clock=None) for _ in range(procs)]
    try:
        for i in range(wards):
            admin(data, url, "create-ward", "--code", ward_code(i), "--name", f"Ward {ward_code(i)}")
        stations: list[tuple[str, SyncEngine, Store]] = []
        run_dir = temp_dir(f"bench-trust-{tag}-stations-")
        for i in range(wards):
            folder = run_dir / ward_code(i)
            shutil.copytree(base / ward_code(i), folder)
            store = Store(folder, FixedClock(bench_clock().now()))
            engine = SyncEngine(store, MemoryCredentials())
            engine.enrol(servers[i % procs].url, admin(data, url, "enrolment-code", "--ward", ward_code(i)), ward_code(i))
            stations.append((ward_code(i), engine, store))
        with psycopg_connect(url) as con:
            con.execute("VACUUM ANALYZE")
        engines = [e for _c, e, _s in stations]
        setup = concurrent_sync(url, pg, servers, engines, setup_only=True)
        with psycopg_connect(url) as con:
            n_setup = int(con.execute("SELECT count(*) FROM applied_mutation").fetchone()[0])  # type: ignore[index]
        year = concurrent_sync(url, pg, servers, engines, setup_only=False)
        with psycopg_connect(url) as con:
            n = int(con.execute("SELECT count(*) FROM applied_mutation").fetchone()[0]) - n_setup  # type: ignore[index]
            con.execute("ANALYZE")  # as autovacuum would after a year of writes: the plans below are the steady state
    finally:
        for s in servers:
            s.stop()
    setup.changes, year.changes = n_setup, n
    return PushRun(procs, setup, year, stations, url, data, run_dir)


@dataclass
class Phase:
    changes: int
    wall_s: float
    station_s: list[float]
    failed_cycles: int
    errors: Counter[str]
    samples: Samples
    server_cpu_s: list[float]
    pg_cpu_s: float
    bench_cpu_s: float


def setup_rows(store: Store) -> int:
    """The station's set-up changes: the outbox rows before its first shift."""
    with store.read() as s:
        first = s.connection().exec_driver_sql("SELECT min(client_seq) FROM outbox WHERE entity = 'shift'").scalar_one()
    return int(first) - 1


def concurrent_sync(url: str, pg: PostgresCluster, servers: list[ServerProcess], engines: list[SyncEngine],
                    setup_only: bool) -> Phase:
    """Every station runs ``sync_once`` at the same moment (a failed cycle is run again). With
    ``setup_only`` the stations send only their set-up (the shifts wait): the go-live of every
    ward at once, measured apart from the year of shifts."""
    from hardtruths_desktop.store import sync_store

    errors: Counter[str] = Counter()
    failed = [0]
    lock = threading.Lock()
    gate = threading.Barrier(len(engines))
    limits = {e.store.path: setup_rows(e.store) for e in engines} if setup_only else {}
    real_pending, real_wire = sync_store.pending, sync_store.pending_wire

    def pending(store: Store, n: int) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = real_pending(store, n)
        return [m for m in rows if m["client_seq"] <= limits.get(store.path, 1 << 62)]

    def pending_wire(store: Store, n: int, after: int = 0) -> list[dict[str, Any]]:  # what a push sends
        rows: list[dict[str, Any]] = real_wire(store, n, after)
        return [m for m in rows if m["client_seq"] <= limits.get(store.path, 1 << 62)]

    def one(engine: SyncEngine) -> float:
        gate.wait()
        t0 = time.perf_counter()
        for _attempt in range(30):
            r = engine.sync_once()
            if (r.ok and r.pending == 0) or (setup_only and r.error == "pending"):
                return time.perf_counter() - t0
            with lock:
                failed[0] += 1
                errors[f"{r.error}: {r.message[:80]}" if not r.ok else "pending left"] += 1
            time.sleep(min(r.retry_after or 0.5, 2.0))
        raise RuntimeError(f"a station could not push: {errors.most_common(3)}")

    sampler = Sampler(url)
    cpu0 = [cpu_s(s.pid) for s in servers]
    pg0 = postgres_cpu_s(pg)
    b0 = time.process_time()
    sampler.start()
    sync_store.pending = pending  # type: ignore[assignment]
    sync_store.pending_wire = pending_wire  # type: ignore[assignment]
    t0 = time.perf_counter()
    try:
        with ThreadPoolExecutor(max_workers=len(engines)) as ex:
            times = list(ex.map(one, engines))
    finally:
        sync_store.pending = real_pending  # type: ignore[assignment]
        sync_store.pending_wire = real_wire  # type: ignore[assignment]
    wall = time.perf_counter() - t0
    sampler.stop_flag.set()
    sampler.join()
    cpu = [cpu_s(s.pid) - c for s, c in zip(servers, cpu0, strict=True)]
    return Phase(0, wall, times, failed[0], errors, sampler.s, cpu, postgres_cpu_s(pg) - pg0, time.process_time() - b0)


def psycopg_connect(url: str) -> Any:
    import psycopg

    return psycopg.connect(pg_dsn(url), autocommit=True)


def copy_floor(url: str, changes: int) -> tuple[float, int, list[str]]:
    """Seconds to COPY every row of the tables the push wrote (every base table holding more than a
    quarter as many rows as there were changes: records, history, mutations and verdicts, change log, whatever the schema
    calls them) into empty tables of the same definition, one transaction (``bench_server_apply.py``'s
    floor at trust size); the number of rows; the tables."""
    import psycopg

    with psycopg.connect(pg_dsn(url)) as con:
        tables = [str(r[0]) for r in con.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r' AND (c.reltuples > %s OR c.relname = 'received_batch') ORDER BY 1",
            (changes // 4,)).fetchall()]  # received_batch: the mutations' texts, 100 a row (server migration 0015)
        dumps: dict[str, bytes] = {}
        for t in tables:
            with con.cursor().copy(f"COPY {t} TO STDOUT") as cp:
                dumps[t] = b"".join(bytes(b) for b in cp)
            con.execute(f"CREATE TABLE copy_{t} (LIKE {t} INCLUDING ALL)")
        con.commit()
        c0 = time.perf_counter()
        with con.transaction():
            for t, body in dumps.items():
                with con.cursor().copy(f"COPY copy_{t} FROM STDIN") as cp:
                    cp.write(body)
        secs = time.perf_counter() - c0
        for t in tables:
            con.execute(f"DROP TABLE copy_{t}")
        con.commit()
    return secs, sum(b.count(b"\n") for b in dumps.values()), tables


# ---------------------------------------------------------------- 2./3. plans of the server's own queries

def explain(engine: Any, statement: str, params: Any, generic: bool = False) -> dict[str, Any]:
    """PostgreSQL's plan of the statement, run (and rolled back). ``generic``: the plan made without
    the parameters' values, which a server connection runs once psycopg has prepared the statement
    (its 6th run on a connection) and PostgreSQL has tried 5 custom plans (``pg_prepared_statements``
    counted 140 generic plans of 150 polls on one connection)."""
    from psycopg import sql

    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if "FROM entity_record AS r" in statement:  # the walk of the records: as the server runs it (sync._plan_settings)
            cur.execute("SET LOCAL enable_bitmapscan = off")
        if not generic:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, params)
        else:
            names: list[str] = []

            def placeholder(m: re.Match[str]) -> str:
                if m.group(1) not in names:
                    names.append(m.group(1))
                return f"${names.index(m.group(1)) + 1}"

            cur.execute("PREPARE bench_generic AS " + re.sub(r"%\((\w+)\)s", placeholder, statement).replace("%%", "%"))
            cur.execute("SET LOCAL plan_cache_mode = force_generic_plan")
            args = ", ".join(sql.Literal(params[n]).as_string(cur) for n in names)
            cur.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE bench_generic ({args})")
        plan: dict[str, Any] = cur.fetchone()[0][0]
        raw.rollback()
        if generic:
            cur.execute("DEALLOCATE bench_generic")
    finally:
        raw.close()
    return plan


def scan_rows(plan: dict[str, Any], relation: str) -> tuple[int, int, list[str]]:
    """(rows the scans of ``relation`` returned, rows they discarded by filter, scan kinds)."""
    got = dropped = 0
    kinds: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        nonlocal got, dropped
        if node.get("Relation Name") == relation:
            loops = int(node.get("Actual Loops", 1))
            got += int(node.get("Actual Rows", 0)) * loops
            dropped += int(node.get("Rows Removed by Filter", 0)) * loops + int(node.get("Rows Removed by Index Recheck", 0)) * loops
            index = node.get("Index Name") or ",".join(c["Index Name"] for c in node.get("Plans", []) if "Index Name" in c)
            kinds.append(f"{node['Node Type']}{' on ' + index if index else ''}")
        for child in node.get("Plans", []):
            walk(child)

    walk(plan["Plan"])
    return got, dropped, kinds


def scan_nodes(plan: dict[str, Any], relation: str) -> str:
    """Each scan of ``relation``: kind, index, condition, rows returned and discarded."""
    out: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        if node.get("Relation Name") == relation:
            kids = [c for c in node.get("Plans", []) if "Index Name" in c]
            index = node.get("Index Name") or ",".join(c["Index Name"] for c in kids)
            cond = node.get("Index Cond") or node.get("Recheck Cond") or ""
            out.append(f"{node['Node Type']} {index} [{cond}] rows {node.get('Actual Rows')}, "
                       f"discarded {node.get('Rows Removed by Filter', 0)}")
        for child in node.get("Plans", []):
            walk(child)

    walk(plan["Plan"])
    return "; ".join(out)


def buffers(plan: dict[str, Any]) -> int:
    p = plan["Plan"]
    return int(p.get("Shared Hit Blocks", 0)) + int(p.get("Shared Read Blocks", 0))


class Capture:
    """Statements an SQLAlchemy engine runs (to EXPLAIN the server's own query, not a copy of it)."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.seen: list[tuple[str, Any]] = []
        event.listen(engine, "before_cursor_execute", self._hook)

    def _hook(self, _conn: Any, _cursor: Any, statement: str, params: Any, _ctx: Any, _many: bool) -> None:
        self.seen.append((statement, params))

    def find(self, *needles: str) -> tuple[str, Any]:
        for st, p in reversed(self.seen):
            if all(n in st for n in needles):
                return st, p
        raise LookupError(needles)


def median_ms(fn: Any, repeat: int) -> tuple[float, float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return statistics.median(out), max(out)


#: the two plans of the pull query EXPLAINed: with the statement's values (the first 5 runs on a server
#: connection) and the generic one (every run after, ``explain``)
PLAN = {False: "custom plan", True: "generic plan"}


def pull_costs(url: str, run: PushRun) -> list[str]:
    from sqlmodel import Session, select

    from hardtruths_desktop.store.migrate import SCHEMA_VERSION
    from trust_server import sync as srv_sync
    from trust_server.db import make_engine
    from trust_server.models import Device, Ward

    engine = make_engine(url)
    cap = Capture(engine)
    headers = srv_sync.ClientHeaders(schema=SCHEMA_VERSION, protocol=2)
    lines = []
    with Session(engine) as s:
        devices = {s.get(Ward, d.ward_id).code: (d.device_id, d.ward_id, d.last_pull_seq)  # type: ignore[union-attr]
                   for d in s.exec(select(Device)).all()}
    with psycopg_connect(url) as con:
        own = dict(con.execute("SELECT ward_id, count(*) FROM change_log GROUP BY ward_id").fetchall())
        total = int(con.execute("SELECT count(*) FROM change_log").fetchone()[0])  # type: ignore[index]
    for code, (device_id, ward_id, cursor) in devices.items():
        # the station's head: the server records the cursor a station asks from (what it has applied),
        # so the last answer's next_since is one poll ahead of last_pull_seq
        while True:
            page = srv_sync.pull(engine, device_id, cursor, 1000, None, headers, encode_in_db=False, clock=SYSTEM_CLOCK)
            assert not isinstance(page, srv_sync.EncodedPage)
            cursor = page.next_since
            if not page.has_more:
                break
        devices[code] = (device_id, ward_id, cursor)
    for generic in (False, True):
        read_head, dropped_head, ms_head, ward_rows, pg_ms = [], [], [], [], []
        worst = ""
        kinds_head: set[str] = set()
        for code in sorted(devices):
            device_id, ward_id, cursor = devices[code]
            med, _mx = median_ms(lambda d=device_id, c=cursor: srv_sync.pull(engine, d, c, 1000, None, headers, clock=SYSTEM_CLOCK), 5)
            st, p = cap.find("UNION ALL", "change_log")
            plan = explain(engine, st, p, generic)
            got, dropped, kinds = scan_rows(plan, "change_log")
            pg_ms.append(plan["Execution Time"])
            if dropped >= max(dropped_head, default=0) and dropped:
                worst = f"  the poll that discarded most, {code} from seq {cursor}: {scan_nodes(plan, 'change_log')}"
            read_head.append(got)
            dropped_head.append(dropped)
            ms_head.append(med)
            kinds_head.update(kinds)
            ward_rows.append(own.get(ward_id, 0))
        lines.append(f"poll at the head, each of {len(devices)} wards (median of 5 pulls each), {PLAN[generic]}: "
                     f"{statistics.median(ms_head):.1f} ms median, {max(ms_head):.1f} ms the slowest ward; the pull query's "
                     f"scans returned {max(read_head)} row(s) at most and discarded {max(dropped_head)}, "
                     f"{statistics.median(pg_ms):.2f} ms median in PostgreSQL (a ward's own change_log rows: "
                     f"{min(ward_rows):,}-{max(ward_rows):,}; the trust's {total:,}); scans: {', '.join(sorted(kinds_head))}")
        if worst:
            lines.append(worst)
    code = sorted(devices)[-1]
    device_id, ward_id, cursor = devices[code]
    med, mx = median_ms(lambda: srv_sync.pull(engine, device_id, 0, 1000, None, headers, clock=SYSTEM_CLOCK), 5)
    st, p = cap.find("UNION ALL", "change_log")
    for generic in (False, True):
        plan = explain(engine, st, p, generic)
        got, dropped, kinds = scan_rows(plan, "change_log")
        rec_got, rec_dropped, rec_kinds = scan_rows(plan, "entity_record")  # from 0 the server walks the records (0014)
        kinds += rec_kinds
        lines.append(f"last ward ({code}) from cursor 0, first page of 1,000, {PLAN[generic]}: {med:.1f} ms median (max {mx:.1f}); "
                     f"the pull query read {rec_got:,} entity_record row(s) (discarded {rec_dropped:,}) and "
                     f"{got:,} change_log row(s), discarded {dropped:,} ({plan['Execution Time']:.1f} ms in "
                     f"PostgreSQL, {buffers(plan):,} buffers); the ward has {own.get(ward_id, 0):,} rows of the trust's "
                     f"{total:,} (before issue 13 it discarded 72,828); scans: {', '.join(kinds)}")
    t0 = time.perf_counter()
    pages, since, changes = 0, 0, 0
    while True:
        r = srv_sync.pull(engine, device_id, since, 1000, None, headers, clock=SYSTEM_CLOCK)
        page = json.loads(r.body) if isinstance(r, srv_sync.EncodedPage) else r.model_dump()  # PostgreSQL writes protocol 2 pages
        pages += 1
        changes += len(page["changes"])
        since = page["next_since"]
        if not page["has_more"]:
            break
    full = time.perf_counter() - t0
    lines.append(f"the last ward's whole stream from 0: {pages} page(s), {changes:,} records in {full:.2f} s "
                 f"({changes / full:,.0f} records/s server side, in process)")
    engine.dispose()
    return lines


def month_costs(url: str, data: Path, wards: int, days: int) -> list[str]:
    from sqlmodel import Session, select

    from trust_server import staffing
    from trust_server.db import make_engine
    from trust_server.models import Ward

    clock = bench_clock()
    last = today(clock) - timedelta(days=1)
    month_first = (last.replace(day=1) - timedelta(days=1)).replace(day=1) if days >= 62 else last.replace(day=1)
    y, m = month_first.year, month_first.month
    engine = make_engine(url)
    cap = Capture(engine)
    lines = []
    with Session(engine) as s:
        all_wards = sorted(s.exec(select(Ward)).all(), key=lambda w: w.code)
        ward = all_wards[-1]
        n_shifts = len(staffing.month_shifts(s, ward, y, m))
        med, mx = median_ms(lambda: staffing.month_shifts(s, ward, y, m), 10)
        st, p = cap.find("entity_record", "entity_record.day >=")  # the dated query (the column since server 0019)
        plan = explain(engine, st, p)
        got, dropped, kinds = scan_rows(plan, "entity_record")
        ward_records = s.connection().exec_driver_sql("SELECT count(*) FROM entity_record WHERE ward_id = %(w)s",
                                                      {"w": ward.id}).scalar_one()
        lines.append(f"one ward-month ({ward.code} {y}-{m:02d}, {n_shifts} shifts): {med:.1f} ms median of 10 (max {mx:.1f}); "
                     f"its dated query read {got} record(s), discarded {dropped}, of the ward's {ward_records:,} "
                     f"({plan['Execution Time']:.2f} ms in PostgreSQL; {', '.join(kinds)}); before issue 13: 1,501 rows, 66 ms")
        now = datetime(last.year, last.month, last.day, 23, 0, tzinfo=LONDON)
        per_ward, _mx = median_ms(lambda: [staffing.month_return(s, w, y, m, now) for w in all_wards], 3)
        lines.append(f"every ward's staffing return for {y}-{m:02d}, {len(all_wards)} wards, ward by ward in one session: "
                     f"{per_ward:.0f} ms median of 3 ({per_ward / len(all_wards):.1f} ms a ward)")
        trust_fn = getattr(staffing, "trust_month_returns", None)
        if trust_fn is not None:
            one_call, _mx = median_ms(lambda: trust_fn(s, y, m, now), 3)
            lines.append(f"the national return in one call (staffing.trust_month_returns): {one_call:.0f} ms median of 3 "
                         f"({per_ward / one_call:.2f}x the ward-by-ward time)")
    engine.dispose()
    # the admin CLI's start, fresh processes, alternated with the floor
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cli = [sys.executable, "-m", "trust_server.cli", "admin", "--database-url", url, "--data-dir", str(data),
           "staffing-return", "--ward", ward_code(wards - 1), "--month", f"{y}-{m:02d}", "--as-of", now.isoformat()]
    floor = [sys.executable, "-c", "import sqlalchemy, sqlmodel, psycopg, trust_server.models\n"
             f"e = sqlalchemy.create_engine({url!r})\nwith e.connect() as c: c.exec_driver_sql('SELECT 1')"]
    t_cli, t_floor = [], []
    for _ in range(5):
        for cmd, out in ((cli, t_cli), (floor, t_floor)):
            t0 = time.perf_counter()
            subprocess.run(cmd, env=env, check=True, capture_output=True, cwd=ROOT)
            out.append(time.perf_counter() - t0)
    imp = subprocess.run([sys.executable, "-X", "importtime", *cli[1:]], env=env, check=True, capture_output=True, text=True, cwd=ROOT)
    alembic = "alembic" in {m.group(1) for m in re.finditer(r"\|\s+(\w+)", imp.stderr)}
    lines.append(f"admin CLI start (staffing-return, fresh process, median of 5 alternated): {statistics.median(t_cli) * 1000:.0f} ms; "
                 f"floor (same imports of SQLAlchemy/SQLModel/psycopg/models, one query) {statistics.median(t_floor) * 1000:.0f} ms: "
                 f"**{statistics.median(t_cli) / statistics.median(t_floor):.2f}x**; Alembic imported (migrations checked by "
                 f"Alembic) on this call: {'YES' if alembic else 'no'} (before issue 13: 0.78 s for one ward)")
    return lines


# ---------------------------------------------------------------- 4. size

def sizes(url: str, full: bool = False) -> tuple[int, dict[str, int]]:
    with psycopg_connect(url) as con:
        con.execute("VACUUM FULL ANALYZE" if full else "VACUUM ANALYZE")
        total = int(con.execute("SELECT pg_database_size(current_database())").fetchone()[0])  # type: ignore[index]
        rows = con.execute("SELECT relname, pg_total_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                           "WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 2 DESC").fetchall()
    return total, {str(r[0]): int(r[1]) for r in rows}


def size_lines(url: str, data: Path, changes: int, wards: int, days: int) -> list[str]:
    mb = 1024 * 1024
    before, tables = sizes(url)
    with psycopg_connect(url) as con:
        counts = {t: int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in tables}  # type: ignore[index]
    year_scale = (50 / wards) * (365 / days)
    lines = [f"database after the year: {before / mb:,.1f} MB = {before / changes:,.0f} B a change "
             f"(x{year_scale:.1f} for 50 wards x 365 days: {before * year_scale / mb:,.0f} MB a trust-year; the issue measured 528 MB)"]
    lines += [f"  {t:18} {b / mb:8.1f} MB {counts[t]:>8,} rows {b / changes:>6,.0f} B a change" for t, b in tables.items() if b > 64 * 1024]
    t0 = time.perf_counter()
    said = admin(data, url, "purge")
    purge_s = time.perf_counter() - t0
    after, _tables_after = sizes(url)
    with psycopg_connect(url) as con:
        log_after = int(con.execute("SELECT count(*) FROM change_log").fetchone()[0])  # type: ignore[index]
    compact, tables_full = sizes(url, full=True)
    lines.append(f"purge (admin purge, {purge_s:.1f} s): {said.splitlines()[0]}")
    lines.append(f"after the purge + VACUUM: {after / mb:,.1f} MB (change_log {counts['change_log']:,} -> {log_after:,} rows; "
                 f"space reusable, not returned); after VACUUM FULL: {compact / mb:,.1f} MB = {compact / changes:,.0f} B a change "
                 f"({compact * year_scale / mb:,.0f} MB a trust-year)")
    lines += [f"  {t:18} {tables_full.get(t, 0) / mb:8.1f} MB after purge + VACUUM FULL (was {b / mb:.1f})"
              for t, b in tables.items() if b > 64 * 1024]
    return lines


# ---------------------------------------------------------------- main

def describe_phase(what: str, r: Phase) -> list[str]:
    s = r.samples
    lock_share = sum(s.lock_waits.values()) / s.active if s.active else 0.0
    top = ", ".join(f"{k} {v}" for k, v in s.lock_waits.most_common(4)) or "none"
    other = ", ".join(f"{k} {v}" for k, v in s.other_waits.most_common(3)) or "none"
    return [f"{what}: {r.changes:,} changes in {r.wall_s:.1f} s = **{r.changes / r.wall_s:,.0f} changes/s**; "
            f"a station's cycle median {statistics.median(r.station_s):.1f} s, p95 {pct(r.station_s, 95):.1f} s, max {max(r.station_s):.1f} s; "
            f"failed cycles retried: {r.failed_cycles}{' (' + '; '.join(f'{k} x{v}' for k, v in r.errors.most_common(3)) + ')' if r.errors else ''}",
            f"  lock waits: {sum(s.lock_waits.values())} of {s.active} active-session samples ({100 * lock_share:.1f}%; "
            f"most at once {s.max_lock_waiting}; {s.n} samples; ungranted pg_locks rows per sample {s.ungranted / max(1, s.n):.2f}); "
            f"by event: {top}; other waits: {other}",
            f"  waiting statements: {'; '.join(f'{k} x{v}' for k, v in s.waiting_queries.most_common(3)) or 'none'}",
            f"  CPU: server process(es) {' + '.join(f'{c:.0f}' for c in r.server_cpu_s)} s, PostgreSQL {r.pg_cpu_s:.0f} s, "
            f"stations (this process) {r.bench_cpu_s:.0f} s over {r.wall_s:.0f} s of wall time on {os.cpu_count()} cores"]


def describe_push(r: PushRun) -> list[str]:
    return [*describe_phase(f"{r.procs} process(es), go-live: every ward's set-up at once", r.setup),
            *describe_phase(f"{r.procs} process(es), the year of shifts, every ward at once", r.year)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wards", type=int, default=50)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--no-one-process", action="store_true", help="skip the push through one server process")
    args = ap.parse_args()
    base, saves = templates(args.wards, args.days)
    print(f"trust-year: {args.wards} wards x {args.days} days, {saves:,} saves on the stations "
          f"(pinned clock {bench_clock().now():%Y-%m-%d %H:%M} UTC); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with PostgresCluster.started(fsync=True) as pg:
        two = push_run(pg, base, args.wards, 2, "two")
        copy_s, copy_rows, copy_tables = copy_floor(two.url, two.year.changes + two.setup.changes)
        one = None if args.no_one_process else push_run(pg, base, args.wards, 1, "one")
        print("\n== 1. push: every ward's station syncs its year at once ==")
        for r in (two, one):
            if r is not None:
                print("\n".join(describe_push(r)))
        floor_rate = (two.year.changes + two.setup.changes) / copy_s
        print(f"floor: COPY of the {copy_rows:,} rows the push wrote ({', '.join(copy_tables)}) "
              f"into tables of the same definition, one transaction: {copy_s:.2f} s "
              f"= {floor_rate:,.0f} changes/s; the year through two processes at **{two.year.changes / two.year.wall_s / floor_rate:.3f}x** the floor")
        if one is not None:
            print(f"second process: two / one = **{(two.year.changes / two.year.wall_s) / (one.year.changes / one.year.wall_s):.2f}x** the write "
                  f"throughput (1.0 = adds nothing; bounded here by {os.cpu_count()} shared cores)")
        for _code, _engine, store in two.stations + (one.stations if one else []):
            store.close()
        print("\n== 2. pull poll cost ==")
        print("\n".join(pull_costs(two.url, two)))
        print("\n== 3. the month on the server ==")
        print("\n".join(month_costs(two.url, two.data, args.wards, args.days)))
        print("\n== 4. size per trust-year ==")
        print("\n".join(size_lines(two.url, two.data, two.year.changes + two.setup.changes, args.wards, args.days)))
        print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")
    for r in (two, one):
        if r is not None:
            shutil.rmtree(r.run_dir, ignore_errors=True)
            shutil.rmtree(r.data, ignore_errors=True)


if __name__ == "__main__":
    main()
