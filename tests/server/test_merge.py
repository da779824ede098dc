"""Per-field merge with audit (SYNC.md 3.6) and the HLC guard (3.7), seen through push and pull."""

from __future__ import annotations

from datetime import date

import psycopg
from server_support import Admin, meta_of
from support.clocks import SUITE_TODAY

TODAY = SUITE_TODAY


def _history(admin: Admin, entity_id: str) -> list[tuple[str, str, object, str]]:
    url = admin.server.database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as con:
        return [(r[0], r[1], r[2], r[3]) for r in con.execute(
            "SELECT field, outcome, new_value, device_id::text FROM field_history WHERE entity_id = %s ORDER BY id", (entity_id,))]


def test_different_fields_edited_offline_both_survive_without_review(admin: Admin, ward: str) -> None:
    a, b = admin.station(ward, "a"), admin.station(ward, "b")
    a.push([a.create_shift(TODAY)])
    sid = a.shift_id(TODAY)
    tok = meta_of(b.pull_all(), sid)["field_meta"]
    base = {f: tok[f]["tok"] for f in ("groups.rn.actual", "notes")}
    a.push([a.mutation("shift", sid, "patch", {"groups.rn.actual": 3}, base={"groups.rn.actual": base["groups.rn.actual"]})])
    b.push([b.mutation("shift", sid, "patch", {"notes": "Bay 2 closed"}, base={"notes": base["notes"]})])
    state = meta_of(a.pull_all(), sid)
    assert state["row"]["groups.rn.actual"] == 3 and state["row"]["notes"] == "Bay 2 closed"
    assert state["needs_review"] is False


def test_same_field_concurrently_hlc_wins_loser_kept_and_flagged(admin: Admin, ward: str) -> None:
    a, b = admin.station(ward, "a"), admin.station(ward, "b")
    a.push([a.create_shift(TODAY)])
    sid = a.shift_id(TODAY)
    tok = meta_of(b.pull_all(), sid)["field_meta"]["groups.rn.actual"]["tok"]
    early = a.mutation("shift", sid, "patch", {"groups.rn.actual": 3}, base={"groups.rn.actual": tok}, hlc=a.next_hlc())
    later = b.mutation("shift", sid, "patch", {"groups.rn.actual": 5}, base={"groups.rn.actual": tok},
                       hlc=b.next_hlc(60_000))
    # the later HLC arrives first; the earlier one, not having seen it, arrives second and loses
    assert b.push([later])["results"][0]["status"] == "applied"
    res = a.push([early])["results"][0]
    assert res["status"] == "applied" and "concurrent_lost" in res["flags"] and "needs_review" in res["flags"]
    assert res["effective"] == {"groups.rn.actual": 5}
    state = meta_of(a.pull_all(), sid)
    assert state["row"]["groups.rn.actual"] == 5 and state["needs_review"] is True
    outcomes = [(f, o, v) for f, o, v, _d in _history(admin, sid) if f == "groups.rn.actual"]
    assert outcomes[-2:] == [("groups.rn.actual", "applied", 5), ("groups.rn.actual", "concurrent_lost", 3)]


def test_concurrent_later_hlc_wins_over_stored(admin: Admin, ward: str) -> None:
    a, b = admin.station(ward, "a"), admin.station(ward, "b")
    a.push([a.create_shift(TODAY)])
    sid = a.shift_id(TODAY)
    tok = meta_of(b.pull_all(), sid)["field_meta"]["notes"]["tok"]
    a.push([a.mutation("shift", sid, "patch", {"notes": "from a"}, base={"notes": tok})])
    res = b.push([b.mutation("shift", sid, "patch", {"notes": "from b"}, base={"notes": tok}, hlc=b.next_hlc(5_000))])
    item = res["results"][0]
    assert item["effective"] == {"notes": "from b"} and "needs_review" in item["flags"]
    assert [o for f, o, _v, _d in _history(admin, sid) if f == "notes"][-1] == "concurrent_won"


