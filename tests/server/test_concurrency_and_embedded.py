"""Concurrent pushers on PostgreSQL (row locks, commit-ordered seqs), the embedded SQLite default,
and the ``hardtruths-server`` entry point itself."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import httpx
import psycopg
from server_support import Admin, Station, new_ward
from support.live_server import LiveServer
from support.postgres import free_port

TODAY = date.today()


def test_concurrent_pushes_to_the_same_shifts_lose_nothing(admin: Admin, ward: str) -> None:
    stations = [admin.station(ward, f"s{i}") for i in range(4)]
    codes = ("early", "late", "night")
    stations[0].push([stations[0].create_shift(TODAY, c) for c in codes])
    rnd = random.Random(3)
    batches = {st.device_id: [st.mutation("shift", st.shift_id(TODAY, rnd.choice(codes)), "patch",
                                          {"groups.rn.actual": rnd.randint(0, 9)}) for _ in range(60)] for st in stations}
    errors: list[str] = []

    def push(st: Station) -> None:
        muts = batches[st.device_id]
        for i in range(0, len(muts), 10):
            r = st.push_raw(muts[i:i + 10])
            if r.status_code != 200:
                errors.append(r.text)
            else:
                st.acked = r.json()["device_last_client_seq"]

    threads = [threading.Thread(target=push, args=(st,)) for st in stations]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    mids = [m["mutation_id"] for ms in batches.values() for m in ms]
    with psycopg.connect(admin.server.database_url.replace("postgresql+psycopg://", "postgresql://")) as con:
        applied = con.execute("SELECT count(*), count(DISTINCT server_seq) FROM applied_mutation WHERE mutation_id = ANY(%s)"
                              " AND status = 'applied'", (mids,)).fetchone()
        history = con.execute("SELECT count(*) FROM field_history WHERE mutation_id = ANY(%s)", (mids,)).fetchone()
        seqs = [r[0] for r in con.execute("SELECT seq FROM change_log ORDER BY seq")]
    assert applied == (240, 240) and history == (240,)
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))  # gap-free: every allocated seq committed
    last_writer = {c["id"]: c["field_meta"]["groups.rn.actual"]["tok"] for c in stations[1].pull_all() if c["entity"] == "shift"}
    assert set(last_writer.values()) <= set(mids)


def test_embedded_sqlite_server_syncs(live_server_factory: Callable[..., LiveServer]) -> None:
    srv = live_server_factory(None)  # no database URL: a SQLite file in the data folder
    assert srv.database_url.startswith("sqlite:///")
    admin = Admin(srv)
    st = admin.station(new_ward(admin))
    out = st.push([st.create_shift(TODAY), st.mutation("shift", st.shift_id(TODAY), "patch", {"notes": "on SQLite"})])
    assert [r["status"] for r in out["results"]] == ["applied", "applied"]
    assert next(c for c in st.pull_all() if c["entity"] == "shift")["row"]["notes"] == "on SQLite"


def test_the_entry_point_starts_uvicorn_and_answers_health(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "HARDTRUTHS_SERVER_DATA_DIR": str(tmp_path)}
    env.pop("HARDTRUTHS_ADMIN_TOKEN", None)
    proc = subprocess.Popen([sys.executable, "-c", "from trust_server.cli import main; main()", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise AssertionError("server did not start")
        token = (tmp_path / "admin-token").read_text().strip()  # made on first start
        r = httpx.get(f"http://127.0.0.1:{port}/v1/admin/devices", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200 and r.json() == []
        assert (tmp_path / "trust-server.sqlite").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=15)
