"""A pipelined push merged before its turn (issue 13: a station's push transactions run one after another, so a
batch's records are read and merged while the station's earlier push holds the device; its transaction only locks
them and checks each is still the version read). The real server's engine on PostgreSQL; the steps a push takes
(``prepare_push`` before the turn, ``_push_tx`` in it) called directly so another station's change can land
between them, as it can on a busy server.

Whatever lands between the two steps, the push ends as if it had been merged in its transaction: a record written
since is merged again (its conflict found, not overwritten), a record created since is met, not inserted twice."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from server_support import Admin, Station
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session
from support.clocks import SUITE_TODAY

import trust_server.sync as server_sync
from hardtruths_desktop.sync.protocol import PushRequest
from trust_server.apply import Batch
from trust_server.audit_codes import field_ids
from trust_server.push_turns import StationTurn

PIPELINED = server_sync.ClientHeaders.parse("4", "test", None, None, "1", "1")
ONE_AT_A_TIME = server_sync.ClientHeaders.parse("4", "test", None, None, "1", None)


@pytest.fixture()
def pair(admin: Admin, ward: str) -> Iterator[tuple[Station, Station]]:
    yield admin.station(ward, "ahead-a"), admin.station(ward, "ahead-b")


@pytest.fixture()
def loads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many keys each ``Batch.load`` call read (a push merged in its transaction loads its records there)."""
    seen: list[int] = []
    real = Batch.load

    def counted(self: Batch, keys: Any, share: Any = ()) -> None:
        keys, share = list(keys), list(share)
        seen.append(len(keys) + len(share))
        real(self, keys, share)

    monkeypatch.setattr(Batch, "load", counted)
    return seen


def _request(st: Station, mutations: list[dict[str, Any]]) -> PushRequest:
    return PushRequest.model_validate({"device_id": st.device_id, "device_incarnation": st.incarnation, "server_epoch": None,
                                       "acked_through": st.acked, "mutations": mutations})


#: the station's earlier push in flight in this process (``StationTurn.users``): what a push merged ahead overlaps
BEHIND_ANOTHER = StationTurn(users=2)


def _prepared(admin: Admin, st: Station, req: PushRequest, headers: server_sync.ClientHeaders,
              station: StationTurn = BEHIND_ANOTHER) -> Any:
    return server_sync.prepare_push(req, admin.server.clock, admin.server.app.state.engine, st.device_id, headers, station)


def _in_turn(admin: Admin, st: Station, req: PushRequest, prepared: Any, headers: server_sync.ClientHeaders) -> dict[str, Any]:
    """The push's transaction, as ``push_in_turn`` runs it; its answer (protocol 2's plain form)."""
    with Session(admin.server.app.state.engine, expire_on_commit=False) as session, session.begin():
        answer = server_sync._push_tx(session, st.device_id, req, headers, admin.server.clock, prepared, plain=True)
    out = answer()
    assert isinstance(out, dict)
    st.acked = out["device_last_client_seq"]
    return out