def test_causal_successor_wins_even_with_a_slow_clock(admin: Admin, ward: str) -> None:
    a, b = admin.station(ward, "a"), admin.station(ward, "b")
    a.push([a.create_shift(TODAY)])
    sid = a.shift_id(TODAY)
    a.push([a.mutation("shift", sid, "patch", {"groups.rn.actual": 3},
                       base={"groups.rn.actual": meta_of(a.pull_all(), sid)["field_meta"]["groups.rn.actual"]["tok"]},
                       hlc=a.next_hlc(3_600_000))])
    seen = meta_of(b.pull_all(), sid)["field_meta"]["groups.rn.actual"]["tok"]
    slow = b.mutation("shift", sid, "patch", {"groups.rn.actual": 6}, base={"groups.rn.actual": seen},
                      hlc=b.next_hlc(-3 * 3_600_000))  # three hours slow, but it saw a's value
    item = b.push([slow])["results"][0]
    assert item["effective"] == {"groups.rn.actual": 6} and item["flags"] == []
    assert meta_of(a.pull_all(), sid)["needs_review"] is False


def test_two_creates_of_the_same_shift_merge_and_agreement_is_not_a_conflict(admin: Admin, ward: str) -> None:
    a, b = admin.station(ward, "a"), admin.station(ward, "b")
    a.push([a.create_shift(TODAY, "late", notes="same")])
    res = b.push([b.create_shift(TODAY, "late", notes="same", **{"groups.care.actual": 2})])["results"][0]
    assert res["status"] == "applied" and "needs_review" not in res["flags"]
    pulled = [c for c in a.pull_all() if c["entity"] == "shift" and c["id"] == a.shift_id(TODAY, "late")]
    assert len(pulled) == 1 and pulled[0]["row"]["groups.care.actual"] == 2 and pulled[0]["needs_review"] is False


def test_delete_is_a_field_under_the_same_rule(admin: Admin, ward: str) -> None:
    a, b = admin.station(ward, "a"), admin.station(ward, "b")
    a.push([a.create_shift(TODAY, "night")])
    sid = a.shift_id(TODAY, "night")
    b.pull_all()
    a.push([a.mutation("shift", sid, "delete", {})])
    state = meta_of(b.pull_all(), sid)
    assert state["deleted"] is True and "deleted" in state["field_meta"]
    late_edit = b.mutation("shift", sid, "patch", {"notes": "edit after delete"})
    assert b.push([late_edit])["results"][0]["status"] == "applied"
    assert meta_of(b.pull_all(), sid)["deleted"] is True  # an edit of another field does not resurrect it


def test_hlc_far_ahead_is_clamped_and_flagged_never_rejected(admin: Admin, ward: str) -> None:
    fast, normal = admin.station(ward, "fast"), admin.station(ward, "normal")
    fast.push([fast.create_shift(TODAY)])
    sid = fast.shift_id(TODAY)
    tok = meta_of(normal.pull_all(), sid)["field_meta"]["notes"]["tok"]
    two_days = 2 * 24 * 3_600_000
    item = fast.push([fast.mutation("shift", sid, "patch", {"notes": "clock two days fast"}, base={"notes": tok},
                                    hlc=fast.next_hlc(two_days))])["results"][0]
    assert item["status"] == "applied" and "clock_ahead" in item["flags"]
    stored = meta_of(normal.pull_all(), sid)["field_meta"]["notes"]["hlc"]
    assert int(stored.split("-")[0]) < int(fast.hlc.pt) - two_days + 60_000  # ordered at server time
    # a concurrent edit made a minute later by a correct clock now wins (it would lose to the raw HLC)
    later = normal.mutation("shift", sid, "patch", {"notes": "correct clock"}, base={"notes": tok}, hlc=normal.next_hlc(60_000))
    assert normal.push([later])["results"][0]["effective"] == {"notes": "correct clock"}


