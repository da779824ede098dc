"""Open the local store safely: refuse a newer database, back the file up, upgrade in-process.

The fast path (database already at head) reads ``alembic_version`` with plain sqlite3 and never
imports Alembic, which keeps the ward station's cold start short.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from hardtruths_desktop import resources
from hardtruths_desktop.domain.clock import SYSTEM_CLOCK, Clock, utc_now
from hardtruths_desktop.files import exclusive_lock

log = logging.getLogger(__name__)

#: Every revision this app knows, oldest first. A test checks it against migrations/versions.
KNOWN_REVISIONS: tuple[str, ...] = ("0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008", "0009", "0010", "0011", "0012", "0013",
                                     "0014", "0015")
HEAD_REVISION = KNOWN_REVISIONS[-1]
#: The store's own revision (its number in KNOWN_REVISIONS): local, never sent. A migration that only
#: changes how the station stores what it has raises this and nothing else.
STORE_REVISION = len(KNOWN_REVISIONS)
#: The schema the station's changes are written in ON THE WIRE: sent as ``Client-Schema`` (and at
#: enrolment), stamped on each outbox row, compared by the server with its ``SCHEMA_MAX``. It rises
#: only when a payload changes (a new field or entity, a changed meaning), never for a storage-only
#: migration, so a server one release old keeps accepting the station (issue 13: a storage-only
#: migration used to bump it and get 409 ``schema_too_new``). Up to 13 it was the store revision;
#: since 0014 (the acknowledged changes archived) the two are apart. ``sync_state.schema_version``
#: holds the wire schema the store's data is in (so an upgrade re-pulls only when the wire schema rises).
SCHEMA_VERSION = 13
#: Wire schema versions that teach the station no field a pull could have skipped (only how it stores
#: what it has): an upgrade across only these keeps the pull cursor instead of pulling everything again.
#: 13: field versions name their fields by number (station migration 0013).
NO_REPULL: frozenset[int] = frozenset({13})


def needs_repull(old_schema: int, new_schema: int = SCHEMA_VERSION) -> bool:
    """Whether a store upgraded from ``old_schema`` must pull everything again (a field it learnt
    was skipped by earlier pulls)."""
    return any(v not in NO_REPULL for v in range(old_schema + 1, new_schema + 1))


class StoreError(RuntimeError):
    """The store cannot be opened; the message says why in words IT can act on."""


class StoreTooNewError(StoreError):
    pass


def migrations_dir() -> Path:
    """Alembic scripts (``store/migrations``), found through the one resource helper (frozen or not)."""
    return resources.migrations_dir()


def current_revision(path: Path) -> str | None:
    return _revision_and_mode(path)[0]


def _revision_and_mode(path: Path) -> tuple[str | None, int | None]:
    """The store's Alembic revision and its ``auto_vacuum`` mode (read from the file's header: no
    page beyond the first), with plain sqlite3; (None, None) for no file."""
    if not path.exists():
        return None, None
    con = sqlite3.connect(path)
    try:
        row = con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name='alembic_version'"
        ).fetchone()
        mode = int(con.execute("PRAGMA auto_vacuum").fetchone()[0])
        if row is None:
            return None, mode
        rev = con.execute("SELECT version_num FROM alembic_version").fetchone()
        return (str(rev[0]) if rev else None), mode
    except sqlite3.DatabaseError as e:
        raise StoreError(f"{path} is not a ward station database ({e})") from e
    finally:
        con.close()


def backup_file(path: Path, label: str, clock: Clock = SYSTEM_CLOCK) -> Path:
    """Copy the database aside with SQLite's online backup (consistent even in WAL mode), named
    with the UTC time of ``clock``."""
    folder = path.parent / "backups"
    folder.mkdir(exist_ok=True)
    stamp = utc_now(clock).strftime("%Y%m%dT%H%M%SZ")
    target = folder / f"{path.stem}-{label}-{stamp}.sqlite"
    src = sqlite3.connect(path)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return target


def upgrade(path: Path, target: str = "head", clock: Clock = SYSTEM_CLOCK) -> str | None:
    """Bring the database at ``path`` to ``target``; returns the backup's path if one was made.

    Raises StoreTooNewError for a database written by a newer app (it is never opened for writing).
    """
    rev, mode = _revision_and_mode(path)
    if rev == HEAD_REVISION and target == "head" and mode == INCREMENTAL:
        return None  # the usual start: nothing to do, no lock needed
    path.parent.mkdir(parents=True, exist_ok=True)
    # The GUI's store worker, its sync runner and a `sync --once` may open the store at the same
    # moment: one of them upgrades, the others wait and then find it done. A store at head whose
    # rebuild (0015) has not run yet is not done: the opener that marked it head is rebuilding it now
    # (its VACUUM would hold the write lock under our writes), or its rebuild failed: either way the
    # lock is taken, waited for, and the rebuild is tried again (``_rebuild_pending``).
    with exclusive_lock(path.with_suffix(".upgrade.lock")):
        return _upgrade_locked(path, target, clock)


def _upgrade_locked(path: Path, target: str, clock: Clock) -> str | None:
    rev, mode = _revision_and_mode(path)
    if rev is not None and rev not in KNOWN_REVISIONS:
        raise StoreTooNewError(
            f"This ward station database ({path}) was written by a newer version of the app "
            f"(schema {rev}); this version knows up to {HEAD_REVISION}. Install the newer version: "
            "the database has not been touched."
        )
    if rev == HEAD_REVISION and target == "head":
        if mode != INCREMENTAL:  # whoever upgraded it could not rebuild it (waiting here was for its rebuild)
            _rebuild_pending(path)
        return None
    backup = None
    if rev is not None:
        backup = str(backup_file(path, f"before-upgrade-from-{rev}", clock))
        log.info("database backed up to %s before upgrading from %s", backup, rev)
    try:
        _run_alembic(path, target)
    except Exception as e:
        if backup is not None:  # the upgrade is one transaction, but put the copy back all the same
            _restore(Path(backup), path)
            log.exception("upgrade from %s failed; the database was restored from %s", rev, backup)
            raise StoreError(f"The ward station could not upgrade its database ({e}); it was put back as it was. Tell IT.") from e
        raise
    if target == "head":
        to_incremental_vacuum(path)
    return backup


#: SQLite's ``auto_vacuum`` mode of every store from revision 0015 on (issue 13): free pages can be
#: given back to the file system (``sync_store.release_free_pages``), a few at a time
INCREMENTAL = 2


def to_incremental_vacuum(path: Path) -> bool:
    """Put an existing store in ``auto_vacuum = INCREMENTAL`` mode (revision 0015): SQLite sets it only
    by rebuilding the whole file (``VACUUM``), outside any transaction, so it runs right after an
    upgrade commits, under the upgrade lock, before the app uses the store (the nurse waits ~0.3 s for a
    store of 20,000 shifts, once: the same order as the backup just made; at an idle moment later it
    would hold the write lock that long while a save waits). Durable as any commit (``synchronous =
    FULL``, WAL); a failure (a full disk: VACUUM needs room for a second copy) leaves the store as it
    was, in the old mode, which works as before (its free pages are reused, not given back); it is
    tried again at a later start (``_rebuild_pending``). Returns True when the store is in that mode."""
    con = sqlite3.connect(path, isolation_level=None)
    try:
        if con.execute("PRAGMA auto_vacuum").fetchone()[0] == INCREMENTAL:
            return True
        con.execute("PRAGMA synchronous = FULL")
        con.execute(f"PRAGMA auto_vacuum = {INCREMENTAL}")
        con.execute("VACUUM")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the rebuilt file in place; the WAL back to nothing
        return bool(con.execute("PRAGMA auto_vacuum").fetchone()[0] == INCREMENTAL)
    except sqlite3.Error:
        log.warning("could not rebuild %s in incremental auto-vacuum mode; it keeps the old mode", path, exc_info=True)
        return False
    finally:
        con.close()


def _rebuild_pending(path: Path) -> bool:
    """A store at head still in the old mode: its rebuild after the 0015 upgrade failed (a full disk)
    or was cut short (the PC switched off). Called under the upgrade lock, so no new opener comes in
    meanwhile; tried again only when it cannot make anyone wait or fail: no other process has the
    store open (its WAL file is there from a connection's first read to the last one's close: the
    rebuild would hold the write lock for seconds on a big store while their saves wait 5 s at most
    and fail) and the disk has room for the rebuild (the new copy, then the same again through the
    WAL), else left for the next start (the old mode works as before). Returns True once rebuilt."""
    if Path(f"{path}-wal").exists():
        log.info("%s is open in another process: its rebuild in incremental auto-vacuum mode waits for a start "
                 "when it is not", path)
        return False
    size = path.stat().st_size
    if shutil.disk_usage(path.parent).free < 2 * size:
        log.warning("not enough free disk beside %s to rebuild it in incremental auto-vacuum mode (needs %d MB); "
                    "tried again at the next start", path, 2 * size // 1_000_000 + 1)
        return False
    return to_incremental_vacuum(path)


def _restore(backup: Path, path: Path) -> None:
    """Copy the pre-upgrade backup back over the database through SQLite itself (its WAL and
    locks stay consistent); callers hold the upgrade lock."""
    src = sqlite3.connect(backup)
    dst = sqlite3.connect(path)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _run_alembic(path: Path, target: str) -> None:
    from alembic.config import Config
    from sqlalchemy import create_engine, event

    from hardtruths_desktop.store.engine import apply_pragmas  # here: the fast path imports no SQLAlchemy

    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: sqlite3.Connection, _r: object) -> None:
        # before anything writes the file's header (journal_mode = WAL does): a new store is created in
        # the mode that lets it give free pages back (0015); on an existing file it changes nothing
        dbapi_conn.execute(f"PRAGMA auto_vacuum = {INCREMENTAL}")
        apply_pragmas(dbapi_conn)
        # SQLite's rule for schema changes: foreign keys off while tables are rebuilt, then checked.
        dbapi_conn.execute("PRAGMA foreign_keys = OFF")
        dbapi_conn.isolation_level = None  # pysqlite would commit DDL on its own: we BEGIN ourselves

    @event.listens_for(engine, "begin")
    def _begin(conn: object) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # type: ignore[attr-defined]  # the whole upgrade is one transaction

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    try:
        _upgrade_in(engine, cfg, target)
    finally:
        engine.dispose()


def _upgrade_in(engine: Any, cfg: Any, target: str) -> None:
    from alembic import command

    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, target)
        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise StoreError(f"upgrade to {target} left {len(broken)} broken references; nothing was changed")
