"""The server's CPU per push, old code against new on the SAME request bodies (issue 13, i13-push3).

``push_cpu.py`` splits one real sync's CPU by process, but on a shared machine the server's share swings
by +-15% from run to run. This replays exactly the same push bodies (the 4 batches of
``bench_vs_pouchdb``'s 2,000 new shifts, then the 4 of their 2,000 one-field edits, as this checkout's
station sent them) straight into ``trust_server.sync.push`` in one process, each round on a fresh copy
of the database as it was before the push, and reports that process's CPU seconds: request parsed and
validated, push applied (PostgreSQL's own work is not counted), answer encoded; the collector set as the server
process sets it (``cli.settle_gc``, i13-cpu7: with Python's default passes a replay counted collections
the server never makes) and the pool's connection made before the clock runs. Old and new code are
alternated, each in its own process with its tree first on ``PYTHONPATH``:

    .venv/bin/python benchmarks/push_replay.py --old /tmp/hardtruths-ab-<commit> [--rounds 5] [--pairs 2]

(``benchmarks/ab_common.sh <commit>`` or ``git worktree add --detach`` makes the old tree). The bodies and the
template are made by this checkout; an old tree whose server migrations stop earlier (its
``trust_server.db.HEAD_REVISION``) replays on a copy of the template downgraded to its head by this checkout's
migrations (e.g. field versions packed by 0021 unpacked again for a tree before it).
Floor: none; the ratio new / old is the figure. Linux, PostgreSQL binaries needed (tests/support)."""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def capture(pg: Any, out: Path, n: int = 2000) -> None:
    """Run bench_vs_pouchdb's backlog through this checkout's station and server, keeping each push
    body and a template database (``snap``) of the server just before the first push."""
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(HERE.parent / "tests"))
    import bench_vs_pouchdb as bench
    import psycopg
    from support.server_process import ServerProcess

    today = date.today()
    codes = bench.shift_codes(n)
    keys = [(today - timedelta(days=1 + i // len(codes)), codes[i % len(codes)]) for i in range(n)]
    url = pg.create_database("capture")
    data = bench.temp_dir("push-replay-server-")
    srv = ServerProcess.start(url, data, pinned_clock=None)
    station = bench.enrolled_station(srv.url, data, url, "BV1", codes, today, "push-replay-")
    srv.stop()
    with psycopg.connect(f"host=127.0.0.1 port={pg.port} user={pg.user} dbname=postgres", autocommit=True) as con:
        con.execute('CREATE DATABASE "snap" TEMPLATE "capture"')
    srv = ServerProcess.start(url, data, port=srv.port, pinned_clock=None)
    bodies: list[tuple[str, bytes, dict[str, str]]] = []
    label = ["new"]
    send = station.engine._request

    def keep(client: Any, method: str, path: str, **kw: Any) -> Any:
        if path == "/v1/sync/push":
            bodies.append((label[0], kw["content"], dict(kw.get("headers") or {})))
        return send(client, method, path, **kw)

    station.engine._request = keep  # type: ignore[method-assign]
    if hasattr(station.engine, "_send_ahead"):  # i13-push5: no batch sent ahead (each goes through ``keep``, in order)
        station.engine._send_ahead = lambda *_a, **_k: None
    for lab, rn in (("new", 3), ("edit", 4)):
        label[0] = lab
        bench.record(station, "BV1", keys, today, rn)
        _wall, result, _up, _down = station.sync()
        assert result.applied == n, result
    srv.stop()
    station.store.close()
    counts: dict[str, int] = {}
    for lab, body, _headers in bodies:
        counts[lab] = counts.get(lab, 0) + 1
        (out / f"{lab}-{counts[lab]}.json.gz").write_bytes(body)
    first = json.loads(gzip.decompress(bodies[0][1]))
    (out / "meta.json").write_text(json.dumps({"url": pg.url("snap"), "headers": bodies[0][2], "device_id": first["device_id"],
                                               "batches": counts}))


def worker(cap: Path, rounds: int) -> None:
    """In the tree on PYTHONPATH: replay the bodies ``rounds`` times (after one warm-up round)."""
    import inspect

    import orjson
    import psycopg

    from hardtruths_desktop.domain.clock import SYSTEM_CLOCK
    from hardtruths_desktop.sync.protocol import PushRequest
    from trust_server import sync
    from trust_server.db import make_engine
    from trust_server.responses import AsciiJSONResponse

    try:
        from trust_server.reclaim import reclaimer
    except ImportError:  # an older tree: no VACUUM after a push
        reclaimer = None  # type: ignore[assignment]

    meta = json.loads((cap / "meta.json").read_text())
    base = meta["url"].rsplit("/", 1)[0]
    admin = base.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    h = meta["headers"]
    headers = sync.ClientHeaders.parse(h.get("Client-Schema"), h.get("App-Version"), None, None, h.get("Sync-Protocol", "2"))
    bodies = {lab: [gzip.decompress((cap / f"{lab}-{i}.json.gz").read_bytes()) for i in range(1, k + 1)]
              for lab, k in meta["batches"].items()}

    # the server's clock is an argument since i13-clock4 (older server code, replayed A/B, has none)
    clock_kw: dict[str, Any] = {"clock": SYSTEM_CLOCK} if "clock" in inspect.signature(sync.push).parameters else {}
    plain = hasattr(sync, "push_plain") and headers.protocol >= 2

    def one_round() -> dict[str, float]:
        name = "r_" + uuid.uuid4().hex[:8]
        with psycopg.connect(admin, autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}" TEMPLATE "{os.environ.get("REPLAY_TEMPLATE", "snap")}"')
        engine = make_engine(f"{base}/{name}")
        with engine.connect():  # the pool's connection made before the clock runs (the server's pool is warm)
            pass
        out: dict[str, float] = {}
        for lab, batches in bodies.items():
            cpu = 0.0
            for body in batches:
                t0 = time.process_time()
                req = PushRequest.model_validate(orjson.loads(body))
                if plain:  # as the route answers protocol 2 (i13-push5 on)
                    answer = sync.push_plain(engine, meta["device_id"], req, headers, **clock_kw)
                    AsciiJSONResponse(answer)
                    statuses = [r["status"] for r in answer["results"]]
                else:
                    resp = sync.push(engine, meta["device_id"], req, headers, **clock_kw)
                    AsciiJSONResponse(resp.model_dump(exclude_defaults=True))
                    statuses = [r.status for r in resp.results]
                cpu += time.process_time() - t0
                assert all(s == "applied" for s in statuses)
            out[lab] = cpu
        # a VACUUM the pushes' edits started (``reclaim``, i13-burst8) holds a connection to the database: waited
        # for, or DROP DATABASE below is refused ("being accessed by other users")
        found = reclaimer(engine) if reclaimer is not None else None
        if found is not None and found.running is not None:
            found.running.join()
        engine.dispose()
        with psycopg.connect(admin, autocommit=True) as con:
            con.execute(f'DROP DATABASE "{name}"')
        return out

    one_round()  # warm-up: imports, caches
    try:  # the collector as the server process sets it after start-up (frozen, passes far apart: cli.settle_gc)
        from trust_server.cli import settle_gc
    except ImportError:  # an older tree: frozen only
        gc.collect()
        gc.freeze()
    else:
        settle_gc()
    runs = [one_round() for _ in range(rounds)]
    print(json.dumps({lab: [r[lab] for r in runs] for lab in bodies}))


def old_template(pg: Any, cap: Path, old: Path) -> str:
    """The template the old tree replays on: ``snap``, or a copy downgraded to the old tree's head revision."""
    import re

    import psycopg
    from alembic import command

    from trust_server.db import HEAD_REVISION, alembic_config, make_engine

    found = re.search(r'^HEAD_REVISION = "([^"]+)"', (old / "trust_server" / "db.py").read_text(), re.MULTILINE)
    if found is None or found.group(1) == HEAD_REVISION:
        return "snap"
    with psycopg.connect(f"host=127.0.0.1 port={pg.port} user={pg.user} dbname=postgres", autocommit=True) as con:
        con.execute('CREATE DATABASE "snap_old" TEMPLATE "snap"')
    url = json.loads((cap / "meta.json").read_text())["url"].rsplit("/", 1)[0] + "/snap_old"
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, found.group(1))
    finally:
        engine.dispose()
    return "snap_old"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--old", type=Path, help="an older tree to compare (its code first on PYTHONPATH)")
    ap.add_argument("--rounds", type=int, default=5, help="replays per process (after a warm-up)")
    ap.add_argument("--pairs", type=int, default=2, help="processes per tree, alternated")
    ap.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.rounds)
        return
    import tempfile

    sys.path.insert(0, str(HERE.parent / "tests"))
    from support.postgres import PostgresCluster

    cap = Path(tempfile.mkdtemp(prefix="push-replay-"))
    pg = PostgresCluster(fsync=True).start()
    trees = [("new", HERE.parent)] + ([("old", args.old.resolve())] if args.old else [])
    seen: dict[str, dict[str, list[float]]] = {name: {} for name, _t in trees}
    try:
        capture(pg, cap)
        templates = {"new": "snap", "old": old_template(pg, cap, args.old.resolve()) if args.old else "snap"}
        for pair in range(args.pairs):
            for name, tree in (trees if pair % 2 else trees[::-1]):
                env = {**os.environ, "PYTHONPATH": str(tree), "REPLAY_TEMPLATE": templates[name]}
                res = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", str(cap), "--rounds", str(args.rounds)],
                                     cwd=tree, env=env, capture_output=True, text=True, check=True)
                got = json.loads(res.stdout.strip().splitlines()[-1])
                for lab, cpus in got.items():
                    seen[name].setdefault(lab, []).extend(cpus)
                print(f"pair {pair + 1} {name}: " + "  ".join(f"{lab} {statistics.median(c):.3f} s" for lab, c in got.items())
                      + f"  (load {os.getloadavg()[0]:.1f})", flush=True)
    finally:
        pg.stop()
    for lab in seen["new"]:
        new = statistics.median(seen["new"][lab])
        line = f"push_{lab}_server_cpu_s new {new:.3f} ({min(seen['new'][lab]):.3f}-{max(seen['new'][lab]):.3f})"
        if "old" in seen:
            old = statistics.median(seen["old"][lab])
            line += f"  old {old:.3f} ({min(seen['old'][lab]):.3f}-{max(seen['old'][lab]):.3f})  new/old {new / old:.2f}"
        print(line)


if __name__ == "__main__":
    main()
