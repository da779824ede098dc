"""Engine, migrations and first-start rows.

SQLite (the embedded default) runs WAL with ``BEGIN IMMEDIATE`` for every transaction, so pushes
serialise there (and take their seqs from the ``sync_counter`` row); PostgreSQL serialises each
device with ``FOR UPDATE NOWAIT`` on its row, and the commits of each ward's changes on an
advisory lock per ward (``apply.Batch.sequence``; SYNC.md 3.4, issue 13).

``prepare`` runs at every start (server and admin CLI): it migrates under a PostgreSQL advisory
lock, so several servers started at once on an empty database never race the migration; the
SQLite file is created 0600 (its ``-wal``/``-shm`` files inherit that). Statement parameters are
hidden from database error messages, which end up in logs (no patient data in logs).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, make_url, text
from sqlmodel import Session

from trust_server.bulk import json_text, json_value
from trust_server.models import SCHEMA_MAX, SCHEMA_MIN, ServerMeta, SyncCounter
from trust_server.settings import Settings

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: pg_advisory_xact_lock key held while migrating ("HTMIGRAT" as a 64-bit number)
MIGRATION_LOCK_KEY = int.from_bytes(b"HTMIGRAT", "big") - 2**63
#: The newest migration's revision (tests/server/test_migrations.py checks it against the scripts):
#: a database already there is not handed to Alembic at all (the admin CLI starts in a fraction of
#: the time: no Alembic import, no script directory walk).
HEAD_REVISION = "0021"  # after 0022 (issue 13: field versions packed; 0022 narrowed the audit rows)


def _private_file(path: Path) -> None:
    """Create the SQLite file 0600 before SQLite does (it gives the -wal and -shm the same mode)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    if os.name == "posix":
        os.chmod(path, 0o600)
        for suffix in ("-wal", "-shm"):
            side = path.with_name(path.name + suffix)
            if side.exists():
                os.chmod(side, 0o600)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:":
            _private_file(Path(path))
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True)

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
    # JSONB read and written by orjson (a pull page decodes 1,000 records' data and versions)
    return create_engine(url, pool_pre_ping=True, pool_size=8, max_overflow=4, hide_parameters=True,
                         json_serializer=json_text, json_deserializer=json_value)


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def migrate(engine: Engine, settings: Settings | None = None) -> str | None:
    """Upgrade the database to head (in-process, STYLE.md habit 10), then make the single rows,
    all in one transaction holding the migration lock (PostgreSQL: an advisory lock; SQLite:
    ``BEGIN IMMEDIATE``). With ``settings``, also settle the token-signing secret (moving it out
    of a database that older versions kept it in, before the migration drops that column) and
    return it."""
    secret: str | None = None
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
        at_head = _revision(conn) == HEAD_REVISION
        if settings is not None:
            secret = settings.token_secret(legacy=None if at_head else _legacy_token_secret(conn))
        if not at_head:
            from alembic import command

            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        ensure_rows(conn)
    return secret


def _revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    value = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return str(value) if value is not None else None


def prepare(engine: Engine, settings: Settings) -> str:
    """Every start: secure the data folder, migrate, and return the token-signing secret."""
    from trust_server.settings import ConfigError, secure_folder

    secure_folder(settings.data_dir)
    try:
        secret = migrate(engine, settings)
    except RuntimeError as e:  # migration 0013, frozen, refuses history holding an odd record id
        if "record id that is not a UUID" not in str(e):
            raise
        raise ConfigError(f"{e}: run 'hardtruths-server admin settle-record-ids' (it writes them in their usual form), "
                          "then start the server again") from None
    assert secret is not None
    with engine.connect() as conn:
        trusts = int(conn.execute(text("SELECT count(*) FROM trust")).scalar_one())
    if trusts > 1:
        raise ConfigError(f"The database holds {trusts} trusts: one database serves one trust (docs/SECURITY.md); "
                          "give each trust its own database")
    return secret


def _legacy_token_secret(conn: Connection) -> str | None:
    insp = inspect(conn)
    if not insp.has_table("server_meta") or "token_secret" not in {c["name"] for c in insp.get_columns("server_meta")}:
        return None
    value = conn.execute(text("SELECT token_secret FROM server_meta WHERE id = 1")).scalar_one_or_none()
    return str(value) if value else None


def ensure_rows(conn: Connection) -> None:
    with Session(bind=conn) as s:
        if s.get(ServerMeta, 1) is None:
            s.add(ServerMeta(id=1, epoch=str(uuid.uuid4())))
        meta = s.get(ServerMeta, 1)
        if meta is not None and (meta.schema_min, meta.schema_max) != (SCHEMA_MIN, SCHEMA_MAX):
            meta.schema_min, meta.schema_max = SCHEMA_MIN, SCHEMA_MAX
            s.add(meta)
        if s.get(SyncCounter, 1) is None:
            s.add(SyncCounter(id=1, value=0))
        s.flush()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def server_meta(session: Session) -> ServerMeta:
    meta = session.get(ServerMeta, 1)
    if meta is None:
        raise RuntimeError("server_meta is missing: the database was not migrated")
    return meta
