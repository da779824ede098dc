"""A change the trust server fails on (a server error, each time, while it answers) does not hold up the ward PC's
other changes for ever, and is never dropped; a server that is DOWN is never mistaken for one (issue 13, ward).

The station is the part under test. The trust server is the real one over real HTTP on PostgreSQL, with a tiny ASGI
layer IN THIS TEST in front of it (``FaultyPushes``) that answers a push 500 when it carries a chosen record, as a
bug meeting one record would (a push failed 500 on every retry in issue 13's review), or answers every push, or
``/health``, as a server that is down or failing everything would. Everything else reaches the real server."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from support.clocks import SUITE_TODAY
from support.live_server import LiveServer
from sync_support import Server, Station, month_of, new_ward_code

from hardtruths_desktop.store import sync_store
from hardtruths_desktop.sync.status import describe

DAY = SUITE_TODAY - timedelta(days=2)
MONTH = month_of(DAY)


@dataclass
class FaultyPushes:
    """What the layer in front of the server does: ``bad``: record ids whose push is answered ``status`` (the
    server failing on them); ``every_push``: every push answered ``status``; ``health``: ``/health`` answered this
    instead of the server's. ``pushes``: the record ids of each push that came, with what it was answered."""

    bad: set[str] = field(default_factory=set)
    status: int = 500
    every_push: bool = False
    health: int | None = None
    pushes: list[tuple[list[str], int | None]] = field(default_factory=list)

    def wrap(self, app: Any) -> Any:
        async def layer(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] != "http" or scope["path"] not in ("/v1/sync/push", "/health"):
                await app(scope, receive, send)
                return
            if scope["path"] == "/health":
                if self.health is None:
                    await app(scope, receive, send)
                else:
                    await _answer(send, self.health)
                return
            body, more = b"", True
            while more:
                message = await receive()
                body += message.get("body", b"")
                more = message.get("more_body", False)
            raw = gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body
            ids = [str(m["entity_id"]) for m in json.loads(raw)["mutations"]]
            if self.every_push or self.bad & set(ids):
                self.pushes.append((ids, self.status))
                await _answer(send, self.status)
                return
            self.pushes.append((ids, None))
            sent = False

            async def again() -> dict[str, Any]:
                nonlocal sent
                if sent:
                    return dict(await receive())
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}

            await app(scope, again, send)

        return layer


async def _answer(send: Any, status: int) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": json.dumps({"error": "internal", "message": "test fault"}).encode()})


@pytest.fixture
def faulty(live_server_factory: Callable[..., LiveServer], fresh_postgres_url: str) -> Iterator[tuple[Server, FaultyPushes]]:
    faults = FaultyPushes()
    srv = live_server_factory(fresh_postgres_url, wrap=faults.wrap)
    yield Server(srv), faults
    srv.stop()


def _enrolled(server: Server, make_station: Callable[..., Station]) -> Station:
    ward = new_ward_code()
    st = make_station("a").set_up_ward(ward)
    st.record(DAY, "early", rn=4, care=2)
    server.create_ward(ward)
    st.enrol(server, ward)
    assert st.sync().ok
    st.engine.fault_pause_s = 0.01  # the pauses between tries are the engine's; the test's world has no time to wait
    return st


def _once(server: Server, mids: list[str]) -> None:
    assert server.applied(mids) == dict.fromkeys(mids, 1), server.applied(mids)


def _later(server: Server, st: Station, minutes: int) -> None:
    """Time passes for the station and the server alike (both clocks are pinned)."""
    clock = server.live.clock
    clock.set(clock.now() + timedelta(minutes=minutes))  # type: ignore[attr-defined]
    st.clock.offset_ms += minutes * 60_000


