"""The same ward backlog through this project's sync and through PouchDB 9 -> pouchdb-server 4 (issue 13).

This project: a real PostgreSQL (fsync on, ``tests/support/postgres.py``), the real ``hardtruths-server``
as its own process (uvicorn, loopback HTTP), and ward stations running the real ``SyncEngine`` on their
own SQLite files. For N shifts (default 2,000 and 20,000):

1. ``push new``   station A records N new shifts (saved beforehand, not timed), then one ``sync_once``;
2. ``push edits`` station A changes one figure of each of the N shifts, then one ``sync_once``;
3. ``pull``       a new, empty station B enrols on the ward and runs one ``sync_once`` (setup + N shifts).

Each is timed end to end (push + the pull that ends every cycle), and the bytes on the wire are
counted as sent (request bodies as sent, response bodies before decompression). Sizes: the server's
database and the stations' files after the run, per shift-with-one-edit.

The peer: ``benchmarks/peer/peer_bench.js`` runs the same three steps with PouchDB 9 replicating to
pouchdb-server 4 (in-memory) on the same machine, in the same run, with documents of the same fields.
Its set-up is ``npm install --no-audit --no-fund --ignore-scripts`` in ``benchmarks/peer/`` (run here
when ``node_modules`` is missing); if Node or the packages cannot be had, the peer part is skipped
with the reason and only our own figures are printed.

Run: .venv/bin/python benchmarks/bench_vs_pouchdb.py [--sizes 2000,20000] [--runs 3] [--no-peer]
Targets (issue 13): push and pull each >= 2.5x faster than PouchDB and < 0.5 s for 2,000 on
loopback; 20,000 within 11x of 2,000; < 250 B per changed shift each way (gzip).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))
from _common import temp_dir  # noqa: E402
from support.postgres import PostgresCluster  # noqa: E402
from support.server_process import ServerProcess  # noqa: E402

from hardtruths_desktop.domain.clock import SYSTEM_CLOCK  # noqa: E402
from hardtruths_desktop.store import reference  # noqa: E402
from hardtruths_desktop.store.session import Actor, Store  # noqa: E402
from hardtruths_desktop.store.shifts import ShiftChange, save_shift  # noqa: E402
from hardtruths_desktop.sync.credentials import MemoryCredentials  # noqa: E402
from hardtruths_desktop.sync.engine import SyncEngine, SyncResult, client_verify  # noqa: E402

PEER_DIR = ROOT / "benchmarks" / "peer"
DAYS = 1000  # within the 3 years a shift may be recorded back; N / DAYS shift codes a day
SAVES_PER_TX = 500


@dataclass
class Wire:
    up: int = 0
    down: int = 0
    requests: int = 0


def _header_bytes(first_line: str, headers: httpx.Headers) -> int:
    return len(first_line) + 2 + sum(len(k) + len(v) + 4 for k, v in headers.raw) + 2


class CountingTransport(httpx.HTTPTransport):
    """httpx's real transport, counting bytes as they cross the wire: compressed bodies as sent plus
    the HTTP/1.1 request and status lines and headers (the peer counts its sockets' bytes)."""

    def __init__(self, wire: Wire, verify: Any = True) -> None:
        super().__init__(verify=verify)  # the station's own TLS context (engine.client_verify), as its real client
        self.wire = wire

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        self.wire.up += len(body) + _header_bytes(f"{request.method} {request.url.raw_path.decode()} HTTP/1.1", request.headers)
        self.wire.requests += 1
        response = super().handle_request(request)
        raw = b"".join(response.stream)  # type: ignore[union-attr]
        response.close()
        self.wire.down += len(raw) + _header_bytes(f"HTTP/1.1 {response.status_code} OK", response.headers)
        return httpx.Response(response.status_code, headers=response.headers, content=raw, request=request,
                              extensions=response.extensions)


@dataclass
class Station:
    folder: Path
    wire: Wire = field(default_factory=Wire)

    def __post_init__(self) -> None:
        self.store = Store(self.folder, SYSTEM_CLOCK)
        self.engine = SyncEngine(self.store, MemoryCredentials(), client_factory=self.client)

    def client(self, base_url: str, ca_bundle: str | None) -> httpx.Client:
        return httpx.Client(base_url=base_url, transport=CountingTransport(self.wire, client_verify(base_url, ca_bundle)),
                            timeout=120)

    def sync(self) -> tuple[float, SyncResult, int, int]:
        up0, down0 = self.wire.up, self.wire.down
        t0 = time.perf_counter()
        r = self.engine.sync_once()
        dt = time.perf_counter() - t0
        if not r.ok:
            raise RuntimeError(f"sync failed: {r.error} {r.message}")
        return dt, r, self.wire.up - up0, self.wire.down - down0

    def file_bytes(self) -> int:
        return sum(f.stat().st_size for f in self.folder.iterdir() if f.name.startswith(self.store.path.name))


def admin(srv_data: Path, database_url: str, *args: str) -> str:
    from trust_server.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["admin", "--database-url", database_url, "--data-dir", str(srv_data), *args]) == 0
    return out.getvalue().strip()


