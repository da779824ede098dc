"""Concurrent pushers on PostgreSQL (row locks, commit-ordered seqs), the embedded SQLite default,
and the ``hardtruths-server`` entry point itself."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psycopg
from server_support import Admin, Station, new_ward
from support.clocks import SUITE_TODAY, suite_clock
from support.live_server import LiveServer
from support.postgres import free_port

TODAY = SUITE_TODAY


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
        applied = con.execute("SELECT count(*), count(DISTINCT server_seq) FROM applied_mutation WHERE mutation_id::text = ANY(%s)"
                              " AND status = 'applied'", (mids,)).fetchone()
        history = con.execute("SELECT count(*) FROM field_history WHERE mutation_id::text = ANY(%s)", (mids,)).fetchone()
        ward_changes = con.execute("SELECT count(*), count(DISTINCT seq) FROM change_log WHERE ward_id = %s AND entity = 'shift'",
                                   (stations[0].ward_id,)).fetchone()
        latest = con.execute("SELECT count(*) FROM entity_record r JOIN change_log c ON c.seq = r.last_seq AND c.entity_id = r.id"
                             " WHERE r.ward_id = %s AND r.entity = 'shift'", (stations[0].ward_id,)).fetchone()
    assert applied == (240, 240) and history == (240,)
    # every shift in the pull stream once, at its latest change: each edit here is concurrent (no base), so nobody's
    # echo, and the row of the change before it goes with it (server migration 0019, ``stream.drop_unsent``;
    # before, all 243 changes stayed until the nightly purge)
    assert ward_changes == (3, 3) and latest == (3,)
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


def test_a_ward_cursor_never_passes_its_wards_late_commit_while_other_wards_commit(admin: Admin) -> None:
    """The pull stream per ward (issue 13): a ward-A change holding its place in the stream (its seq
    taken under ward A's stream lock, not yet committed) does not stop ward B's pushes, and a ward-A
    station's cursor never moves past it, even when ward B's later seqs are committed and the
    station's own changes are skipped (protocol 2 moves the cursor past them)."""
    from trust_server.apply import STREAM_TRUST_LOCK, STREAM_WARD_LOCK

    a, b = admin.station(new_ward(admin), "a"), admin.station(new_ward(admin), "b")
    proto2 = {"Sync-Protocol": "2"}
    a.push([a.create_shift(TODAY)], extra_headers=proto2)

    def pull(since: int) -> dict[str, Any]:
        r = a.http.get("/v1/sync/pull", params={"since": since, "limit": 500}, headers={**a.headers, **proto2})
        assert r.status_code == 200, r.text
        page: dict[str, Any] = r.json()
        assert not page["has_more"]
        return page

    cursor = pull(0)["next_since"]
    late_id = a.shift_id(TODAY, "late")
    with psycopg.connect(admin.server.database_url.replace("postgresql+psycopg://", "postgresql://")) as held:
        # what Batch.sequence does for a ward-A change, left uncommitted
        held.execute("SELECT pg_advisory_xact_lock_shared(%s, 0)", (STREAM_TRUST_LOCK,))
        held.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (STREAM_WARD_LOCK, a.ward_id))
        row = held.execute("SELECT nextval('change_id')").fetchone()
        assert row is not None
        late_seq = int(row[0])
        data = {"ward_id": a.ward_id, "shift_date": TODAY.isoformat(), "shift_code": "late", "groups.rn.actual": 3}
        held.execute("INSERT INTO entity_record (entity, id, ward_id, data, field_meta, deleted, last_seq, needs_review)"
                     " VALUES ('shift', %s, %s, %s, '{}', false, %s, false)", (late_id, a.ward_id, json.dumps(data), late_seq))
        held.execute("INSERT INTO change_log (seq, ward_id, entity, entity_id, deleted) VALUES (%s, %s, 'shift', %s, false)",
                     (late_seq, a.ward_id, late_id))
        out = b.push([b.create_shift(TODAY)], extra_headers=proto2)  # another ward is not held up ...
        assert out["results"][0]["status"] == "applied" and out["results"][0]["server_seq"] > late_seq
        page = pull(cursor)
        assert late_id not in {c["id"] for c in page["changes"]}
        assert page["next_since"] < late_seq  # ... and ward A's cursor stays below the uncommitted change
        cursor = page["next_since"]
        held.commit()
    assert late_id in {c["id"] for c in pull(cursor)["changes"]}  # committed: the next pull brings it


