"""A sync cycle saves its sync state (outcome, start time, server clock offset, attempts) once, at
its end, not once per HTTP response; the server's verdicts and each pulled page are still saved as
they arrive (SYNC.md 3.5). Real station, real server over loopback HTTP."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from support.clocks import SUITE_TODAY
from sync_support import Server, Station, new_ward_code

DAY = SUITE_TODAY - timedelta(days=2)  # the trust server checks dates against its own (real) clock


def _count_state_writes(path: Path) -> None:
    con = sqlite3.connect(path)
    con.executescript(
        "CREATE TABLE state_writes (cols TEXT);"
        "CREATE TRIGGER count_state_writes AFTER UPDATE OF sync_status, last_error, last_attempt, server_offset_ms"
        " ON sync_state BEGIN INSERT INTO state_writes VALUES ('cycle'); END;"
    )
    con.commit()
    con.close()


def _writes(path: Path) -> int:
    con = sqlite3.connect(path)
    try:
        return int(con.execute("SELECT count(*) FROM state_writes").fetchone()[0])
    finally:
        con.close()


def test_one_state_write_per_cycle_however_many_responses(server: Server, make_station: Callable[..., Station]) -> None:
    ward = new_ward_code()
    st = make_station("a").set_up_ward(ward)
    server.create_ward(ward)
    st.enrol(server, ward)
    for k in range(4):
        st.record(DAY - timedelta(days=k), "early", rn=3, care=2)
    st.engine.batch_size = 1  # one HTTP push per change: many responses in the one cycle
    _count_state_writes(st.store.path)

    result = st.sync()
    assert result.ok, result
    assert result.pushed >= 4 and st.net.requests.count("POST /v1/sync/push") >= 4  # each response carried server_time
    assert _writes(st.store.path) == 1
    con = sqlite3.connect(st.store.path)
    status, attempt, offset = con.execute("SELECT sync_status, last_attempt, server_offset_ms FROM sync_state").fetchone()
    con.close()
    assert status == "ok" and attempt and offset is not None

    st.record(DAY, "late", rn=4, care=2)
    st.net.online = False  # a failed cycle: state and the pending change's attempt, still one write
    result = st.sync()
    assert not result.ok and result.error == "offline"
    assert _writes(st.store.path) == 2
    con = sqlite3.connect(st.store.path)
    status, attempts = con.execute("SELECT s.sync_status, max(o.attempts) FROM sync_state s, outbox o WHERE o.state = 'pending'").fetchone()
    con.close()
    assert status == "offline" and attempts == 1