def _sql(admin: Admin, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with Session(admin.server.app.state.engine) as session:
        return [tuple(r) for r in session.connection().exec_driver_sql(query, params).fetchall()]


def _record(st: Station, entity_id: str) -> dict[str, Any]:
    return [c for c in st.pull_all() if c["id"] == entity_id][-1]


def _edit(st: Station, shift: str, value: int, base_from: Station) -> dict[str, Any]:
    tok = _record(base_from, shift)["field_meta"]["groups.rn.actual"]["tok"]
    return st.mutation("shift", shift, "patch", {"groups.rn.actual": value}, base={"groups.rn.actual": tok})


def test_a_pipelined_push_is_merged_before_its_turn_and_only_locked_in_it(admin: Admin, pair: tuple[Station, Station],
                                                                          loads: list[int]) -> None:
    a, b = pair
    days = [SUITE_TODAY - timedelta(days=d) for d in (1, 2, 3)]
    a.push([a.create_shift(day) for day in days])
    req = _request(a, [_edit(a, a.shift_id(day), 6, a) for day in days])
    with Session(admin.server.app.state.engine) as session, session.begin():
        field_ids(session, ["groups.rn.actual"])  # numbered (by any earlier edit of the figure on this server)
    prepared = _prepared(admin, a, req, PIPELINED)
    assert prepared.ahead is not None  # merged before the turn
    assert prepared.ahead[0]._history_copy is not None  # its history's rows written out ahead too
    loads.clear()
    out = _in_turn(admin, a, req, prepared, PIPELINED)
    assert [r["status"] for r in out["results"]] == ["applied"] * 3
    assert loads == []  # nothing read in the transaction but the rows' versions (``Batch.adopt``)
    assert all(_record(b, a.shift_id(day))["row"]["groups.rn.actual"] == 6 for day in days)
    # the history made ahead, as the transaction makes it: each edit's field, old and new value, its change id
    history = _sql(admin, "SELECT entity_id, field, old_value, new_value, outcome, server_seq, incoming_hlc, device_id::text,"
                          " recorded_by FROM field_history WHERE mutation_id::text = ANY(%s) ORDER BY entity_id",
                   ([m.mutation_id for m in req.mutations],))
    assert history == sorted((m.entity_id, "groups.rn.actual", 4, 6, "applied", r["server_seq"], m.hlc, a.device_id, m.recorded_by)
                             for m, r in zip(req.mutations, out["results"], strict=True))


@pytest.mark.parametrize(("headers", "station"), [(ONE_AT_A_TIME, BEHIND_ANOTHER), (PIPELINED, StationTurn(users=1))],
                         ids=["not-pipelined", "pipelined-alone"])
def test_a_push_with_nothing_to_overlap_is_merged_in_its_transaction(admin: Admin, pair: tuple[Station, Station],
                                                                     loads: list[int], headers: server_sync.ClientHeaders,
                                                                     station: StationTurn) -> None:
    """A push not marked pipelined, or the only push of its station in flight here (the first of a backlog): no
    earlier push of the station to overlap, so merging ahead would only start its transaction later."""
    a, _b = pair
    a.push([a.create_shift(SUITE_TODAY - timedelta(days=1))])
    req = _request(a, [_edit(a, a.shift_id(SUITE_TODAY - timedelta(days=1)), 6, a)])
    prepared = _prepared(admin, a, req, headers, station)
    assert prepared.ahead is None
    loads.clear()
    assert [r["status"] for r in _in_turn(admin, a, req, prepared, headers)["results"]] == ["applied"]
    assert loads == [1]


def test_a_record_written_after_the_merge_ahead_is_merged_again_under_the_lock(admin: Admin, pair: tuple[Station, Station],
                                                                                loads: list[int]) -> None:
    """A's edit was merged ahead on the version both stations held; B's edit of the same figure commits before
    A's turn. A's transaction finds the row's version changed and merges again: the two edits are concurrent,
    the record is flagged for review, and B's value is in its history, not silently overwritten."""
    a, b = pair
    day = SUITE_TODAY - timedelta(days=1)
    shift = a.shift_id(day)
    a.push([a.create_shift(day)])
    req = _request(a, [_edit(a, shift, 6, a)])
    prepared = _prepared(admin, a, req, PIPELINED)
    assert prepared.ahead is not None
    assert prepared.ahead[1][0].status == "applied" and not prepared.ahead[1][0].flags  # as it stood when read
    assert b.push([_edit(b, shift, 9, a)])["results"][0]["status"] == "applied"
    loads.clear()
    got = _in_turn(admin, a, req, prepared, PIPELINED)["results"][0]
    assert len(loads) == 1  # read again, under its lock
    assert "needs_review" in got.get("flags", [])
    stored = _record(b, shift)
    assert stored["needs_review"] is True
    assert stored["row"]["groups.rn.actual"] in (6, 9)  # the later clock's value; the other kept in history


def test_a_record_created_after_the_merge_ahead_is_met_not_inserted_again(admin: Admin, pair: tuple[Station, Station],
                                                                           loads: list[int]) -> None:
    """A's create was merged ahead as a new record; B creates the same shift (the same id) first. A's
    transaction finds a row where there was none, merges again, and meets B's record (one row, both values
    merged field by field), never a second insert of the key."""
    a, b = pair
    day = SUITE_TODAY - timedelta(days=2)
    req = _request(a, [a.create_shift(day, notes="from A")])
    prepared = _prepared(admin, a, req, PIPELINED)
    assert prepared.ahead is not None
    assert b.push([b.create_shift(day, notes="from B")])["results"][0]["status"] == "applied"
    loads.clear()
    got = _in_turn(admin, a, req, prepared, PIPELINED)["results"][0]
    assert got["status"] == "applied"
    assert len(loads) == 1
    pulled = [c for c in b.pull_all() if c["id"] == a.shift_id(day)]
    assert pulled and pulled[-1]["row"]["notes"] in ("from A", "from B")
    assert pulled[-1]["needs_review"] is True  # both stations entered a note: a conflict to settle, not a lost one


def test_a_push_is_applied_when_its_merge_ahead_fails(admin: Admin, pair: tuple[Station, Station],
                                                      monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    a, b = pair
    day = SUITE_TODAY - timedelta(days=1)
    a.push([a.create_shift(day)])
    req = _request(a, [_edit(a, a.shift_id(day), 7, a)])

    def broken(self: Batch, keys: Any, share: Any = ()) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Batch, "read_ahead", broken)
    with caplog.at_level("INFO", logger="trust_server.sync"):
        prepared = _prepared(admin, a, req, PIPELINED)
    assert prepared.ahead is None
    assert "merged in its transaction" in caplog.text
    monkeypatch.undo()
    assert [r["status"] for r in _in_turn(admin, a, req, prepared, PIPELINED)["results"]] == ["applied"]
    assert _record(b, a.shift_id(day))["row"]["groups.rn.actual"] == 7


def test_a_re_sent_push_is_not_merged_ahead(admin: Admin, pair: tuple[Station, Station]) -> None:
    """The same batch sent again (its answer lost): the device already holds its client_seqs, so nothing is merged
    ahead and the transaction answers each as a duplicate."""
    a, _b = pair
    day = SUITE_TODAY - timedelta(days=1)
    muts = [a.create_shift(day)]
    req = _request(a, muts)
    assert [r["status"] for r in _in_turn(admin, a, req, _prepared(admin, a, req, PIPELINED), PIPELINED)["results"]] == ["applied"]
    again = _prepared(admin, a, req, PIPELINED)
    assert again.ahead is None
    assert [r["status"] for r in _in_turn(admin, a, req, again, PIPELINED)["results"]] == ["duplicate"]


def test_an_id_received_before_is_not_merged_ahead(admin: Admin, pair: tuple[Station, Station]) -> None:
    """B reuses a mutation id A's push brings (a hostile or copied station): A's push is not merged ahead, and its
    transaction answers that change as a conflicting id, as always."""
    a, b = pair
    day = SUITE_TODAY - timedelta(days=3)
    mine = a.create_shift(day)
    assert b.push([b.create_shift(day - timedelta(days=1)) | {"mutation_id": mine["mutation_id"]}])["results"][0]["status"] == "applied"
    req = _request(a, [mine])
    prepared = _prepared(admin, a, req, PIPELINED)
    assert prepared.ahead is None
    got = _in_turn(admin, a, req, prepared, PIPELINED)["results"][0]
    assert got["status"] == "rejected" and got["flags"] == ["mutation_id_conflict"]


def test_an_id_received_after_the_merge_ahead_is_answered_when_the_push_is_tried_again(
        admin: Admin, pair: tuple[Station, Station]) -> None:
    """B's push with one of A's mutation ids commits between A's merge ahead and A's turn: A's transaction meets the
    id's primary key (a retryable error: nothing of it is written) and, tried again, merges in its transaction and
    answers that change as a conflicting id; A's other change applies."""
    a, b = pair
    day = SUITE_TODAY - timedelta(days=4)
    first, second = a.create_shift(day), a.create_shift(day, "late")
    req = _request(a, [first, second])
    prepared = _prepared(admin, a, req, PIPELINED)
    assert prepared.ahead is not None
    assert b.push([b.create_shift(day - timedelta(days=1)) | {"mutation_id": second["mutation_id"]}])["results"][0]["status"] == "applied"
    with pytest.raises(DBAPIError) as raised:
        _in_turn(admin, a, req, prepared, PIPELINED)
    assert server_sync._is_retryable(raised.value)
    assert prepared.ahead is None  # taken: the retry merges in its transaction
    got = _in_turn(admin, a, req, prepared, PIPELINED)["results"]
    assert [r["status"] for r in got] == ["applied", "rejected"] and got[1]["flags"] == ["mutation_id_conflict"]


def test_a_record_referred_to_and_voided_after_the_merge_ahead_is_checked_again(
        admin: Admin, pair: tuple[Station, Station], loads: list[int]) -> None:
    """A's edit names a nurse in charge (her staff record read ahead, only referred to: locked FOR SHARE in the
    transaction); trust IT voids her record before A's turn. Its version changed: A's push merges again and refuses
    the edit, as it would have in its transaction, instead of pointing the shift at a void record."""
    a, _b = pair
    day = SUITE_TODAY - timedelta(days=5)
    nurse = str(uuid.uuid4())
    a.push([a.create_shift(day), a.mutation("staff", nurse, "create", {"ward_id": a.ward_id, "name": "Nurse A", "role": "rn"})])
    req = _request(a, [a.mutation("shift", a.shift_id(day), "patch", {"nurse_in_charge_id": nurse})])
    prepared = _prepared(admin, a, req, PIPELINED)
    assert prepared.ahead is not None and prepared.ahead[1][0].status == "applied"
    admin.post(f"/v1/admin/records/{nurse}/void", {"reason": "left the trust"})
    loads.clear()
    got = _in_turn(admin, a, req, prepared, PIPELINED)["results"][0]
    assert len(loads) == 1  # read again, under its locks
    assert got["status"] == "rejected" and got["error"] == "It refers to a staff the trust server does not have"


def test_a_push_whose_merge_reads_past_its_keys_is_not_merged_ahead(admin: Admin, pair: tuple[Station, Station]) -> None:
    """A new bed's label is unique in its ward: the merge looks the label up in the table, which the transaction
    could not check by row versions, so the push is merged only in its transaction (where a second bed with the
    label is refused, as always)."""
    a, b = pair
    bed = {"ward_id": a.ward_id, "label": f"Bay {uuid.uuid4().hex[:6]}"}
    assert b.push([b.mutation("bed", str(uuid.uuid4()), "create", bed)])["results"][0]["status"] == "applied"
    req = _request(a, [a.mutation("bed", str(uuid.uuid4()), "create", bed)])
    prepared = _prepared(admin, a, req, PIPELINED)
    assert prepared.ahead is None
    got = _in_turn(admin, a, req, prepared, PIPELINED)["results"][0]
    assert got["status"] == "rejected" and "already has the same label" in got["error"]
