"""Station migration 0014 (issue 13: acknowledged changes archived) on a real store: the previous
release's (``fixtures/store-0008.sqlite``, made by that release's demo), its queue acknowledged as a
synced station's would be. The upgrade itself touches no row (it adds the archive table; no re-pull,
the wire schema stays what the server one release old accepts); the janitor then archives the
acknowledged rows, and every row, the audit trail and a restore's re-send read exactly as before."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from hardtruths_desktop.domain.clock import FixedClock
from hardtruths_desktop.store import migrate, sync_store
from hardtruths_desktop.store.engine import DB_FILENAME
from hardtruths_desktop.store.session import Store

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "store-0008.sqlite"
CLOCK = FixedClock.london(2026, 11, 30, 10, 0)  # the moment the fixture was made
ACKED_AT = "2026-11-30T09:00:00.000Z"


def _rows(path: Path, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(path)
    try:
        return con.execute(query, params).fetchall()
    finally:
        con.close()


def _synced_release_store(tmp_path: Path) -> Path:
    """The 0008 release's store as a station that had synced leaves it: its queue acknowledged."""
    folder = tmp_path / "station"
    folder.mkdir()
    shutil.copy2(FIXTURE, folder / DB_FILENAME)
    con = sqlite3.connect(folder / DB_FILENAME)
    try:
        con.execute("UPDATE outbox SET state = 'acked', attempts = 1, acked_at = ?, acked_seq = client_seq + 1000,"
                    " result = json_object('client_seq', client_seq, 'mutation_id', mutation_id, 'status', 'applied',"
                    " 'server_seq', client_seq + 1000, 'flags', json('[]'))", (ACKED_AT,))
        con.commit()
    finally:
        con.close()
    return folder


def _trail(path: Path) -> list[tuple[Any, ...]]:
    return [(*r[:-1], json.loads(str(r[-1]))) for r in _rows(
        path, "SELECT id, at, station_id, actor_id, actor_name, action, entity, entity_id, changes FROM audit_trail ORDER BY id")]


def test_the_upgrade_adds_the_archive_and_the_janitor_archives_losslessly(tmp_path: Path) -> None:
    folder = _synced_release_store(tmp_path)
    path = folder / DB_FILENAME
    store = Store(folder, CLOCK)
    try:
        assert migrate.current_revision(path) == migrate.HEAD_REVISION
        rows = sync_store.outbox_rows(store)
        assert len(rows) > 100 and {r["state"] for r in rows} == {"acked"}
        assert _rows(path, "SELECT count(*) FROM outbox_archive") == [(0,)]  # the upgrade archives nothing itself
        assert _rows(path, "SELECT schema_version FROM sync_state") == [(migrate.SCHEMA_VERSION,)]  # the wire schema
        trail = _trail(path)
        requeued = sync_store.pending  # what a restore would send, read below after the re-queue

        archived = sync_store.archive_acked(store, keep=0, batch=100)
        assert archived == len(rows) - len(rows) % 100
        assert _rows(path, "SELECT count(*) FROM outbox") == [(len(rows) % 100,)]
        assert sync_store.outbox_rows(store) == rows  # every column of every row
        assert _trail(path) == trail  # the trail reads the same, with any SQLite tool
        assert _rows(path, "PRAGMA integrity_check") == [("ok",)]

        expected = [{k: r[k] for k in ("client_seq", "mutation_id", "entity", "entity_id", "op", "hlc", "schema_version",
                                          "recorded_by", "wall_time")} | {"payload": json.loads(r["payload"]),
                                                                          "base": json.loads(r["base"])} for r in rows]
        assert sync_store.requeue_recent_acked(store) == len(rows)  # within 30 days of the acknowledgement
        assert requeued(store, 10_000) == expected
        assert _trail(path) == trail
    finally:
        store.close()


def test_a_storage_only_upgrade_keeps_the_pull_cursor_and_the_wire_schema(tmp_path: Path) -> None:
    folder = tmp_path / "station"
    Store(folder, CLOCK).close()
    path = folder / DB_FILENAME
    con = sqlite3.connect(path)
    try:  # the store as the 0013 release left it: synced up to change 4242
        con.execute("UPDATE alembic_version SET version_num = '0013'")
        con.execute("UPDATE sync_state SET schema_version = 13, pull_cursor = 4242")
        con.commit()
    finally:
        con.close()
    store = Store(folder, CLOCK)
    try:
        assert store.backup_made is not None  # an upgrade ran
        assert migrate.current_revision(path) == migrate.HEAD_REVISION
        assert _rows(path, "SELECT pull_cursor, schema_version FROM sync_state") == [(4242, 13)]
        assert not migrate.needs_repull(13) and migrate.SCHEMA_VERSION == 13 < migrate.STORE_REVISION
    finally:
        store.close()
