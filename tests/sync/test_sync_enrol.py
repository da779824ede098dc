"""Enrolment (issue 3): a station used before enrolment keeps everything, its setup becomes a new
server ward's, a second station gets the whole ward from the server, and an existing server setup
is never overwritten by a station's differing one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import httpx
from support.clocks import SUITE_TODAY
from sync_support import STAFF, Server, Station, month_of, new_ward_code

from hardtruths_desktop.domain import ids
from hardtruths_desktop.store.session import Actor
from hardtruths_desktop.store.shifts import raise_red_flag

DAY = SUITE_TODAY - timedelta(days=2)
MONTH = month_of(DAY)


def _record_history(st: Station) -> None:
    st.record(DAY, "early", rn=3, care=2, notes="short on the early", nic="Mary O'Neill")
    st.record(DAY, "late", rn=4, care=1)
    st.record(DAY + timedelta(days=1), "night", rn=1, care=2, notes="one RN only")
    with st.store.write(Actor.command_line()) as tx:
        raise_red_flag(tx, st.ward(), DAY, "late", "vital_signs", "Obs late on bay 2", SUITE_TODAY)


def test_station_used_before_enrolment_keeps_everything(server: Server, make_station: Callable[..., Station]) -> None:
    ward = new_ward_code()
    st = make_station("a").set_up_ward(ward)
    _record_history(st)
    before_view, before_ids = st.staffing(MONTH), [r["mutation_id"] for r in st.outbox()]
    assert st.states() == {"pending": len(before_ids)}

    server.create_ward(ward)
    st.enrol(server, ward)
    # enrolling changes nothing recorded: every row and every queued change is still here
    assert st.staffing(MONTH) == before_view
    assert [r["mutation_id"] for r in st.outbox()] == before_ids
    assert st.pending() == len(before_ids)

    result = st.sync()
    assert result.ok, result
    assert result.applied == len(before_ids) and result.rejected == 0
    assert server.applied(before_ids) == dict.fromkeys(before_ids, 1)
    assert st.staffing(MONTH) == before_view  # the server's answer does not change what the ward recorded


def test_enrol_to_new_ward_makes_station_setup_the_servers(server: Server, make_station: Callable[..., Station]) -> None:
    ward = new_ward_code()
    st = make_station("a").set_up_ward(ward)
    _record_history(st)
    server.create_ward(ward)  # a ward just made: no shift pattern, staff list or establishment
    st.enrol(server, ward)
    result = st.sync()
    assert result.ok, result

    assert server.staffing(ward, MONTH) == st.staffing(MONTH)
    wid = ids.ward_id(ward)
    for sc in ("early", "late", "night"):
        rec = server.record("shift_pattern", ids.pattern_id(wid, sc))
        assert rec is not None and not rec["needs_review"]
    names = sorted(r[0] for r in server.sql(
        "SELECT data->>'name' FROM entity_record WHERE entity = 'staff' AND ward_id::text = %s", (wid,)))
    assert names == sorted(n for n, *_ in STAFF)
    setup_rows = [r for r in st.outbox() if r["entity"] in ("shift_pattern", "staff", "establishment")]
    assert setup_rows and all(r["state"] == "acked" and not r["result"]["flags"] for r in setup_rows)


def test_second_station_gets_whole_setup_and_history(server: Server, make_station: Callable[..., Station]) -> None:
    ward = new_ward_code()
    a = make_station("a").set_up_ward(ward)
    _record_history(a)
    server.create_ward(ward)
    a.enrol(server, ward)
    assert a.sync().ok

    b = make_station("b")  # a brand-new PC: nothing on it
    b.enrol(server, ward)
    result = b.sync()
    assert result.ok, result
    assert result.pulled > 0
    assert b.staffing(MONTH) == a.staffing(MONTH) == server.staffing(ward, MONTH)
    assert b.staffing(month_of(DAY + timedelta(days=1))) == a.staffing(month_of(DAY + timedelta(days=1)))
    assert b.outbox() == []  # what it received is the server's state, not changes of its own


def test_existing_server_setup_is_not_overwritten_and_difference_flagged(
    server: Server, make_station: Callable[..., Station]
) -> None:
    ward = new_ward_code()
    server.create_ward(ward)
    with httpx.Client(base_url=server.url, headers=server.live.admin_headers(), timeout=30) as admin:
        for sc, start, end, period in (("early", "07:00", "15:00", "day"), ("late", "13:00", "21:00", "day"),
                                       ("night", "21:30", "07:30", "night")):
            r = admin.put(f"/v1/admin/wards/{ward}/shift-pattern", json=
                          {"code": sc, "name": sc.capitalize(), "start_time": start, "end_time": end, "period": period})
            assert r.status_code == 200, r.text
    st = make_station("a").set_up_ward(ward)  # its Late is 14:30-22:00: differs from the server's
    st.enrol(server, ward)
    assert st.sync().ok

    late = ids.pattern_id(ids.ward_id(ward), "late")
    rec = server.record("shift_pattern", late)
    assert rec is not None
    assert (rec["data"]["start_time"], rec["data"]["end_time"]) == ("13:00", "21:00")  # not overwritten
    assert rec["needs_review"]
    lost = [h for h in server.history(late) if h["outcome"] == "concurrent_lost"]
    assert {h["field"] for h in lost} >= {"start_time", "end_time"}
    assert {h["new_value"] for h in lost if h["field"] == "start_time"} == {"14:30"}  # the station's value is kept
    row = next(r for r in st.outbox() if r["entity"] == "shift_pattern" and r["entity_id"] == late)
    assert row["state"] == "acked" and {"concurrent_lost", "needs_review"} <= set(row["result"]["flags"])
    # the server's setup flows down to the station
    with st.store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT start_time, end_time FROM shift_pattern WHERE id = ?", (late,)).one() == ("13:00", "21:00")
    early = server.record("shift_pattern", ids.pattern_id(ids.ward_id(ward), "early"))
    assert early is not None and not early["needs_review"]  # same values on both sides: agreement, no flag
