"""Odd record ids (i13-clock4): a record id written otherwise than ``str(uuid.UUID(...))`` (braces, no
dashes, dashes elsewhere). No release of the station writes one; a broken or hostile client could, and
servers before migration 0013 kept it as sent. The push refuses one by name, alone; trust IT's tools
take an id in any form and find the record by its usual form; migration 0016 and ``admin
settle-record-ids`` write stored ones in their usual form, on PostgreSQL and on SQLite."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from server_support import Admin, new_ward
from sqlalchemy import Engine, text
from test_compact_records import M_EDIT, SHIFT, WARD, _at, _write_as_0010

from trust_server.cli import main
from trust_server.db import make_engine


def _odd_forms(rid: str) -> list[str]:
    """36 characters each (the protocol's length for an id), each read by Python's ``uuid.UUID`` as ``rid``."""
    h = rid.replace("-", "")
    return ["{" + h[:8] + "-" + h[8:] + "-}", h + "----", "-".join((h[:4], h[4:8], h[8:12], h[12:16], h[16:]))]


def test_the_push_refuses_each_odd_id_by_name_and_applies_the_rest(admin: Admin, ward: str) -> None:
    a = admin.station(ward)
    good = a.mutation("bed", str(uuid.uuid4()), "create", {"ward_id": a.ward_id, "label": "Bed 1"})
    odd = [a.mutation("bed", rid, "create", {"ward_id": a.ward_id, "label": f"Bed {n + 2}"})
           for n, rid in enumerate(_odd_forms(str(uuid.uuid4())))]
    later = a.mutation("bed", str(uuid.uuid4()), "create", {"ward_id": a.ward_id, "label": "Bed 9"})
    res = a.push([good, *odd, later])["results"]
    assert [r["status"] for r in res] == ["applied", *["rejected"] * len(odd), "applied"]
    for r, m in zip(res[1:-1], odd, strict=True):
        assert "usual form" in r["error"] and m["entity_id"].lower() in r["error"], r
    # capitals are the same UUID written as PostgreSQL gives it back in lower case: taken, kept in lower case
    upper = str(uuid.uuid4())
    assert a.push([a.mutation("bed", upper.upper(), "create", {"ward_id": a.ward_id, "label": "Bed 10"})])[
        "results"][0]["status"] == "applied"
    assert any(c["id"] == upper for c in a.pull_all())


def test_trust_it_finds_a_record_by_its_id_in_any_form(own_admin: Admin, capsys: pytest.CaptureFixture[str]) -> None:
    admin = own_admin  # the admin CLI needs a database of one trust
    a = admin.station(new_ward(admin))
    bed = str(uuid.uuid4())
    assert a.push([a.mutation("bed", bed, "create", {"ward_id": a.ward_id, "label": "Bed 1"})])["results"][0]["status"] == "applied"
    db = ["--database-url", str(admin.server.database_url), "--data-dir", str(admin.server.settings.data_dir)]
    assert main(["admin", *db, "void", "--record", _odd_forms(bed)[0].upper(), "--reason", "entered twice"]) == 0
    assert f"record {bed} is void" in capsys.readouterr().out
    assert main(["admin", *db, "void", "--record", "not-an-id", "--reason", "x"]) == 2
    assert "'not-an-id' is not a record id" in capsys.readouterr().err
    written = admin.post("/v1/admin/records", {"records": [{"entity": "bed", "id": _odd_forms(str(uuid.uuid4()))[1].upper(),
                                                             "values": {"ward_id": a.ward_id, "label": "Bed 2"}}]})
    assert written[0]["status"] == "applied" and len(written[0]["id"]) == 36 and written[0]["id"] == written[0]["id"].lower()


def _odd_store(engine: Engine) -> dict[str, str]:
    """Records an older server kept under odd ids: a staff member (braces) that a shift refers to (no dashes),
    a bed whose usual form another bed already has (left alone), each with its change-log row."""
    pg = engine.dialect.name == "postgresql"
    jsonb = "::jsonb" if pg else ""
    staff, bed = str(uuid.uuid4()), str(uuid.uuid4())
    ids = {"staff": _odd_forms(staff)[0], "bed_odd": _odd_forms(bed)[1], "bed": bed, "staff_usual": staff}
    rows = [("staff", ids["staff"], {"ward_id": WARD, "name": "Ann Lee", "role": "rn"}),
            ("shift", SHIFT, {"ward_id": WARD, "shift_date": "2026-10-25", "shift_code": "night",
                              "nurse_in_charge_id": _odd_forms(staff)[2]}),
            ("bed", ids["bed_odd"], {"ward_id": WARD, "label": "Bed 1"}), ("bed", bed, {"ward_id": WARD, "label": "Bed 1a"})]
    with engine.begin() as c:
        for seq, (entity, rid, data) in enumerate(rows, start=1):
            c.execute(text("INSERT INTO entity_record (entity, id, ward_id, data, field_meta, deleted, last_seq, needs_review,"
                           f" updated_at) VALUES (:e, :id, :w, CAST(:data AS text){jsonb}, CAST('{{}}' AS text){jsonb}, false,"
                           " :s, false, '2026-10-25T00:30:00+00:00')"), {"e": entity, "id": rid, "w": WARD, "data": json.dumps(data),
                                                                         "s": seq})
            c.execute(text("INSERT INTO change_log (seq, ward_id, entity, entity_id, deleted) VALUES (:s, :w, :e, :id, false)"),
                      {"s": seq, "w": WARD, "e": entity, "id": rid})
    return ids


def _records(engine: Engine) -> tuple[dict[tuple[str, str], Any], list[tuple[str, str]]]:
    with engine.connect() as c:
        recs = {(e, i): (json.loads(d) if isinstance(d, str) else d) for e, i, d in c.execute(text("SELECT entity, id, data FROM entity_record"))}
        log = sorted((e, i) for e, i in c.execute(text("SELECT entity, entity_id FROM change_log")))
    return recs, log


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_0016_writes_odd_ids_and_references_in_their_usual_form(backend: str, tmp_path: Path,
                                                                  request: pytest.FixtureRequest) -> None:
    url = f"sqlite:///{tmp_path / 'server.sqlite'}" if backend == "sqlite" else request.getfixturevalue("fresh_postgres_url")
    engine = make_engine(url)
    try:
        _at(engine, "0015b")
        ids = _odd_store(engine)
        _at(engine, "0016")  # (0018 then sets the bed left here aside: tests/server/test_record_uuid.py)
        recs, log = _records(engine)
        staff = ids["staff_usual"]
        assert ("staff", staff) in recs and ("staff", ids["staff"]) not in recs  # the key, and its change-log row
        assert ("staff", staff) in log and ("staff", ids["staff"]) not in log
        assert recs[("shift", SHIFT)]["nurse_in_charge_id"] == staff  # the reference to it
        assert recs[("bed", ids["bed_odd"])]["label"] == "Bed 1" and recs[("bed", ids["bed"])]["label"] == "Bed 1a"  # not merged
        assert ("bed", ids["bed_odd"]) in log
    finally:
        engine.dispose()


def test_settle_record_ids_lets_0013_run_on_history_holding_an_odd_id(fresh_postgres_url: str, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """0013 refuses to run while the history holds an odd id; the admin command settles the database as it
    is (without migrating it first), the server then starts, and the history reads the record's usual id."""
    engine = make_engine(fresh_postgres_url)
    try:
        _at(engine, "0010")
        _write_as_0010(engine)
        odd = _odd_forms(SHIFT)[1]
        with engine.begin() as c:
            for table, column in (("entity_record", "id"), ("change_log", "entity_id"), ("field_change", "entity_id")):
                c.execute(text(f"UPDATE {table} SET {column} = :o WHERE {column} = :s"), {"o": odd, "s": SHIFT})
        db = ["--database-url", fresh_postgres_url, "--data-dir", str(tmp_path)]
        assert main(["admin", *db, "devices"]) == 2  # the start refuses, in one line, naming the way out
        err = capsys.readouterr().err
        assert "settle-record-ids" in err and len(err.strip().splitlines()) == 1
        assert main(["admin", *db, "settle-record-ids"]) == 0
        assert "1 record id(s)" in capsys.readouterr().out
        assert main(["admin", *db, "devices"]) == 0  # the server starts: migrated to the head
        with engine.connect() as c:
            assert c.execute(text("SELECT entity_id::text FROM field_history WHERE mutation_id::text = :m"),
                             {"m": M_EDIT}).scalars().all() == [SHIFT]
            assert c.execute(text("SELECT id::text FROM entity_record")).scalars().all() == [SHIFT]  # uuid since 0018
    finally:
        engine.dispose()


def test_a_record_whose_usual_id_is_taken_is_listed_for_it(fresh_postgres_url: str, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    engine = make_engine(fresh_postgres_url)
    try:
        _at(engine, "0015b")
        ids = _odd_store(engine)
    finally:
        engine.dispose()
    assert main(["admin", "--database-url", fresh_postgres_url, "--data-dir", str(tmp_path), "settle-record-ids"]) == 0
    out = capsys.readouterr().out
    assert "1 record id(s) and 1 reference(s)" in out and f"bed {ids['bed_odd']}: another bed record has the id {ids['bed']}" in out


def test_no_station_release_wrote_an_odd_id() -> None:
    """The release fixtures' stores (every id the station ever generated) hold ids in their usual form only."""
    import re
    import sqlite3

    usual = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    fixtures = sorted((Path(__file__).parents[1] / "migrations" / "fixtures").glob("store-*.sqlite"))
    assert fixtures
    for f in fixtures:
        con = sqlite3.connect(f"file:{f}?mode=ro", uri=True)
        try:
            for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
                cols = [c[1] for c in con.execute(f'PRAGMA table_info("{table}")') if c[1] == "id" or c[1].endswith("_id")]
                for col in cols:
                    for (v,) in con.execute(f'SELECT "{col}" FROM "{table}" WHERE length("{col}") >= 32'):
                        assert not isinstance(v, str) or usual.fullmatch(v), (f.name, table, col, v)
        finally:
            con.close()
