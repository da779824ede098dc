"""The server's Alembic migrations build the schema on an empty PostgreSQL and SQLite database,
match the models exactly, and are safe to run again on every start."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from trust_server.db import HEAD_REVISION, MIGRATIONS_DIR, alembic_config, current_revision, make_engine, migrate
from trust_server.models import metadata

TABLES = {"server_meta", "sync_counter", "device", "enrolment_code", "received_mutation", "change_log",
          "field_change", "entity_record", "trust", "ward"}


@pytest.fixture(params=["postgresql", "sqlite"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'server.sqlite'}"
    url: str = request.getfixturevalue("fresh_postgres_url")
    return url


def test_migrations_build_the_schema_from_empty_and_match_the_models(empty_url: str) -> None:
    engine = make_engine(empty_url)
    try:
        migrate(engine)
        migrate(engine)  # every start runs them: a second run is a no-op
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert current_revision(engine) == head == HEAD_REVISION  # a start at head skips Alembic: it must be the head
        assert TABLES <= set(inspect(engine).get_table_names())
        with engine.connect() as conn, warnings.catch_warnings():
            # SQLAlchemy cannot reflect SQLite's expression indexes (the month index, migration 0006;
            # the ward stream's, 0012): they are checked by name below instead
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
            names = {r[0] for r in conn.exec_driver_sql(
                "SELECT indexname FROM pg_indexes WHERE tablename IN ('entity_record', 'change_log')"
                if engine.dialect.name == "postgresql"
                else "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('entity_record', 'change_log')")}
        assert {"ix_entity_record_ward_day", "ix_change_log_ward_stream"} <= names and "ix_change_log_ward_seq" not in names
        diff = [d for d in diff if not (engine.dialect.name == "sqlite" and d[0] == "add_index"
                                        and d[1].name in ("ix_entity_record_ward_day", "ix_change_log_ward_stream"))]
        assert diff == []
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT value FROM sync_counter").scalar_one() == 0
            assert len(conn.exec_driver_sql("SELECT epoch FROM server_meta").scalar_one()) == 36
    finally:
        engine.dispose()


def test_migration_scripts_ship_inside_the_package() -> None:
    assert (MIGRATIONS_DIR / "env.py").exists() and list((MIGRATIONS_DIR / "versions").glob("0001_*.py"))
