"""The server's own HLC (its admin writes and voids) belongs to one database's engine, not to the process.

Reviewer, issue 13: it was one per process, so a test that moved one server's clock forward lifted every
later server's HLCs in the same process (and a second app in a process inherited the first's). Real SQLite
databases, the real admin write path (``reference.write_record``)."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session
from support.clocks import SUITE_MS, suite_clock
from test_compact_records import _at

from hardtruths_desktop.domain.hlc import Hlc
from trust_server.apply import Outcome, server_hlc
from trust_server.db import make_engine, migrate
from trust_server.models import SERVER_DEVICE_ID
from trust_server.reference import trust_id, write_record


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


def test_an_admin_write_in_flight_on_postgresql_holds_no_lock_on_the_kept_server_hlc(fresh_postgres_url: str) -> None:
    """The kept server HLC is advanced in a short transaction of its own: an admin write still open (a batch
    of records locked one after another) never holds its row, so another process's admin write neither
    waits for it nor deadlocks with it (each holding records the other wants)."""
    engine = make_engine(fresh_postgres_url)
    try:
        migrate(engine)
        with Session(engine) as a, engine.connect() as other:
            out = write_record(a, "trust", trust_id("T1"), {"code": "T1", "name": "Still open"}, clock=suite_clock())
            kept = other.execute(text("SELECT server_hlc FROM server_meta WHERE id = 1 FOR UPDATE NOWAIT")).scalar_one()
            assert kept == out.meta_entries[0]["hlc"]  # issued and kept already, the row free
            other.rollback()
            a.commit()
    finally:
        engine.dispose()
