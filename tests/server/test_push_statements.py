"""What a push of one-field edits costs the server per batch (issue 13, helper "edits": 2,000 edits pushed at
least 2.5x faster than PouchDB). The real server over HTTP on PostgreSQL.

* The push's statements go on the driver's own connection (``bulk.driver_rows``), not through SQLAlchemy's
  statement path (~0.2-0.5 ms of CPU each, ~20 a push): only the superseded change-log rows' delete still goes
  through it, however many edits the batch holds (the look-ups of mutations received before, two ORM statements
  and an ORM object per row, since i13-cpu9 too: ``sync.received_before``, read as the ORM reads them).
* An edit writes ONE version object for the fields it sets (as a create does, and as the stored versions hold it:
  one group), not one per field: packing and stamping work once per mutation.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from server_support import Admin, Station
from sqlalchemy import Engine, event, select, text
from sqlmodel import Session, col
from support.clocks import SUITE_TODAY

import trust_server.sync as server_sync
from hardtruths_desktop.sync.protocol import Mutation
from trust_server.apply import Author, Batch, Incoming
from trust_server.models import SERVER_DEVICE_ID, ReceivedMutation

CODES = ("early", "late", "night")


def _shifts(a: Station, n: int) -> list[str]:
    """``n`` shifts recorded by ``a`` (days back from yesterday, three a day); their ids."""
    days = [(SUITE_TODAY - timedelta(days=1 + i // len(CODES)), CODES[i % len(CODES)]) for i in range(n)]
    a.push([a.create_shift(day, code) for day, code in days])
    return [a.shift_id(day, code) for day, code in days]


def _edits(a: Station, ids: list[str], value: int) -> list[dict[str, Any]]:
    """An edit of each shift's RN figure and its hours (what the ward PC sends), each on the version it holds."""
    versions = {c["id"]: c["field_meta"] for c in a.pull_all()}
    return [a.mutation("shift", i, "patch", {"groups.rn.actual": value, "groups.rn.actual_hours": value * 7.5},
                       base={"groups.rn.actual": versions[i]["groups.rn.actual"]["tok"],
                             "groups.rn.actual_hours": versions[i]["groups.rn.actual_hours"]["tok"]}) for i in ids]


class _Counted:
    """Statements SQLAlchemy executes on ``engine`` while in the ``with`` block."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.statements: list[str] = []

    def _count(self, _conn: Any, _cursor: Any, statement: str, *_a: Any) -> None:
        self.statements.append(statement)

    def __enter__(self) -> _Counted:
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_exc: Any) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)


@pytest.fixture()
def station(admin: Admin, ward: str) -> Iterator[Station]:
    yield admin.station(ward, "edits")


def test_a_push_of_edits_goes_on_the_driver_whatever_its_size(admin: Admin, station: Station) -> None:
    engine: Engine = admin.server.app.state.engine
    ids = _shifts(station, 60)
    station.push(_edits(station, ids[:1], 4))  # a history row's field names are numbered once per server (field_name)
    counts = []
    for n, value in ((6, 5), (60, 6)):
        batch = _edits(station, ids[:n], value)
        with _Counted(engine) as counted:
            res = station.push(batch)["results"]
        assert [r["status"] for r in res] == ["applied"] * n
        counts.append([s.split()[0] for s in counted.statements])
    # the superseded change-log rows' delete (``stream.drop_unsent``), and nothing else, for 6 edits as for 60
    assert counts[0] == counts[1] == ["DELETE"], counts
    # and the edits are there
    versions = {c["id"]: c for c in station.pull_all()}
    assert {versions[i]["row"]["groups.rn.actual"] for i in ids} == {6}


def test_the_mutations_received_before_are_read_on_the_driver_as_the_orm_reads_them(admin: Admin, station: Station) -> None:
    """``sync.received_before`` (PostgreSQL: two driver statements) gives each row as the ORM's ``ReceivedMutation`` has
    it, found by client_seq (this station's) and by id (any station's): a change applied as sent (no verdict kept), one
    refused (its error kept), one applied with a flag (its flags and effective values kept), another station's."""
    engine: Engine = admin.server.app.state.engine
    other = admin.station(station.ward_code, "other")
    theirs = other.create_shift(SUITE_TODAY - timedelta(days=9))
    assert [r["status"] for r in other.push([theirs])["results"]] == ["applied"]
    day = SUITE_TODAY - timedelta(days=8)
    sent = [station.mutation("shift", station.shift_id(day), "create",
                             {"ward_id": station.ward_id, "shift_date": day.isoformat(), "shift_code": "early"}),
            station.mutation("shift", station.shift_id(day, "late"), "create",
                             {"ward_id": station.ward_id, "shift_date": day.isoformat(), "shift_code": "late", "groups.rn.actual": -3}),
            station.mutation("shift", station.shift_id(day, "night"), "create",
                             {"ward_id": station.ward_id, "shift_date": day.isoformat(), "shift_code": "night"},
                             hlc=station.next_hlc(offset_ms=3 * 3600 * 1000))]  # 3 h ahead: flagged clock_ahead
    verdicts = station.push(sent)["results"]
    assert [r["status"] for r in verdicts] == ["applied", "rejected", "applied"], verdicts
    assert verdicts[2]["flags"] == ["clock_ahead"], verdicts
    again = [*sent, {**theirs, "client_seq": sent[-1]["client_seq"] + 1}]  # another station's id: found by id only
    muts = [Mutation.model_validate(m) for m in again]
    with Session(engine) as session:
        by_seq, by_mid = server_sync.received_before(session, station.device_id, muts, sent[-1]["client_seq"])
        orm = {r.mutation_id: r for r in session.execute(select(ReceivedMutation).where(
            col(ReceivedMutation.mutation_id).in_([m["mutation_id"] for m in again]))).scalars()}
    as_orm = {mid: server_sync.Received(r.mutation_id, r.device_id, r.client_seq, r.server_seq, r.payload_sha256,
                                        r.status_code, r.result) for mid, r in orm.items()}
    assert by_mid == as_orm
    assert by_seq == {m["client_seq"]: as_orm[m["mutation_id"]] for m in sent}
    assert [type(by_mid[m["mutation_id"]].payload_sha256) for m in again] == [bytes] * 4
    kept = [by_mid[m["mutation_id"]].result for m in sent]
    assert kept[0] is None and "error" in kept[1] and kept[2]["flags"] == ["clock_ahead"] and kept[2]["effective"], kept


