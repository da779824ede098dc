"""Server migration 0017 (issue 13, i13-push4): a record's JSON is compressed with lz4 where PostgreSQL has
it; a record written before (pglz) reads the same after the upgrade and after a downgrade, and is written
again with lz4 when next changed."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from trust_server.db import alembic_config, make_engine, migrate

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
