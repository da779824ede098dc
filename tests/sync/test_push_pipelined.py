"""A push of several batches saves each batch's verdicts while the next batch is on its way (issue 13):
every answered batch's verdicts are saved, in order, whatever happens to the batch after it. Real
station, real server over loopback HTTP."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from support.clocks import SUITE_TODAY
from sync_support import Network, Server, Station, new_ward_code

from hardtruths_desktop.store import sync_store
from hardtruths_desktop.sync.engine import SyncEngine
from hardtruths_desktop.sync.protocol import HEADER_PIPELINED
from trust_server.api import sync as api_sync
from trust_server.apply import Batch

DAY = SUITE_TODAY - timedelta(days=2)  # the trust server checks dates against its own (real) clock


class CutAfterPushes(Network):
    """The network goes down after ``pushes`` push requests (the later ones never leave the PC)."""

    def __init__(self, pushes: int) -> None:
        super().__init__()
        self.pushes = pushes

    @property  # type: ignore[override]
    def online(self) -> bool:
        return self.requests.count("POST /v1/sync/push") <= self.pushes

    @online.setter
    def online(self, _value: bool) -> None:
        pass


def _enrolled_with_changes(server: Server, make_station: Callable[..., Station], days: int) -> tuple[Station, list[str]]:
    """A station enrolled on a new ward and synced, with ``days`` Early shifts waiting, pushed 2 changes a batch."""
    ward = new_ward_code()
    st = make_station("a").set_up_ward(ward)
    server.create_ward(ward)
    st.enrol(server, ward)
    assert st.sync().ok  # the ward's set-up
    mids = [mid for k in range(days) for mid in st.record(DAY - timedelta(days=k), "early", rn=3, care=2)]
    st.engine.batch_size = st.engine.max_batch = 2
    return st, mids


def _applied_in_order(server: Server, seqs: list[Any], mids: list[str]) -> None:
    """Each change has its change id (the station kept the verdict) and the server applied them in client_seq
    order (where it received each, drawn in its transaction: ``Server.received_order``)."""
    assert None not in seqs and len(set(seqs)) == len(seqs)
    order = server.received_order(mids)
    assert len(order) == len(mids) and order == sorted(order)


def test_each_answered_batch_is_saved_when_the_next_one_fails(server: Server, make_station: Callable[..., Station]) -> None:
    st, mids = _enrolled_with_changes(server, make_station, days=7)
    st.net = CutAfterPushes(2)  # two batches answered; the third cannot be sent

    result = st.sync()
    assert not result.ok and result.error == "offline"
    assert result.pushed == 4 and result.applied == 4
    rows = {r["mutation_id"]: r for r in st.outbox()}
    states = [rows[m]["state"] for m in mids]
    assert states == ["acked"] * 4 + ["pending"] * (len(mids) - 4)  # both answered batches saved, in order
    seqs = [rows[m]["result"]["server_seq"] for m in mids[:4]]
    _applied_in_order(server, seqs, mids[:4])

    st.net = Network()
    again = st.sync()
    assert again.ok and again.pushed == len(mids) - 4 and again.duplicates == 0
    assert all(r["state"] == "acked" for r in st.outbox())
    assert server.applied(mids) == {m: 1 for m in mids}  # each change once


def test_the_next_batch_is_read_and_written_while_the_one_before_is_on_its_way(
        server: Server, make_station: Callable[..., Station], monkeypatch: pytest.MonkeyPatch) -> None:
    """The push builds batch k+1 (outbox rows read, body written and compressed) on its worker thread
    while batch k is on the wire, and sends it only once batch k is answered whole: every change
    arrives once, in order, and the station's outbox ends acknowledged."""
    st, mids = _enrolled_with_changes(server, make_station, days=5)
    reads: list[tuple[int, str]] = []
    real = sync_store.pending_wire

    def recorded(store: Any, limit: int, after: int = 0) -> list[dict[str, Any]]:
        reads.append((after, threading.current_thread().name))
        return real(store, limit, after)

    monkeypatch.setattr(sync_store, "pending_wire", recorded)
    result = st.sync()
    assert result.ok and result.pushed == len(mids) and result.applied == len(mids)
    assert server.applied(mids) == {m: 1 for m in mids}  # each change once
    assert all(r["state"] == "acked" for r in st.outbox())
    ahead = [after for after, thread in reads if thread.startswith("push-verdicts")]
    assert len(ahead) >= len(mids) // 2 - 1 and ahead == sorted(ahead) and 0 not in ahead  # batches 2.. built ahead


