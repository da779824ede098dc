"""Push (SYNC.md 3.4): verdicts, idempotency, ordering and the request-level refusals."""

from __future__ import annotations

import json
import threading
import time
from datetime import date, timedelta
from typing import Any

import httpx
import psycopg
import pytest
from server_support import Admin
from support.clocks import SUITE_TODAY

from hardtruths_desktop.sync.protocol import HEADER_PIPELINE, HEADER_PIPELINED, PROTOCOL_VERSION
from trust_server import auth, sync

TODAY = SUITE_TODAY


def test_applied_then_duplicate_returns_the_recorded_verdict(admin: Admin, ward: str) -> None:
    st = admin.station(ward)
    m = st.create_shift(TODAY)
    first = st.push([m])
    item = first["results"][0]
    assert item["status"] == "applied" and item["server_seq"] > 0
    assert item["effective"]["groups.rn.actual"] == 4
    assert first["device_last_client_seq"] == 1
    again = st.push([m], acked_through=0)  # the response was lost: the station resends
    dup = again["results"][0]
    assert dup["status"] == "duplicate"
    assert dup["server_seq"] == item["server_seq"] and dup["effective"] == item["effective"]


def test_rejected_item_in_the_middle_does_not_block_the_rest(admin: Admin, ward: str) -> None:
    st = admin.station(ward)
    sid = st.shift_id(TODAY)
    good1 = st.create_shift(TODAY)
    bad = st.mutation("shift", sid, "patch", {"groups.rn.actual": -3})
    good2 = st.mutation("shift", sid, "patch", {"notes": "Two sick calls covered by bank"})
    out = st.push([good1, bad, good2])
    assert [r["status"] for r in out["results"]] == ["applied", "rejected", "applied"]
    assert "negative" in out["results"][1]["error"]
    assert out["results"][1]["server_seq"] is None
    assert out["device_last_client_seq"] == 3  # the rejected seq is consumed: the queue moves on
    again = st.push([bad], acked_through=1)
    assert again["results"][0]["status"] == "rejected" and "duplicate" in again["results"][0]["flags"]


def test_bad_values_are_rejected_in_words_never_a_500(admin: Admin, ward: str) -> None:
    st = admin.station(ward)
    sid = st.shift_id(TODAY)
    cases = [
        {"groups.rn.actual": 2.5}, {"groups.xx.actual": 1}, {"groups.rn.actual": "abc"}, {"groups.rn.actual_hours": 1e9},
        {"notes": "x" * 5000}, {"notes": "bad\x00byte"}, {"Bad Field": 1}, {"nurse_in_charge_id": "not-an-id"},
    ]
    muts = [st.create_shift(TODAY)] + [st.mutation("shift", sid, "patch", p) for p in cases]
    muts.append(st.mutation("no_such_entity", sid, "create", {"ward_id": st.ward_id}))
    muts.append(st.mutation("shift", st.shift_id(TODAY, "late"), "patch", {"notes": "no such shift yet"}))
    out = st.push(muts)
    statuses = [r["status"] for r in out["results"]]
    assert statuses[0] == "applied" and set(statuses[1:]) == {"rejected"}, out["results"]
    assert all(r["error"] for r in out["results"][1:])


def test_gap_answers_expected_seq(admin: Admin, ward: str) -> None:
    st = admin.station(ward)
    st.push([st.create_shift(TODAY)])
    m = st.mutation("shift", st.shift_id(TODAY), "patch", {"notes": "late"}, seq=5)
    r = st.push_raw([m])
    assert r.status_code == 409
    assert r.json()["error"] == "expected_seq" and r.json()["expected_seq"] == 2


def test_non_contiguous_batch_is_malformed(admin: Admin, ward: str) -> None:
    st = admin.station(ward)
    a = st.create_shift(TODAY)
    b = st.mutation("shift", st.shift_id(TODAY), "patch", {"notes": "x"}, seq=3)
    r = st.push_raw([a, b])
    assert r.status_code == 422 and r.json()["error"] == "batch_malformed"


