"""Station migration 0015 (issue 13: the file gives back the pages archiving frees): an existing store is
rebuilt in ``auto_vacuum = INCREMENTAL`` mode right after its upgrade commits, every row as it was, the
pull cursor and the wire schema kept (storage only: no re-pull); the previous release's store
(``fixtures/store-0008.sqlite``) arrives in that mode too; a new store is created in it."""

from __future__ import annotations

import logging
import shutil
import sqlite3
import threading
from pathlib import Path
from typing import Any

from hardtruths_desktop.domain.clock import FixedClock
from hardtruths_desktop.files import exclusive_lock
from hardtruths_desktop.store import migrate
from hardtruths_desktop.store.engine import DB_FILENAME
from hardtruths_desktop.store.session import Store

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "store-0008.sqlite"
CLOCK = FixedClock.london(2026, 11, 30, 10, 0)


def _sql(path: Path, query: str) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(path)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def _everything(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but Alembic's own, in rowid or key order."""
    tables = [r[0] for r in _sql(path, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                                       " AND name != 'alembic_version' ORDER BY name")]
    return {t: sorted(_sql(path, f'SELECT * FROM "{t}"'), key=repr) for t in tables}


def test_a_0014_store_is_rebuilt_in_incremental_mode_row_for_row(tmp_path: Path) -> None:
    folder = tmp_path / "station"
    Store(folder, CLOCK).close()
    path = folder / DB_FILENAME
    con = sqlite3.connect(path, isolation_level=None)
    try:  # the store as the 0014 release left it: the old mode, synced up to change 4242
        con.execute("UPDATE alembic_version SET version_num = '0014'")
        con.execute("UPDATE sync_state SET schema_version = 13, pull_cursor = 4242")
        con.execute("PRAGMA auto_vacuum = NONE")
        con.execute("VACUUM")
    finally:
        con.close()
    assert _sql(path, "PRAGMA auto_vacuum") == [(0,)]
    before = _everything(path)

    store = Store(folder, CLOCK)
    try:
        assert store.backup_made is not None  # an upgrade ran, with its backup (in the old mode, as it was)
        assert _sql(Path(store.backup_made), "PRAGMA auto_vacuum") == [(0,)]
        assert migrate.current_revision(path) == migrate.HEAD_REVISION and "0015" in migrate.KNOWN_REVISIONS
        assert _sql(path, "PRAGMA auto_vacuum") == [(migrate.INCREMENTAL,)]
        assert _sql(path, "PRAGMA integrity_check") == [("ok",)]
        assert _everything(path) == before  # not a row changed: pull cursor 4242 and wire schema 13 among them
        assert not migrate.needs_repull(13) and migrate.SCHEMA_VERSION == 13 and migrate.STORE_REVISION >= 15
    finally:
        store.close()
    reopened = Store(folder, CLOCK)  # at head: no second backup, no second rebuild
    try:
        assert reopened.backup_made is None and _everything(path) == before
    finally:
        reopened.close()


def test_the_previous_release_store_arrives_in_incremental_mode(tmp_path: Path) -> None:
    folder = tmp_path / "station"
    folder.mkdir()
    shutil.copy2(FIXTURE, folder / DB_FILENAME)
    path = folder / DB_FILENAME
    assert _sql(path, "PRAGMA auto_vacuum") == [(0,)]
    Store(folder, CLOCK).close()
    assert _sql(path, "PRAGMA auto_vacuum") == [(migrate.INCREMENTAL,)]
    assert _sql(path, "PRAGMA integrity_check") == [("ok",)]


def test_a_new_store_is_created_in_incremental_mode(tmp_path: Path) -> None:
    Store(tmp_path / "new", CLOCK).close()
    assert _sql(tmp_path / "new" / DB_FILENAME, "PRAGMA auto_vacuum") == [(migrate.INCREMENTAL,)]
    assert _sql(tmp_path / "new" / DB_FILENAME, "PRAGMA journal_mode") == [("wal",)]


def _head_store_in_old_mode(folder: Path) -> Path:
    """A store marked 0015 whose rebuild has not run: the one upgrading it is still in its VACUUM, or
    its rebuild failed (a full disk) or was cut short."""
    Store(folder, CLOCK).close()
    path = folder / DB_FILENAME
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("PRAGMA auto_vacuum = NONE")
        con.execute("VACUUM")
    finally:
        con.close()
    assert migrate.current_revision(path) == migrate.HEAD_REVISION and _sql(path, "PRAGMA auto_vacuum") == [(0,)]
    return path


def test_a_second_opener_waits_for_the_rebuild_of_a_store_already_marked_head(tmp_path: Path) -> None:
    """Reviewer: the store was marked 0015 before its VACUUM ran, so a second process opening it then (a
    scheduled ``sync --once``, a second GUI) took the fast path and its writes waited on the VACUUM."""
    folder = tmp_path / "station"
    path = _head_store_in_old_mode(folder)
    seen: list[tuple[bool, int]] = []
    upgrading = True  # the first opener holds the upgrade lock through its rebuild

    def second_opener() -> None:
        migrate.upgrade(path, clock=CLOCK)
        seen.append((upgrading, _sql(path, "PRAGMA auto_vacuum")[0][0]))

    lock_path = path.with_suffix(".upgrade.lock")
    blocked = threading.Event()

    class Waiting(logging.Handler):  # the lock library says so when an acquire finds the lock held
        def emit(self, record: logging.LogRecord) -> None:
            if "not acquired" in record.getMessage() and lock_path.name in record.getMessage():
                blocked.set()

    log = logging.getLogger("filelock")
    handler, level = Waiting(logging.DEBUG), log.level
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    try:
        with exclusive_lock(lock_path):
            opener = threading.Thread(target=second_opener)
            opener.start()
            # no timing: wait until the opener either returned (the fast path: the bug) or is waiting on the lock
            while opener.is_alive() and not blocked.wait(0.05):
                pass
            assert blocked.is_set() and opener.is_alive(), "the second opener did not wait for the rebuild"
            upgrading = False
            assert migrate.to_incremental_vacuum(path)  # the first opener's rebuild, still under its lock
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
    opener.join()
    assert seen == [(False, migrate.INCREMENTAL)]  # it came in only after the rebuild, and found it done


def test_a_failed_rebuild_is_tried_again_at_the_next_start(tmp_path: Path) -> None:
    folder = tmp_path / "station"
    path = _head_store_in_old_mode(folder)
    before = _everything(path)
    store = Store(folder, CLOCK)
    try:
        assert store.backup_made is None  # no upgrade, no backup: only the rebuild
        assert _sql(path, "PRAGMA auto_vacuum") == [(migrate.INCREMENTAL,)]
        assert _sql(path, "PRAGMA integrity_check") == [("ok",)] and _everything(path) == before
    finally:
        store.close()


def test_the_retry_waits_while_another_process_has_the_store_open(tmp_path: Path) -> None:
    """Rebuilding a big store holds the write lock for seconds: never under another process's saves."""
    folder = tmp_path / "station"
    path = _head_store_in_old_mode(folder)
    other = sqlite3.connect(path)  # another process's connection, the store in use (its WAL file there)
    try:
        other.execute("PRAGMA journal_mode").fetchone()
        other.execute("SELECT count(*) FROM sync_state").fetchone()
        assert migrate.upgrade(path, clock=CLOCK) is None
        assert _sql(path, "PRAGMA auto_vacuum") == [(0,)]  # left in the old mode, which works as before
    finally:
        other.close()
    assert migrate.upgrade(path, clock=CLOCK) is None
    assert _sql(path, "PRAGMA auto_vacuum") == [(migrate.INCREMENTAL,)]  # the next start, alone, rebuilds it
