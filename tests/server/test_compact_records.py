"""Server migration 0013 (issue 13, bytes): a record's row is stored compressed whole (its data too, not
only its field versions), a history row keeps the record id as a uuid and leaves its change number to
its mutation; the history, the records and the pull read exactly as before, for rows written before
the migration as for rows written after it."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic import command
from server_support import Admin, stored_versions
from sqlalchemy import Engine, text
from support.clocks import SUITE_TODAY

from trust_server.db import alembic_config, make_engine, migrate

TODAY = SUITE_TODAY
DEV = "0f3c9a3e-1111-4a2b-9c3d-5e6f7a8b9c0d"
SHIFT = "5c2d0000-0000-5000-8000-000000000013"
WARD = "6d3e0000-0000-5000-8000-000000000013"
M_CREATE = "01a23000-0000-7000-8000-000000001301"
M_EDIT = "01a23000-0000-7000-8000-000000001302"
T1 = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # the night the clocks go back
T2 = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def _sql(admin: Admin, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(admin.server.database_url.replace("postgresql+psycopg://", "postgresql://")) as con:
        return list(con.execute(query, params).fetchall())


def test_a_shift_row_is_compressed_whole_and_its_history_reads_as_before(admin: Admin, ward: str) -> None:
    a = admin.station(ward)
    # long notes: the row is over PostgreSQL's 2 KB (its versions alone were, before they were packed: 0021)
    create = a.create_shift(TODAY, "early", notes=" ".join(["Two bank nurses from the agency; one sent home at 10:00."] * 30),
                            **{"groups.care.planned": 2, "groups.care.actual": 2, "groups.care.planned_hours": 15.0,
                               "groups.care.actual_hours": 15.0, "staffing_recorded": True})
    a.push([create])
    sid = a.shift_id(TODAY, "early")
    edit = a.mutation("shift", sid, "patch", {"groups.rn.actual": 5}, base={"groups.rn.actual": create["mutation_id"]})
    [verdict] = a.push([edit])["results"]
    assert verdict["status"] == "applied"

    # the row is over PostgreSQL's 2 KB as JSON: its data is stored compressed too (before 0013 only the versions were),
    # with lz4 where PostgreSQL has it (server migration 0017), else pglz; the packed versions (0021) are mostly
    # random ids, which PostgreSQL keeps as they are when compressing saves nothing
    [(lz4,)] = _sql(admin, "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
    method = "lz4" if lz4 else "pglz"
    assert _sql(admin, "SELECT pg_column_compression(data), coalesce(pg_column_compression(field_meta), %s), pg_column_size(data)"
                       " < octet_length(data::text) FROM entity_record WHERE entity = 'shift' AND id = %s", (method, sid)) == [
        (method, method, True)]
    [(data, stored)] = _sql(admin, "SELECT data, field_meta FROM entity_record WHERE entity = 'shift' AND id = %s", (sid,))
    meta = stored_versions(stored)
    assert data["groups.rn.actual"] == 5 and data["notes"] == create["payload"]["notes"]
    assert meta["groups.rn.actual"] == {"tok": edit["mutation_id"], "hlc": edit["hlc"], "device_id": a.device_id,
                                        "seq": verdict["server_seq"]}
    assert meta["notes"]["tok"] == create["mutation_id"]

    # the history row leaves its change number to its mutation; the view shows it, and the id as text
    assert _sql(admin, "SELECT server_seq, pg_typeof(entity_id)::text FROM field_change WHERE mutation_id = %s",
                (edit["mutation_id"],)) == [(None, "uuid")]
    assert _sql(admin, "SELECT entity_id, field, old_value, new_value, outcome, server_seq, incoming_hlc, stored_hlc,"
                       " device_id::text, recorded_by FROM field_history WHERE entity_id = %s", (sid,)) == [
        (sid, "groups.rn.actual", 4, 5, "applied", verdict["server_seq"], edit["hlc"], create["hlc"], a.device_id,
         edit["recorded_by"])]
    # the pull reads the record as it was written
    pulled = next(c for c in admin.station(ward, "b").pull_all() if c["id"] == sid)
    assert pulled["row"]["groups.rn.actual"] == 5 and pulled["field_meta"]["groups.rn.actual"]["tok"] == edit["mutation_id"]


def test_a_record_id_postgresql_would_not_give_back_as_sent_is_refused_not_a_500(admin: Admin, ward: str) -> None:
    """Python reads ``32 hex digits + '----'`` as a UUID; PostgreSQL's uuid does not (and would give other text back)."""
    a = admin.station(ward)
    odd = uuid.uuid4().hex + "----"
    bed = a.mutation("bed", odd, "create", {"ward_id": a.ward_id, "label": "Bed 13"})
    good = a.mutation("bed", str(uuid.uuid4()), "create", {"ward_id": a.ward_id, "label": "Bed 14"})
    res = a.push([bed, good])["results"]
    assert [r["status"] for r in res] == ["rejected", "applied"]
    assert "usual form" in res[0]["error"]


