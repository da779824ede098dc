"""Sync protocol 2 (issue 13): a station never downloads its own changes, field versions travel
compactly, answers are gzip-compressed, and the history of a new record is its create."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import psycopg
from server_support import Admin, Station, new_ward
from support.clocks import SUITE_TODAY
from support.live_server import LiveServer

from hardtruths_desktop.sync.protocol import PushResponse

TODAY = SUITE_TODAY
DAY = TODAY - timedelta(days=1)


def v2(st: Station) -> dict[str, str]:
    return {**st.headers, "Sync-Protocol": "2"}


def pull2(st: Station, since: int, limit: int = 500) -> tuple[list[dict[str, Any]], int]:
    changes: list[dict[str, Any]] = []
    while True:
        r = st.http.get("/v1/sync/pull", params={"since": since, "limit": limit}, headers=v2(st))
        assert r.status_code == 200, r.text
        page = r.json()
        changes += page["changes"]
        since = page["next_since"]
        if not page["has_more"]:
            return changes, since


def sql(admin: Admin, query: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    url = str(admin.server.database_url).replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as con:
        return list(con.execute(query, params).fetchall())


def test_own_changes_are_not_pulled_back_unless_pulling_from_zero(admin: Admin, ward: str) -> None:
    a, b = admin.station(ward, "a"), admin.station(ward, "b")
    _, cursor = pull2(a, 0)  # the ward's setup: a cursor past it
    assert cursor > 0
    made = [a.create_shift(DAY, staffing_recorded=True), a.create_shift(DAY, "late", staffing_recorded=True)]
    out = a.push(made, extra_headers={"Sync-Protocol": "2"})
    assert all(x["status"] == "applied" and "effective" not in x for x in out["results"])  # applied as sent: no echo
    mine, after = pull2(a, cursor)
    assert [c for c in mine if c["entity"] == "shift"] == []  # its own changes: not sent back ...
    placed = sql(admin, "SELECT max(seq) FROM change_log WHERE entity_id = ANY(%s)", ([m["entity_id"] for m in made],))
    assert after >= placed[0][0]  # ... but passed by the cursor
    assert {c["id"] for c in pull2(a, 0)[0]} >= {a.shift_id(DAY), a.shift_id(DAY, "late")}  # a full re-pull has them

    theirs, _ = pull2(b, 0)
    shift = next(c for c in theirs if c["id"] == a.shift_id(DAY))
    assert "field_meta" not in shift and "deleted" not in shift and "needs_review" not in shift  # defaults left out
    (tok, hlc, fields), = shift["versions"]  # one create: one token for all its fields
    assert tok == made[0]["mutation_id"] and hlc == made[0]["hlc"] and set(fields) == set(made[0]["payload"])

    # b's concurrent change of the same figure (it never saw a's): the merge decides, a must hear of it
    lost = a.mutation("shift", a.shift_id(DAY), "patch", {"groups.rn.actual": 2}, base={"groups.rn.actual": tok})
    won = b.mutation("shift", b.shift_id(DAY), "patch", {"groups.rn.actual": 6}, base={"groups.rn.actual": tok},
                     hlc=b.next_hlc(60_000))
    assert b.push([won], extra_headers={"Sync-Protocol": "2"})["results"][0]["status"] == "applied"
    res = a.push([lost], extra_headers={"Sync-Protocol": "2"})["results"][0]
    assert "concurrent_lost" in res["flags"] and res["effective"] == {"groups.rn.actual": 6}  # what the trust kept
    back, _ = pull2(a, after)
    rec = next(c for c in back if c["id"] == a.shift_id(DAY))
    assert rec["row"]["groups.rn.actual"] == 6 and rec["needs_review"] is True
    versions = {f: (t, h) for t, h, fs in rec["versions"] for f in fs}
    assert versions["groups.rn.actual"][0] == won["mutation_id"]


def test_a_conflicting_own_change_is_pulled_back(admin: Admin, ward: str) -> None:
    """A station's own change the server did not keep as sent (lost a concurrent merge) comes back."""
    a, b = admin.station(ward, "a"), admin.station(ward, "b")
    a.push([a.create_shift(DAY, staffing_recorded=True)], extra_headers={"Sync-Protocol": "2"})
    _, cursor = pull2(a, 0)
    tok = next(c for c in pull2(b, 0)[0] if c["id"] == a.shift_id(DAY))["versions"][0][0]
    b.push([b.mutation("shift", b.shift_id(DAY), "patch", {"notes": "b"}, base={"notes": tok}, hlc=b.next_hlc(60_000))],
           extra_headers={"Sync-Protocol": "2"})
    _, cursor = pull2(a, cursor)  # a has b's change (its cursor passed it) ...
    a.push([a.mutation("shift", a.shift_id(DAY), "patch", {"notes": "a"}, base={"notes": tok})],
           extra_headers={"Sync-Protocol": "2"})  # ... but edited from what it saw before: concurrent, and older
    back, _ = pull2(a, cursor)
    rec = next(c for c in back if c["id"] == a.shift_id(DAY))  # its own (losing) change is not an echo
    assert rec["row"]["notes"] == "b" and rec["needs_review"] is True


def test_protocol_1_pull_is_unchanged(admin: Admin, ward: str) -> None:
    a = admin.station(ward, "a")
    _, cursor = pull2(a, 0)
    a.push([a.create_shift(DAY)])
    old = a.pull_all(since=cursor)  # Sync-Protocol 1: everything, with field_meta as before
    shift = next(c for c in old if c["id"] == a.shift_id(DAY))
    assert "versions" not in shift or shift["versions"] is None
    assert set(shift["field_meta"]["groups.rn.actual"]) == {"tok", "hlc", "device_id", "seq"}


