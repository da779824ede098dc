"""PostgreSQL's push path against the reference path (issue 13, i13-push4).

On PostgreSQL a push loads its records on the driver's own cursor and writes its rows as one COPY text per
table (``Batch._load_pg``, ``bulk.copy_text``); on SQLite the same merge reads and writes through SQLAlchemy.
The same pushes (the same mutation ids, clocks and texts) sent to a server of each kind must give the same
verdicts and leave the same rows: records, their field versions, history and the mutations as received."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
from server_support import Admin, Station, new_ward, stored_versions
from support.clocks import SUITE_MS, SUITE_TODAY
from support.live_server import LiveServer

from hardtruths_desktop.domain import ids
from trust_server.apply import raw_json

# both servers keep the suite's pinned clock (the same clocks on both: the same verdicts)
DAY = SUITE_TODAY - timedelta(days=6)  # the shifts: the week before the suite's day
T0 = SUITE_MS - 3_600_000  # the mutations' clocks: an hour before the suite's "now", the same on both servers
PREFIX = "01a2f4c0-0000-7000-8000-"  # this test's mutation ids (the PostgreSQL database is the session's)


def _clock(station: Station, ms: int) -> str:
    return f"{T0 + ms:013d}-00000-{station.device_id[:8]}"


def _script(a: Station, b: Station) -> list[tuple[Station, list[dict[str, Any]]]]:
    """The pushes, built for stations ``a`` and ``b`` of one server (ids and clocks fixed: see ``_ids``)."""
    shifts = {code: ids.shift_id(a.ward_id, DAY + timedelta(days=n), "early") for n, code in enumerate("s1 s2 s3 s4 s5 s6".split())}

    def m(st: Station, n: int, seq: int, entity_id: str, op: str, payload: dict[str, Any], base: dict[str, str] | None = None,
          ms: int = 0) -> dict[str, Any]:
        return st.mutation("shift", entity_id, op, payload, base=base, hlc=_clock(st, ms or n * 1000), seq=seq,
                           mutation_id=f"{PREFIX}{n:012d}")

    def create(st: Station, n: int, seq: int, code: str, **fields: Any) -> dict[str, Any]:
        day = DAY + timedelta(days="s1 s2 s3 s4 s5 s6".split().index(code))
        payload = {"ward_id": a.ward_id, "shift_date": day.isoformat(), "shift_code": "early", "groups.rn.planned": 4,
                   "groups.rn.actual": 4, "groups.rn.planned_hours": 30.0, "groups.rn.actual_hours": 30.0, "notes": "", **fields}
        return m(st, n, seq, shifts[code], "create", payload)

    first = [create(a, 1, 1, "s1"), create(a, 2, 2, "s2", notes="caf\u00e9 \\ \"q\" \t")]
    by_b = [m(b, 3, 1, shifts["s1"], "patch", {"notes": "from b"}, base={"notes": first[0]["mutation_id"]}),
            create(b, 4, 2, "s5", notes="b made it first")]
    tok1, tok2 = first[0]["mutation_id"], first[1]["mutation_id"]
    mixed = [
        *first,  # sent again: duplicates, answered from what was recorded
        m(a, 5, 3, shifts["s1"], "patch", {"notes": "from a"}, base={"notes": tok1}, ms=60_000),  # concurrent with b's: wins, flagged
        m(a, 6, 4, shifts["s2"], "patch", {"groups.rn.actual": 3, "groups.rn.actual_hours": 22.5},
          base={"groups.rn.actual": tok2, "groups.rn.actual_hours": tok2}),
        m(a, 7, 5, shifts["s2"], "patch", {"groups.rn.actual": 61}, base={"groups.rn.actual": tok2}),  # malformed: refused alone
        create(a, 8, 6, "s3"),  # absent: new
        m(a, 9, 7, shifts["s3"], "patch", {"notes": "same batch"}, base={"notes": f"{PREFIX}{8:012d}"}),
        create(a, 10, 8, "s5", notes="a made it too"),  # present (b's): a create that meets a record merges, with history
        m(a, 11, 9, shifts["s6"], "patch", {"notes": "nothing to patch"}),  # absent: refused
        create(a, 12, 10, "s4", **{"groups.care.actual": 2}),
        m(a, 13, 11, shifts["s4"], "patch", {"groups.rn.actual": 5}, base={"groups.rn.actual": tok1}, ms=1000),  # stale base, older clock: lost
        m(a, 14, 12, shifts["s3"], "delete", {}),
    ]
    later = [m(a, 15, 13, shifts["s1"], "patch", {"groups.rn.actual": 2}, base={"groups.rn.actual": tok1}, ms=90_000)]
    # the mixed batch twice (the second time all duplicates), then an edit of the record it flagged for review
    return [(a, first), (b, by_b), (a, mixed), (a, mixed), (a, later)]


def _run(server: LiveServer) -> tuple[list[list[dict[str, Any]]], dict[str, str]]:
    admin = Admin(server)
    ward = new_ward(admin)
    a, b = admin.station(ward, "a"), admin.station(ward, "b")
    verdicts = []
    for st, batch in _script(a, b):
        res = st.push(batch)["results"]
        verdicts.append([{k: v for k, v in r.items() if k != "server_seq"} | {"seq": r.get("server_seq") is not None} for r in res])
    names = {a.device_id: "A", b.device_id: "B", a.ward_id: "WARD", a.device_id[:8]: "a-node", b.device_id[:8]: "b-node"}
    names |= {ids.shift_id(a.ward_id, DAY + timedelta(days=n), "early"): f"SHIFT{n}" for n in range(6)}
    return verdicts, names


def _same_names(value: Any, names: dict[str, str]) -> Any:
    """Device and ward ids (each server's own) named alike; change numbers (each server's own counter) left out."""
    text = json.dumps(value, sort_keys=True)
    for k, v in names.items():
        text = text.replace(k, v)
    out = json.loads(text)
    if isinstance(out, dict):
        for entry in out.values():
            if isinstance(entry, dict):
                entry.pop("seq", None)
    return out


_RECORDS = "SELECT id{cast}, data, field_meta, deleted, needs_review, ward_id{cast} FROM entity_record WHERE entity = 'shift' ORDER BY id"
_HISTORY = ("SELECT f.entity_id{cast}, n.name, f.outcome_code, f.old_value, f.new_value, f.incoming_hlc, f.stored_hlc, f.mutation_id{cast}"
            " FROM field_change f JOIN field_name n ON n.id = f.field_id"
            f" WHERE f.mutation_id{{cast}} LIKE '{PREFIX}%' ORDER BY f.mutation_id, n.name")
# the mutation as received: its row, and its text as the view ``received_raw`` reads it (wherever it is kept)
_RECEIVED = ("SELECT m.mutation_id{cast}, m.client_seq, m.status_code, m.result, r.raw, m.payload_sha256, m.recorded_by, m.server_seq IS NULL"
             " FROM received_mutation m JOIN received_raw r ON r.mutation_id = m.mutation_id"
             f" WHERE m.mutation_id{{cast}} LIKE '{PREFIX}%' ORDER BY m.mutation_id")
_QUERIES = (("records", _RECORDS), ("history", _HISTORY), ("received", _RECEIVED))


def _hash_of(raw: str) -> bytes:
    """The payload hash of a mutation as received (each server's ids differ: compared as "the hash of what it holds")."""
    sent = json.loads(raw)
    return hashlib.sha256(raw_json({k: sent[k] for k in ("entity", "entity_id", "op", "payload", "base")}).encode()).digest()


def _rows(server: LiveServer, names: dict[str, str]) -> dict[str, Any]:
    url = str(server.database_url)
    out: dict[str, Any] = {}
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as con:
            fetched = {k: con.execute(q.format(cast="")).fetchall() for k, q in _QUERIES}
        loads: Callable[[Any], Any] = lambda v: json.loads(v) if isinstance(v, str) else v  # noqa: E731
    else:
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as con:
            fetched = {k: con.execute(q.format(cast="::text")).fetchall() for k, q in _QUERIES}  # type: ignore[call-overload]
        loads = lambda v: v  # noqa: E731
    ward_ids = {names_key for names_key, v in names.items() if v == "WARD"}
    out["records"] = [(_same_names(i, names), _same_names(loads(d), names), _same_names(stored_versions(loads(fm)), names), bool(dl), bool(nr), w in ward_ids)
                      for i, d, fm, dl, nr, w in fetched["records"] if w in ward_ids]
    out["history"] = [(_same_names(e, names), f, o, *(_same_names(loads(v), names) for v in (ov, nv)), *(_same_names(h, names) for h in (ih, sh)), m)
                      for e, f, o, ov, nv, ih, sh, m in fetched["history"]]
    out["received"] = [(m, cs, st, _same_names(loads(res), names), _same_names(raw, names), _hash_of(raw) == bytes(sha), by, no_seq)
                       for m, cs, st, res, raw, sha, by, no_seq in fetched["received"]]
    return out


def test_a_mixed_batch_gives_the_same_verdicts_and_rows_on_postgresql_as_on_the_reference_path(
        live_server: LiveServer, live_server_factory: Callable[..., LiveServer], tmp_path: Path) -> None:
    reference = live_server_factory(None, tmp_path / "sqlite-server")
    assert str(reference.database_url).startswith("sqlite") and str(live_server.database_url).startswith("postgresql")
    got_pg, names_pg = _run(live_server)
    got_ref, names_ref = _run(reference)
    for batch_pg, batch_ref in zip(_same_names(got_pg, names_pg), _same_names(got_ref, names_ref), strict=True):
        for r_pg, r_ref in zip(batch_pg, batch_ref, strict=True):
            assert r_pg == r_ref
    statuses = [r["status"] for r in got_pg[2]]
    assert statuses == ["duplicate", "duplicate", "applied", "applied", "rejected", "applied", "applied", "applied", "rejected",
                        "applied", "applied", "applied"], statuses
    assert [r["status"] for r in got_pg[3]] == ["duplicate" if s == "applied" else s for s in statuses]
    assert "needs_review" in got_pg[2][2]["flags"] and "concurrent_lost" in got_pg[2][10]["flags"]
    rows_pg, rows_ref = _rows(live_server, names_pg), _rows(reference, names_ref)
    for table in ("records", "history", "received"):
        rows_pg[table].sort(key=repr)
        rows_ref[table].sort(key=repr)
        for r_pg, r_ref in zip(rows_pg[table], rows_ref[table], strict=True):
            assert r_pg == r_ref, table
    assert len(rows_pg["records"]) == 5 and len(rows_pg["received"]) == 15
    assert {r[0] for r in rows_pg["records"] if r[4]} == {"SHIFT0", "SHIFT3", "SHIFT4"}  # flagged for review (and still, after an edit)
    assert {h[2] for h in rows_pg["history"]} >= {1, 2, 3}  # applied, concurrent_won, concurrent_lost (codes since 0022)
    assert rows_pg == rows_ref