def test_same_seq_with_another_mutation_id_is_a_fork(admin: Admin, ward: str) -> None:
    st = admin.station(ward)
    st.push([st.create_shift(TODAY)])
    clone = st.create_shift(TODAY + timedelta(days=1))
    clone["client_seq"] = 1  # a copied database reusing seq 1 for a different change
    r = st.push_raw([clone], acked_through=0)
    assert r.status_code == 409 and r.json()["error"] == "device_forked"


def test_mutation_already_applied_under_another_device_is_a_duplicate(admin: Admin, ward: str) -> None:
    old = admin.station(ward, "old")
    m = old.create_shift(TODAY)
    first = old.push([m])["results"][0]
    new = admin.station(ward, "re-enrolled")  # e.g. re-enrolled after a fork, re-pushing the same change
    m2 = dict(m, client_seq=1)
    out = new.push([m2])
    assert out["results"][0]["status"] == "duplicate" and out["results"][0]["server_seq"] == first["server_seq"]
    assert out["device_last_client_seq"] == 1


def test_revoked_device_is_refused_and_keeps_nothing_half_done(admin: Admin, ward: str) -> None:
    st = admin.station(ward)
    st.push([st.create_shift(TODAY)])
    r = admin.http.post(f"/v1/devices/{st.device_id}/revoke")
    assert r.status_code == 200 and r.json()["revoked"] is True
    r = st.push_raw([st.mutation("shift", st.shift_id(TODAY), "patch", {"notes": "after revoke"})])
    assert r.status_code == 403 and r.json()["error"] == "device_revoked"
    r = st.http.post("/v1/token", json={"device_id": st.device_id, "device_secret": st.secret})
    assert r.status_code == 403 and r.json()["error"] == "device_revoked"


def test_unknown_device_must_re_enrol(admin: Admin, ward: str) -> None:
    st = admin.station(ward)
    ghost = "0f0f0f0f-0000-4000-8000-000000000000"
    st.token = auth.make_token(admin.server.app.state.token_secret, ghost, clock=admin.server.clock)
    st.device_id = ghost
    r = st.push_raw([st.create_shift(TODAY)])
    assert r.status_code == 401 and r.json()["error"] == "unknown_device"
    r = st.http.post("/v1/token", json={"device_id": ghost, "device_secret": "x"})
    assert r.status_code == 401 and r.json()["error"] == "unknown_device"


def test_epoch_mismatch_and_lost_acknowledgements_are_epoch_changed(admin: Admin, ward: str) -> None:
    st = admin.station(ward)
    r = st.push_raw([st.create_shift(TODAY)], epoch="00000000-0000-4000-8000-000000000000")
    assert r.status_code == 409 and r.json()["error"] == "epoch_changed"
    st.seq = 0
    st.push([st.create_shift(TODAY)], epoch=st.epoch)
    r = st.push_raw([], acked_through=7)  # the station holds acks the server no longer has (restore)
    assert r.status_code == 409 and r.json()["error"] == "epoch_changed"


def test_gzip_body_and_client_pending_header(admin: Admin, ward: str) -> None:
    st = admin.station(ward)
    out = st.push([st.create_shift(TODAY)], gzip_body=True, extra_headers={"Client-Pending": "12;oldest=3600"})
    assert out["results"][0]["status"] == "applied"
    devices = {d["device_id"]: d for d in admin.http.get("/v1/admin/devices").json()}
    assert devices[st.device_id]["pending_reported"] == 12 and devices[st.device_id]["oldest_pending_s"] == 3600
    bad = st.http.post("/v1/sync/push", content=b"not gzip", headers={**st.headers, "Content-Encoding": "gzip",
                                                                     "Content-Type": "application/json"})
    assert bad.status_code == 400


