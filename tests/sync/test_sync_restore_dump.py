"""The trust server restored from a ``pg_dump`` taken mid-campaign (issue 13, SYNC.md 4.2 #14).

Three stations of one ward edit the same shifts round after round (same fields at once, offline
spells, syncs in between). A ``pg_dump -Fc`` is taken while the server runs; the campaign goes on
for two more rounds, then the server dies, IT restores the dump with ``pg_restore`` into a fresh
database, starts the server on it at the same address and runs the runbook (``admin new-epoch``).
The stations keep recording throughout. Afterwards: every change each station ever saved is on the
server exactly once, the stations and the server hold the same staffing, nothing is left waiting.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta

from support.clocks import SUITE_TODAY
from support.live_server import LiveServer
from support.postgres import PostgresCluster
from sync_support import Server, Station, month_of, new_ward_code

DAYS = [SUITE_TODAY - timedelta(days=d) for d in (1, 2, 3)]
CODES = ("early", "late", "night")


def _round(stations: list[Station], rnd: random.Random, edits: int = 4) -> None:
    for st in stations:
        for _ in range(edits):
            day, code = rnd.choice(DAYS), rnd.choice(CODES)
            if rnd.random() < 0.5:
                st.record(day, code, rn=rnd.randint(0, 6))
            else:
                st.record(day, code, care=rnd.randint(0, 4), notes=rnd.choice(["", "Bay 2 closed", "1 sick"]))


def _sync_all(stations: list[Station]) -> None:
    for _ in range(3):
        results = [st.sync() for st in stations]
        if all(r.ok for r in results):
            return
    raise AssertionError(f"did not settle: {[r for r in results if not r.ok]}")


def test_server_restored_from_pg_dump_mid_campaign_stations_converge(
    own_server: Server, make_station: Callable[..., Station], pg_cluster: PostgresCluster,
    live_server_factory: Callable[..., LiveServer],
) -> None:
    rnd = random.Random(13)
    ward = new_ward_code()
    a = make_station("a").set_up_ward(ward)
    own_server.create_ward(ward)
    a.enrol(own_server, ward)
    assert a.sync().ok
    stations = [a]
    for name in ("b", "c"):
        st = make_station(name)
        st.enrol(own_server, ward)
        assert st.sync().ok
        stations.append(st)

    for _ in range(3):
        _round(stations, rnd)
        _sync_all(stations)

    live_db = own_server.database_url.rsplit("/", 1)[1]
    dump = pg_cluster.folder / f"{live_db}.dump"
    pg_cluster._run("pg_dump", "-h", "127.0.0.1", "-p", str(pg_cluster.port), "-U", pg_cluster.user, "-Fc",
                    "-f", str(dump), live_db)  # last night's backup, taken while the server runs

    for _ in range(2):  # accepted after the dump: the restored server will not have these
        _round(stations, rnd)
        _sync_all(stations)
    stations[2].net.online = False
    _round(stations[2:], rnd)  # c works offline across the restore

    port = own_server.live.port
    own_server.live.stop()  # the server dies; IT restores the dump into a fresh database and runs the runbook
    restored_db = f"restored_{new_ward_code().lower()}"
    restored_url = pg_cluster.create_database(restored_db)
    pg_cluster._run("pg_restore", "-h", "127.0.0.1", "-p", str(pg_cluster.port), "-U", pg_cluster.user,
                    "-d", restored_db, "--no-owner", str(dump))
    _round(stations, rnd)  # recorded while the server was down
    restored = Server(live_server_factory(restored_url, port=port))
    try:
        assert "New server epoch" in restored.admin("new-epoch")
        stations[2].net.online = True
        _sync_all(stations)
        _round(stations, rnd)  # and the campaign goes on
        _sync_all(stations)
        _sync_all(stations)  # a last pull so each sees the others' final changes

        epochs = {st.info().server_epoch for st in stations}
        assert len(epochs) == 1
        for st in stations:
            ids = [r["mutation_id"] for r in st.outbox() if r["state"] != "pending"]
            assert st.pending() == 0
            assert restored.applied(ids) == dict.fromkeys(ids, 1)  # every change exactly once, none lost
        for month in {month_of(d) for d in DAYS}:
            server_view = restored.staffing(ward, month)
            assert all(st.staffing(month) == server_view for st in stations)
    finally:
        restored.live.stop()