def test_stream_locks_of_several_wards_are_taken_in_key_order(postgres_url: str) -> None:
    """Review: ward stream locks are keyed by hashtext(ward id). Taken in NAME order, a push touching
    wards a and c takes a's key first; a push touching c and b (b hashing like a, c < b by name) takes
    c's key first: the two deadlock. Taken in KEY order they cannot: a push waiting for a key holds no
    larger one."""
    from typing import cast

    from sqlalchemy import create_engine, text
    from sqlmodel import Session

    from trust_server.apply import STREAM_WARD_LOCK, Batch

    engine = create_engine(postgres_url)
    with engine.connect() as c:
        a, b, key_a = c.execute(text(
            "SELECT min(w), max(w), h FROM (SELECT 'ward-' || i AS w, hashtext('ward-' || i) AS h"
            " FROM generate_series(1, 300000) AS i) s GROUP BY h HAVING count(*) > 1 LIMIT 1")).one()
        mid = next(m for m in (f"{a}-{i}" for i in range(200))
                   if c.execute(text("SELECT hashtext(:m)"), {"m": m}).scalar_one() < key_a)
    assert a < mid < b  # by name: a, then mid, then b; by key: mid first
    key_mid = int(engine.connect().execute(text("SELECT hashtext(:m)"), {"m": mid}).scalar_one())
    holder = engine.connect()
    holder.execute(text("SELECT pg_advisory_lock(:c, :k)"), {"c": STREAM_WARD_LOCK, "k": key_mid})
    pusher = Session(engine)
    pid = pusher.execute(text("SELECT pg_backend_pid()")).scalar_one()
    done = threading.Event()

    def push() -> None:
        Batch(pusher, cast(Any, None), suite_clock().now())._lock_streams({a, mid})
        done.set()

    t = threading.Thread(target=push, daemon=True)
    t.start()
    try:
        with engine.connect() as watch:
            for _ in range(500):
                waiting = watch.execute(text("SELECT count(*) FROM pg_locks WHERE pid = :p AND NOT granted"), {"p": pid}).scalar_one()
                if waiting:
                    break
                time.sleep(0.01)
            assert waiting, "the pusher never waited on the held lock"
            held_ward_keys = watch.execute(text(
                "SELECT count(*) FROM pg_locks WHERE pid = :p AND granted AND locktype = 'advisory' AND classid = :c"),
                {"p": pid, "c": STREAM_WARD_LOCK}).scalar_one()
        assert held_ward_keys == 0, "waiting for the smaller key while holding a larger one: a deadlock waits here"
    finally:
        holder.execute(text("SELECT pg_advisory_unlock(:c, :k)"), {"c": STREAM_WARD_LOCK, "k": key_mid})
        holder.close()
        t.join(10)
        pusher.rollback()
        pusher.close()
        engine.dispose()
    assert done.is_set()


def test_pushes_referring_to_one_trust_do_not_queue_on_its_row(admin: Admin) -> None:
    """Issue 13, go-live at trust size: every ward's set-up refers to the trust's record, and a push
    locked what it referred to ``FOR UPDATE``, so all wards' first pushes queued on the trust's row.
    A record only referred to is now locked ``FOR SHARE``: another push referring to it goes on at
    once, while a change to the record itself (a void) still waits for those pushes to commit."""
    from types import SimpleNamespace
    from typing import cast

    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError
    from sqlmodel import Session

    from trust_server.apply import Author, Batch
    from trust_server.sync import _lock_keys

    ward_a, ward_b = new_ward(admin, with_setup=False), new_ward(admin, with_setup=False)
    engine = create_engine(admin.server.database_url)
    with engine.connect() as c:
        ids = dict(c.execute(text("SELECT data->>'code', id::text FROM entity_record WHERE entity = 'ward' AND data->>'code' IN (:a, :b)"),
                             {"a": ward_a, "b": ward_b}).all())
        trust_id = c.execute(text("SELECT data->>'trust_id' FROM entity_record WHERE entity = 'ward' AND id = :w"),
                             {"w": ids[ward_a]}).scalar_one()
    trust = ("trust", trust_id)
    # what a ward's set-up push writes and what it only refers to
    create_ward = SimpleNamespace(client_seq=1, entity="ward", entity_id=ids[ward_b].upper(),
                                  payload={"trust_id": trust_id, "code": ward_b, "name": "Ward B"})
    assert _lock_keys(cast(Any, [create_ward]), 0) == ({("ward", ids[ward_b])}, {trust})

    sessions = [Session(engine) for _ in range(3)]
    first, second, voider = sessions
    try:
        now = suite_clock().now()
        Batch(first, Author("a", ids[ward_a]), now).load([("ward", ids[ward_a])], share=[trust])  # held to commit
        second.execute(text("SET lock_timeout = '5s'"))
        other = Batch(second, Author("b", ids[ward_b]), now)
        other.load([("ward", ids[ward_b])], share=[trust])  # old: FOR UPDATE, waits behind the first push
        assert trust in other.records and ("ward", ids[ward_b]) in other.records
        voider.execute(text("SET lock_timeout = '200ms'"))
        try:
            Batch(voider, Author("admin", None), now).load([trust])  # writing the trust waits for both
        except OperationalError as e:
            assert "lock timeout" in str(e)
        else:
            raise AssertionError("a write to the referred record did not wait for the pushes referring to it")
    finally:
        for s in sessions:
            s.rollback()
            s.close()
        engine.dispose()
