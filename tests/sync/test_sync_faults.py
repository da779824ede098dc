"""SYNC.md 4.2 fault scenarios, one test each: kills, lost responses, duplicated and gapped batches,
rejected items, revoked devices, an older client schema, the network or server down, days offline."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.clocks import SUITE_TODAY
from support.live_server import LiveServer
from sync_support import Server, Station, month_of, new_ward_code

from hardtruths_desktop.domain.clock import iso_utc
from hardtruths_desktop.store import migrate
from hardtruths_desktop.store.session import Actor

DAY = SUITE_TODAY - timedelta(days=3)
MONTH = month_of(DAY)


def enrolled(server: Server, make_station: Callable[..., Station], name: str = "a") -> Station:
    ward = new_ward_code()
    st = make_station(name).set_up_ward(ward)
    server.create_ward(ward)
    st.enrol(server, ward)
    assert st.sync().ok
    return st


def record_days(st: Station, n: int, start: date = DAY, rn: int = 4) -> list[str]:
    out: list[str] = []
    for i in range(n):
        for sc in ("early", "late", "night"):
            out += st.record(start - timedelta(days=i), sc, rn=rn, care=2)
    return out


def assert_once(server: Server, mids: list[str]) -> None:
    assert server.applied(mids) == dict.fromkeys(mids, 1)


CHILD = r"""
import sys, time
from datetime import date
from pathlib import Path
from hardtruths_desktop.domain.clock import parse_clock, today
from hardtruths_desktop.store import queries
from hardtruths_desktop.store.session import Actor, Store
from hardtruths_desktop.store.shifts import ShiftChange, save_shift

clock = parse_clock(sys.argv[4])  # the station's pinned clock (never the PC's)
store = Store(Path(sys.argv[1]), clock)
with store.read() as s:
    ward = queries.ward_row(s, sys.argv[2])
with store.write(Actor.command_line()) as tx:
    save_shift(tx, ward, date.fromisoformat(sys.argv[3]), "early", ShiftChange(groups={"rn": {"actual": 1}}, notes="saved then killed"), today(clock))
print("committed", flush=True)
time.sleep(60)  # the sync that would push it never runs: SIGKILL arrives first
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_1_kill_after_local_commit_before_push(server: Server, make_station: Callable[..., Station], tmp_path: Path) -> None:
    st = enrolled(server, make_station)
    script = tmp_path / "saver.py"
    script.write_text(CHILD, encoding="utf-8")
    child = subprocess.Popen([sys.executable, str(script), str(st.dir), st.ward_code or "", DAY.isoformat(),
                              iso_utc(st.clock.now())],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "committed", child.stderr.read() if child.stderr else ""
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=10)
    assert child.returncode == -signal.SIGKILL

    st.reopen()  # the app starts again
    pending = [r for r in st.outbox() if r["state"] == "pending"]
    assert len(pending) == 1 and pending[0]["payload"]["notes"] == "saved then killed"
    result = st.sync()
    assert result.ok and result.applied == 1, result
    assert_once(server, [pending[0]["mutation_id"]])
    assert st.sync().pushed == 0  # pushed once: nothing left to send
    assert server.staffing(st.ward_code or "", MONTH) == st.staffing(MONTH)


def test_2_kill_after_server_commit_before_client_ack(server: Server, make_station: Callable[..., Station]) -> None:
    st = enrolled(server, make_station)
    mids = record_days(st, 2)
    st.net.drop_push_responses = 1  # the server commits the batch; its answer never arrives
    lost = st.sync()
    assert not lost.ok and lost.error == "offline", lost
    assert st.net.dropped == 1
    assert_once(server, mids)  # the server has them ...
    assert st.pending() == len(mids)  # ... the station still holds them as pending (nothing dropped)

    again = st.sync()
    assert again.ok, again
    assert again.duplicates == len(mids) and again.applied == 0
    assert all(r["result"]["status"] == "duplicate" and r["result"]["server_seq"] for r in st.outbox() if r["mutation_id"] in mids)
    assert_once(server, mids)
    for sc in ("early", "late", "night"):
        assert server.count_records("shift", st.shift_id(DAY, sc)) == 1
    # applied once, not twice: one mutation_log row each, and field_history for what changed a record
    # already there (the history of a new record is its create, in mutation_log: issue 13)
    n_logged = server.sql("SELECT count(*) FROM mutation_log WHERE mutation_id::text = ANY(%s)", (mids,))[0][0]
    n_history = server.sql("SELECT count(*) FROM field_history WHERE mutation_id::text = ANY(%s)", (mids,))[0][0]
    assert n_logged == len(mids)
    assert n_history == sum(len(r["payload"]) for r in st.outbox() if r["mutation_id"] in mids and r["op"] != "create")


