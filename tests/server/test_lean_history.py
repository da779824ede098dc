"""Server migration 0010 (issue 13, bytes): a station's mutation is kept without what its row's columns
hold, a history row without the clock its mutation was sent with; what the history and the log show
is the same as before, and the exact text the station sent comes back byte for byte."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic import command
from server_support import Admin
from sqlalchemy import text
from support.clocks import SUITE_TODAY

from trust_server.apply import full_raw, history_hlc, raw_json, station_raw
from trust_server.db import alembic_config, make_engine, migrate

TODAY = SUITE_TODAY


def _sql(admin: Admin, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(admin.server.database_url.replace("postgresql+psycopg://", "postgresql://")) as con:
        return list(con.execute(query, params).fetchall())


def test_history_and_log_of_a_create_an_edit_and_a_concurrent_edit_read_as_before(admin: Admin, ward: str) -> None:
    a, b = admin.station(ward, "a"), admin.station(ward, "b")
    create = a.create_shift(TODAY, "early")
    a.push([create])
    sid = a.shift_id(TODAY, "early")
    tok = create["mutation_id"]
    edit = a.mutation("shift", sid, "patch", {"groups.rn.actual": 5, "notes": "busy"},
                      base={"groups.rn.actual": tok, "notes": tok})
    a.push([edit])
    # b never saw a's edit: its notes are concurrent (an older clock: it loses), its care figure is new
    late = b.mutation("shift", sid, "patch", {"notes": "quiet", "groups.care.actual": 2}, base={"notes": tok},
                      hlc=f"{int(edit['hlc'][:13]) - 60_000:013d}-00000-{b.device_id[:8]}")
    # a refused change whose id is in capitals (the row keeps it in lower case): kept whole
    odd = b.mutation("shift", sid, "patch", {"groups.rn.actual": 61}, base={"groups.rn.actual": edit["mutation_id"]})
    odd["mutation_id"] = odd["mutation_id"].upper()
    late["recorded_by"] = "staff:Si\u00e2n \u2013 bank"
    res = b.push([late, odd])["results"]
    assert [r["status"] for r in res] == ["applied", "rejected"]
    sent = {m["mutation_id"].lower(): m for m in (create, edit, late, odd)}

    history = _sql(admin, "SELECT mutation_id::text, field, old_value, new_value, outcome, incoming_hlc, stored_hlc,"
                          " device_id::text, recorded_by FROM field_history WHERE entity_id = %s ORDER BY id", (sid,))
    expected = [
        (edit["mutation_id"], "groups.rn.actual", 4, 5, "applied", edit["hlc"], create["hlc"], a.device_id, edit["recorded_by"]),
        (edit["mutation_id"], "notes", "", "busy", "applied", edit["hlc"], create["hlc"], a.device_id, edit["recorded_by"]),
        (late["mutation_id"], "notes", "busy", "quiet", "concurrent_lost", late["hlc"], edit["hlc"], b.device_id, late["recorded_by"]),
        (late["mutation_id"], "groups.care.actual", None, 2, "applied", late["hlc"], None, b.device_id, late["recorded_by"]),
    ]
    assert sorted(history) == sorted(expected)
    # the rows themselves no longer repeat the clock (the view reads it from the mutation)
    assert _sql(admin, "SELECT count(*) FROM field_change WHERE entity_id = %s AND incoming_hlc IS NOT NULL", (sid,)) == [(0,)]

    logged = {mid: json.loads(raw) for mid, raw in _sql(
        admin, "SELECT mutation_id::text, raw FROM mutation_log WHERE mutation_id::text = ANY(%s)", (list(sent),))}
    assert logged.keys() == sent.keys()
    for mid in (create["mutation_id"], edit["mutation_id"], late["mutation_id"]):
        assert logged[mid] == sent[mid]  # the whole mutation as sent: same keys, same values
    assert logged[odd["mutation_id"].lower()] == odd

    # the stored text, kept once a request since 0015 (the view gives it as the row's ``raw`` held it)
    rows = _sql(admin, "SELECT mutation_id::text, client_seq, recorded_by, raw FROM received_raw"
                       " WHERE mutation_id::text = ANY(%s)", (list(sent),))
    for mid, seq, by, raw in rows:
        assert full_raw(raw, mid, seq, by) == raw_json(sent[mid])  # byte for byte what 0009 kept (and hashed)
        slim = '"mutation_id":' not in raw
        assert slim == (mid != odd["mutation_id"].lower())
        if slim:
            assert len(raw) < len(raw_json(sent[mid])) - 60


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_slim_rows_read_whole_in_both_databases_and_the_downgrade_makes_them_whole(
        backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """The views on either database, and a downgrade to 0012, give the mutation and the clock back (a key
    such as ``mutationXid`` does not make a slim row look whole: no LIKE wildcard in the test)."""
    url = f"sqlite:///{tmp_path / 'server.sqlite'}" if backend == "sqlite" else request.getfixturevalue("fresh_postgres_url")
    engine = make_engine(url)
    migrate(engine)
    sent = {"client_seq": 7, "mutation_id": "01a23000-0000-7000-8000-0000000000a1", "entity": "shift",
            "entity_id": "5c2d0000-0000-5000-8000-0000000000a1", "op": "patch", "payload": {"notes": "Si\u00e2n \u2013 1.5", "mutationXid": 1},
            "base": {"notes": "01a23000-0000-7000-8000-0000000000a0"}, "hlc": "1796162021132-00499-0f3c9a3e",
            "schema_version": 12, "recorded_by": "staff:Si\u00e2n", "wall_time": "2026-12-01T21:53:41.132Z"}
    raw = station_raw(sent)
    assert '"mutation_id":' not in raw
    with engine.begin() as c:
        c.execute(text("INSERT INTO received_mutation (mutation_id, device_id, client_seq, server_seq, received_at, status_code,"
                       " recorded_by, result, raw) VALUES (:m, :d, 7, 1, :at, 1, :by, NULL, :raw)"),
                  {"m": sent["mutation_id"], "d": "0f3c9a3e-1111-4a2b-9c3d-5e6f7a8b9c0d", "by": sent["recorded_by"],
                   "raw": raw, "at": datetime(2026, 12, 1, tzinfo=UTC)})
        c.execute(text("INSERT INTO field_name (name) VALUES ('notes')"))  # a field by its number since 0022
        c.execute(text("INSERT INTO field_change (server_seq, mutation_id, entity, entity_id, field_id, outcome_code, incoming_hlc,"
                       " stored_hlc, old_value, new_value) VALUES (1, :m, 'shift', :e, (SELECT id FROM field_name), 1, :h, NULL, :o, :n)"),
                  {"m": sent["mutation_id"], "e": sent["entity_id"], "h": history_hlc(str(sent["hlc"]), raw),
                   "o": '"a"', "n": json.dumps(sent["payload"]["notes"])})  # type: ignore[index]
    with engine.connect() as c:
        assert json.loads(c.execute(text("SELECT raw FROM mutation_log")).scalar_one()) == sent
        assert c.execute(text("SELECT incoming_hlc FROM field_history")).scalar_one() == sent["hlc"]
        assert c.execute(text("SELECT incoming_hlc FROM field_change")).scalar_one() is None
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0012")
    with engine.connect() as c:
        assert c.execute(text("SELECT raw FROM received_mutation")).scalar_one() == raw_json(sent)  # byte for byte
        assert c.execute(text("SELECT incoming_hlc FROM field_change")).scalar_one() == sent["hlc"]
        assert c.execute(text("SELECT raw FROM mutation_log")).scalar_one() == raw_json(sent)
    engine.dispose()


@pytest.mark.parametrize("odd", [{"f": float("inf")}, {"f": float("nan")}, {"t": "a\x00b"}, {"t": "half \ud800"},
                                 {"mutation_id": "x"}])
def test_a_mutation_jsonb_could_not_read_is_kept_whole(odd: dict[str, Any]) -> None:
    sent = {"client_seq": 3, "mutation_id": "01a23000-0000-7000-8000-0000000000b1", "entity": "shift",
            "entity_id": "5c2d0000-0000-5000-8000-0000000000b1", "op": "patch", "payload": odd, "base": {},
            "hlc": "1796162021132-00499-0f3c9a3e", "schema_version": 12, "recorded_by": "staff:x", "wall_time": "2026"}
    assert station_raw(sent) == raw_json(sent)
    assert station_raw({**sent, "payload": {"f": 1.5}}) != raw_json({**sent, "payload": {"f": 1.5}})
