"""Server migration 0010 (issue 13, bytes): a station's mutation is kept without what its row's columns
hold, a history row without the clock its mutation was sent with; what the history and the log show
is the same as before, and the exact text the station sent comes back byte for byte."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import psycopg
from server_support import Admin

from trust_server.apply import full_raw, raw_json

TODAY = date.today()


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

    rows = _sql(admin, "SELECT mutation_id::text, client_seq, recorded_by, raw FROM received_mutation"
                       " WHERE mutation_id::text = ANY(%s)", (list(sent),))
    for mid, seq, by, raw in rows:
        assert full_raw(raw, mid, seq, by) == raw_json(sent[mid])  # byte for byte what 0009 kept (and hashed)
        slim = '"mutation_id":' not in raw
        assert slim == (mid != odd["mutation_id"].lower())
        if slim:
            assert len(raw) < len(raw_json(sent[mid])) - 60