def test_a_push_writes_the_device_row_from_its_headers(admin: Admin, ward: str) -> None:
    """issue 13 (i13-cpu7): the push reads and writes its device row by plain statements (no ORM object): the row
    holds the station's last change, the server's time of the push, the app and schema versions, what is pending
    and the station's clock offset, as the ORM's flush wrote them; a header not sent leaves its columns as they were."""
    from email.utils import format_datetime

    st = admin.station(ward)
    url = admin.server.database_url.replace("postgresql+psycopg://", "postgresql://")
    now = admin.server.clock.now()
    sent = format_datetime(now - timedelta(seconds=90), usegmt=True)
    st.push([st.create_shift(TODAY), st.create_shift(TODAY, "late")],
            extra_headers={"App-Version": "9.8.7", "Client-Schema": "13", "Client-Pending": "5;oldest=60", "Date": sent})
    columns = "last_client_seq, last_seen_at, app_version, schema_version, pending_reported, oldest_pending_s, clock_offset_ms"
    with psycopg.connect(url) as con:
        row = con.execute(f"SELECT {columns} FROM device WHERE device_id = %s", (st.device_id,)).fetchone()
    assert row is not None
    assert row[0] == 2 and row[1] == now and row[2:6] == ("9.8.7", 13, 5, 60) and row[6] == 90_000
    st.push([st.create_shift(TODAY, "night")])  # the station's usual headers: no pending count, no date
    with psycopg.connect(url) as con:
        assert con.execute(f"SELECT {columns} FROM device WHERE device_id = %s", (st.device_id,)).fetchone() == (
            3, now, "test", 4, 5, 60, 90_000)


def test_second_push_while_one_is_in_flight_is_request_outstanding(admin: Admin, ward: str) -> None:
    st = admin.station(ward)
    url = admin.server.database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as con:  # hold the device row as an in-flight push would
        con.execute("SELECT 1 FROM device WHERE device_id = %s FOR UPDATE", (st.device_id,))
        r = st.push_raw([st.create_shift(TODAY)])
        assert r.status_code == 409 and r.json()["error"] == "request_outstanding"
        assert r.headers.get("Retry-After") == "1"
    st.seq = 0  # nothing was applied: the station sends the same seq again
    assert st.push([st.create_shift(TODAY)], acked_through=0)["results"][0]["status"] == "applied"


def _lock_waiters(con: psycopg.Connection[Any]) -> int:
    (waiting,) = con.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                             " AND datname = current_database()").fetchone() or (0,)
    return int(waiting)


def _waiting_on_locks(con: psycopg.Connection[Any], n: int, st: Any = None) -> None:
    """Until ``n`` pushes are queued behind ``con``'s: backends of this database waiting on a lock, and
    (``st``: a station of the session's server) that station's pushes waiting for their turn in the server
    process (``push_turns.py``: the push after one of the same process waits there, not on the row)."""
    turns = getattr(st.server.app.state, "push_turns", None) if st is not None else None
    for _ in range(500):
        if _lock_waiters(con) + (turns.waiting(st.device_id) if turns is not None else 0) >= n:
            return
        time.sleep(0.01)
    raise AssertionError(f"{n} pushes never queued on the device row")


