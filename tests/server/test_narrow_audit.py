"""Server migration 0022 (issue 13, bytes): a history row names its field by number (``field_name``) and its
outcome by a code, a mutation's verdict is a code and an empty verdict's result is NULL. The push answers a
re-sent change from these exactly as before, the views read the same texts, and the migration converts
existing rows both ways on PostgreSQL and SQLite."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic import command
from server_support import Admin
from sqlalchemy import Engine, text
from support.clocks import SUITE_TODAY

from trust_server.apply import raw_json
from trust_server.db import alembic_config, make_engine, migrate

TODAY = SUITE_TODAY


def _sql(admin: Admin, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(admin.server.database_url.replace("postgresql+psycopg://", "postgresql://")) as con:
        return list(con.execute(query, params).fetchall())


def test_a_resent_change_is_answered_from_the_coded_verdict_and_the_views_read_the_texts(admin: Admin, ward: str) -> None:
    a, b = admin.station(ward), admin.station(ward, "b")
    create = a.create_shift(TODAY, "early", notes="")
    a.push([create])
    sid = a.shift_id(TODAY, "early")
    edit = a.mutation("shift", sid, "patch", {"notes": "Agency nurse sent home"}, base={"notes": create["mutation_id"]})
    bad = a.mutation("shift", sid, "patch", {"groups.rn.actual": "many"}, base={"groups.rn.actual": create["mutation_id"]})
    first = a.push([edit, bad])["results"]
    late = b.mutation("shift", sid, "patch", {"notes": "Bank nurse stayed"}, base={"notes": create["mutation_id"]},
                      hlc=b.next_hlc(-60_000))  # concurrent with the edit, and older: loses, flagged for review
    [b_first] = b.push([late])["results"]
    assert [r["status"] for r in first] == ["applied", "rejected"] and b_first["status"] == "applied"
    assert "concurrent_lost" in b_first["flags"]

    # sent again: answered from what was recorded, exactly as before the codes
    again = a.push([edit, bad], acked_through=create["client_seq"])["results"]
    assert again[0]["status"] == "duplicate" and again[0]["server_seq"] == first[0]["server_seq"]
    assert again[1]["status"] == "rejected" and again[1]["error"] == first[1]["error"]
    assert again[1]["flags"] == [*first[1]["flags"], "duplicate"]
    [b_again] = b.push([late], acked_through=0)["results"]
    assert b_again["status"] == "duplicate" and b_again["flags"] == b_first["flags"]
    assert b_again["effective"] == b_first["effective"]

    # stored as numbers, read as the texts they were
    assert _sql(admin, "SELECT DISTINCT pg_typeof(field_id)::text, pg_typeof(outcome_code)::text FROM field_change"
                       " WHERE entity_id = %s", (sid,)) == [("smallint", "smallint")]
    assert sorted(_sql(admin, "SELECT field, outcome, new_value FROM field_history WHERE entity_id = %s", (sid,))) == [
        ("notes", "applied", "Agency nurse sent home"), ("notes", "concurrent_lost", "Bank nurse stayed")]
    verdicts = dict(_sql(admin, "SELECT mutation_id::text, status FROM applied_mutation WHERE mutation_id::text = ANY(%s)",
                         ([create["mutation_id"], edit["mutation_id"], bad["mutation_id"]],)))
    assert verdicts == {create["mutation_id"]: "applied", edit["mutation_id"]: "applied", bad["mutation_id"]: "rejected"}
    # a clean verdict keeps nothing: NULL in the table, {} in the view
    assert _sql(admin, "SELECT m.result IS NULL, a.result FROM received_mutation m JOIN applied_mutation a USING (mutation_id)"
                       " WHERE m.mutation_id::text = %s", (edit["mutation_id"],)) == [(True, {})]


# --- the migration, both ways ---------------------------------------------------------------------------------

DEV = "0f3c9a3e-2222-4a2b-9c3d-5e6f7a8b9c0d"
SHIFT = "5c2d0000-0000-5000-8000-000000000022"
MIDS = [f"01a23000-0000-7000-8000-0000000022{i:02d}" for i in range(1, 5)]
T = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _at(engine: Engine, revision: str, down: bool = False) -> None:
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


def _write_as_0019(engine: Engine) -> None:
    """A request's texts, its three verdicts (a clean one, a flagged one, a refusal), the server's own write (no
    verdict), and history rows of each outcome, as the server before 0022 wrote them."""
    raws = [json.dumps({"entity": "shift", "entity_id": SHIFT, "hlc": f"179288820000{i}-00000-0f3c9a3e", "op": "patch",
                        "payload": {"notes": f"n{i}"}, "base": {}}, sort_keys=True) for i in range(4)]
    with engine.begin() as c:
        c.execute(text("INSERT INTO received_batch (id, raws) VALUES (7, :r)"),
                  {"r": raws if engine.dialect.name == "postgresql" else json.dumps(raws)})
        rows = [(MIDS[0], 1, 11, "applied", "{}"), (MIDS[1], 2, 12, "applied", '{"flags": ["needs_review"]}'),
                (MIDS[2], 3, None, "rejected", '{"error": "not a number", "flags": []}'), (MIDS[3], None, 13, None, "{}")]
        for i, (mid, seq, server_seq, status, result) in enumerate(rows):
            sent = json.loads(raws[i])  # the push's hash of what was sent (whole before 0022)
            sha = hashlib.sha256(raw_json({k: sent[k] for k in ("entity", "entity_id", "op", "payload", "base")}).encode()).digest()
            c.execute(text("INSERT INTO received_mutation (mutation_id, device_id, client_seq, server_seq, received_at, payload_sha256,"
                           " status, recorded_by, result, batch_id, batch_index) VALUES (:m, :d, :s, :q, :at, :h, :st, 'staff:mary',"
                           " :res, 7, :i)"),
                      {"m": mid, "d": DEV, "s": seq, "q": server_seq, "at": T, "h": sha if seq else None, "st": status,
                       "res": result, "i": i + 1})
        for mid, field, outcome in ((MIDS[0], "notes", "applied"), (MIDS[1], "groups.rn.actual", "concurrent_won"),
                                    (MIDS[1], "notes", "concurrent_lost"), (MIDS[3], "deleted", "applied")):
            c.execute(text("INSERT INTO field_change (server_seq, mutation_id, entity, entity_id, field, outcome, stored_hlc,"
                           " old_value, new_value) VALUES (NULL, :m, 'shift', :e, :f, :o, '1792888200000-00000-0f3c9a3e', '4', '5')"),
                      {"m": mid, "e": SHIFT, "f": field, "o": outcome})


def _norm(v: Any) -> Any:
    if isinstance(v, str) and v[:1] in "{[":
        return json.loads(v)  # SQLite gives JSON as text through text()
    if isinstance(v, datetime):
        return v.astimezone(UTC)
    if isinstance(v, memoryview):
        return bytes(v)
    return v


def _read(engine: Engine, tables: bool) -> dict[str, list[tuple[Any, ...]]]:
    txt = "::text" if engine.dialect.name == "postgresql" else ""
    queries = {
        "history": f"SELECT id, entity, entity_id, field, old_value, new_value, incoming_hlc, stored_hlc, outcome, device_id{txt},"
                   f" recorded_by, mutation_id{txt}, server_seq, at FROM field_history ORDER BY id",
        "verdicts": f"SELECT mutation_id{txt}, device_id{txt}, client_seq, payload_sha256, status, server_seq, result, received_at"
                    " FROM applied_mutation ORDER BY 1",
        "log": f"SELECT mutation_id{txt}, raw, recorded_by, received_at FROM mutation_log ORDER BY 1",
    }
    if tables:  # the tables as 0019 has them
        queries["field_change"] = f"SELECT id, field, outcome, mutation_id{txt} FROM field_change ORDER BY id"
        queries["received_mutation"] = (f"SELECT mutation_id{txt}, status, result, payload_sha256, batch_id, batch_index"
                                        " FROM received_mutation ORDER BY 1")
    with engine.connect() as c:
        return {k: [tuple(_norm(v) for v in r) for r in c.execute(text(q))] for k, q in queries.items()}


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_0022_converts_the_audit_rows_both_ways(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = f"sqlite:///{tmp_path / 'server.sqlite'}" if backend == "sqlite" else request.getfixturevalue("fresh_postgres_url")
    engine = make_engine(url)
    try:
        _at(engine, "0019")
        _write_as_0019(engine)
        before = _read(engine, tables=True)
        assert [r[4] for r in before["verdicts"]] == ["applied", "applied", "rejected"]  # the server's own: no client_seq
        migrate(engine)
        views = {k: v for k, v in before.items() if k in ("history", "verdicts", "log")}
        after = _read(engine, tables=False)
        # a verdict's payload hash keeps its first 16 bytes; every other column reads as before
        assert [r[3] for r in after["verdicts"]] == [r[3][:32] for r in views["verdicts"]]
        after["verdicts"] = [(*r[:3], views["verdicts"][i][3], *r[4:]) for i, r in enumerate(after["verdicts"])]
        assert after == views
        with engine.connect() as c:
            assert c.execute(text("SELECT f.outcome_code, n.name FROM field_change f JOIN field_name n ON n.id = f.field_id"
                                  " ORDER BY f.id")).all() == [(1, "notes"), (2, "groups.rn.actual"), (3, "notes"), (1, "deleted")]
            assert c.execute(text("SELECT count(*) FROM field_name")).scalar_one() == 3  # each name once
            assert c.execute(text("SELECT status_code, result IS NULL FROM received_mutation ORDER BY mutation_id")).all() == [
                (1, True), (1, False), (2, False), (None, True)]
        _at(engine, "0019", down=True)
        assert _read(engine, tables=True) == before  # the hashes whole again, computed from the texts kept
    finally:
        engine.dispose()


def test_0022_refuses_a_status_it_has_no_code_for(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'server.sqlite'}")
    try:
        _at(engine, "0019")
        _write_as_0019(engine)
        with engine.begin() as c:
            c.execute(text("UPDATE received_mutation SET status = 'held' WHERE client_seq = 1"))
        with pytest.raises(RuntimeError, match="held"):
            migrate(engine)
        with engine.connect() as c:  # nothing changed
            assert c.execute(text("SELECT count(*) FROM received_mutation WHERE status = 'held'")).scalar_one() == 1
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_a_field_name_gets_its_number_once_and_a_rolled_back_one_is_not_remembered(
        backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    from sqlmodel import Session

    from trust_server.audit_codes import field_ids, field_names

    url = f"sqlite:///{tmp_path / 'server.sqlite'}" if backend == "sqlite" else request.getfixturevalue("fresh_postgres_url")
    engine = make_engine(url)
    try:
        migrate(engine)
        with Session(engine) as s:
            first = field_ids(s, ["notes", "groups.rn.actual", "notes"])
            s.commit()
        assert sorted(first) == ["groups.rn.actual", "notes"] and len(set(first.values())) == 2
        with Session(engine) as s:
            again = field_ids(s, ["groups.rn.actual", "notes", "deleted"])
            assert again["notes"] == first["notes"] and again["groups.rn.actual"] == first["groups.rn.actual"]
            s.rollback()  # the push that met "deleted" failed: its number goes with it
        with Session(engine) as s:
            assert "deleted" not in field_names(s).values()
            later = field_ids(s, ["deleted"])  # looked up again, not taken from any memory of the rolled-back one
            s.commit()
            assert field_names(s)[later["deleted"]] == "deleted" and len(field_names(s)) == 3
    finally:
        engine.dispose()
