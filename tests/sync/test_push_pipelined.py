"""A push of several batches saves each batch's verdicts while the next batch is on its way (issue 13):
every answered batch's verdicts are saved, in order, whatever happens to the batch after it. Real
station, real server over loopback HTTP."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from support.clocks import SUITE_TODAY
from sync_support import Network, Server, Station, new_ward_code

from hardtruths_desktop.store import sync_store

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
    assert None not in seqs and seqs == sorted(seqs)

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