def shift_codes(n: int) -> list[str]:
    return ["early", "late", "night", *[f"s{i:02d}" for i in range(max(0, math.ceil(n / DAYS) - 3))]][:max(1, math.ceil(n / DAYS))]


def set_up(st: Station, ward: str, codes: list[str], today: date) -> None:
    with st.store.write(Actor.command_line()) as tx:
        trust = reference.upsert_trust(tx, "BEN", "Bench Hospitals NHS Trust")
        w = reference.upsert_ward(tx, trust.id, ward, f"Bench ward {ward}", "Main Site", "General medicine", 30)
        for order, code in enumerate(codes):
            night = code == "night"
            reference.set_shift_pattern(tx, w, reference.PatternInput(
                code, code.title(), dtime(21, 30) if night else dtime(7, 0), dtime(7, 30) if night else dtime(15, 0),
                "night" if night else "day", order))
            reference.set_establishment(tx, w, code, "rn", today - timedelta(days=DAYS + 30), 4, 32.0)
            reference.set_establishment(tx, w, code, "care", today - timedelta(days=DAYS + 30), 2, 16.0)
        reference.add_staff(tx, w, "Mary O'Neill", "rn", "Ward sister", True)


def enrolled_station(srv_url: str, srv_data: Path, database_url: str, ward: str, codes: list[str], today: date,
                     prefix: str) -> Station:
    """The server's ward, a station set up for it, enrolled and synced once (nothing recorded yet)."""
    admin(srv_data, database_url, "create-ward", "--code", ward, "--name", "Bench ward")
    st = Station(temp_dir(prefix))
    set_up(st, ward, codes, today)
    st.engine.enrol(srv_url, admin(srv_data, database_url, "enrolment-code", "--ward", ward), ward)
    st.sync()
    return st


def record(st: Station, ward: str, keys: list[tuple[date, str]], today: date, rn: int) -> None:
    with st.store.read() as s:
        from hardtruths_desktop.store import queries

        w = queries.ward_row(s, ward)
    for i in range(0, len(keys), SAVES_PER_TX):
        with st.store.write(Actor.command_line()) as tx:
            for day, code in keys[i:i + SAVES_PER_TX]:
                change = ShiftChange()
                change.groups["rn"] = {"actual": rn}
                save_shift(tx, w, day, code, change, today)


def pg_bytes(database_url: str) -> int:
    import psycopg

    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as con:
        con.execute("VACUUM")  # settle the free-space map so sizes are comparable
        return int(con.execute("SELECT pg_database_size(current_database())").fetchone()[0])  # type: ignore[index]