def test_a_pipelined_push_waits_for_the_push_before_it_then_applies_after_it(admin: Admin, ward: str) -> None:
    """issue 13 (i13-push5): a push marked ``Push-Pipelined: 1`` (sent before the one before it was answered)
    waits for the device row instead of 409 ``request_outstanding``, and is applied after the earlier push
    committed: in client_seq order, as if sent one after the other. Every answer says the server can."""
    st = admin.station(ward)
    create = st.create_shift(TODAY)
    edit = st.mutation("shift", st.shift_id(TODAY), "patch", {"notes": "second batch"}, base={"notes": create["mutation_id"]})
    url = admin.server.database_url.replace("postgresql+psycopg://", "postgresql://")
    answers: dict[str, httpx.Response] = {}
    marked = {HEADER_PIPELINED: "1"}

    def send(name: str, muts: list[dict[str, Any]], acked: int) -> None:
        answers[name] = st.push_raw(muts, acked_through=acked, extra_headers=marked)

    with psycopg.connect(url) as con, psycopg.connect(url, autocommit=True) as watch:
        con.execute("SELECT 1 FROM device WHERE device_id = %s FOR UPDATE", (st.device_id,))  # a push in flight
        first = threading.Thread(target=send, args=("first", [create], 0))
        first.start()
        _waiting_on_locks(watch, 1)
        second = threading.Thread(target=send, args=("second", [edit], 0))
        second.start()
        _waiting_on_locks(watch, 2, st)
        r = st.push_raw([create], acked_through=0)  # not marked: refused at once, as before
        assert r.status_code == 409 and r.json()["error"] == "request_outstanding"
        con.rollback()  # the push in flight ends: the queued ones go, in the order they came
        first.join(30)
        second.join(30)
    assert answers["first"].status_code == 200 and answers["second"].status_code == 200, answers
    assert answers["first"].headers[HEADER_PIPELINE] == "1" and answers["second"].headers[HEADER_PIPELINE] == "1"
    assert [x["status"] for x in answers["first"].json()["results"]] == ["applied"]
    assert [x["status"] for x in answers["second"].json()["results"]] == ["applied"]
    assert answers["second"].json()["device_last_client_seq"] == 2
    shift = next(c for c in st.pull_all() if c["id"] == st.shift_id(TODAY))
    assert shift["row"]["notes"] == "second batch" and not shift.get("needs_review")