def test_a_push_of_new_changes_looks_up_received_ones_by_id_only(admin: Admin, station: Station,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The look-up by client_seq answers only for a batch's changes the device sent before (up to its last client_seq):
    a push of new changes makes none, a batch sent again makes it and is answered from the stored verdicts."""
    ids = _shifts(station, 3)
    seen: list[str] = []
    real = server_sync.driver_rows

    def counted(session: Any, sql: str, params: Any = ()) -> Any:
        seen.append(sql)
        return real(session, sql, params)

    monkeypatch.setattr(server_sync, "driver_rows", counted)
    batch = _edits(station, ids, 5)
    assert [r["status"] for r in station.push(batch)["results"]] == ["applied"] * 3
    assert seen.count(server_sync.RECEIVED_BY_IDS_SQL) == 1 and server_sync.RECEIVED_BY_SEQ_SQL not in seen
    seen.clear()
    again = station.push(batch, acked_through=batch[0]["client_seq"] - 1)["results"]  # the answer lost: sent again
    assert [r["status"] for r in again] == ["duplicate"] * 3, again
    assert seen.count(server_sync.RECEIVED_BY_SEQ_SQL) == 1 and seen.count(server_sync.RECEIVED_BY_IDS_SQL) == 1


def test_an_edit_writes_one_version_for_the_fields_it_sets(admin: Admin, station: Station) -> None:
    engine: Engine = admin.server.app.state.engine
    [shift] = _shifts(station, 1)
    [m] = _edits(station, [shift], 3)
    with Session(engine) as session:
        batch = Batch(session, Author(SERVER_DEVICE_ID, None), admin.server.clock.now())
        batch.load([("shift", shift)])
        out = batch.apply(Incoming(m["mutation_id"], "shift", shift, "patch", m["payload"], m["base"], m["hlc"], "test",
                                   "{}"))
        session.rollback()
    assert out.status == "applied", out.error
    assert len(out.meta_entries) == 1
    rec = batch.records[("shift", shift)]
    assert rec.meta["groups.rn.actual"] is rec.meta["groups.rn.actual_hours"] is out.meta_entries[0]
    assert [h["field"] for h in out.history] == ["groups.rn.actual", "groups.rn.actual_hours"]


def test_an_answer_that_fails_after_the_commit_is_given_again_from_the_stored_verdicts(
        admin: Admin, station: Station, monkeypatch: pytest.MonkeyPatch) -> None:
    """The answer is built after the commit (the station's turn passed on): if building it fails (a fault injected
    here, once), the station is told 500 and sends the batch again, and the server answers from the verdicts it
    stored, applying nothing twice (review of i13-edits8)."""
    ids = _shifts(station, 3)
    batch = _edits(station, ids, 4)
    real = server_sync._push_answer
    calls = {"n": 0}

    def fails_once(*a: Any, **kw: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("answer lost after the commit (test)")
        return real(*a, **kw)

    monkeypatch.setattr(server_sync, "_push_answer", fails_once)
    assert station.push_raw(batch).status_code == 500
    again = station.push(batch)["results"]
    assert [r["status"] for r in again] == ["duplicate"] * 3, again
    rows = {c["id"]: c["row"] for c in station.pull_all() if c["id"] in ids}
    assert [r["groups.rn.actual"] for r in rows.values()] == [4, 4, 4], rows
    engine: Engine = admin.server.app.state.engine
    with Session(engine) as session:
        applied = session.execute(text("SELECT count(*) FROM received_mutation WHERE mutation_id = ANY(:m)"),
                                  {"m": [m["mutation_id"] for m in batch]}).scalar_one()
    assert applied == 3