def test_3_same_batch_delivered_twice_concurrently(server: Server, make_station: Callable[..., Station]) -> None:
    from hardtruths_desktop.store import sync_store

    st = enrolled(server, make_station)
    mids = record_days(st, 40)  # 120 mutations: a batch that takes a moment to apply
    batch = sync_store.pending(st.store, 500)
    barrier = threading.Barrier(2)
    answers: list[httpx.Response] = []

    def send() -> None:
        barrier.wait()
        answers.append(st.raw_push(batch, acked_through=sync_store.acked_through(st.store)))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    codes = sorted(r.status_code for r in answers)
    assert codes in ([200, 200], [200, 409]), [r.text[:200] for r in answers]
    verdicts = sorted(tuple(sorted({x["status"] for x in r.json()["results"]})) for r in answers if r.status_code == 200)
    if codes == [200, 409]:
        assert next(r for r in answers if r.status_code == 409).json()["error"] == "request_outstanding"
        assert verdicts == [("applied",)]
    else:
        assert verdicts == [("applied",), ("duplicate",)]
    assert_once(server, mids)
    result = st.sync()  # the station itself never heard: it sends again and learns the verdicts
    assert result.ok and result.duplicates == len(mids), result
    assert_once(server, mids)


def test_4_client_seq_gap_gets_expected_seq_then_resend(server: Server, make_station: Callable[..., Station]) -> None:
    from hardtruths_desktop.store import sync_store

    st = enrolled(server, make_station)
    base = st.max_seq()
    mids = record_days(st, 2)
    tail = sync_store.pending(st.store, 500)[2:]  # rows base+1, base+2 missing from the batch
    r = st.raw_push(tail, acked_through=base)
    assert r.status_code == 409 and r.json()["error"] == "expected_seq" and r.json()["expected_seq"] == base + 1
    assert server.applied(mids) == {}  # nothing applied out of order

    st.net.strip_first_push_items = 2  # the engine's own push loses its first two rows in transit
    result = st.sync()
    assert result.ok and result.applied == len(mids), result
    assert sum(1 for x in st.net.requests if x == "POST /v1/sync/push") >= 2  # 409 expected_seq, then the resend
    assert_once(server, mids)
    rows = server.sql("SELECT client_seq, server_seq FROM applied_mutation WHERE mutation_id::text = ANY(%s) ORDER BY client_seq",
                      (mids,))
    assert [s for _, s in rows] == sorted(s for _, s in rows)  # applied in client order


def test_19_rejected_item_mid_batch_is_quarantined_and_does_not_block(server: Server, make_station: Callable[..., Station]) -> None:
    st = enrolled(server, make_station)
    good1 = st.record(DAY, "early", rn=3)
    with st.store.write(Actor.command_line()) as tx:  # a change the server's rules refuse (61 RNs on one shift)
        bad, _ = tx.emit_raw("shift", st.shift_id(DAY, "early"), "patch", {"groups.rn.actual": 61}, {}, "shift_corrected")
    good2 = st.record(DAY, "late", rn=5)
    result = st.sync()
    assert result.pushed == 3 and result.applied == 2 and result.rejected == 1, result
    assert result.pending == 0 and result.rejected_total == 1
    assert result.ok  # the queue is not blocked: everything after the bad item went through
    by_id = {r["mutation_id"]: r for r in st.outbox()}
    assert by_id[bad]["state"] == "rejected" and by_id[bad]["result"]["error"]
    assert all(by_id[m]["state"] == "acked" for m in good1 + good2)
    from hardtruths_desktop.store import sync_store

    assert sync_store.counts(st.store)[2] == 1  # visible in the station's counts (review/rejected inbox)
    rec = server.record("shift", st.shift_id(DAY, "late"))
    assert rec is not None and rec["data"]["groups.rn.actual"] == 5
    again = st.sync()
    assert again.pushed == 0 and again.rejected_total == 1  # quarantined: not re-sent in a loop, not dropped