def test_a_station_cannot_queue_more_than_two_pipelined_pushes(admin: Admin, ward: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A station sends at most one batch ahead, so two of its pushes are in flight at once. A third marked
    ``Push-Pipelined`` (a broken or hostile station) is answered 409 ``request_outstanding`` at once: it does
    not hold one of the server's database connections for ``PIPELINED_LOCK_WAIT`` (reviewer's concern: a
    station sending many could take the pool every ward pushes through). The two queued are applied."""
    st = admin.station(ward)
    create = st.create_shift(TODAY)
    edit = st.mutation("shift", st.shift_id(TODAY), "patch", {"notes": "queued"}, base={"notes": create["mutation_id"]})
    monkeypatch.setattr(sync, "PIPELINED_LOCK_WAIT", "120s")  # a third that waited would still be waiting below
    url = admin.server.database_url.replace("postgresql+psycopg://", "postgresql://")
    marked = {HEADER_PIPELINED: "1"}
    answers: dict[str, httpx.Response] = {}

    def send(name: str, muts: list[dict[str, Any]]) -> None:
        answers[name] = st.push_raw(muts, acked_through=0, extra_headers=marked)

    with psycopg.connect(url) as con, psycopg.connect(url, autocommit=True) as watch:
        con.execute("SELECT 1 FROM device WHERE device_id = %s FOR UPDATE", (st.device_id,))  # a push in flight
        threads = [threading.Thread(target=send, args=(name, muts)) for name, muts in (("first", [create]), ("second", [edit]))]
        threads[0].start()
        _waiting_on_locks(watch, 1)
        threads[1].start()
        _waiting_on_locks(watch, 2, st)
        third = threading.Thread(target=send, args=("third", [create]))
        third.start()
        third.join(20)  # answered while the device is still held: it never queued
        assert not third.is_alive(), "a third pipelined push queued for the device"
        assert answers["third"].status_code == 409 and answers["third"].json()["error"] == "request_outstanding"
        con.rollback()
        for t in threads:
            t.join(30)
    assert [answers[n].json()["results"][0]["status"] for n in ("first", "second")] == ["applied", "applied"], answers
    # the slots are given back: the station pushes marked again as usual
    later = st.mutation("shift", st.shift_id(TODAY), "patch", {"notes": "later"}, base={"notes": edit["mutation_id"]})
    r = st.push_raw([later], acked_through=2, extra_headers=marked)
    assert r.status_code == 200 and r.json()["results"][0]["status"] == "applied", r.text


def _shift_and_two_patches(st: Any) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """A shift pushed (applied), then two patches of its notes not yet sent: the next push and the one sent
    ahead of its answer."""
    create = st.create_shift(TODAY)
    assert st.push([create])["results"][0]["status"] == "applied"
    sid = st.shift_id(TODAY)
    first = st.mutation("shift", sid, "patch", {"notes": "first"}, base={"notes": create["mutation_id"]})
    ahead = st.mutation("shift", sid, "patch", {"notes": "sent ahead"}, base={"notes": first["mutation_id"]})
    return sid, first, ahead


def test_a_pipelined_push_waits_for_the_earlier_push_of_its_process_holding_no_database_connection(
        admin: Admin, ward: str) -> None:
    """Reviewer: the batch sent ahead waited on the device row for up to 30 s holding one of the pool's 12
    connections, so many wards pushing backlogs at once could take the pool. It now waits for the earlier
    push of the same server process on that process's own lock, with no connection, and takes one only
    once the earlier push has given its back."""
    st = admin.station(ward)
    sid, first, ahead = _shift_and_two_patches(st)
    url = admin.server.database_url.replace("postgresql+psycopg://", "postgresql://")
    pool = admin.server.app.state.engine.pool
    answers: dict[str, httpx.Response] = {}

    def send(name: str, muts: list[dict[str, Any]], marked: bool) -> None:
        answers[name] = st.push_raw(muts, acked_through=1, extra_headers={HEADER_PIPELINED: "1"} if marked else None)

    with psycopg.connect(url) as con, psycopg.connect(url, autocommit=True) as watch:
        # the first push holds the device row and its connection, kept in its transaction by the shift's row
        con.execute("SELECT 1 FROM entity_record WHERE entity = 'shift' AND id = %s FOR UPDATE", (sid,))
        threads = [threading.Thread(target=send, args=("first", [first], False))]
        threads[0].start()
        _waiting_on_locks(watch, 1)
        assert pool.checkedout() == 1
        threads.append(threading.Thread(target=send, args=("ahead", [ahead], True)))
        threads[1].start()
        _waiting_on_locks(watch, 2, st)
        assert _lock_waiters(watch) == 1 and pool.checkedout() == 1  # the push sent ahead holds no connection
        con.rollback()
        for t in threads:
            t.join(30)
    assert [answers[n].json()["results"][0]["status"] for n in ("first", "ahead")] == ["applied", "applied"], answers
    shift = next(c for c in st.pull_all() if c["id"] == sid)
    assert shift["row"]["notes"] == "sent ahead"
    assert admin.server.app.state.push_turns.waiting(st.device_id) == 0


def test_a_pipelined_push_sent_to_another_server_waits_on_the_device_row_and_applies_in_order(
        admin: Admin, ward: str, live_server_factory: Any) -> None:
    """The turn a pipelined push waits on (``push_turns.py``) is its server's own: sent to ANOTHER server
    (a second app on the same database and data folder, as a second process: its own turns and pool) than
    the push before it, it waits on the device row in PostgreSQL, and both apply in client_seq order."""
    st = admin.station(ward)
    sid, first, ahead = _shift_and_two_patches(st)
    other = live_server_factory(admin.server.database_url, data_dir=admin.server.settings.data_dir, clock=admin.server.clock)
    url = admin.server.database_url.replace("postgresql+psycopg://", "postgresql://")
    answers: dict[str, httpx.Response] = {}

    def send(name: str, base_url: str, muts: list[dict[str, Any]], marked: bool) -> None:
        body = {"device_id": st.device_id, "device_incarnation": st.incarnation, "server_epoch": None, "acked_through": 1,
                "mutations": muts}
        headers = {**st.headers, "Content-Type": "application/json", **({HEADER_PIPELINED: "1"} if marked else {})}
        answers[name] = httpx.post(base_url + "/v1/sync/push", content=json.dumps(body).encode(), headers=headers, timeout=60)

    with psycopg.connect(url) as con, psycopg.connect(url, autocommit=True) as watch:
        # the first push, on the session's server, holds the device row: kept in its transaction by the shift's row
        con.execute("SELECT 1 FROM entity_record WHERE entity = 'shift' AND id = %s FOR UPDATE", (sid,))
        threads = [threading.Thread(target=send, args=("first", admin.server.url, [first], False))]
        threads[0].start()
        _waiting_on_locks(watch, 1)
        threads.append(threading.Thread(target=send, args=("ahead", other.url, [ahead], True)))
        threads[1].start()
        _waiting_on_locks(watch, 2)  # no turn to wait on in the other server: on the device row
        assert other.app.state.push_turns.waiting(st.device_id) == 0
        con.rollback()
        for t in threads:
            t.join(60)
    assert [answers[n].json()["results"][0]["status"] for n in ("first", "ahead")] == ["applied", "applied"], answers
    assert answers["ahead"].json()["device_last_client_seq"] == 3
    shift = next(c for c in st.pull_all() if c["id"] == sid)
    assert shift["row"]["notes"] == "sent ahead"


def test_a_pipelined_push_that_overtakes_or_waits_too_long_is_refused_whole(admin: Admin, ward: str,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A pipelined push that takes the device before the push it follows is tried again for
    ``PIPELINED_OVERTAKE_WAIT_S`` (the one it follows is on its way), then told which seq comes next (409
    ``expected_seq``: nothing applied); one still waiting for the device after ``PIPELINED_LOCK_WAIT`` is 409
    ``request_outstanding``, as an unmarked one is at once. The station sends either again in order."""
    st = admin.station(ward)
    create = st.create_shift(TODAY)
    edit = st.mutation("shift", st.shift_id(TODAY), "patch", {"notes": "overtook"}, base={"notes": create["mutation_id"]})
    marked = {HEADER_PIPELINED: "1"}
    monkeypatch.setattr(sync, "PIPELINED_OVERTAKE_WAIT_S", 0.1)
    r = st.push_raw([edit], acked_through=0, extra_headers=marked)
    assert r.status_code == 409 and r.json()["error"] == "expected_seq" and r.json()["expected_seq"] == 1
    monkeypatch.setattr(sync, "PIPELINED_LOCK_WAIT", "200ms")
    url = admin.server.database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as con:
        con.execute("SELECT 1 FROM device WHERE device_id = %s FOR UPDATE", (st.device_id,))
        r = st.push_raw([create], acked_through=0, extra_headers=marked)
        assert r.status_code == 409 and r.json()["error"] == "request_outstanding"
    assert [x["status"] for x in st.push([create, edit], acked_through=0)["results"]] == ["applied", "applied"]