def test_a_change_the_server_fails_on_is_held_the_others_go_once_and_it_arrives_once_when_fixed(
        faulty: tuple[Server, FaultyPushes], make_station: Callable[..., Station]) -> None:
    server, faults = faulty
    st = _enrolled(server, make_station)
    good = st.record(DAY, "late", rn=3)
    bad = st.record(DAY, "night", rn=2)  # the server fails on this shift, each time
    good += st.record(DAY - timedelta(days=1), "early", rn=4)
    bad_later = st.record(DAY, "night", rn=5)  # a later edit of that shift: waits for it (a patch before its create is refused)
    good += st.record(DAY - timedelta(days=1), "late", rn=1)
    night = st.shift_id(DAY, "night")
    faults.bad = {night}

    result = st.sync()
    assert result.ok and result.pending == 0, result  # the cycle went through: nothing waits behind the bad change
    assert result.faulted == result.faulted_total == len(bad + bad_later), result
    _once(server, good)  # the good changes arrived, once each
    assert server.applied(bad + bad_later) == {} and server.count_records("shift", night) == 0
    rows = {r["mutation_id"]: r for r in st.outbox()}
    for mid in bad + bad_later:  # held, not lost, not refused
        assert rows[mid]["state"] == "rejected" and rows[mid]["result"]["status"] == "faulted", rows[mid]
    assert sync_store.counts(st.store)[2] == 0  # not counted as refused
    status = describe(st.store)
    assert status.level == "waiting" and status.faulted == 2, status
    assert "2 changes kept on this PC: the trust server fails on them" in status.text, status.text
    items = [i for i in sync_store.review_items(st.store) if i.kind == "faulted"]
    assert len(items) == 2 and all(i.entity_id == night for i in items)
    assert any("fails on this change (error 500)" in i.detail for i in items), items
    assert any("Waits for an earlier change to the same record" in i.detail for i in items), items

    # the next cycles before the retry time: the held change is not sent again, the station is quiet
    faults.pushes.clear()
    again = st.sync()
    assert again.ok and again.faulted_total == 2 and not any(night in ids for ids, _ in faults.pushes), (again, faults.pushes)

    # the nurse edits that shift again (waiting here when the retry time comes); ten minutes on, the server still
    # fails on it: the held changes and that edit are sent again, in their order, under new numbers, and held again
    newest = st.record(DAY, "night", rn=6)
    _later(server, st, 11)
    still = st.sync()
    assert still.ok and still.pending == 0 and still.faulted_total == 3, still
    assert server.applied(bad + bad_later + newest) == {} and server.count_records("shift", night) == 0
    assert any(night in ids and status == 500 for ids, status in faults.pushes), faults.pushes
    _once(server, good)

    # the server fixed; ten minutes on, the held changes go, in their order, once
    faults.bad.clear()
    _later(server, st, 11)
    fixed = st.sync_until_quiet()
    assert fixed.ok and fixed.pending == 0 and fixed.faulted_total == 0, fixed
    _once(server, bad + bad_later + newest + good)
    assert server.record("shift", night) is not None
    assert sync_store.faulted_count(st.store) == 0 and sync_store.counts(st.store)[2] == 0
    assert not [i for i in sync_store.review_items(st.store) if i.kind in ("faulted", "rejected")]
    status = describe(st.store)
    assert status.level == "ok" and "kept on this PC" not in status.text, status
    assert st.staffing(MONTH) == server.staffing(st.ward_code or "", MONTH)
    night_row = next(r for r in st.staffing(MONTH) if r["date"] == DAY.isoformat() and r["shift"] == "night")
    assert night_row["groups"]["rn"]["actual"] == 6, night_row  # the create, then the later edits, in their order


@pytest.mark.parametrize("down", ["proxy 502", "proxy 503", "gateway timeout 504", "500 and health 503", "every push 500",
                                  "connection refused"])
def test_a_server_that_is_down_or_failing_everything_never_sets_a_change_aside(
        faulty: tuple[Server, FaultyPushes], make_station: Callable[..., Station], down: str) -> None:
    server, faults = faulty
    st = _enrolled(server, make_station)
    mids = st.record(DAY, "late", rn=3) + st.record(DAY, "night", rn=2) + st.record(DAY - timedelta(days=1), "early", rn=4)
    waiting = st.pending()
    if down == "connection refused":
        st.net.online = False
    else:
        faults.every_push = True
        faults.status = int(down.split()[-1]) if down.startswith(("proxy", "gateway")) else 500
        faults.health = 503 if "health" in down else None
    faults.pushes.clear()
    for _ in range(2):
        result = st.sync()
        assert not result.ok and result.error in ("server_busy", "offline"), result
        assert result.faulted == result.faulted_total == 0 and result.pending == waiting, result
    assert st.info().sync_status == "offline"
    status = describe(st.store)
    assert status.level == "offline" and f"{waiting} changes waiting" in status.text and "kept on this PC" not in status.text
    assert sync_store.faulted_count(st.store) == 0 and all(r["state"] == "pending" for r in st.outbox()[-waiting:])
    if down.startswith(("proxy", "gateway", "connection")) or "health" in down:
        sizes = {len(ids) for ids, _ in faults.pushes}
        assert sizes <= {waiting}, faults.pushes  # never split: the whole batch, and only it, was sent
    # back up: everything arrives, once
    st.net.online, faults.every_push, faults.health = True, False, None
    assert st.sync_until_quiet().ok
    _once(server, mids)
