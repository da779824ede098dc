"""The server's own HLC (its admin writes and voids) belongs to one database's engine, not to the process.

Reviewer, issue 13: it was one per process, so a test that moved one server's clock forward lifted every
later server's HLCs in the same process (and a second app in a process inherited the first's). Real SQLite
databases, the real admin write path (``reference.write_record``)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session
from support.clocks import SUITE_MS, suite_clock
from test_compact_records import _at

from hardtruths_desktop.domain.hlc import Hlc
from trust_server.apply import Outcome, server_hlc
from trust_server.db import make_engine, migrate
from trust_server.models import SERVER_DEVICE_ID, WardCreate
from trust_server.reference import create_ward, trust_id, void_record, write_record
from trust_server.retention import purge


def _trust_write(session: Session, name: str, clock_ahead_days: int = 0) -> Outcome:
    clock = suite_clock()
    clock.advance(timedelta(days=clock_ahead_days))
    out = write_record(session, "trust", trust_id("T1"), {"code": "T1", "name": name}, clock=clock)
    session.commit()
    return out


def test_a_servers_clock_moved_forward_does_not_lift_another_databases_server_hlc(tmp_path: Path) -> None:
    engines = [make_engine(f"sqlite:///{tmp_path / name}.sqlite") for name in ("a", "b")]
    try:
        for engine in engines:
            migrate(engine)
        with Session(engines[0]) as a, Session(engines[1]) as b:
            ahead = _trust_write(a, "Ahead", clock_ahead_days=2)  # server A's clock moved two days on
            assert Hlc.parse(ahead.meta_entries[0]["hlc"]).pt == SUITE_MS + 2 * 86_400_000 and not ahead.flags
            # server B, on time: its own write carries its own clock (one per process, it carried A's two days
            # ahead, and B flagged its own admin's write clock_ahead and clamped it)
            on_time = _trust_write(b, "On time")
            assert not on_time.flags and Hlc.parse(on_time.meta_entries[0]["hlc"]).pt == SUITE_MS
            # A itself never goes back: monotonic per database
            again = Hlc.parse(server_hlc(SUITE_MS, a))
            assert (again.pt, again.lc) == (SUITE_MS + 2 * 86_400_000, 1)
    finally:
        for engine in engines:
            engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_restarted_server_or_a_second_process_never_issues_a_lower_server_hlc(
        backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """Reviewer: the server HLC lived only in memory, so a restarted server (its clock a few minutes behind
    the run before) or a second server process stamped its admin's later write LOWER than an earlier one it
    had stored, and the later write lost the merge. Now above the one the database keeps (0020b)."""
    url = f"sqlite:///{tmp_path / 'server.sqlite'}" if backend == "sqlite" else request.getfixturevalue("fresh_postgres_url")
    first = make_engine(url)
    try:
        migrate(first)
        with Session(first) as s:
            fast = suite_clock()
            fast.advance(timedelta(minutes=3))  # the clock before the restart: 3 minutes fast, then put right
            out = write_record(s, "trust", trust_id("T1"), {"code": "T1", "name": "Before"}, clock=fast)
            s.commit()
            before = Hlc.parse(out.meta_entries[0]["hlc"])
        assert before.pt == SUITE_MS + 180_000
    finally:
        first.dispose()
    restarted, second = make_engine(url), make_engine(url)  # a new process, and another beside it
    try:
        with Session(restarted) as a, Session(second) as b:
            after = _trust_write(a, "After")  # at SUITE_MS: 3 minutes behind the stored one
            got = Hlc.parse(after.meta_entries[0]["hlc"])
            assert got > before and (got.pt, got.lc) == (before.pt, before.lc + 1)
            name = a.execute(text("SELECT data FROM entity_record WHERE entity = 'trust'")).scalar_one()
            assert (json.loads(name) if isinstance(name, str) else name)["name"] == "After"  # the later write won
            a.close()
            # the other process, the same millisecond: never the same HLC, never a lower one
            issued = []
            for s in (b, a, b, a):
                issued.append(Hlc.parse(server_hlc(SUITE_MS, s)))
                s.commit()
            assert issued == sorted(set(issued)) and issued[0] > got
    finally:
        restarted.dispose()
        second.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_0020b_seeds_the_kept_server_hlc_from_the_servers_own_field_versions(
        backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = f"sqlite:///{tmp_path / 'server.sqlite'}" if backend == "sqlite" else request.getfixturevalue("fresh_postgres_url")
    engine = make_engine(url)
    try:
        _at(engine, "0020")
        highest = f"{SUITE_MS + 5:013d}-00002-00000000"
        meta = {"name": {"tok": "t1", "hlc": highest, "device_id": SERVER_DEVICE_ID, "seq": None},
                "code": {"tok": "t0", "hlc": f"{SUITE_MS:013d}-00000-00000000", "device_id": SERVER_DEVICE_ID, "seq": None}}
        station = {"label": {"tok": "t2", "hlc": f"{SUITE_MS + 9:013d}-00000-0a1b2c3d", "device_id": str(uuid.uuid4()), "seq": 1}}
        cast = "CAST(:m AS json)" if backend == "postgresql" else ":m"
        with engine.begin() as c:
            c.execute(text("INSERT INTO server_meta (id, epoch, schema_min, schema_max) VALUES (1, 'e', 1, 13)"))
            for rid, field_meta in ((str(uuid.uuid4()), meta), (str(uuid.uuid4()), station)):
                c.execute(text("INSERT INTO entity_record (entity, id, ward_id, data, field_meta, deleted, last_seq, needs_review,"
                               f" updated_at) VALUES ('staff', :id, NULL, CAST('{{}}' AS {'jsonb' if backend == 'postgresql' else 'text'}),"
                               f" {cast}, false, 1, false, '2026-10-25T00:30:00+00:00')"), {"id": rid, "m": json.dumps(field_meta)})
        migrate(engine)
        with engine.connect() as c:
            assert c.execute(text("SELECT server_hlc FROM server_meta")).scalar_one() == highest  # not the station's
    finally:
        engine.dispose()


def _ward(engine: Engine) -> str:
    with Session(engine) as s:
        ward = create_ward(s, WardCreate(code="W1", name="Ward 1"), clock=suite_clock())
        s.commit()
        return ward.id


def test_more_admin_writes_at_once_than_the_pool_has_connections_all_succeed_in_hlc_order(fresh_postgres_url: str) -> None:
    """Reviewer, issue 13: the kept server HLC was advanced on a SECOND pool connection, so admin writes holding
    every connection of the pool each waited for one more (the pool's 30 s, then an error). Now in the writer's
    own transaction: 16 admin writes at once, 12 of them holding the pool's 12 connections, two records each
    in opposite orders, all succeed, and in the stream's order their HLCs rise."""
    engine = make_engine(fresh_postgres_url)
    try:
        migrate(engine)
        ward_id = _ward(engine)
        beds = [str(uuid.uuid4()) for _ in range(2)]
        capacity = 12  # make_engine's pool: 8 connections and 4 more
        holding = threading.Barrier(capacity)
        issued: list[tuple[int, Hlc]] = []
        errors: list[BaseException] = []

        def admin(i: int) -> None:
            try:
                with Session(engine) as s:
                    if i < capacity:
                        s.connection()  # each of the first 12 holds a connection of the pool ...
                        holding.wait(timeout=30)  # ... before any asks for the server's HLC
                    for bed in beds if i % 2 else beds[::-1]:
                        out = write_record(s, "bed", bed, {"ward_id": ward_id, "label": f"{bed[:8]} {i}"}, clock=suite_clock())
                        assert out.server_seq is not None
                        issued.append((out.server_seq, Hlc.parse(out.meta_entries[0]["hlc"])))
                    s.commit()
            except BaseException as e:
                errors.append(e)

        threads = [threading.Thread(target=admin, args=(i,)) for i in range(capacity + 4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not errors, errors
        assert len(issued) == 2 * len(threads)
        hlcs = [h for _seq, h in sorted(issued)]
        assert hlcs == sorted(set(hlcs))  # each write's HLCs above every earlier write's: monotonic, never twice
        with engine.connect() as c:
            assert c.execute(text("SELECT server_hlc FROM server_meta")).scalar_one() == str(hlcs[-1])
    finally:
        engine.dispose()


def test_a_purge_waits_for_an_admin_write_holding_nothing_the_write_wants(fresh_postgres_url: str) -> None:
    """An admin write holds ``server_meta``'s row to commit (its HLC), so the nightly purge takes that row FIRST:
    had it changed a change-log row before waiting for it (as it did: echoes, superseded rows, then
    ``min_retained_seq`` last), a write that then voids that row's record would wait for the purge, and one of the
    two would fail on a deadlock. A bed a station edited last (its echo) over a row an older server left."""
    engine = make_engine(fresh_postgres_url)
    try:
        migrate(engine)
        ward_id = _ward(engine)
        bed = str(uuid.uuid4())
        with Session(engine) as s:
            s.execute(text("SELECT setval('change_id', 1000)"))
            write_record(s, "bed", bed, {"ward_id": ward_id, "label": "Bed 1"}, clock=suite_clock())
            s.commit()
        with engine.begin() as c:
            c.execute(text("UPDATE change_log SET echo_of = :d WHERE entity_id = :b"), {"d": str(uuid.uuid4()), "b": bed})
            c.execute(text("INSERT INTO change_log (seq, ward_id, entity, entity_id, deleted, echo_of)"
                           " SELECT 500, ward_id, entity, entity_id, false, NULL FROM change_log WHERE entity_id = :b"), {"b": bed})
        errors: list[BaseException] = []

        def purging() -> None:
            try:
                with Session(engine) as s:
                    purge(s, suite_clock().now())
                    s.commit()
            except BaseException as e:
                errors.append(e)

        with Session(engine) as a, engine.connect() as watch:
            write_record(a, "bed", str(uuid.uuid4()), {"ward_id": ward_id, "label": "Bed 2"}, clock=suite_clock())
            purger = threading.Thread(target=purging)
            purger.start()
            waiting = 0
            for _ in range(400):  # the purge waits for the admin write's row
                waiting = watch.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                                             " AND datname = current_database()")).scalar_one()
                watch.rollback()
                if waiting:
                    break
                time.sleep(0.025)
            assert waiting == 1
            void_record(a, bed, "entered in error", clock=suite_clock())  # deletes the bed's last row, the echo
            a.commit()
            purger.join(timeout=60)
        assert not errors, errors
        with engine.connect() as c:
            rows = c.execute(text("SELECT deleted FROM change_log WHERE entity_id = :b"), {"b": bed}).scalars().all()
            assert rows == [True]  # the void's row alone: the purge took the one the older server left
    finally:
        engine.dispose()
