"""More of SYNC.md 4.2: #13 a station whose cursor the server no longer keeps (410: full,
non-destructive re-pull), #25 a second copy of the app on the same PC (single-flight lock), #26 a
proxy or captive portal answering 403 (back off, keep the queue, never "revoked")."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable
from datetime import timedelta

import httpx
from support.clocks import SUITE_TODAY
from sync_support import FaultTransport, Server, Station, month_of, new_ward_code

DAY = SUITE_TODAY - timedelta(days=2)
MONTH = month_of(DAY)


def _execute(server: Server, query: str, params: tuple[object, ...] = ()) -> None:
    import psycopg

    with psycopg.connect(server.database_url.replace("postgresql+psycopg://", "postgresql://")) as con:
        con.execute(query, params)


def _enrolled(server: Server, make_station: Callable[..., Station]) -> Station:
    ward = new_ward_code()
    st = make_station("a").set_up_ward(ward)
    st.record(DAY, "early", rn=4, care=2)
    server.create_ward(ward)
    st.enrol(server, ward)
    assert st.sync().ok
    return st


def test_13_cursor_older_than_the_server_keeps_means_a_full_repull_and_nothing_lost(
        server: Server, make_station: Callable[..., Station]) -> None:
    st = _enrolled(server, make_station)
    pending = st.record(DAY, "late", rn=3, notes="written while away")  # a local edit still waiting
    # the server purged history below far beyond this station's cursor
    high = server.sql("SELECT max(seq) FROM change_log")[0][0]
    _execute(server, "UPDATE server_meta SET min_retained_seq = %s", (int(high) + 1,))
    try:
        result = st.sync_until_quiet()
        assert result.ok, result
    finally:
        _execute(server, "UPDATE server_meta SET min_retained_seq = 0")
    assert server.applied(pending) == dict.fromkeys(pending, 1)  # the pending edit still went, once
    assert st.staffing(MONTH) == server.staffing(st.ward_code or "", MONTH)  # re-pulled, nothing lost locally


def test_25_a_second_copy_of_the_app_on_this_pc_does_not_push_at_the_same_time(
        server: Server, make_station: Callable[..., Station]) -> None:
    st = _enrolled(server, make_station)
    mids = st.record(DAY, "night", rn=3)
    lock = os.open(st.store.path.with_suffix(".sync.lock"), os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # the other copy is syncing
        busy = st.sync()
        assert not busy.ok and busy.error == "busy"
        assert server.applied(mids) == {}
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        os.close(lock)
    assert st.sync().ok
    assert server.applied(mids) == dict.fromkeys(mids, 1)


class _CaptivePortal(httpx.BaseTransport):
    """A hotel-style network: every request answered 403 with an HTML page, until signed in."""

    def __init__(self, inner: FaultTransport) -> None:
        self.inner = inner
        self.blocking = True

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.blocking:
            return httpx.Response(403, html="<html>Please sign in to the guest network</html>", request=request)
        return self.inner.handle_request(request)


def test_26_a_proxy_403_is_not_a_revocation(server: Server, make_station: Callable[..., Station]) -> None:
    st = _enrolled(server, make_station)
    portal = _CaptivePortal(FaultTransport(st.net))
    st.engine.client_factory = lambda url, ca: httpx.Client(base_url=url, transport=portal)
    st.engine._token = None  # a fresh token request meets the portal first
    mids = st.record(DAY, "night", rn=2)
    result = st.sync()
    assert not result.ok and result.error == "offline" and result.retryable, result
    assert "revoked" not in result.message
    portal.blocking = False
    assert st.sync().ok
    assert server.applied(mids) == dict.fromkeys(mids, 1)


def test_20_an_unreadable_change_in_a_batch_is_isolated_and_the_rest_go(server: Server, make_station: Callable[..., Station]) -> None:
    st = _enrolled(server, make_station)
    good_before = st.record(DAY, "late", rn=3)
    poison = st.record(DAY, "night", rn=2)
    good_after = st.record(DAY - timedelta(days=1), "early", rn=4)
    with st.store.engine.begin() as conn:  # a change corrupted on disk: its clock stamp is unreadable
        conn.exec_driver_sql("UPDATE outbox SET hlc = 'not-a-clock' WHERE mutation_id = ?", (poison[0],))
    result = st.sync_until_quiet()
    assert result.ok and result.pending == 0, result
    sent = good_before + good_after
    assert server.applied(sent) == dict.fromkeys(sent, 1)  # the rest went, once each
    states = {r["mutation_id"]: r["state"] for r in st.outbox()}
    assert states[poison[0]] == "rejected" and all(states[m] == "acked" for m in sent)
    assert all(states[m] != "pending" for m in states)
