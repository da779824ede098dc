"""Pull (SYNC.md 3.5), ward isolation and reference data written by the server."""

from __future__ import annotations

from datetime import timedelta

import psycopg
from server_support import Admin, meta_of, new_ward
from support.clocks import SUITE_TODAY

from hardtruths_desktop.domain import ids

TODAY = SUITE_TODAY


def _sql(admin: Admin, query: str, *args: object) -> None:
    with psycopg.connect(admin.server.database_url.replace("postgresql+psycopg://", "postgresql://")) as con:
        con.execute(query, args)


def test_pull_pages_in_seq_order_and_collapses_to_current_state(admin: Admin, ward: str) -> None:
    st = admin.station(ward)
    muts = [st.create_shift(TODAY - timedelta(days=i)) for i in range(5)]
    sid = st.shift_id(TODAY)
    muts.append(st.mutation("shift", sid, "patch", {"notes": "second edit"}))
    verdicts = st.push(muts)["results"]
    since, seen, pages = 0, [], 0
    while True:
        r = st.http.get("/v1/sync/pull", params={"since": since, "limit": 2}, headers=st.headers)
        assert r.status_code == 200
        page = r.json()
        seqs = [c["seq"] for c in page["changes"]]
        assert seqs == sorted(seqs) and all(s > since for s in seqs)
        seen += page["changes"]
        since, pages = page["next_since"], pages + 1
        if not page["has_more"]:
            break
    assert pages > 2
    shift = [c for c in seen if c["id"] == sid]
    assert shift[-1]["row"]["notes"] == "second edit"
    # the field's version names the change that wrote it (its verdict's server_seq; its place in the
    # stream, ``seq``, is taken at commit, after it)
    assert shift[-1]["field_meta"]["notes"]["seq"] == verdicts[-1]["server_seq"] <= shift[-1]["seq"]
    # the server counts as pulled what the station asks from (it has applied everything before it), not
    # what it was sent: a station fetching the next page ahead may lose a page it was sent
    def pulled() -> int:
        return int({d["device_id"]: d for d in admin.http.get("/v1/admin/devices").json()}[st.device_id]["last_pull_seq"])

    assert pulled() < since
    assert st.http.get("/v1/sync/pull", params={"since": since}, headers=st.headers).status_code == 200
    assert pulled() == since


def test_pull_refuses_cursors_it_cannot_serve_with_410(admin: Admin, ward: str) -> None:
    st = admin.station(ward)
    r = st.http.get("/v1/sync/pull", params={"since": 10**12}, headers=st.headers)
    assert r.status_code == 410 and r.json()["error"] == "cursor_ahead"
    r = st.http.get("/v1/sync/pull", params={"since": 0, "epoch": "00000000-0000-4000-8000-000000000000"}, headers=st.headers)
    assert r.status_code == 410
    _sql(admin, "UPDATE server_meta SET min_retained_seq = 3")
    try:
        r = st.http.get("/v1/sync/pull", params={"since": 1}, headers=st.headers)
        assert r.status_code == 410 and r.json()["error"] == "cursor_too_old"
    finally:
        _sql(admin, "UPDATE server_meta SET min_retained_seq = 0")


def test_a_station_neither_reads_nor_writes_another_wards_records(admin: Admin, ward: str) -> None:
    other = new_ward(admin)
    a, b = admin.station(ward, "a"), admin.station(other, "b")
    b.push([b.create_shift(TODAY)])
    b_shift = b.shift_id(TODAY)
    foreign_create = a.mutation("shift", ids.shift_id(b.ward_id, TODAY, "late"), "create",
                                {"ward_id": b.ward_id, "shift_date": TODAY.isoformat(), "shift_code": "late", "notes": "x"})
    foreign_patch = a.mutation("shift", b_shift, "patch", {"notes": "not my ward"})
    foreign_ward = a.mutation("ward_board", b.ward_id, "create", {"ward_manager": "Someone"})
    out = a.push([foreign_create, foreign_patch, foreign_ward])
    assert [r["status"] for r in out["results"]] == ["rejected"] * 3
    assert all("own ward" in r["error"] for r in out["results"])
    pulled = a.pull_all()
    assert all(c["ward_id"] in (a.ward_id, None) for c in pulled)
    assert b_shift not in {c["id"] for c in pulled}
    assert meta_of(b.pull_all(), b_shift)["row"]["notes"] == ""


def test_reference_data_from_the_server_flows_down_and_counts_as_setup(admin: Admin) -> None:
    bare = new_ward(admin, with_setup=False)
    first = admin.station(bare)
    assert first.enrolled["ward_has_setup"] is False
    admin.post(f"/v1/admin/wards/{bare}/staff", {"name": "Aisha Khan", "role": "rn", "title": "Ward sister", "is_manager": True})
    admin.put(f"/v1/admin/wards/{bare}/shift-pattern",
              {"code": "early", "name": "Early", "start_time": "07:00", "end_time": "15:00", "period": "day"})
    admin.put(f"/v1/admin/wards/{bare}/establishment", {"shift_code": "early", "staff_group": "rn",
                                                         "effective_from": "2025-01-01", "planned_heads": 4, "planned_hours": 30})
    second = admin.station(bare)
    assert second.enrolled["ward_has_setup"] is True
    entities = {c["entity"] for c in second.pull_all()}
    assert {"ward", "trust", "staff", "shift_pattern", "establishment"} <= entities
    r = admin.http.post(f"/v1/admin/wards/{bare}/staff", json={"name": "X", "role": "nope"})
    assert r.status_code == 422 and r.json()["error"] == "invalid_request"