def _count_ahead(monkeypatch: pytest.MonkeyPatch, lose: set[int] | None = None) -> list[int]:
    """Record the status of each batch the station sends ahead (0: not sent); ``lose``: the calls (from 1)
    whose answer is lost on the way back, after the server has answered."""
    statuses: list[int] = []
    real = SyncEngine._send_ahead

    def counted(self: SyncEngine, *args: Any) -> httpx.Response | None:
        r = real(self, *args)
        statuses.append(0 if r is None else r.status_code)
        return None if len(statuses) in (lose or set()) else r

    monkeypatch.setattr(SyncEngine, "_send_ahead", counted)
    return statuses


def test_the_next_batch_goes_while_the_one_before_is_applied_and_each_change_arrives_once_in_order(
        server: Server, make_station: Callable[..., Station], monkeypatch: pytest.MonkeyPatch) -> None:
    """issue 13 (i13-push5): a server that answers ``Push-Pipeline: 1`` is sent the next batch before the answer
    to the one before comes back; it applies it after that one. Every change arrives once, in client_seq
    order (where the server received each rises with it), and the station's outbox ends acknowledged."""
    st, mids = _enrolled_with_changes(server, make_station, days=7)  # 7 changes, 4 batches
    ahead = _count_ahead(monkeypatch)
    result = st.sync()
    _each_arrived_once(result, server, mids)
    assert ahead.count(200) >= 2  # batches 2 (3 once the capability is known) .. 4 went ahead
    rows = {r["mutation_id"]: r for r in st.outbox()}
    assert all(rows[m]["state"] == "acked" for m in mids)
    seqs = [rows[m]["result"]["server_seq"] for m in mids]
    _applied_in_order(server, seqs, mids)


