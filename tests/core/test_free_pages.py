"""The recording station gives back the pages archiving frees (station migration 0015, issue 13): a store
is in ``auto_vacuum = INCREMENTAL`` mode, ``sync_store.release_free_pages`` shortens the file after the
archive step, and nothing it holds changes: every outbox row (archived or not), the audit trail as any
SQLite tool reads it, a restore's re-send byte for byte. Real SQLite files, the station's own write path."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from typing import Any

from core_support import WardStation, sql
from support.clocks import SUITE_TODAY, suite_clock

from hardtruths_desktop.domain.clock import iso_utc, utc_now
from hardtruths_desktop.store import migrate, sync_store
from hardtruths_desktop.store.session import Actor
from hardtruths_desktop.store.shifts import ShiftChange, save_shift

NOW = iso_utc(utc_now(suite_clock()))


def _record(st: WardStation, days: int) -> None:
    """``days`` days of three shifts, each recorded and then corrected, with notes long enough to fill pages."""
    sister = st.staff["sister"]
    actor = Actor(sister.id, sister.name)
    for rn in (4, 3):
        with st.store.write(actor) as tx:
            for d in range(days):
                for code in ("early", "late", "night"):
                    save_shift(tx, st.ward, SUITE_TODAY - timedelta(days=1 + d), code,
                               ShiftChange(groups={"rn": {"actual": rn}}, notes=f"handover {d} {code} \u2013 " + "x" * 300 * (rn - 2)),
                               SUITE_TODAY)


def _ack(st: WardStation) -> None:
    batch = sync_store.pending(st.store, 10_000)
    sync_store.record_results(st.store, [{"client_seq": m["client_seq"], "mutation_id": m["mutation_id"], "status": "applied",
                                          "server_seq": 100 + i, "flags": []} for i, m in enumerate(batch)], NOW)


def _raw_trail(st: WardStation) -> list[Any]:
    return [(*r[:-1], json.loads(str(r[-1]))) for r in sql(
        st.path, "SELECT id, at, station_id, actor_id, actor_name, action, entity, entity_id, changes FROM audit_trail ORDER BY id")]


def _file_pages(st: WardStation) -> tuple[int, int]:
    """(pages in the file after a checkpoint, free pages)."""
    con = sqlite3.connect(st.path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return st.path.stat().st_size // 4096, int(con.execute("PRAGMA freelist_count").fetchone()[0])
    finally:
        con.close()


def test_a_store_is_in_incremental_mode(station: WardStation) -> None:
    assert sql(station.path, "PRAGMA auto_vacuum") == [(migrate.INCREMENTAL,)]
    assert migrate.current_revision(station.path) == migrate.HEAD_REVISION and "0015" in migrate.KNOWN_REVISIONS


def test_archived_pages_go_back_and_nothing_held_changes(station: WardStation) -> None:
    _record(station, 40)
    wire = [sync_store.wire_json(m) for m in sync_store.pending_wire(station.store, 10_000)]  # as first sent
    _ack(station)
    rows, trail = sync_store.outbox_rows(station.store), _raw_trail(station)
    assert sync_store.archive_acked(station.store, keep=0, batch=50) == len(rows) - len(rows) % 50
    pages, free = _file_pages(station)
    assert free > 20  # the archived rows' pages, still in the file

    holds: list[float] = []
    released = sync_store.release_free_pages(station.store, chunk=16, at_least=1, holds=holds)
    assert released == free and len(holds) == -(-free // 16)  # a few pages per short transaction
    assert _file_pages(station) == (pages - free, 0)  # the file is shorter by exactly those pages
    assert sql(station.path, "PRAGMA integrity_check") == [("ok",)]
    assert sync_store.outbox_rows(station.store) == rows and _raw_trail(station) == trail
    assert sync_store.release_free_pages(station.store, at_least=1) == 0  # nothing left to give back

    # the server is restored from a backup: the re-send is the same bytes as the first send
    assert sync_store.requeue_recent_acked(station.store) == len(wire)
    assert [sync_store.wire_json(m) for m in sync_store.pending_wire(station.store, 10_000)] == wire
    assert _raw_trail(station) == trail


def test_a_few_free_pages_stay_for_the_next_saves(station: WardStation) -> None:
    _record(station, 2)
    _ack(station)
    sync_store.archive_acked(station.store, keep=0, batch=2)
    free = _file_pages(station)[1]
    assert 0 < free < sync_store.RELEASE_AT_LEAST
    assert sync_store.release_free_pages(station.store) == 0 and _file_pages(station)[1] == free


def test_a_store_left_in_the_old_mode_keeps_its_pages_and_works(station: WardStation) -> None:
    """A store whose rebuild at the upgrade failed (a full disk) is not touched, and saves as before."""
    station.store.close()
    con = sqlite3.connect(station.path, isolation_level=None)
    con.execute("PRAGMA auto_vacuum = NONE")
    con.execute("VACUUM")
    con.close()
    station.store.engine.dispose()
    _record(station, 20)
    _ack(station)
    sync_store.archive_acked(station.store, keep=0, batch=20)
    free = _file_pages(station)[1]
    assert free > 0 and sql(station.path, "PRAGMA auto_vacuum") == [(0,)]
    assert sync_store.release_free_pages(station.store, at_least=1) == 0 and _file_pages(station)[1] == free
    # the next upgrade puts it in the new mode; every row as it was
    rows = sync_store.outbox_rows(station.store)
    assert migrate.to_incremental_vacuum(station.path)
    assert sql(station.path, "PRAGMA auto_vacuum") == [(migrate.INCREMENTAL,)]
    assert sync_store.outbox_rows(station.store) == rows
