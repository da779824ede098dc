"""Retention on the trust server (SYNC.md 3.8, 4.2 #13): ``hardtruths-server admin purge`` forgets only
what no station needs, on the real server over PostgreSQL with real stations. Superseded change-log
rows go at once; a tombstone goes after 180 days once every active station has pulled it, leaving
its marker, so a late change for that id cannot bring the record back; a cursor below what was purged
gets 410 and a full, non-destructive re-pull."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

from support.clocks import SUITE_TODAY
from sync_support import Server, Station, month_of, new_ward_code

from hardtruths_desktop.store import sync_store

DAY = SUITE_TODAY - timedelta(days=3)


def _change_rows(server: Server, ward: str) -> dict[str, int]:
    rows = server.sql("SELECT c.entity_id::text, count(*) FROM change_log c JOIN ward w ON w.id::text = c.ward_id::text"
                      " WHERE w.code = %s GROUP BY c.entity_id", (ward,))
    return {str(i): int(n) for i, n in rows}


def test_purge_forgets_only_what_no_station_needs(own_server: Server, make_station: Callable[..., Station]) -> None:
    ward = new_ward_code()
    a = make_station("a").set_up_ward(ward)
    for shift in ("early", "late", "night"):
        a.record(DAY, shift, rn=3)
    own_server.create_ward(ward)
    a.enrol(own_server, ward)
    assert a.sync().ok
    b = make_station("b")
    b.enrol(own_server, ward)
    assert b.sync().ok
    a.record(DAY, "early", rn=4)
    a.record(DAY, "early", rn=5)
    assert a.sync().ok and b.sync().ok
    # set-up: then b's edit, so the early shift has a superseded change-log row: a's, which b is still sent (b skips
    # its own echo); since server migration 0019 a push deletes at once a row no station is then sent (a's edit
    # over a's create, a's second over a's first), the rest waits for the purge
    b.record(DAY, "early", rn=6)
    b.sync()
    late = a.shift_id(DAY, "late")
    early = a.shift_id(DAY, "early")
    assert _change_rows(own_server, ward)[early] >= 2

    own_server.admin("void", "--record", late, "--reason", "Recorded on the wrong ward")
    a.record(DAY, "night", rn=2)  # a later change, so the tombstone is not the newest row
    for st in (a, b, a, b):
        assert st.sync().ok
    # half a year passes for the tombstone
    own_server.sql("UPDATE entity_record SET updated_at = %s WHERE id::text = %s RETURNING id",  # by the server's clock
                   (own_server.live.clock.now() - timedelta(days=200), late))
    before_month = a.staffing(month_of(DAY))

    out = own_server.admin("purge")
    assert "tombstone(s)" in out and "1 tombstone" in out, out
    rows = _change_rows(own_server, ward)
    assert all(n == 1 for n in rows.values()), rows  # one row per record: nothing superseded is kept
    assert late not in rows
    [(marker_data, deleted)] = own_server.sql("SELECT data, deleted FROM entity_record WHERE id::text = %s", (late,))
    assert deleted and marker_data.get("deleted") is True and "groups.rn.actual" not in marker_data  # the marker only
    [(min_retained,)] = own_server.sql("SELECT min_retained_seq FROM server_meta")
    assert min_retained > 0
    assert own_server.history(early)  # the audit trail is whole

    # a new station pulls from 0: every live record, not the purged tombstone
    c = make_station("c")
    c.enrol(own_server, ward)
    assert c.sync().ok
    assert c.staffing(month_of(DAY), ward) == a.staffing(month_of(DAY)) == before_month

    # a late change for the purged id (a station that edited it long ago) does not bring it back
    d = make_station("d")
    d.enrol(own_server, ward)
    assert d.sync().ok
    old_hlc = f"{1_700_000_000_000:013d}-00000-{(d.info().device_id or '')[:8]}"
    r = d.raw_push([{"client_seq": 1, "mutation_id": str(uuid.uuid4()), "entity": "shift", "entity_id": late, "op": "patch",
                     "payload": {"groups.rn.actual": 6}, "base": {}, "hlc": old_hlc, "schema_version": 4,
                     "recorded_by": "staff:late", "wall_time": "2026-01-01T00:00:00Z"}])
    assert r.status_code == 200, r.text
    rec = own_server.record("shift", late)
    assert rec is not None and rec["deleted"] is True

    # a cursor below what was purged: 410, then everything again, nothing lost
    sync_store.update_sync_state(b.store, pull_cursor=1)
    assert b.sync().ok
    assert b.staffing(month_of(DAY)) == before_month
    assert own_server.admin("purge").startswith("Purged 0 superseded")  # a second pass finds nothing new