def _at(engine: Engine, revision: str) -> None:
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def _write_as_0010(engine: Engine) -> None:
    """A shift created and edited as the server before 0013 wrote it: its record (whole versions), both
    mutations, and the edit's history row with its change number and the id as text."""
    pg = engine.dialect.name == "postgresql"
    data = {"ward_id": WARD, "shift_date": "2026-10-25", "shift_code": "night", "groups.rn.actual": 5, "notes": "Si\u00e2n"}
    v1 = {"tok": M_CREATE, "hlc": "1792888200000-00000-0f3c9a3e", "device_id": DEV, "seq": 21}
    v2 = {"tok": M_EDIT, "hlc": "1792891800000-00000-0f3c9a3e", "device_id": DEV, "seq": 22}
    meta = {f: (v2 if f == "groups.rn.actual" else v1) for f in data}
    raws = {M_CREATE: {"base": {}, "entity": "shift", "entity_id": SHIFT, "hlc": v1["hlc"], "op": "create",
                       "payload": {**data, "groups.rn.actual": 4}, "schema_version": 12, "wall_time": "2026-10-25T00:30:00Z"},
            M_EDIT: {"base": {"groups.rn.actual": M_CREATE}, "entity": "shift", "entity_id": SHIFT, "hlc": v2["hlc"],
                     "op": "patch", "payload": {"groups.rn.actual": 5}, "schema_version": 12, "wall_time": "2026-10-25T01:30:00Z"}}
    with engine.begin() as c:
        for (mid, raw), seq, at in zip(raws.items(), (1, 2), (T1, T2), strict=True):
            c.execute(text("INSERT INTO received_mutation (mutation_id, device_id, client_seq, server_seq, received_at, status,"
                           " recorded_by, result, raw) VALUES (:m, :d, :s, :q, :at, 'applied', 'staff:mary', '{}', :raw)"),
                      {"m": mid, "d": DEV, "s": seq, "q": 20 + seq, "at": at, "raw": json.dumps(raw, sort_keys=True, separators=(",", ":"))})
        c.execute(text("INSERT INTO field_change (server_seq, mutation_id, entity, entity_id, field, outcome, incoming_hlc,"
                       " stored_hlc, old_value, new_value) VALUES (22, :m, 'shift', :e, 'groups.rn.actual', 'applied', NULL, :h,"
                       " '4', '5')"), {"m": M_EDIT, "e": SHIFT, "h": v1["hlc"]})
        jsonb = "::jsonb" if pg else ""
        c.execute(text("INSERT INTO entity_record (entity, id, ward_id, data, field_meta, deleted, last_seq, needs_review, updated_at)"
                       f" VALUES ('shift', :id, :w, CAST(:data AS text){jsonb}, CAST(:meta AS text){jsonb}, false, 23, false, :at)"),
                  {"id": SHIFT, "w": WARD, "data": json.dumps(data), "meta": json.dumps(meta), "at": T2})
        c.execute(text("INSERT INTO change_log (seq, ward_id, entity, entity_id, deleted) VALUES (23, :w, 'shift', :id, false)"),
                  {"w": WARD, "id": SHIFT})


_READS = {
    "history": "SELECT id, entity, entity_id, field, old_value, new_value, incoming_hlc, stored_hlc, outcome, {dev},"
               " recorded_by, {mid}, server_seq, at FROM field_history ORDER BY id",
    "log": "SELECT {mid}, raw, recorded_by, received_at FROM mutation_log ORDER BY 1",
    "record": "SELECT entity, id{txt}, ward_id{txt}, data, field_meta, deleted, last_seq, needs_review FROM entity_record",
    "change": "SELECT seq, ward_id{txt}, entity, entity_id{txt}, deleted, echo_of FROM change_log",
}


