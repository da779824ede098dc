"""SYNC.md 4.2 #14 (server restored from a backup) and #15 (a station's database copied to another
PC): detected, re-sent, nothing lost and nothing duplicated."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from support.clocks import SUITE_TODAY
from support.live_server import LiveServer
from support.postgres import PostgresCluster
from sync_support import Server, Station, month_of, new_ward_code

DAY = SUITE_TODAY - timedelta(days=2)
MONTH = month_of(DAY)


def _pg(cluster: PostgresCluster, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"host=127.0.0.1 port={cluster.port} user={cluster.user} dbname=postgres", autocommit=True) as con:
        con.execute(sql)


def backup(server: Server, cluster: PostgresCluster, name: str) -> str:
    """A copy of the server's database as it is now (``CREATE DATABASE ... TEMPLATE``)."""
    live_db = server.database_url.rsplit("/", 1)[1]
    server.live.app.state.engine.dispose()
    _pg(cluster, f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{live_db}' AND pid <> pg_backend_pid()")
    _pg(cluster, f'CREATE DATABASE "{name}" TEMPLATE "{live_db}"')
    return cluster.url(name)


def test_14_server_restored_from_backup_epoch_change_repush_no_duplicates(
    own_server: Server, make_station: Callable[..., Station], pg_cluster: PostgresCluster,
    live_server_factory: Callable[..., LiveServer],
) -> None:
    ward = new_ward_code()
    a = make_station("a").set_up_ward(ward)
    a.record(DAY, "early", rn=4, care=2)
    own_server.create_ward(ward)
    a.enrol(own_server, ward)
    assert a.sync().ok
    b = make_station("b")
    b.enrol(own_server, ward)
    assert b.sync().ok
    b.record(DAY, "late", rn=3)
    assert b.sync().ok and a.sync().ok
    old_epoch = a.info().server_epoch

    snapshot = backup(own_server, pg_cluster, f"backup_{new_ward_code().lower()}")  # last night's backup

    a.record(DAY, "early", rn=5)  # accepted by the server after the backup ...
    a.record(DAY, "night", rn=2)
    b.record(DAY, "late", care=1)
    assert a.sync().ok and b.sync().ok and a.sync().ok  # ... and seen by both stations

    port = own_server.live.port
    own_server.live.stop()  # the server dies; IT restores the backup and runs the runbook
    restored = Server(live_server_factory(snapshot, port=port))
    try:
        out = restored.admin("new-epoch")
        assert "New server epoch" in out
        a.record(DAY + timedelta(days=1), "early", rn=4)  # recorded while the server was down

        for _ in range(2):
            for st in (a, b):
                r = st.sync()
                assert r.ok, r
        new_epoch = a.info().server_epoch
        assert new_epoch != old_epoch and b.info().server_epoch == new_epoch
        all_ids = [r["mutation_id"] for st in (a, b) for r in st.outbox()]
        assert restored.applied(all_ids) == dict.fromkeys(all_ids, 1)  # everything there, each exactly once
        assert any(r["result"]["status"] == "duplicate" for r in a.outbox())  # what the backup had came back duplicate
        for sc in ("early", "late", "night"):
            assert restored.count_records("shift", a.shift_id(DAY, sc)) == 1
        rec = restored.record("shift", a.shift_id(DAY))
        assert rec is not None and rec["data"]["groups.rn.actual"] == 5
        for month in {MONTH, month_of(DAY + timedelta(days=1))}:
            assert a.staffing(month) == b.staffing(month) == restored.staffing(ward, month)
        assert a.pending() == b.pending() == 0
    finally:
        restored.live.stop()


def test_15b_server_restored_beyond_the_stations_retention_gap_declared_and_sync_goes_on(
    own_server: Server, make_station: Callable[..., Station], pg_cluster: PostgresCluster,
    live_server_factory: Callable[..., LiveServer],
) -> None:
    """SYNC.md 3.9 / 4.2 #15b: the restored server asks for changes the station pruned after its 30 days.
    The station declares the range instead of stalling; the server records it for IT (``admin gaps``)
    and takes everything after it; nothing else is lost or doubled."""
    import json

    from hardtruths_desktop.store import sync_store

    ward = new_ward_code()
    a = make_station("a").set_up_ward(ward)
    own_server.create_ward(ward)
    a.enrol(own_server, ward)
    assert a.sync().ok
    at_backup = a.max_seq()
    snapshot = backup(own_server, pg_cluster, f"backup_{new_ward_code().lower()}")  # an old backup

    a.record(DAY, "early", rn=4)  # accepted after the backup ...
    a.record(DAY, "late", rn=3)
    assert a.sync().ok
    lost = [r["client_seq"] for r in a.outbox() if r["client_seq"] > at_backup]
    assert lost and a.pending() == 0
    # ... acknowledged long ago by now: the station's janitor prunes them after its 30 days
    with a.store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE outbox SET acked_at = '2000-01-01T00:00:00.000Z' WHERE state = 'acked'")
    assert sync_store.janitor(a.store) >= len(lost)
    a.record(DAY, "night", rn=2)  # still waiting when the server is restored

    port = own_server.live.port
    own_server.live.stop()
    restored = Server(live_server_factory(snapshot, port=port))
    try:
        restored.admin("new-epoch")
        result = a.sync_until_quiet()
        assert result.ok, result
        assert a.pending() == 0
        [gap] = json.loads(restored.admin("gaps", "--json"))
        assert (gap["from_seq"], gap["to_seq"], gap["changes"]) == (min(lost), max(lost), len(lost))
        assert gap["ward_code"] == ward and gap["device_id"] == a.info().device_id
        assert "can never arrive" in restored.admin("gaps")
        assert restored.record("shift", a.shift_id(DAY, "night")) is not None  # what came after arrived
        assert restored.record("shift", a.shift_id(DAY, "early")) is None  # the lost change is named, not invented
        [device] = [d for d in restored.devices() if d["device_id"] == a.info().device_id]
        assert device["last_client_seq"] == a.max_seq()
        assert a.sync().ok  # and the next cycle is an ordinary one
    finally:
        restored.live.stop()


def test_15_client_db_copied_to_another_pc_fork_detected_reenrol_pending_once(
    server: Server, make_station: Callable[..., Station], tmp_path: Path
) -> None:
    ward = new_ward_code()
    a = make_station("a").set_up_ward(ward)
    server.create_ward(ward)
    a.enrol(server, ward)
    assert a.sync().ok
    shared = a.record(DAY, "early", rn=3)  # pending when the file is copied
    a.copy_to(tmp_path / "copy")
    from hardtruths_desktop.sync.credentials import MemoryCredentials

    creds = MemoryCredentials()  # the clone can still authenticate as A (worst case)
    device_a = a.info().device_id or ""
    creds.set(device_a, a.credentials.get(device_a) or "")
    b = make_station("copy", credentials=creds)
    b.ward_code = ward
    assert b.info().device_id == device_a

    assert a.sync().ok  # the original sends the shared change ...
    mine_a = a.record(DAY, "late", rn=4)
    assert a.sync().ok  # ... and uses the next client_seq
    mine_b = b.record(DAY, "night", rn=2)  # the copy uses the same client_seq for something else
    forked = b.sync()
    assert not forked.ok and forked.error == "device_forked" and not forked.retryable, forked
    assert "enrol" in forked.message
    assert b.info().sync_status == "needs_enrolment"
    assert b.pending() == len(shared) + len(mine_b)  # nothing dropped

    b.enrol(server, ward)  # IT gives the copy a new code: a new device
    assert b.info().device_id != device_a
    b.net.requests.clear()
    result = b.sync()
    assert result.ok, result
    assert b.net.requests.count("POST /v1/sync/push") == 1  # start_seq right: no expected_seq round trip
    ids_all = shared + mine_a + mine_b
    assert server.applied(ids_all) == dict.fromkeys(ids_all, 1)  # each pending row arrived once
    assert a.sync().ok
    assert a.staffing(MONTH) == b.staffing(MONTH) == server.staffing(ward, MONTH)
    devices = {d["device_id"]: d for d in server.devices()}
    assert b.info().device_id in devices and device_a in devices