def test_clock_reset_to_2000_is_accepted_and_flagged(admin: Admin, ward: str) -> None:
    st = admin.station(ward)
    m = st.create_shift(TODAY)
    m["hlc"] = f"{946684800000:013d}-00000-{st.device_id[:8]}"
    item = st.push([m])["results"][0]
    assert item["status"] == "applied" and "clock_behind" in item["flags"]


def test_an_agreeing_value_is_never_reported_as_not_applied(admin: Admin, ward: str) -> None:
    a, b = admin.station(ward, "a"), admin.station(ward, "b")
    day = date(2026, 3, 4)
    first = a.create_shift(day)
    a.push([first])
    late = b.create_shift(day)  # the same figures, entered offline on another station a minute EARLIER
    pt, lc, _node = first["hlc"].split("-", 2)
    late["hlc"] = f"{int(pt) - 60_000:013d}-{lc}-{late['hlc'].split('-', 2)[2]}"
    res = b.push([late])
    assert "concurrent_lost" not in res["results"][0]["flags"]
    assert "needs_review" not in res["results"][0]["flags"]


def test_a_reference_to_a_record_the_server_lacks_is_refused(admin: Admin, ward: str) -> None:
    """Accepted, it would make every station's pull of that page fail on its foreign key."""
    from hardtruths_desktop.domain import ids

    st = admin.station(ward)
    flag = st.mutation("red_flag", ids.uuid7(), "create", {
        "ward_id": st.ward_id, "shift_id": st.shift_id(date(2026, 3, 5)), "flag_type": "pain_relief_delay",
        "raised_at": "2026-03-05T10:00:00Z", "raised_by": "staff:test", "detail": ""})
    res = st.push([flag])
    assert res["results"][0]["status"] == "rejected" and "does not have" in res["results"][0]["error"]
    st.push([st.create_shift(date(2026, 3, 5)), st.mutation("red_flag", ids.uuid7(), "create", flag["payload"])])


def test_an_edit_checks_the_references_and_uniqueness_its_fields_are_in(admin: Admin, ward: str) -> None:
    """issue 13 (i13-cpu7): an edit checks only the constraints its fields are in (worked out once per entity and
    field names). A nurse in charge the server lacks and a pattern code another pattern has are refused by name;
    the figures of the same shift, and an edit naming a nurse it has, apply."""
    import uuid

    from hardtruths_desktop.domain import ids

    st = admin.station(ward)
    day = date(2026, 3, 6)
    nurse = str(uuid.uuid4())
    p1, p2 = ids.pattern_id(st.ward_id, "p1"), ids.pattern_id(st.ward_id, "p2")
    pattern = {"ward_id": st.ward_id, "name": "Pattern", "start_time": "07:00", "end_time": "15:00", "period": "day"}
    st.push([st.create_shift(day), st.mutation("staff", nurse, "create", {"ward_id": st.ward_id, "name": "Nurse A", "role": "rn"}),
             st.mutation("shift_pattern", p1, "create", {**pattern, "code": "p1"}),
             st.mutation("shift_pattern", p2, "create", {**pattern, "code": "p2"})])
    sid = st.shift_id(day)
    metas = {c["id"]: c["field_meta"] for c in st.pull_all()}
    tok = metas[sid]["nurse_in_charge_id"]["tok"] if "nurse_in_charge_id" in metas[sid] else None
    base = {"nurse_in_charge_id": tok} if tok else {}
    res = st.push([st.mutation("shift", sid, "patch", {"nurse_in_charge_id": str(uuid.uuid4())}, base=base),
                   st.mutation("shift_pattern", p2, "patch", {"code": "p1"}, base={"code": metas[p2]["code"]["tok"]}),
                   st.mutation("shift", sid, "patch", {"groups.rn.actual": 3}),
                   st.mutation("shift", sid, "patch", {"nurse_in_charge_id": nurse}, base=base)])
    verdicts = [(r["status"], r.get("error")) for r in res["results"]]
    assert verdicts == [
        ("rejected", "It refers to a staff the trust server does not have"),
        ("rejected", "Another shift pattern of this ward already has the same code"),
        ("applied", None), ("applied", None)]
