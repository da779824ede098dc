"""A burst of edits reuses the space its old record versions free (``trust_server.reclaim``, issue 13: the
server's bytes per shift in one burst).

Real PostgreSQL and the real server over HTTP (``own_admin``: its own database, so the table sizes are this
test's); the server runs in this process, so its ``Reclaimer`` (and how often it runs) is read and set here."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from server_support import Admin, new_ward
from support.clocks import SUITE_TODAY

from trust_server import reclaim
from trust_server.db import make_engine

CODES = ("early", "late", "night")


def _con(admin: Admin) -> psycopg.Connection[Any]:
    return psycopg.connect(admin.server.database_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)


def _pages(con: psycopg.Connection[Any], table: str) -> int:
    row = con.execute("SELECT pg_relation_size(%s::regclass) / current_setting('block_size')::int", (table,)).fetchone()
    assert row is not None
    return int(row[0])


def test_a_burst_of_edits_fills_the_space_its_old_versions_free(own_admin: Admin) -> None:
    """360 shifts created, then each edited once in pushes of 40, one after the other (a burst: no autovacuum
    between them). Every 40 updated records the server VACUUMs, so each push's new versions go to the pages
    the pushes before it freed: the records' heap grows by about one push's worth, where it doubled (each old
    version's space kept in the file). A push of creates updates nothing and starts none."""
    reclaimer = reclaim.reclaimer(own_admin.server.app.state.engine)
    assert reclaimer is not None and reclaimer.every == reclaim.RECLAIM_EVERY == 1000  # Settings.reclaim_every
    reclaimer.every = 40
    ward = new_ward(own_admin)
    a = own_admin.station(ward, "a")
    days = [SUITE_TODAY - timedelta(days=1 + i) for i in range(120)]
    creates = [a.create_shift(d, c) for d in days for c in CODES]
    for i in range(0, len(creates), 120):
        a.push(creates[i:i + 120])
    assert reclaimer.runs == 0 and reclaimer.pending == 0 and reclaimer.running is None
    toks = {c["id"]: c["field_meta"]["groups.rn.actual"]["tok"] for c in a.pull_all() if c["entity"] == "shift"}
    with _con(own_admin) as con:
        con.execute("VACUUM entity_record, change_log")  # as after the creates' night: no free space yet
        created = _pages(con, "entity_record")
        edits = [a.mutation("shift", a.shift_id(d, c), "patch", {"groups.rn.actual": 5},
                            base={"groups.rn.actual": toks[a.shift_id(d, c)]}) for d in days for c in CODES]
        for i in range(0, len(edits), 40):
            out = a.push(edits[i:i + 40])
            assert [r["status"] for r in out["results"]] == ["applied"] * 40
            if reclaimer.running is not None:
                reclaimer.running.join(30)  # the next push after this one's VACUUM (a station's next push comes later)
        edited = _pages(con, "entity_record")
        assert con.execute("SELECT count(*) FROM entity_record WHERE data->>'groups.rn.actual' = '5'").fetchone() == (360,)
    # without the VACUUMs: every new version on a new page (edited = 2 x created)
    assert edited <= created * 1.35, (created, edited)
    assert reclaimer.runs == len(edits) // 40


def test_a_vacuum_that_fails_is_logged_and_the_next_one_tried(fresh_postgres_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """A database without the tables (an error): a warning, no exception, and the next burst starts another; the
    count starts again after each start."""
    engine = make_engine(fresh_postgres_url)
    try:
        found = reclaim.reclaimer(engine)
        assert found is not None and reclaim.reclaimer(engine) is found
        reclaim.configure(engine, 5)
        assert found.note(3) is None and found.pending == 3
        with caplog.at_level(logging.WARNING, logger="trust_server.reclaim"):
            first = found.note(2)
            assert first is not None
            first.join(30)
            second = found.note(5)
            assert second is not None and second is not first
            second.join(30)
        assert found.runs == 0 and found.pending == 0
        reclaim.configure(engine, 0)  # HARDTRUTHS_SERVER_RECLAIM_EVERY=0: never
        assert found.note(10_000) is None
        assert sum("VACUUM of entity_record and change_log" in r.getMessage() for r in caplog.records) == 2
    finally:
        engine.dispose()


def test_a_table_skipped_is_logged(own_admin: Admin, caplog: pytest.LogCaptureFixture) -> None:
    """A table another VACUUM holds (or a role that does not own it) is skipped by PostgreSQL with a WARNING, not an
    error: it is logged, not lost in the driver (review of i13-burst8), and the connection goes back to the pool
    without the VACUUM's time limit."""
    engine = own_admin.server.app.state.engine
    found = reclaim.reclaimer(engine)
    assert found is not None
    with _con(own_admin) as holder, caplog.at_level(logging.WARNING, logger="trust_server.reclaim"):
        holder.execute("BEGIN")
        holder.execute("LOCK TABLE entity_record IN SHARE UPDATE EXCLUSIVE MODE")  # what a running VACUUM holds
        thread = found.note(found.every)
        assert thread is not None
        thread.join(30)
        holder.execute("ROLLBACK")
    skipped = [r.getMessage() for r in caplog.records if "skipping vacuum" in r.getMessage()]
    assert skipped and "entity_record" in skipped[0], [r.getMessage() for r in caplog.records]
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW statement_timeout").scalar() == "0"


def test_sqlite_has_nothing_to_reclaim(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'server.sqlite'}")
    try:
        assert reclaim.reclaimer(engine) is None
        reclaim.after_push(engine, 10_000)  # nothing started, nothing raised
    finally:
        engine.dispose()
