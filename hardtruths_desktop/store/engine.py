"""The SQLite engine: pragmas from SYNC.md 3.3 and explicit transaction modes.

pysqlite's own transaction handling is switched off so that SQLAlchemy's ``begin`` emits the BEGIN we
choose: ``BEGIN IMMEDIATE`` for every write (the write lock is taken up front, so a save never fails
half way with "database is locked"), plain ``BEGIN`` for reads.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

from hardtruths_desktop.store.paths import DB_FILENAME, db_path

BUSY_TIMEOUT_MS = 5000
#: ``sqlite_begin`` of a connection whose transaction was begun on its driver connection (no BEGIN sent)
JOINED = "joined"
__all__ = ["BUSY_TIMEOUT_MS", "DB_FILENAME", "JOINED", "apply_pragmas", "db_path", "make_engine", "writer"]


#: WAL pages before a commit copies them into the database itself (SQLite's default is 1,000). A
#: shift save writes ~10 pages, so at the default one save in ~100 paid for a checkpoint (the
#: p99 of bench_save). The sync cycle checkpoints off the save path instead, every 1-5 minutes,
#: online or not (``sync_store.checkpoint``); this is the backstop for bursts (demo, pulls) and
#: bounds the WAL to ~16 MB. Durability is not touched: every commit still syncs the WAL
#: (synchronous = FULL), which is all a saved shift needs to survive a power cut.
WAL_AUTOCHECKPOINT_PAGES = 4000


def apply_pragmas(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT_PAGES}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def make_engine(path: Path) -> Engine:
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        poolclass=QueuePool,
        pool_size=4,
        max_overflow=4,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        apply_pragmas(dbapi_conn)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "")
        if mode == JOINED:  # the BEGIN was sent on the driver connection already (``Store.write``)
            return
        conn.exec_driver_sql(f"BEGIN {mode}".strip())

    return engine


def writer(engine: Engine) -> Engine:
    """The same engine, but every transaction starts with ``BEGIN IMMEDIATE``."""
    return engine.execution_options(sqlite_begin="IMMEDIATE")