def test_21_revoked_device_keeps_data_and_stops_clearly(server: Server, make_station: Callable[..., Station]) -> None:
    st = enrolled(server, make_station)
    mids = record_days(st, 1)
    view = st.staffing(MONTH)
    server.admin("revoke", "--device", st.info().device_id or "")
    result = st.sync()
    assert not result.ok and result.error == "revoked" and not result.retryable, result
    assert "revoked" in result.message and "nothing recorded here is lost" in result.message.lower()
    assert st.info().sync_status == "revoked"
    assert st.pending() == len(mids) and st.staffing(MONTH) == view
    assert server.applied(mids) == {}
    st.record(DAY, "early", rn=2)  # the ward keeps recording
    assert st.pending() == len(mids) + 1
    assert next(d for d in server.devices() if d["device_id"] == st.info().device_id)["revoked"]


def test_16_schema_n_minus_1_client_against_n_server(server: Server, make_station: Callable[..., Station]) -> None:
    from hardtruths_desktop.store import sync_store

    st = enrolled(server, make_station)
    mids = record_days(st, 1)
    old = migrate.SCHEMA_VERSION - 1
    batch = [{**m, "schema_version": old} for m in sync_store.pending(st.store, 500)]
    r = st.raw_push(batch, schema=old, acked_through=sync_store.acked_through(st.store))
    assert r.status_code == 200, r.text
    assert {x["status"] for x in r.json()["results"]} == {"applied"}
    assert_once(server, mids)
    with httpx.Client(base_url=server.url, timeout=30) as c:  # pulls stay readable for N-1
        p = c.get("/v1/sync/pull", params={"since": 0}, headers={**st.auth_headers(c), "Client-Schema": str(old)})
    assert p.status_code == 200 and p.json()["changes"]
    result = st.sync()
    assert result.ok and result.duplicates == len(mids)
    assert server.staffing(st.ward_code or "", MONTH) == st.staffing(MONTH)


def test_network_down_server_stopped_then_up_everything_arrives_once(
    own_server: Server, make_station: Callable[..., Station], live_server_factory: Callable[..., LiveServer]
) -> None:
    st = enrolled(own_server, make_station)
    mids = record_days(st, 2)
    port = own_server.live.port
    own_server.live.stop()  # the trust server goes away
    down = st.sync()
    assert not down.ok and down.error == "offline" and down.retryable, down
    assert st.pending() == len(mids)
    more = st.record(DAY, "early", rn=1)  # the ward keeps working
    assert not st.sync().ok
    own_server.live = live_server_factory(own_server.database_url, own_server.live.settings.data_dir, port=port)  # back, same address and secrets
    try:
        up = st.sync()
        assert up.ok and up.applied == len(mids) + len(more), up
        assert_once(own_server, mids + more)
        assert own_server.staffing(st.ward_code or "", MONTH) == st.staffing(MONTH)
    finally:
        own_server.live.stop()


def test_offline_for_days_then_plugged_back_in(server: Server, make_station: Callable[..., Station]) -> None:
    st = enrolled(server, make_station)
    ward = st.ward_code or ""
    b = make_station("b")
    b.enrol(server, ward)
    assert b.sync().ok
    st.net.online = False
    st.clock.offset_ms = -4 * 86_400_000  # the days pass on the station's own clock ...
    mids: list[str] = []
    attempts: list[Any] = []
    for d in range(4):
        mids += record_days(st, 1, start=DAY - timedelta(days=d), rn=2 + d % 3)
        attempts.append(st.sync())
        st.clock.offset_ms += 86_400_000
    assert all(not r.ok and r.error == "offline" for r in attempts)
    assert st.pending() == len(mids) == 12
    assert st.info().sync_status == "offline"
    st.net.online = True  # plugged back in
    result = st.sync()
    assert result.ok and result.applied == len(mids), result
    assert_once(server, mids)
    assert b.sync().ok
    for month in {MONTH, month_of(DAY - timedelta(days=3))}:
        assert b.staffing(month) == st.staffing(month) == server.staffing(ward, month)


def test_the_server_accepts_the_stations_current_schema() -> None:
    """A station schema bump without a server bump would stop every push with schema_too_new."""
    from hardtruths_desktop.store.migrate import SCHEMA_VERSION
    from trust_server.models import SCHEMA_MAX

    assert SCHEMA_MAX >= SCHEMA_VERSION