def _norm(v: Any) -> Any:
    if isinstance(v, str) and v[:1] in "{[":
        try:
            return json.loads(v)  # SQLite gives JSON columns as text through text()
        except ValueError:
            return v
    if isinstance(v, datetime):
        return v.astimezone(UTC).replace(tzinfo=UTC)
    return v


def _read(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    txt = "::text" if engine.dialect.name == "postgresql" else ""
    with engine.connect() as c:
        read = {k: [tuple(_norm(v) for v in r) for r in c.execute(text(q.format(dev=f"device_id{txt}", mid=f"mutation_id{txt}", txt=txt)))]
                for k, q in _READS.items()}
    read["record"] = [(*r[:4], stored_versions(r[4]), *r[5:]) for r in read["record"]]  # either form (packed since 0021)
    return read


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_rows_written_before_0013_read_the_same_after_it_and_after_a_downgrade(
        backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = f"sqlite:///{tmp_path / 'server.sqlite'}" if backend == "sqlite" else request.getfixturevalue("fresh_postgres_url")
    engine = make_engine(url)
    try:
        _at(engine, "0010")
        _write_as_0010(engine)
        before = _read(engine)
        assert before["history"][0][2] == SHIFT and before["history"][0][12] == 22 and len(before["log"]) == 2
        migrate(engine)
        assert _read(engine) == before
        if backend == "postgresql":
            with engine.connect() as c:
                assert c.execute(text("SELECT pg_typeof(entity_id)::text FROM field_change")).scalar_one() == "uuid"
                assert c.execute(text("SELECT reloptions FROM pg_class WHERE relname = 'entity_record'")).scalar_one() == [
                    "toast_tuple_target=128"]
                storage = dict(c.execute(text("SELECT attname, attstorage FROM pg_attribute WHERE attrelid = 'entity_record'::regclass"
                                              " AND attnum > 0 AND NOT attisdropped")).all())
                assert {k: storage[k] for k in ("entity", "id", "ward_id", "data", "field_meta")} == {  # ids: uuid since 0018
                    "entity": "m", "id": "p", "ward_id": "p", "data": "m", "field_meta": "m"}
        # a history row written after the migration (no change number of its own) reads with its mutation's
        with engine.begin() as c:
            c.execute(text("INSERT INTO field_name (name) VALUES ('notes')"))  # fields by number since 0022
            c.execute(text("INSERT INTO field_change (server_seq, mutation_id, entity, entity_id, field_id, outcome_code, stored_hlc,"
                           " old_value, new_value) VALUES (NULL, :m, 'shift', :e, (SELECT id FROM field_name WHERE name = 'notes'), 1,"
                           " NULL, '\"a\"', '\"b\"')"),
                      {"m": M_EDIT, "e": SHIFT})
        after = _read(engine)["history"]
        assert after[1][3] == "notes" and after[1][8] == "applied"
        assert after[0] == before["history"][0] and after[1][12] == 22 and after[1][2] == SHIFT
        with engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0010")
        with engine.connect() as c:
            assert c.execute(text("SELECT server_seq FROM field_change ORDER BY id")).scalars().all() == [22, 22]
        assert _read(engine)["record"] == before["record"]
        assert _read(engine)["history"] == after  # names and outcomes as text again (0022's downgrade), the same rows
    finally:
        engine.dispose()


def test_0013_refuses_a_history_row_whose_record_id_uuid_would_change(fresh_postgres_url: str) -> None:
    engine = make_engine(fresh_postgres_url)
    try:
        _at(engine, "0010")
        with engine.begin() as c:
            c.execute(text("INSERT INTO field_change (server_seq, mutation_id, entity, entity_id, field, outcome, stored_hlc,"
                           " old_value, new_value) VALUES (1, :m, 'shift', :e, 'notes', 'applied', NULL, '\"a\"', '\"b\"')"),
                      {"m": M_EDIT, "e": SHIFT.replace("-", "")[:32] + "----"})
        with pytest.raises(RuntimeError, match="not a UUID in its usual"):
            migrate(engine)
    finally:
        engine.dispose()