def test_answers_are_gzip_compressed(admin: Admin, ward: str) -> None:
    a = admin.station(ward, "a")
    a.push([a.create_shift(DAY - timedelta(days=i), code) for i in range(5) for code in ("early", "late", "night")])
    r = a.http.get("/v1/sync/pull", params={"since": 0}, headers={**v2(a), "Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
    raw = r.read()
    assert json.loads(raw)["changes"]  # httpx unpacked it; the wire carried fewer bytes
    assert r.num_bytes_downloaded < len(raw) / 3
    assert len(gzip.compress(raw)) < len(raw)


def test_the_history_of_a_new_record_is_its_create(admin: Admin, ward: str) -> None:
    a, b = admin.station(ward, "a"), admin.station(ward, "b")
    first = a.create_shift(DAY, notes="from a")
    a.push([first])
    logged = sql(admin, "SELECT count(*) FROM mutation_log WHERE mutation_id::text = %s", (first["mutation_id"],))
    history = sql(admin, "SELECT count(*) FROM field_history WHERE entity_id = %s", (a.shift_id(DAY),))
    assert logged == [(1,)] and history == [(0,)]  # the create, whole, in mutation_log; no per-field copies
    second = b.create_shift(DAY, notes="from b")  # the same shift made offline on b: a merge, with history
    b.push([second])
    rows = sql(admin, "SELECT field, outcome FROM field_history WHERE mutation_id::text = %s", (second["mutation_id"],))
    assert ("notes", "concurrent_won") in rows or ("notes", "concurrent_lost") in rows


def test_after_a_purge_a_station_still_gets_a_change_its_own_later_change_superseded(
        live_server_factory: Callable[..., LiveServer], fresh_postgres_url: str) -> None:
    """Retention drops a record's older change_log rows; its newest row, even one a station would skip
    as its own, then carries the record to every station (b's change is not lost to a). On a server
    of its own: a purge must not touch the other tests' records."""

    from sqlmodel import Session

    from trust_server.db import make_engine
    from trust_server.retention import purge

    admin = Admin(live_server_factory(fresh_postgres_url))
    ward = new_ward(admin)
    a, b = admin.station(ward, "a"), admin.station(ward, "b")
    a.push([a.create_shift(DAY, staffing_recorded=True)], extra_headers={"Sync-Protocol": "2"})
    _, cursor = pull2(a, 0)
    tok = next(c for c in pull2(b, 0)[0] if c["id"] == a.shift_id(DAY))["versions"][0][0]
    b.push([b.mutation("shift", b.shift_id(DAY), "patch", {"notes": "from b"}, base={"notes": tok})],
           extra_headers={"Sync-Protocol": "2"})
    a.push([a.mutation("shift", a.shift_id(DAY), "patch", {"groups.rn.actual": 5}, base={"groups.rn.actual": tok})],
           extra_headers={"Sync-Protocol": "2"})  # a's own, kept as sent: an echo for a
    engine = make_engine(str(admin.server.database_url))
    try:
        with Session(engine) as session, session.begin():
            assert purge(session, admin.server.clock.now()).superseded_rows >= 2  # b's row (and the create) went
    finally:
        engine.dispose()
    back, _ = pull2(a, cursor)
    rec = next(c for c in back if c["id"] == a.shift_id(DAY))
    assert rec["row"]["notes"] == "from b" and rec["row"]["groups.rn.actual"] == 5


def test_a_push_answer_is_the_models_answer_without_its_defaults(admin: Admin, ward: str) -> None:
    """issue 13 (i13-push5): protocol 2's push answer is written as plain values (``sync.push_plain``), not a
    model per verdict: it must be exactly ``PushResponse.model_dump(exclude_defaults=True)`` of the same
    answer (no default left in, nothing the model does not know), for each kind of verdict."""
    a = admin.station(ward, "a")
    clean = a.create_shift(DAY, staffing_recorded=True)
    ahead = a.create_shift(DAY, "late", staffing_recorded=True)
    ahead["hlc"] = "9999999999999-00000-0000abcd"  # a clock far ahead: applied, clamped and flagged
    bad = a.mutation("shift", a.shift_id(DAY), "patch", {"groups.rn.actual": -3})
    batch = [clean, ahead, bad]

    def both_forms(out: dict[str, Any]) -> None:
        assert PushResponse.model_validate(out).model_dump(exclude_defaults=True) == out

    out = a.push(batch, extra_headers={"Sync-Protocol": "2"})
    both_forms(out)
    first, second, third = out["results"]
    assert set(first) == {"client_seq", "mutation_id", "status", "server_seq"} and first["status"] == "applied"
    assert second["status"] == "applied" and second["flags"] == ["clock_ahead"] and second["effective"]
    assert set(third) == {"client_seq", "mutation_id", "status", "error"} and third["status"] == "rejected"
    again = a.push(batch, acked_through=0, extra_headers={"Sync-Protocol": "2"})  # the answer was lost: sent again
    both_forms(again)
    old = a.push(batch, acked_through=0)  # protocol 1: every field, as before
    assert PushResponse.model_validate(again).model_dump()["results"] == PushResponse.model_validate(old).model_dump()["results"]
    assert [x["status"] for x in again["results"]] == ["duplicate", "duplicate", "rejected"]