def test_a_server_that_does_not_take_a_batch_ahead_is_sent_one_batch_at_a_time(
        server: Server, make_station: Callable[..., Station], monkeypatch: pytest.MonkeyPatch) -> None:
    """A server one release old never says ``Push-Pipeline``: the station never sends a batch before the answer
    to the one before, and never marks one ``Push-Pipelined``."""
    monkeypatch.setattr(api_sync, "HEADER_PIPELINE", "X-Not-Said")  # the answer no longer carries the capability
    st, mids = _enrolled_with_changes(server, make_station, days=4)
    st.engine._pipeline_ok = False  # what this engine learnt before the server was "downgraded"
    ahead = _count_ahead(monkeypatch)
    marked: list[str | None] = []
    real = SyncEngine._request

    def seen(self: SyncEngine, client: httpx.Client, method: str, url: str, **kw: Any) -> httpx.Response:
        if url == "/v1/sync/push":
            marked.append((kw.get("headers") or {}).get(HEADER_PIPELINED))
        return real(self, client, method, url, **kw)

    monkeypatch.setattr(SyncEngine, "_request", seen)
    result = st.sync()
    assert result.ok and result.pushed == len(mids) and result.applied == len(mids)
    assert ahead == [] and marked == [None] * ((len(mids) + 1) // 2)
    assert server.applied(mids) == {m: 1 for m in mids}


def test_a_batch_sent_ahead_whose_answer_is_lost_is_sent_again_and_answered_duplicate(
        server: Server, make_station: Callable[..., Station], monkeypatch: pytest.MonkeyPatch) -> None:
    """The server applied the batch sent ahead but its answer never came back: the station sends it again in
    order (after the batch sent ahead of IT is answered and dropped); the server answers it with its recorded
    verdicts. Nothing is applied twice, nothing is lost."""
    st, mids = _enrolled_with_changes(server, make_station, days=5)
    ahead = _count_ahead(monkeypatch, lose={2})
    result = st.sync()
    assert result.ok and result.pushed == len(mids), result
    assert result.duplicates >= 1 and result.applied + result.duplicates == len(mids)
    assert ahead[1] == 200  # the server did apply it
    assert server.applied(mids) == {m: 1 for m in mids}
    assert all(r["state"] == "acked" for r in st.outbox())


def test_no_batch_is_sent_ahead_while_the_station_pushes_smaller_batches(
        server: Server, make_station: Callable[..., Station], monkeypatch: pytest.MonkeyPatch) -> None:
    """Reviewer: while a refused batch is halved (413, an unreadable change) the batch sent ahead always
    came before the one it follows and waited out the server's 2 s retry, at every step. Below its full
    batch size the station sends one batch at a time; every change still arrives once, in order."""
    st, mids = _enrolled_with_changes(server, make_station, days=5)
    st.engine._pipeline_ok = True  # the server said it takes a batch ahead
    st.engine.batch_size = 1  # halved earlier (a 413 or an unreadable change); the full size is 2
    ahead = _count_ahead(monkeypatch)
    result = st.sync()
    _each_arrived_once(result, server, mids)
    assert ahead == []  # nothing sent ahead at the smaller size
    rows = {r["mutation_id"]: r for r in st.outbox()}
    seqs = [rows[m]["result"]["server_seq"] for m in mids]
    _applied_in_order(server, seqs, mids)


def test_the_batch_after_next_reaches_the_server_before_the_next_one_is_applied(
        server: Server, make_station: Callable[..., Station], monkeypatch: pytest.MonkeyPatch) -> None:
    """issue 13 (i13-http6): once batch k is answered, batch k+2 goes while batch k+1 is still at the server, so
    the server reads and checks it while it applies k+1 (it used to leave only once k+1 was answered). Here
    the server holds batch 2 until batch 3 has reached it: with one batch ahead at a time batch 3 would never
    come, and batch 2 would go on only after 5 s. Every change still arrives once, in order."""
    from trust_server import sync as server_sync

    st, mids = _enrolled_with_changes(server, make_station, days=7)  # 7 changes, 4 batches
    st.engine._pipeline_ok = True  # the server said it takes a batch ahead (learnt on the set-up's sync)
    seqs = sorted(r["client_seq"] for r in st.outbox() if r["state"] == "pending")
    second, third = seqs[2], seqs[4]  # the first change of batch 2 and of batch 3
    real = server_sync.prepare_push  # each push's first step at the server, before its turn
    arrived: list[int] = []
    third_came = threading.Event()
    came_while_held: list[bool] = []

    def held(*args: Any, **kw: Any) -> Any:
        first = args[0].mutations[0].client_seq
        arrived.append(first)
        if first == second and not came_while_held:  # batch 2 waits at the server for batch 3 to reach it
            came_while_held.append(third_came.wait(5))
        elif first == third:
            third_came.set()
        return real(*args, **kw)

    monkeypatch.setattr(server_sync, "prepare_push", held)
    result = st.sync()
    assert came_while_held == [True]  # batch 3 reached the server while batch 2 was held there
    _each_arrived_once(result, server, mids)
    rows = {r["mutation_id"]: r for r in st.outbox()}
    seqs = [rows[m]["result"]["server_seq"] for m in mids]
    _applied_in_order(server, seqs, mids)


class _Requests(list[str]):
    """``Network.requests`` that says when the station asks for a pull page."""

    def __init__(self) -> None:
        super().__init__()
        self.pulled = threading.Event()

    def append(self, item: str) -> None:
        super().append(item)
        if item == "GET /v1/sync/pull":
            self.pulled.set()


def _with_a_change_to_pull(server: Server, make_station: Callable[..., Station]) -> tuple[Station, list[str]]:
    """A station with 3 changes waiting (2 batches), and a change of another station of its ward on the server."""
    st, mids = _enrolled_with_changes(server, make_station, days=3)
    other = make_station("b")
    other.enrol(server, st.ward_code or "")
    assert other.sync().ok
    other.record(DAY - timedelta(days=10), "late", rn=2)
    assert other.sync().ok
    return st, mids


def _pushed_then_pulled(st: Station, mids: list[str], result: Any) -> None:
    """Every change of ``st`` sent, applied and acknowledged, the other station's change pulled, and the next
    cycle has nothing to send or fetch."""
    assert result.ok and result.pushed == len(mids) and result.applied == len(mids), result
    assert result.pulled == 1  # the other station's change
    assert st.shift_row(DAY - timedelta(days=10), "late")["groups"]["rn"][1] == 2
    assert all(r["state"] == "acked" for r in st.outbox())
    again = st.sync()
    assert again.ok and again.pushed == 0 and again.pulled == 0


def test_the_pull_is_asked_for_while_the_last_verdicts_are_saved(
        server: Server, make_station: Callable[..., Station], monkeypatch: pytest.MonkeyPatch) -> None:
    """issue 13 (i13-http6): once the last batch is answered, the pull's first page is asked for while that
    batch's verdicts are saved (it used to be asked for after). The page is applied after them, as before:
    the other station's change arrives, every change of this one is acknowledged, and the next cycle has
    nothing to send or fetch."""
    st, mids = _with_a_change_to_pull(server, make_station)
    st.net.requests = requests = _Requests()
    real = sync_store.record_results
    asked_while_saving: list[bool] = []

    def saving(store: Any, results: list[dict[str, Any]], *args: Any, **kw: Any) -> None:
        if any(r["mutation_id"] == mids[-1] for r in results):  # the last batch's verdicts wait for the pull to be asked
            asked_while_saving.append(requests.pulled.wait(5))
        real(store, results, *args, **kw)

    monkeypatch.setattr(sync_store, "record_results", saving)
    result = st.sync()
    assert asked_while_saving == [True]
    _pushed_then_pulled(st, mids, result)  # the other station's change applied after the verdicts were saved


def test_the_batch_after_next_is_built_before_the_first_is_answered(
        server: Server, make_station: Callable[..., Station], monkeypatch: pytest.MonkeyPatch) -> None:
    """issue 13 (i13-http6): as soon as batch k+1 is built, batch k+2 is read and written too, so it is ready
    the moment k+1 becomes the batch being answered. Here the server holds batch 1 until the station has read
    batch 3's changes: built only once batch 1 is answered, they would never be read while it is held."""
    from trust_server import sync as server_sync

    st, mids = _enrolled_with_changes(server, make_station, days=7)  # 7 changes, 4 batches
    seqs = sorted(r["client_seq"] for r in st.outbox() if r["state"] == "pending")
    third_read = threading.Event()
    real_read = sync_store.pending_wire

    def reading(store: Any, limit: int, after: int = 0) -> list[dict[str, Any]]:
        rows = real_read(store, limit, after)
        if after == seqs[3]:  # batch 3: the changes after batch 2
            third_read.set()
        return rows

    real_push = server_sync.prepare_push  # each push's first step at the server, before its turn
    read_while_held: list[bool] = []

    def held(*args: Any, **kw: Any) -> Any:
        if args[0].mutations[0].client_seq == seqs[0] and not read_while_held:
            read_while_held.append(third_read.wait(5))
        return real_push(*args, **kw)

    monkeypatch.setattr(sync_store, "pending_wire", reading)
    monkeypatch.setattr(server_sync, "prepare_push", held)
    result = st.sync()
    assert read_while_held == [True]
    _each_arrived_once(result, server, mids)
    assert all(r["state"] == "acked" for r in st.outbox())


def test_a_batch_sent_ahead_leaves_only_after_the_one_sent_ahead_before_it_has_left(
        server: Server, make_station: Callable[..., Station], monkeypatch: pytest.MonkeyPatch) -> None:
    """Reviewer (i13-http6's two senders): batch k+1, sent ahead, is taken as the batch being answered while its
    own sending may still be under way; batch k+2 must wait for k+1 to have LEFT, not for it to be taken, or it
    overtakes it, waits out the server's retry and is refused 409. Here batch 2's sending is held on the
    station until batch 3 leaves (at most 2 s): batch 3 must not leave first. (Requests that have left in
    order may still reach the server's handler in either order: the server puts them back in order.)"""
    import gzip
    import json

    from hardtruths_desktop.sync import engine as engine_module

    st, mids = _enrolled_with_changes(server, make_station, days=7)  # 7 changes, 4 batches
    st.engine._pipeline_ok = True  # the server said it takes a batch ahead (learnt on the set-up's sync)
    seqs = sorted(r["client_seq"] for r in st.outbox() if r["state"] == "pending")
    second, third = seqs[2], seqs[4]  # the first change of batch 2 and of batch 3
    real_on_send, real_ahead = engine_module._on_send, SyncEngine._send_ahead
    left: list[int] = []
    third_left = threading.Event()

    def leaving(request: httpx.Request) -> None:
        if request.url.path == "/v1/sync/push":
            left.append(json.loads(gzip.decompress(request.content))["mutations"][0]["client_seq"])
            if left[-1] == third:
                third_left.set()
        real_on_send(request)

    def held_on_station(self: SyncEngine, client: httpx.Client, following: Any, *rest: Any) -> httpx.Response | None:
        wire = following.result()
        if wire.batch and wire.batch[0]["client_seq"] == second:
            third_left.wait(2)  # the bug: batch 3 leaves meanwhile and this wait ends at once
        return real_ahead(self, client, following, *rest)

    monkeypatch.setattr(engine_module, "_on_send", leaving)
    monkeypatch.setattr(SyncEngine, "_send_ahead", held_on_station)
    result = st.sync()
    assert left[:4] == sorted(left[:4]) == seqs[::2], f"a batch left before the one before it: {left}"
    _each_arrived_once(result, server, mids)


def _hooked(st: Station, request: Callable[[httpx.Request], None] | None = None,
            response: Callable[[httpx.Response], None] | None = None) -> None:
    """The station's clients with these event hooks, run before the engine's own (``_on_send``)."""
    make = st.engine.client_factory

    def client(base_url: str, ca_bundle: str | None) -> httpx.Client:
        c = make(base_url, ca_bundle)
        c.event_hooks = {"request": [request] if request else [], "response": [response] if response else []}
        return c

    st.engine.client_factory = client


def test_the_first_batch_leaves_before_the_batch_after_it_is_read(
        server: Server, make_station: Callable[..., Station], monkeypatch: pytest.MonkeyPatch) -> None:
    """issue 13 (i13-station7): the batch after the first is read and written once the first has left, not while
    the first is being sent (the two threads shared the interpreter, and the first batch left 5-30 ms later; the
    server waited for it). Here the first batch's leaving is held up to 0.5 s: the changes after it must not be
    read meanwhile. Every change still arrives once, in order."""
    st, mids = _enrolled_with_changes(server, make_station, days=5)  # 5 changes, 3 batches
    read_after_first = threading.Event()
    real = sync_store.pending_wire

    def reading(store: Any, limit: int, after: int = 0) -> list[dict[str, Any]]:
        if after:
            read_after_first.set()
        return real(store, limit, after)

    read_before_it_left: list[bool] = []

    def leaving(request: httpx.Request) -> None:
        if request.url.path == "/v1/sync/push" and not read_before_it_left:
            read_before_it_left.append(read_after_first.wait(0.5))

    monkeypatch.setattr(sync_store, "pending_wire", reading)
    _hooked(st, request=leaving)
    result = st.sync()
    assert read_before_it_left == [False]
    _each_arrived_once(result, server, mids)
    assert all(r["state"] == "acked" for r in st.outbox())


def test_the_pull_is_asked_for_before_the_last_answer_is_read(
        server: Server, make_station: Callable[..., Station], monkeypatch: pytest.MonkeyPatch) -> None:
    """issue 13 (i13-station7): the pull's first page is asked for the moment the last batch is answered, before
    that answer is read (it used to be asked for after the answer was read and its verdicts handed to the
    recorder). The answer is still read and saved, and the page applied after it, as before."""
    from hardtruths_desktop.sync import engine as engine_module

    st, mids = _with_a_change_to_pull(server, make_station)
    st.net.requests = requests = _Requests()
    real = engine_module.read_push_answer
    asked_before_reading: list[bool] = []

    def reading(body: bytes) -> Any:
        if mids[-1].encode() in body:  # the last batch's answer
            asked_before_reading.append(requests.pulled.wait(5))
        return real(body)

    monkeypatch.setattr(engine_module, "read_push_answer", reading)
    result = st.sync()
    assert asked_before_reading == [True]
    _pushed_then_pulled(st, mids, result)


def test_what_was_saved_before_the_push_is_copied_into_the_file_while_the_first_batch_is_at_the_server(
        server: Server, make_station: Callable[..., Station], monkeypatch: pytest.MonkeyPatch) -> None:
    """issue 13 (i13-station7): the saves waiting in the WAL are copied into the database file while the first
    batch is at the server (a PASSIVE checkpoint once it has left), so the copy after the last answer, on the
    push's critical path, has only the push's own writes. Here the first answer is held on the station until a
    copy has been made (at most 5 s): it used to be made only after the last answer. The file alone (without
    its WAL) then holds every change saved before the sync."""
    import sqlite3

    st, mids = _enrolled_with_changes(server, make_station, days=5)
    copied = threading.Event()
    real = sync_store.checkpoint

    def copying(store: Any) -> int:
        n = real(store)
        copied.set()
        return n

    copied_before_answer: list[bool] = []

    def answered(response: httpx.Response) -> None:
        if response.request.url.path == "/v1/sync/push" and not copied_before_answer:
            copied_before_answer.append(copied.wait(5))

    monkeypatch.setattr(sync_store, "checkpoint", copying)
    _hooked(st, response=answered)
    result = st.sync()
    assert copied_before_answer == [True]
    assert result.ok and result.pushed == len(mids) and result.applied == len(mids)
    alone = st.dir / "file-alone.sqlite"
    alone.write_bytes(st.store.path.read_bytes())
    con = sqlite3.connect(alone)
    try:
        kept = {r[0] for r in con.execute("SELECT mutation_id FROM outbox")}
    finally:
        con.close()
    assert set(mids) <= kept


def _each_arrived_once(result: Any, server: Server, mids: list[str]) -> None:
    """The sync pushed and the server applied every change, each exactly once."""
    assert result.ok and result.pushed == len(mids) and result.applied == len(mids) and result.duplicates == 0
    assert server.applied(mids) == {m: 1 for m in mids}


def _request_sizes(server: Server, mids: list[str]) -> list[int]:
    """How many of ``mids`` each push request brought, in the order the server applied them (a request's texts
    share ``received_batch`` rows, at most 100 to a row: the batches here are smaller)."""
    sizes: dict[int, int] = {}
    for batch_id, _index in server.received_order(mids):
        sizes[batch_id] = sizes.get(batch_id, 0) + 1
    return [sizes[k] for k in sorted(sizes)]


@pytest.mark.parametrize("pipelined", [True, False], ids=["server-takes-a-batch-ahead", "one-batch-at-a-time"])
def test_a_backlogs_first_batch_is_a_fifth_of_a_full_one_when_the_server_takes_the_next_ahead(
        server: Server, make_station: Callable[..., Station], monkeypatch: pytest.MonkeyPatch, pipelined: bool) -> None:
    """issue 13: the server merges a batch sent ahead while the one before is in its transaction, so a backlog's
    first batch, with nothing before it, is sent small (applied at once) and the full batch after it goes ahead;
    to a server that takes one batch at a time every batch is full. Every change arrives once, in order."""
    if not pipelined:
        monkeypatch.setattr(api_sync, "HEADER_PIPELINE", "X-Not-Said")  # the answer no longer carries the capability
    st, mids = _enrolled_with_changes(server, make_station, days=60)  # 60 changes
    st.engine.batch_size = st.engine.max_batch = 25
    st.engine._pipeline_ok = pipelined
    ahead = _count_ahead(monkeypatch)
    adopted: list[bool] = []
    real_adopt = Batch.adopt

    def counted_adopt(self: Batch, session: Any) -> bool:
        adopted.append(real_adopt(self, session))
        return adopted[-1]

    monkeypatch.setattr(Batch, "adopt", counted_adopt)
    result = st.sync()
    _each_arrived_once(result, server, mids)
    # the server merged each batch sent ahead before its turn and kept that merge (``sync.merge_ahead``)
    assert (adopted and all(adopted)) if pipelined else adopted == []
    full, rest = divmod(len(mids) - (5 if pipelined else 0), 25)
    assert _request_sizes(server, mids) == ([5] if pipelined else []) + [25] * full + ([rest] if rest else [])
    assert (ahead.count(200) >= 2) if pipelined else ahead == []
    rows = {r["mutation_id"]: r for r in st.outbox()}
    _applied_in_order(server, [rows[m]["result"]["server_seq"] for m in mids], mids)
