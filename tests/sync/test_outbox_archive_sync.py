"""Station migration 0014 (issue 13) against the real server over HTTP on PostgreSQL:

- a station whose store went up a storage-only revision still speaks wire schema 13, so a server one
  release old (``SCHEMA_MAX`` 13, as main had before 0014) takes its changes (before, the store's
  number went on the wire and such a server answered 409 ``schema_too_new``);
- the server restored from a backup after the station archived its acknowledged changes: they come
  back out of the archive, are re-sent with their original ids, and everything converges, each
  change exactly once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from support.clocks import SUITE_TODAY
from support.live_server import LiveServer
from support.postgres import PostgresCluster
from sync_support import Server, Station, month_of, new_ward_code
from test_sync_recovery import backup

from hardtruths_desktop.store import migrate, sync_store

DAY = SUITE_TODAY - timedelta(days=2)
MONTH = month_of(DAY)
#: the trust server's SCHEMA_MAX in the release before station migration 0014 (main at 23a3916)
PREVIOUS_SERVER_SCHEMA_MAX = 13


def _live(st: Station) -> list[tuple[int]]:
    with st.store.engine.connect() as conn:
        return [tuple(r) for r in conn.exec_driver_sql("SELECT client_seq FROM outbox").all()]


def test_a_storage_only_upgrade_syncs_with_a_server_one_release_old(server: Server, make_station: Callable[..., Station]) -> None:
    [(was,)] = server.sql("SELECT schema_max FROM server_meta")
    server.sql("UPDATE server_meta SET schema_max = %s RETURNING schema_max", (PREVIOUS_SERVER_SCHEMA_MAX,))
    try:
        ward = new_ward_code()
        st = make_station("a").set_up_ward(ward)
        server.create_ward(ward)
        st.enrol(server, ward)
        assert migrate.STORE_REVISION > PREVIOUS_SERVER_SCHEMA_MAX >= migrate.SCHEMA_VERSION
        mids = st.record(DAY, "early", rn=4, care=2) + st.record(DAY, "late", rn=3)
        result = st.sync()
        assert result.ok and result.applied >= len(mids), result
        assert server.applied(mids) == dict.fromkeys(mids, 1)
        assert server.staffing(ward, MONTH) == st.staffing(MONTH)
        [device] = [d for d in server.devices() if d["device_id"] == st.info().device_id]
        assert device["schema_version"] == migrate.SCHEMA_VERSION  # what it said it speaks
        # the store's own number on the wire is what that server refuses (what 0013 ran into)
        more = st.record(DAY, "night", rn=2)
        batch = sync_store.pending(st.store, 10)
        r = st.raw_push(batch, schema=migrate.STORE_REVISION, acked_through=sync_store.acked_through(st.store))
        assert r.status_code == 409 and r.json()["error"] == "schema_too_new", r.text
        assert st.sync().ok and server.applied(more) == dict.fromkeys(more, 1)
    finally:
        server.sql("UPDATE server_meta SET schema_max = %s RETURNING schema_max", (was,))


def test_server_restored_after_the_station_archived_its_changes(
    own_server: Server, make_station: Callable[..., Station], pg_cluster: PostgresCluster,
    live_server_factory: Callable[..., LiveServer], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sync_store, "ARCHIVE_KEEP", 0)  # a small ward's changes archived as a big one's are
    monkeypatch.setattr(sync_store, "ARCHIVE_BATCH", 2)
    ward = new_ward_code()
    a = make_station("a").set_up_ward(ward)
    a.record(DAY, "early", rn=4, care=2)
    own_server.create_ward(ward)
    a.enrol(own_server, ward)
    assert a.sync().ok
    snapshot = backup(own_server, pg_cluster, f"backup_{new_ward_code().lower()}")  # last night's backup
    a.record(DAY, "early", rn=5)  # accepted by the server after the backup ...
    a.record(DAY, "night", rn=2)
    a.record(DAY - timedelta(days=1), "late", care=1)
    assert a.sync().ok and a.sync().ok  # the second cycle has nothing to send: it archives
    kept = sync_store.outbox_rows(a.store)
    archived = [r for r in kept if r["client_seq"] not in {x[0] for x in _live(a)}]
    assert len(archived) >= len(kept) - 2 and len(kept) > 10  # all but an odd one out (whole batches only)
    assert sync_store.archive_acked(a.store) == 0

    port = own_server.live.port
    own_server.live.stop()
    restored = Server(live_server_factory(snapshot, port=port))
    try:
        restored.admin("new-epoch")
        result = a.sync_until_quiet()
        assert result.ok, result
        ids = [r["mutation_id"] for r in kept]
        assert restored.applied(ids) == dict.fromkeys(ids, 1)  # everything there, each exactly once
        for day in (DAY, DAY - timedelta(days=1)):
            assert a.staffing(month_of(day)) == restored.staffing(ward, month_of(day))
        rec = restored.record("shift", a.shift_id(DAY))
        assert rec is not None and rec["data"]["groups.rn.actual"] == 5
        assert a.pending() == 0
        # the re-sent rows are the originals: same ids, payloads and clocks (the verdicts are the restored server's)
        fields = ("client_seq", "mutation_id", "entity", "entity_id", "op", "payload", "base", "hlc", "recorded_by", "wall_time")
        assert [{k: r[k] for k in fields} for r in sync_store.outbox_rows(a.store)] == [{k: r[k] for k in fields} for r in kept]
    finally:
        restored.live.stop()


def test_archiving_that_fails_keeps_the_rows_and_the_cycle_a_success(
    server: Server, make_station: Callable[..., Station], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sync_store, "ARCHIVE_KEEP", 0)
    monkeypatch.setattr(sync_store, "ARCHIVE_BATCH", 1)
    ward = new_ward_code()
    st = make_station("a").set_up_ward(ward)
    server.create_ward(ward)
    st.enrol(server, ward)
    st.record(DAY, "early", rn=4)
    assert st.sync().ok
    with st.store.engine.begin() as conn:  # an audit row SQLite cannot read as JSON (a damaged file, say)
        [(seq,)] = conn.exec_driver_sql("SELECT max(client_seq) FROM audit_log WHERE client_seq IS NOT NULL").all()
        conn.exec_driver_sql("UPDATE audit_log SET changes = '{oops' WHERE client_seq = ?", (seq,))
    result = st.sync()  # nothing to send: archives, up to the damaged row
    assert result.ok and not result.error, result
    rows = sync_store.outbox_rows(st.store)
    never = {r["client_seq"] for r in rows if r["state"] != "acked" or "concurrent_lost" in (r["result"] or "")}
    assert {r[0] for r in _live(st)} == {seq} | never  # the others archived; that one kept whole, as sent
    assert len(rows) > len(never) + 5 and rows[-1]["client_seq"] == seq
