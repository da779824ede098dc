"""Server migration 0018 (issue 13, bytes): record and ward ids are ``uuid`` in ``entity_record`` and
``change_log`` on PostgreSQL (16 bytes, not 37, in each row and index entry). Every reader sees the same
text as before; a record 0016 had to leave under an odd id (its usual form taken by another record) is
moved whole to ``record_set_aside``, not lost, and comes back on a downgrade; SQLite keeps text ids."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from server_support import Admin
from sqlalchemy import text
from test_compact_records import SHIFT, TODAY, WARD, _at, _sql
from test_record_ids import _odd_store, _records

from trust_server.db import make_engine, migrate


def test_a_shift_pushed_edited_and_pulled_reads_its_ids_as_text(admin: Admin, ward: str) -> None:
    a = admin.station(ward)
    create = a.create_shift(TODAY, "early")
    sid = a.shift_id(TODAY, "early")
    edit = a.mutation("shift", sid, "patch", {"groups.rn.actual": 5}, base={"groups.rn.actual": create["mutation_id"]})
    assert [r["status"] for r in a.push([create, edit])["results"]] == ["applied", "applied"]
    pulled = [c for c in admin.station(ward, "b").pull_all() if c["id"] == sid]
    assert len(pulled) == 1 and pulled[0]["ward_id"] == a.ward_id and pulled[0]["row"]["groups.rn.actual"] == 5
    assert _sql(admin, "SELECT id, ward_id FROM entity_record WHERE entity = 'shift' AND id = %s", (sid,)) == [
        (uuid.UUID(sid), uuid.UUID(a.ward_id))]
    types = dict(_sql(admin, "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns"
                             " WHERE (table_name, column_name) IN (('entity_record', 'id'), ('entity_record', 'ward_id'),"
                             " ('change_log', 'entity_id'), ('change_log', 'ward_id'))"))
    assert types == dict.fromkeys(("entity_record.id", "entity_record.ward_id", "change_log.entity_id", "change_log.ward_id"),
                                  "uuid")
    # references in no UUID form are no record's (looked up as absent, never cast into a uuid: no 500)
    odd = a.create_shift(TODAY, "late", nurse_in_charge_id="not-a-uuid-at-all-but-36-characters!")
    [verdict] = a.push([odd])["results"]
    assert verdict["status"] == "rejected", verdict


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_0018_sets_aside_a_record_left_under_an_odd_id_and_a_downgrade_brings_it_back(
        backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = f"sqlite:///{tmp_path / 'server.sqlite'}" if backend == "sqlite" else request.getfixturevalue("fresh_postgres_url")
    engine = make_engine(url)
    try:
        _at(engine, "0015b")
        ids = _odd_store(engine)
        _at(engine, "0017")
        before, before_log = _records(engine)
        migrate(engine)
        with engine.connect() as c:
            cast = "::text" if backend == "postgresql" else ""
            recs = {(e, i): (json.loads(d) if isinstance(d, str) else d)
                    for e, i, d in c.execute(text(f"SELECT entity, id{cast}, data FROM entity_record"))}
            log = sorted(tuple(r) for r in c.execute(text(f"SELECT entity, entity_id{cast} FROM change_log")))
            if backend == "sqlite":  # text keys: nothing to set aside
                assert recs == before and log == before_log
                return
            aside = c.execute(text("SELECT entity, id, ward_id, data, change_seqs, reason FROM record_set_aside")).all()
        odd_key = ("bed", ids["bed_odd"])
        assert recs == {k: v for k, v in before.items() if k != odd_key}
        assert log == [k for k in before_log if k != odd_key]
        assert [(e, i, w, d, s) for e, i, w, d, s, _r in aside] == [("bed", ids["bed_odd"], WARD, before[odd_key], [3])]
        assert f"another bed record has its usual form {ids['bed']}" in aside[0][5]  # (its wording: 0020)
        assert recs[("shift", SHIFT)]["nurse_in_charge_id"] == ids["staff_usual"]
        with engine.begin() as conn:
            from alembic import command

            from trust_server.db import alembic_config
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0017")
        assert _records(engine) == (before, before_log)
    finally:
        engine.dispose()


def test_records_0018_set_aside_are_named_by_settle_record_ids_and_on_health(
        fresh_postgres_url: str, live_server_factory: Any) -> None:
    """Reviewer: a record 0018 set aside left every pull, list and return and nothing said so. The server
    says so at every start and on /health, and ``admin settle-record-ids`` names each one."""
    import httpx

    from trust_server import record_ids

    engine = make_engine(fresh_postgres_url)
    try:
        _at(engine, "0015b")
        ids = _odd_store(engine)
        _at(engine, "0017")
        migrate(engine)
        with engine.begin() as conn:
            report = record_ids.settle(conn)
    finally:
        engine.dispose()
    assert [(e, i) for e, i, _w, _at_ in report.set_aside] == [("bed", ids["bed_odd"])]
    said = report.describe()
    assert "1 record(s) set aside by migration 0018" in said and f"bed {ids['bed_odd']} (ward {WARD})" in said
    srv = live_server_factory(fresh_postgres_url)
    assert httpx.get(srv.url + "/health").json()["records_set_aside"] == 1


def test_0020_says_what_was_odd_about_each_record_0018_set_aside(fresh_postgres_url: str) -> None:
    """Reviewer: 0018 said "another record has it" of every record it set aside, also of one set aside
    for its odd WARD id alone, or for an id that is no UUID. 0020 says what was odd; its downgrade puts
    0018's text back (and 0018's downgrade then brings the records back)."""
    from alembic import command

    from trust_server.db import alembic_config

    engine = make_engine(fresh_postgres_url)
    try:
        _at(engine, "0015b")
        ids = _odd_store(engine)
        _at(engine, "0017")
        bed_odd_ward, odd_ward = str(uuid.uuid4()), WARD.upper()
        with engine.begin() as c:  # set aside for its ward alone; and an id that is no UUID at all
            for seq, (rid, ward_id) in enumerate(((bed_odd_ward, odd_ward), ("bed-7", WARD)), start=5):
                c.execute(text("INSERT INTO entity_record (entity, id, ward_id, data, field_meta, deleted, last_seq,"
                               " needs_review, updated_at) VALUES ('bed', :id, :w, CAST(:d AS jsonb), '{}', false, :s, false,"
                               " '2026-10-25T00:30:00+00:00')"), {"id": rid, "w": ward_id, "s": seq,
                                                                   "d": json.dumps({"ward_id": ward_id, "label": f"Bed {seq}"})})
                c.execute(text("INSERT INTO change_log (seq, ward_id, entity, entity_id, deleted) VALUES (:s, :w, 'bed', :id, false)"),
                          {"s": seq, "w": ward_id, "id": rid})
        before, before_log = _records(engine)
        migrate(engine)
        with engine.connect() as c:
            reasons = dict(c.execute(text("SELECT id, reason FROM record_set_aside")).all())
        assert reasons == {
            ids["bed_odd"]: f"migration 0018: its id is a UUID in an odd form and another bed record has its usual form {ids['bed']}",
            bed_odd_ward: f"migration 0018: its ward id is a UUID in an odd form (usual form {WARD})",
            "bed-7": "migration 0018: its id is not a UUID"}
        with engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0018")
            assert set(conn.execute(text("SELECT reason FROM record_set_aside")).scalars()) == {
                "migration 0018: id or ward not a UUID in its usual form (another record has it)"}
            command.downgrade(cfg, "0017")
        assert _records(engine) == (before, before_log)  # every record back, as it was
    finally:
        engine.dispose()
