"""Server migration 0017 (issue 13, i13-push4): a record's JSON is compressed with lz4 where PostgreSQL has
it; a record written before (pglz) reads the same after the upgrade and after a downgrade, and is written
again with lz4 when next changed."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text
from sqlmodel import Session
from support.clocks import suite_clock
from support.postgres import PostgresCluster

from trust_server.db import HEAD_REVISION, alembic_config, current_revision, make_engine, migrate
from trust_server.reference import trust_id, write_record

ROW = ("shift", "5c2d0000-0000-5000-8000-0000000000c1")
DATA = '{"notes": "' + "a long note, " * 300 + '", "shift_code": "early"}'  # over 2 KB: stored compressed


def _to(engine: object, revision: str, down: bool = False) -> None:
    with engine.begin() as conn:  # type: ignore[attr-defined]
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


def _state(engine: object) -> tuple[dict[str, str], str | None, str]:
    with engine.connect() as c:  # type: ignore[attr-defined]
        setting = dict(c.execute(text("SELECT attname, attcompression::text FROM pg_attribute WHERE attrelid = 'entity_record'::regclass"
                                      " AND attname IN ('data', 'field_meta')")).all())
        method = c.execute(text("SELECT pg_column_compression(data) FROM entity_record WHERE entity = :e AND id = :i"),
                           {"e": ROW[0], "i": ROW[1]}).scalar_one()
        data = c.execute(text("SELECT data::text FROM entity_record WHERE entity = :e AND id = :i"), {"e": ROW[0], "i": ROW[1]}).scalar_one()
    return setting, method, data


def test_records_are_compressed_with_lz4_after_0017_and_read_the_same_either_way(fresh_postgres_url: str) -> None:
    engine = make_engine(fresh_postgres_url)
    try:
        _to(engine, "0016")
        with engine.begin() as c:
            c.execute(text("INSERT INTO entity_record (entity, id, ward_id, data, field_meta, deleted, last_seq, needs_review)"
                           " VALUES (:e, :i, NULL, CAST(:d AS jsonb), '{}', false, 1, false)"), {"e": ROW[0], "i": ROW[1], "d": DATA})
            has_lz4 = bool(c.execute(text("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")).scalar())
        setting, method, before = _state(engine)
        assert method == "pglz" and setting == {"data": "", "field_meta": ""}
        migrate(engine)
        setting, method, after = _state(engine)
        assert after == before and method == "pglz"  # not rewritten by the migration
        assert setting == ({"data": "l", "field_meta": "l"} if has_lz4 else {"data": "", "field_meta": ""})
        with engine.begin() as c:  # the next write of the record compresses it with lz4
            c.execute(text("UPDATE entity_record SET data = data || '{\"staffing_recorded\": true}' WHERE entity = :e AND id = :i"),
                      {"e": ROW[0], "i": ROW[1]})
        _setting, method, edited = _state(engine)
        assert method == ("lz4" if has_lz4 else "pglz") and '"staffing_recorded": true' in edited
        _to(engine, "0016", down=True)
        setting, method, downgraded = _state(engine)
        assert setting == {"data": "", "field_meta": ""} and downgraded == edited
    finally:
        engine.dispose()


def test_a_dump_restores_into_a_postgresql_without_lz4_as_the_runbook_says(pg_cluster: PostgresCluster,
                                                                            fresh_postgres_url: str) -> None:
    """docs/DEPLOYMENT.md, restoring the server: after 0017 ``pg_dump`` writes ``SET COMPRESSION lz4`` for the
    record columns, which a PostgreSQL built without lz4 refuses. Both ways round it the runbook gives
    restore the database whole, with the columns on the default compression: a dump taken with
    ``pg_dump --no-toast-compression`` (restored by ``pg_restore``), and an existing dump turned into SQL by
    ``pg_restore -f`` with those lines removed (run by ``psql``). PostgreSQL 15's ``pg_restore`` itself has no
    such option (``pg_restore --help``)."""
    engine = make_engine(fresh_postgres_url)
    try:
        migrate(engine)
        with Session(engine) as s:
            write_record(s, "trust", trust_id("T1"), {"code": "T1", "name": "Trust \u00e9 one"}, clock=suite_clock())
            s.commit()
        with engine.connect() as c:
            has_lz4 = bool(c.execute(text("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")).scalar())
            before = c.execute(text("SELECT data::text FROM entity_record WHERE entity = 'trust'")).scalar_one()
    finally:
        engine.dispose()
    db = fresh_postgres_url.rsplit("/", 1)[1]
    conn = ("-h", "127.0.0.1", "-p", str(pg_cluster.port), "-U", pg_cluster.user)
    plain, portable = pg_cluster.folder / f"{db}.dump", pg_cluster.folder / f"{db}-portable.dump"
    pg_cluster._run("pg_dump", *conn, "-Fc", "-f", str(plain), db)
    pg_cluster._run("pg_dump", *conn, "-Fc", "--no-toast-compression", "-f", str(portable), db)
    plain_sql = pg_cluster._run("pg_restore", "-f", "-", str(plain)).stdout
    assert ("SET COMPRESSION lz4;" in plain_sql) == has_lz4
    assert "COMPRESSION" not in pg_cluster._run("pg_restore", "-f", "-", str(portable)).stdout

    restored = pg_cluster.create_database()
    pg_cluster._run("pg_restore", *conn, "-d", restored.rsplit("/", 1)[1], "--no-owner", str(portable))
    from_sql = pg_cluster.create_database()
    script = pg_cluster.folder / f"{db}-restore.sql"
    script.write_text("".join(line for line in plain_sql.splitlines(keepends=True) if "SET COMPRESSION lz4;" not in line))
    pg_cluster._run("psql", *conn, "-d", from_sql.rsplit("/", 1)[1], "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(script))
    for url in (restored, from_sql):
        engine = make_engine(url)
        try:
            assert current_revision(engine) == HEAD_REVISION
            with engine.connect() as c:
                assert c.execute(text("SELECT data::text FROM entity_record WHERE entity = 'trust'")).scalar_one() == before
                setting = dict(c.execute(text("SELECT attname, attcompression::text FROM pg_attribute WHERE attrelid = "
                                              "'entity_record'::regclass AND attname IN ('data', 'field_meta')")).all())
            assert setting == {"data": "", "field_meta": ""}  # the default: pglz (the runbook says how to set lz4 again)
        finally:
            engine.dispose()
