"""One sync's timeline: what the station and the server do, request by request, on one clock (issue 13, i13-http6).

``push_cpu.py``'s backlog (2,000 new shifts, then 2,000 one-field edits; real server process, PostgreSQL with fsync),
with the server started under an outermost ASGI wrapper (this file, ``--serve``) that logs each request's arrival,
body read, answer and the process's CPU, each push's transaction (device row locked -> commit, with its thread's CPU
before and after the lock) and the collector's passes; the station's requests and its ``sync_store`` calls are stamped
on the same clock. Prints, per sync: wall and CPU by process, then both sides' events in seconds from the sync's start.
Use it to see what is serial on the critical path (a batch sent only after another is answered, a transaction waiting
for the next batch, the tail after the last answer); the last line of each sync gives the station's two ends of it
(``head``: until the first batch leaves; ``tail``: from the last push answer to the sync's end). Run from the tree
whose code is measured:

    .venv/bin/python benchmarks/push_timeline.py [--n 2000]

Linux only (reads /proc, like push_cpu.py). Floor: none; a picture, not a figure."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

LOG_ENV = "HARDTRUTHS_TIMELINE_LOG"


def serve(argv: list[str]) -> int:
    """``hardtruths-server`` with the timing wrapper (the server's own process)."""
    import gc

    import uvicorn

    import trust_server.sync as tsync
    from trust_server.cli import main as server_main

    out = open(os.environ[LOG_ENV], "a", buffering=1)  # noqa: SIM115 - open for the process's life
    gc_state = {"t": 0.0, "start": 0.0, "n": 0}

    def on_gc(phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            gc_state["start"] = time.perf_counter()
        else:
            gc_state["t"] += time.perf_counter() - gc_state["start"]
            gc_state["n"] += 1

    gc.callbacks.append(on_gc)
    locked: dict[int, tuple[float, float]] = {}
    # a push's attempt: ``push_in_turn`` since the server awaits a station's turn on its event loop (i13-guard7),
    # ``_push_retrying`` before
    attempt = "push_in_turn" if hasattr(tsync, "push_in_turn") else "_push_retrying"
    real_lock, real_retrying = tsync.lock_device, getattr(tsync, attempt)

    def lock_device(*a: Any, **k: Any) -> Any:
        device = real_lock(*a, **k)
        locked[threading.get_ident()] = (time.time(), time.thread_time())
        return device

    def push_retrying(*a: Any, **k: Any) -> Any:
        w0, c0 = time.time(), time.thread_time()
        try:
            return real_retrying(*a, **k)
        finally:
            lw, lc = locked.pop(threading.get_ident(), (w0, c0))
            out.write(json.dumps({"tx": [w0, lw, time.time()], "cpu": [lc - c0, time.thread_time() - lc]}) + "\n")

    tsync.lock_device = lock_device  # type: ignore[assignment]
    setattr(tsync, attempt, push_retrying)
    real_run = uvicorn.run

    def run(app: Any, **kw: Any) -> Any:
        async def timed(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            rec: dict[str, Any] = {"path": scope["path"], "t0": time.time(), "c0": time.process_time(), "gc0": gc_state["t"]}

            async def received() -> Any:
                m = await receive()
                if m["type"] == "http.request" and not m.get("more_body"):
                    rec["body"] = time.time()
                return m

            async def sent(m: Any) -> None:
                if m["type"] == "http.response.start":
                    rec["answer"], rec["status"] = time.time(), m["status"]
                elif m["type"] == "http.response.body" and not m.get("more_body"):
                    rec["cpu"], rec["gc"] = time.process_time() - rec["c0"], gc_state["t"] - rec["gc0"]
                await send(m)

            await app(scope, received, sent)
            out.write(json.dumps(rec) + "\n")

        return real_run(timed, **kw)

    uvicorn.run = run
    return server_main(argv)


def main(n: int) -> None:
    root = Path.cwd()
    sys.path.insert(0, str(root / "benchmarks"))
    import bench_vs_pouchdb as bench
    import support.server_process as sp
    from push_cpu import pg_cpu, proc_cpu
    from support.postgres import PostgresCluster

    from hardtruths_desktop.store import sync_store

    log_path = Path(bench.temp_dir("push-timeline-")) / "server.jsonl"
    log_path.write_text("")
    os.environ[LOG_ENV] = str(log_path)
    real_popen = subprocess.Popen

    def popen(cmd: list[str], *a: Any, **k: Any) -> Any:  # the server under the wrapper (this file)
        if cmd[1:3] == ["-m", "trust_server.cli"]:
            cmd = [cmd[0], str(Path(__file__).resolve()), "--serve", *cmd[3:]]
        return real_popen(cmd, *a, **k)

    sp.subprocess.Popen = popen  # type: ignore[attr-defined]
    events: list[tuple[float, str]] = []

    def stamped(name: str) -> None:
        real = getattr(sync_store, name)

        def call(*a: Any, **k: Any) -> Any:
            t0 = time.time()
            try:
                return real(*a, **k)
            finally:
                events.append((t0, f"station {threading.current_thread().name}: {name} ({(time.time() - t0) * 1000:.0f} ms)"))

        setattr(sync_store, name, call)

    for name in ("pending_wire", "record_results", "checkpoint", "apply_changes", "janitor", "finish_cycle"):
        stamped(name)
    with PostgresCluster.started(fsync=True) as pg:
        today = date.today()
        codes = bench.shift_codes(n)
        keys = [(today - timedelta(days=1 + i // len(codes)), codes[i % len(codes)]) for i in range(n)]
        url = pg.create_database("push_timeline")
        data = bench.temp_dir("push-timeline-server-")
        with sp.ServerProcess.start(url, data, pinned_clock=None) as srv:
            a = bench.enrolled_station(srv.url, data, url, "BV1", codes, today, "push-timeline-a-")
            make_client = a.client

            def client(base_url: str, ca_bundle: str | None) -> Any:
                c = make_client(base_url, ca_bundle)
                c.event_hooks["request"].append(lambda r: events.append(
                    (time.time(), f"station {threading.current_thread().name}: sends {r.method} {r.url.path}")))
                c.event_hooks["response"].append(lambda r: events.append(
                    (time.time(), f"station: answer {r.status_code} to {r.request.url.path}")))
                return c

            a.engine.client_factory = client
            for label, rn in (("push_new", 3), ("push_edit", 4)):
                bench.record(a, "BV1", keys, today, rn)
                events.clear()
                time.sleep(0.2)
                start = time.time()
                s0, v0, p0 = time.process_time(), proc_cpu(srv.pid), pg_cpu(pg)
                synced = time.time()
                wall, result, _up, _down = a.sync()
                s, v, p = time.process_time() - s0, proc_cpu(srv.pid) - v0, pg_cpu(pg) - p0
                assert result.applied == n, result
                time.sleep(0.3)
                print(f"{label}: wall {wall:.3f} s  cpu: station {s:.3f}  server {v:.3f}  postgresql {p:.3f}"
                      f"  (load {os.getloadavg()[0]:.1f})")
                timeline = list(events)
                for line in log_path.read_text().splitlines():
                    e = json.loads(line)
                    if "tx" in e and e["tx"][0] >= start:
                        w0, lw, end = e["tx"]
                        timeline.append((lw, f"server: transaction locked ({(end - lw) * 1000:.0f} ms, cpu {e['cpu'][1] * 1000:.0f} ms; "
                                             f"{(lw - w0) * 1000:.0f} ms before it, cpu {e['cpu'][0] * 1000:.0f} ms)"))
                    elif "t0" in e and e["t0"] >= start:
                        timeline.append((e["t0"], f"server: {e['path']} arrives; answered +{(e.get('answer', 0) - e['t0']) * 1000:.0f} ms, "
                                                  f"process cpu {e.get('cpu', 0) * 1000:.0f} ms, gc {e.get('gc', 0) * 1000:.0f} ms"))
                for t, what in sorted(timeline):
                    print(f"  {t - start:7.3f}  {what}")
                print(ends(label, timeline, synced, wall))
            a.store.close()


def ends(label: str, timeline: list[tuple[float, str]], synced: float, wall: float) -> str:
    """The station's two ends of the sync's critical path (issue 13, i13-station7): ``head``, from the sync's start
    until its first push batch leaves (the server has nothing to do yet), and ``tail``, from the last push
    batch's answer until the sync returns (the pull's first page, the last verdicts, the WAL copy, the cycle's end)."""
    sent = [t for t, what in timeline if what.startswith("station") and "sends POST /v1/sync/push" in what]
    answered = [t for t, what in timeline if what.startswith("station: answer") and what.endswith("/v1/sync/push")]
    if not sent or not answered:
        return f"{label}: no push"
    head, tail = (min(sent) - synced) * 1000, (synced + wall - max(answered)) * 1000
    return f"{label} ends: head {head:.0f} ms  tail {tail:.0f} ms  (station's ends {head + tail:.0f} ms of {wall * 1000:.0f})"


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        sys.exit(serve(sys.argv[2:]))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000)
    main(parser.parse_args().n)
