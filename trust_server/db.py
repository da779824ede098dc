"""Engine, migrations and first-start rows.

SQLite (the embedded default) runs WAL with ``BEGIN IMMEDIATE`` for every transaction, so pushes
serialise there; PostgreSQL serialises each device with ``FOR UPDATE NOWAIT`` on its row and all
writers on the ``sync_counter`` row (SYNC.md 3.4).
"""

from __future__ import annotations

import secrets
import uuid
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from trust_server.models import SCHEMA_MAX, SCHEMA_MIN, ServerMeta, SyncCounter

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_con: Any, _record: Any) -> None:
            dbapi_con.isolation_level = None  # pysqlite recipe: we emit BEGIN ourselves
            cur = dbapi_con.cursor()
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = FULL")
            cur.execute("PRAGMA foreign_keys = ON")
            cur.execute("PRAGMA busy_timeout = 30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=8, max_overflow=4)


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def migrate(engine: Engine) -> None:
    """Upgrade the database to head (in-process, STYLE.md habit 10), then make the single rows."""
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    ensure_rows(engine)


def ensure_rows(engine: Engine) -> None:
    with Session(engine) as s:
        if s.get(ServerMeta, 1) is None:
            s.add(ServerMeta(id=1, epoch=str(uuid.uuid4()), token_secret=secrets.token_hex(32)))
        meta = s.get(ServerMeta, 1)
        if meta is not None and (meta.schema_min, meta.schema_max) != (SCHEMA_MIN, SCHEMA_MAX):
            meta.schema_min, meta.schema_max = SCHEMA_MIN, SCHEMA_MAX
            s.add(meta)
        if s.get(SyncCounter, 1) is None:
            s.add(SyncCounter(id=1, value=0))
        try:
            s.commit()
        except IntegrityError:  # another worker made them first
            s.rollback()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def server_meta(session: Session) -> ServerMeta:
    meta = session.get(ServerMeta, 1)
    if meta is None:
        raise RuntimeError("server_meta is missing: the database was not migrated")
    return meta
