"""SYNC.md 4.2 #5-#9: two stations of one ward editing offline, causal successors, bad clocks and
the same shift created twice. Each station is its own SQLite file; they meet only via the server."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from support.clocks import SUITE_MS, SUITE_TODAY
from sync_support import Clock, Server, Station, month_of, new_ward_code

from hardtruths_desktop.domain import ids
from hardtruths_desktop.domain.hlc import Hlc

DAY = SUITE_TODAY - timedelta(days=2)
MONTH = month_of(DAY)
HOUR_MS = 3_600_000


def ward_pair(server: Server, make_station: Callable[..., Station], b_clock: Clock | None = None) -> tuple[Station, Station]:
    """A (set up the ward, recorded DAY's early) and B (enrolled second), both synced."""
    ward = new_ward_code()
    a = make_station("a").set_up_ward(ward)
    a.record(DAY, "early", rn=4, care=2)
    server.create_ward(ward)
    a.enrol(server, ward)
    assert a.sync().ok
    b = make_station("b", clock=b_clock) if b_clock else make_station("b")
    b.enrol(server, ward)
    assert b.sync().ok
    return a, b


def converge(*sts: Station) -> None:
    for _ in range(2):
        for st in sts:
            r = st.sync()
            assert r.ok, r


def same_everywhere(server: Server, *sts: Station) -> None:
    ward = sts[0].ward_code or ""
    expected = server.staffing(ward, MONTH)
    for st in sts:
        assert st.staffing(MONTH) == expected, st.dir.name


def test_5_different_fields_same_shift_offline_both_survive(server: Server, make_station: Callable[..., Station]) -> None:
    a, b = ward_pair(server, make_station)
    a.net.online = b.net.online = False
    a.record(DAY, "early", rn=3)
    b.record(DAY, "early", care=1)
    a.net.online = b.net.online = True
    converge(a, b)
    rec = server.record("shift", a.shift_id(DAY))
    assert rec is not None
    assert (rec["data"]["groups.rn.actual"], rec["data"]["groups.care.actual"]) == (3, 1)
    assert not rec["needs_review"]
    assert {h["outcome"] for h in server.history(a.shift_id(DAY))} == {"applied"}
    same_everywhere(server, a, b)
    assert not a.shift_row(DAY)["needs_review"] and not b.shift_row(DAY)["needs_review"]
    assert a.shift_row(DAY)["groups"]["rn"][1] == 3 and b.shift_row(DAY)["groups"]["care"][1] == 1


def test_6_same_field_offline_hlc_winner_loser_in_history_flagged(server: Server, make_station: Callable[..., Station]) -> None:
    a, b = ward_pair(server, make_station)
    a.net.online = b.net.online = False
    loser = a.record(DAY, "early", rn=2)[0]
    b.clock.offset_ms += 60_000  # a minute later (the stations' clocks are pinned) ...
    winner = b.record(DAY, "early", rn=5)[0]  # ... so the larger HLC
    assert Hlc.parse(b.outbox()[-1]["hlc"]) > Hlc.parse(a.outbox()[-1]["hlc"])
    b.net.online = True
    assert b.sync().ok
    a.net.online = True
    ra = a.sync()  # the older edit arrives second
    assert ra.ok and "concurrent_lost" in ra.flags and "needs_review" in ra.flags
    converge(a, b)

    sid = a.shift_id(DAY)
    rec = server.record("shift", sid)
    assert rec is not None and rec["data"]["groups.rn.actual"] == 5 and rec["needs_review"]
    hist = server.history(sid, "groups.rn.actual")
    lost = [h for h in hist if h["mutation_id"] == loser]
    assert [(h["outcome"], h["new_value"]) for h in lost] == [("concurrent_lost", 2)]
    assert any(h["mutation_id"] == winner and h["new_value"] == 5 for h in hist)
    same_everywhere(server, a, b)
    for st in (a, b):
        row = st.shift_row(DAY)
        assert row["needs_review"] and row["groups"]["rn"][1] == 5


def test_7_causal_successor_with_clock_3h_slow_wins(server: Server, make_station: Callable[..., Station]) -> None:
    a, b = ward_pair(server, make_station, b_clock=Clock(offset_ms=-3 * HOUR_MS))
    first = a.record(DAY, "early", rn=3)[0]
    assert a.sync().ok
    assert b.sync().ok  # B sees A's edit ...
    successor = b.record(DAY, "early", rn=4)[0]  # ... then edits the same field with a slow clock
    row = next(r for r in b.outbox() if r["mutation_id"] == successor)
    assert row["base"]["groups.rn.actual"] == first
    converge(b, a)
    sid = a.shift_id(DAY)
    rec = server.record("shift", sid)
    assert rec is not None and rec["data"]["groups.rn.actual"] == 4 and not rec["needs_review"]
    assert [h["outcome"] for h in server.history(sid, "groups.rn.actual") if h["mutation_id"] == successor] == ["applied"]
    same_everywhere(server, a, b)

    # The same with an HLC really lower than the stored one (a station that never learnt the server's
    # time): base = the current token decides, not the clock.
    c = make_station("c")
    c.enrol(server, a.ward_code or "")
    assert c.sync().ok
    tok = rec["field_meta"]["groups.rn.actual"]["tok"]
    stored = Hlc.parse(rec["field_meta"]["groups.rn.actual"]["hlc"])
    slow = str(Hlc(stored.pt - 3 * HOUR_MS, 0, (c.info().device_id or "")[:8]))
    mid = ids.uuid7()
    r = c.raw_push([{"client_seq": 1, "mutation_id": mid, "entity": "shift", "entity_id": sid, "op": "patch",
                     "payload": {"groups.rn.actual": 6}, "base": {"groups.rn.actual": tok}, "hlc": slow, "schema_version": 4,
                     "recorded_by": "staff:test", "wall_time": "2026-01-01T00:00:00Z"}])
    assert r.status_code == 200 and r.json()["results"][0]["status"] == "applied", r.text
    rec = server.record("shift", sid)
    assert rec is not None and rec["data"]["groups.rn.actual"] == 6 and not rec["needs_review"]


def test_8_clock_two_days_fast_and_reset_to_2000_accepted_flagged_not_blocked(
    server: Server, make_station: Callable[..., Station]
) -> None:
    now_ms = SUITE_MS  # where the stations' clocks and the server's stand
    y2k_ms = int(datetime(2000, 1, 1, tzinfo=UTC).timestamp() * 1000)
    fast = make_station("fast", clock=Clock(offset_ms=2 * 24 * HOUR_MS))
    y2k = make_station("y2k", clock=Clock(offset_ms=y2k_ms - now_ms))  # RTC battery died: 2000-01-01
    for st in (fast, y2k):
        st.set_up_ward(new_ward_code())
        st.record(DAY, "early", rn=4)
        st.record(DAY, "late", rn=3)
        server.create_ward(st.ward_code or "")
        st.enrol(server, st.ward_code or "")
        result = st.sync()
        assert result.ok and result.rejected == 0, result  # never rejected because of a clock
    assert "clock_ahead" in {f for r in fast.outbox() for f in r["result"]["flags"]}
    assert "clock_behind" in {f for r in y2k.outbox() for f in r["result"]["flags"]}
    # the server clamps a future HLC to its own time for ordering
    rec = server.record("shift", fast.shift_id(DAY))
    assert rec is not None
    assert Hlc.parse(rec["field_meta"]["groups.rn.actual"]["hlc"]).pt < now_ms + 11 * 60_000

    for st in (fast, y2k):
        before = len(st.hlcs())
        st.record(DAY, "early", rn=2)  # after a sync: the learnt offset corrects the clock
        st.clock.offset_ms -= HOUR_MS  # and the clock jumps back after a reboot
        st.reopen()
        st.record(DAY, "night", rn=2)
        hlcs = st.hlcs()
        if st is y2k:
            assert hlcs == sorted(hlcs) and len(set(hlcs)) == len(hlcs)  # HLC monotonic throughout
        else:  # issue 13: the two-days-fast HLC comes back to real time once the server's time is known
            assert hlcs[:before] == sorted(hlcs[:before]) and hlcs[before:] == sorted(hlcs[before:])
            assert all(h.pt < now_ms + 11 * 60_000 for h in hlcs[before:])
        result = st.sync()
        assert result.ok
        if st is fast:  # so later changes are no longer flagged as coming from a clock ahead
            assert "clock_ahead" not in {f for r in st.outbox()[before:] if r["result"] for f in r["result"]["flags"]}
        assert server.staffing(st.ward_code or "", MONTH) == st.staffing(MONTH)
    assert y2k.hlcs()[-1].pt > now_ms - HOUR_MS  # corrected after its first contact with the server


def test_9_two_stations_create_same_shift_offline_one_server_row(server: Server, make_station: Callable[..., Station]) -> None:
    a, b = ward_pair(server, make_station)
    new_day = DAY - timedelta(days=1)
    a.net.online = b.net.online = False
    a.record(new_day, "late", rn=4, notes="from A")
    b.record(new_day, "late", rn=4, care=1)
    ca = next(r for r in a.outbox() if r["op"] == "create" and r["payload"].get("shift_date") == new_day.isoformat())
    cb = next(r for r in b.outbox() if r["op"] == "create" and r["payload"].get("shift_date") == new_day.isoformat())
    assert ca["entity_id"] == cb["entity_id"] == a.shift_id(new_day, "late")  # the same uuid5
    a.net.online = b.net.online = True
    converge(a, b)
    assert server.count_records("shift", ca["entity_id"]) == 1
    rows = server.sql("SELECT count(*) FROM entity_record WHERE entity = 'shift' AND data->>'shift_date' = %s"
                      " AND data->>'shift_code' = 'late' AND ward_id::text = %s", (new_day.isoformat(), ids.ward_id(a.ward_code or "")))
    assert rows[0][0] == 1
    rec = server.record("shift", ca["entity_id"])
    assert rec is not None and rec["data"]["groups.rn.actual"] == 4  # both entered 4: agreement
    agreed = [h for h in server.history(ca["entity_id"], "groups.rn.actual") if h["outcome"] != "applied"]
    assert all(h["old_value"] == h["new_value"] for h in agreed)
    same_everywhere(server, a, b)


def test_9b_same_shift_created_twice_fields_entered_on_one_side_only_are_not_conflicts(
    server: Server, make_station: Callable[..., Station]
) -> None:
    a, b = ward_pair(server, make_station)
    new_day = DAY - timedelta(days=1)
    a.net.online = b.net.online = False
    b.record(new_day, "late", rn=4, care=1)  # B first: A's create (later HLC) carries care actual = 0
    a.record(new_day, "late", rn=4, notes="from A")
    a.net.online = b.net.online = True
    converge(b, a)
    rec = server.record("shift", a.shift_id(new_day, "late"))
    assert rec is not None
    assert rec["data"]["groups.care.actual"] == 1 and rec["data"]["notes"] == "from A"
    assert not rec["needs_review"]