def ours(pg: PostgresCluster, n: int, run: int) -> dict[str, float]:
    today = date.today()
    codes = shift_codes(n)
    keys = [(today - timedelta(days=1 + i // len(codes)), codes[i % len(codes)]) for i in range(n)]
    url = pg.create_database(f"bench_vs_{n}_{run}")
    data = temp_dir("bench-vs-server-")
    ward = "BV1"
    with ServerProcess.start(url, data, pinned_clock=None) as srv:
        a = enrolled_station(srv.url, data, url, ward, codes, today, "bench-vs-a-")
        record(a, ward, keys, today, 3)
        t_new, r_new, up_new, down_new = a.sync()
        assert r_new.applied == n, (r_new.applied, n)
        record(a, ward, keys, today, 4)
        t_edit, r_edit, up_edit, down_edit = a.sync()
        assert r_edit.applied == n, (r_edit.applied, n)
        b = Station(temp_dir("bench-vs-b-"))
        b.engine.enrol(srv.url, admin(data, url, "enrolment-code", "--ward", ward), ward)
        t_pull, r_pull, _up, down_pull = b.sync()
        assert r_pull.pulled >= n, (r_pull.pulled, n)
        server_size = pg_bytes(url)
        a_size, b_size = a.file_bytes(), b.file_bytes()
        a.store.close()
        b.store.close()
    shutil.rmtree(a.folder, ignore_errors=True)
    shutil.rmtree(b.folder, ignore_errors=True)
    return {"push_new_s": t_new, "push_edit_s": t_edit, "pull_s": t_pull,
            "up_new_B": up_new / n, "down_new_B": down_new / n, "up_edit_B": up_edit / n, "down_edit_B": down_edit / n,
            "down_pull_B": down_pull / n, "server_B": server_size / n, "station_B": a_size / n, "fresh_station_B": b_size / n}


def peer_setup() -> str | None:
    """None when the peer is ready, else why not."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node/npm not installed"
    if not (PEER_DIR / "node_modules" / "pouchdb" / "package.json").exists() or \
            not (PEER_DIR / "node_modules" / "pouchdb-server" / "package.json").exists():
        cmd = ["npm", "install", "--no-audit", "--no-fund", "--ignore-scripts"]
        try:
            p = subprocess.run(cmd, cwd=PEER_DIR, capture_output=True, text=True, timeout=1200)
        except subprocess.TimeoutExpired:
            return f"`{' '.join(cmd)}` in benchmarks/peer timed out after 20 min"
        if p.returncode != 0:
            return f"`{' '.join(cmd)}` failed: {p.stderr.strip()[-300:]}"
    return None


def peer(n: int) -> dict[str, float]:
    p = subprocess.run(["node", "peer_bench.js", str(n)], cwd=PEER_DIR, capture_output=True, text=True, timeout=3600)
    if p.returncode != 0:
        raise RuntimeError(f"peer_bench.js failed: {p.stderr.strip()[-800:]}")
    out: dict[str, float] = json.loads(p.stdout.strip().splitlines()[-1])
    out.pop("server", None)  # which store pouchdb-server used: LevelDB unless --in-memory
    return out


def spread(values: list[float]) -> str:
    med = statistics.median(values)
    return f"{med:.3f} (min {min(values):.3f}, max {max(values):.3f}, spread {100 * (max(values) - min(values)) / med if med else 0:.0f}%)"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="2000,20000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-peer", action="store_true")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    why_no_peer = "--no-peer given" if args.no_peer else peer_setup()
    results: dict[int, dict[str, list[float]]] = {}
    peers: dict[int, dict[str, list[float]]] = {}
    with PostgresCluster.started(fsync=True) as pg:
        for n in sizes:
            for run in range(args.runs):
                for k, v in ours(pg, n, run).items():
                    results.setdefault(n, {}).setdefault(k, []).append(v)
                if why_no_peer is None:
                    try:
                        for k, v in peer(n).items():
                            peers.setdefault(n, {}).setdefault(k, []).append(v)
                    except (RuntimeError, subprocess.TimeoutExpired, ValueError) as e:
                        why_no_peer = str(e)
    peer_name = "PouchDB 9 (LevelDB) -> pouchdb-server 4 (LevelDB, its own process), same machine, same run"
    print(f"peer: {peer_name if why_no_peer is None else 'SKIPPED: ' + why_no_peer}")
    import os

    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for n in sizes:
        r = results[n]
        print(f"\n== {n:,} shifts, medians of {args.runs} ==")
        for k in ("push_new_s", "push_edit_s", "pull_s"):
            line = f"{k:14} ours {spread(r[k])}"
            if n in peers and k in peers[n]:
                pm = statistics.median(peers[n][k])
                line += f" | pouchdb {spread(peers[n][k])} | ours faster by {pm / statistics.median(r[k]):.2f}x (target >= 2.5x)"
            print(line)
        for k in ("up_new_B", "down_new_B", "up_edit_B", "down_edit_B", "down_pull_B", "server_B", "station_B", "fresh_station_B"):
            line = f"{k:16} ours {statistics.median(r[k]):,.0f} B/shift"
            if n in peers and k in peers[n]:
                line += f" | pouchdb {statistics.median(peers[n][k]):,.0f}"
            print(line)
    if len(sizes) >= 2:
        a, b = sizes[0], sizes[-1]
        for k in ("push_new_s", "push_edit_s", "pull_s"):
            ratio = statistics.median(results[b][k]) / statistics.median(results[a][k])
            print(f"growth {k} {b:,}/{a:,}: {ratio:.1f}x for {b / a:.0f}x the shifts (target <= 11x)")


if __name__ == "__main__":
    main()