def test_a_pipelined_push_that_arrives_first_is_applied_after_the_push_it_follows(
        admin: Admin, ward: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The batch sent ahead can reach the device row before the batch it follows (that one still being read):
    it is tried again, not refused, and both are applied in client_seq order."""
    st = admin.station(ward)
    create = st.create_shift(TODAY)
    edit = st.mutation("shift", st.shift_id(TODAY), "patch", {"notes": "sent ahead"}, base={"notes": create["mutation_id"]})
    marked = {HEADER_PIPELINED: "1"}
    answers: dict[str, httpx.Response] = {}
    came_first = threading.Event()

    class Early(sync._Early):  # the server found seq 1 missing: the push sent ahead really came first
        def __init__(self, refusal: Any) -> None:
            super().__init__(refusal)
            came_first.set()

    monkeypatch.setattr(sync, "_Early", Early)
    monkeypatch.setattr(sync, "PIPELINED_OVERTAKE_WAIT_S", 60.0)  # a loaded machine still sends the first in time
    second = threading.Thread(target=lambda: answers.setdefault("second", st.push_raw([edit], acked_through=0, extra_headers=marked)))
    second.start()
    assert came_first.wait(30), "the push sent ahead never found the one it follows missing"
    answers["first"] = st.push_raw([create], acked_through=0, extra_headers=marked)
    second.join(30)
    assert answers["first"].status_code == 200 and answers["second"].status_code == 200, answers
    assert answers["second"].json()["results"][0]["status"] == "applied"
    shift = next(c for c in st.pull_all() if c["id"] == st.shift_id(TODAY))
    assert shift["row"]["notes"] == "sent ahead"


def test_a_station_of_another_protocol_is_told_so_and_nothing_is_written(admin: Admin, ward: str) -> None:
    """SYNC.md 3.10: Sync-Protocol is checked on push and pull. A protocol newer than the server's (or 0):
    426 with words for a person, before anything is applied; not a number: 400; missing: taken as 1."""
    st = admin.station(ward)
    day = date(2026, 11, 3)
    m = st.create_shift(day)
    newer = str(PROTOCOL_VERSION + 1)
    r = st.push_raw([m], extra_headers={"Sync-Protocol": newer})
    assert r.status_code == 426, r.text
    body = r.json()
    assert body["error"] == "protocol_unsupported" and f"protocol {newer}" in body["message"] and "lost" in body["message"]
    r = st.http.get("/v1/sync/pull", params={"since": 0}, headers={**st.headers, "Sync-Protocol": newer})
    assert r.status_code == 426
    r = st.push_raw([m], extra_headers={"Sync-Protocol": "0"})
    assert r.status_code == 426
    r = st.push_raw([m], extra_headers={"Sync-Protocol": "one"})
    assert r.status_code == 400 and r.json()["error"] == "bad_header"
    assert st.shift_id(day) not in {c["id"] for c in st.pull_all()}  # nothing was applied
    without = {k: v for k, v in st.headers.items() if k != "Sync-Protocol"}
    r = st.http.post("/v1/sync/push", json={"device_id": st.device_id, "device_incarnation": st.incarnation,
                                            "server_epoch": None, "acked_through": st.acked, "mutations": [m]},
                     headers=without)
    assert r.status_code == 200, r.text
    assert r.json()["results"][0]["status"] == "applied"


def test_pushes_waiting_for_their_turn_hold_no_worker_thread(admin: Admin, ward: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reviewer, issue 13: a push sent ahead waited for its station's earlier push in a worker thread of the
    server, up to ``PIPELINED_LOCK_WAIT``; 40 wards pushing backlogs at once (the server's 40 worker threads,
    anyio's default) took them all, and pulls and ``/health`` waited as long. It now waits on the event loop:
    while 40 stations' pushes wait for their turn, ``/health`` and a pull are answered at once, and the 40
    apply once the pushes before them end."""
    monkeypatch.setattr(sync, "PIPELINED_LOCK_WAIT", "60s")
    stations = [admin.station(ward, f"s{i}") for i in range(40)]
    puller = admin.station(ward, "puller")
    turns = admin.server.app.state.push_turns
    answers: dict[str, httpx.Response] = {}

    def send(i: int) -> None:
        st = stations[i]
        answers[st.device_id] = st.push_raw([st.create_shift(TODAY - timedelta(days=i))], acked_through=0,
                                            extra_headers={HEADER_PIPELINED: "1"})

    entries = [turns.station(st.device_id, pipelined=True, limit=sync.PIPELINED_PER_DEVICE) for st in stations]
    held = [e.__enter__() for e in entries]  # each station's earlier push, in its transaction: its turn held
    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(stations))]
    try:
        for turn in held:
            assert turn.acquire(0)
        for t in threads:
            t.start()
        for _ in range(1000):
            if sum(turns.waiting(st.device_id) for st in stations) == len(stations):
                break
            time.sleep(0.01)
        assert sum(turns.waiting(st.device_id) for st in stations) == len(stations)
        started = time.monotonic()
        health = httpx.get(admin.server.url + "/health", timeout=10)
        pulled = httpx.get(admin.server.url + "/v1/sync/pull", params={"since": 0}, headers=puller.headers, timeout=10)
        answered_s = time.monotonic() - started
        assert health.status_code == 200 and pulled.status_code == 200, (health.text, pulled.text)
        assert answered_s < 5
    finally:
        for turn in held:
            turn.release()
        for t in threads:
            t.join(60)
        for e in entries:
            e.__exit__(None, None, None)
    assert sorted({answers[st.device_id].status_code for st in stations}) == [200]
    assert all(answers[st.device_id].json()["results"][0]["status"] == "applied" for st in stations)
    assert sum(turns.waiting(st.device_id) for st in stations) == 0
