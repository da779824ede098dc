"""Trust IT sees and voids records (issue 8): ``admin records``, ``admin void``, the records API."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from server_support import Admin, new_ward
from support.clocks import SUITE_TODAY
from support.live_server import LiveServer

from hardtruths_desktop.domain import ids
from trust_server.cli import main

DAY = SUITE_TODAY - timedelta(days=1)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_records_listed_and_voided_with_an_audit_and_a_tombstone_stations_pull(
        capsys: pytest.CaptureFixture[str], own_admin: Admin) -> None:
    admin = own_admin
    ward = new_ward(admin)
    db = ["--database-url", str(admin.server.database_url), "--data-dir", str(admin.server.settings.data_dir)]
    st = admin.station(ward)
    staff = str(uuid.uuid4())
    flag = str(uuid.uuid4())
    shift = st.shift_id(DAY)
    out = st.push([st.mutation("staff", staff, "create", {"ward_id": st.ward_id, "name": "Ann Lee", "role": "rn"}),
                   st.create_shift(DAY, nurse_in_charge_id=staff, **{"groups.rn.actual": 2}),
                   st.mutation("red_flag", flag, "create", {"ward_id": st.ward_id, "shift_id": shift, "flag_type": "vital_signs",
                                                           "raised_at": "2026-01-01T10:00:00Z", "raised_by": "x"})])
    assert {r["status"] for r in out["results"]} == {"applied"}, out
    rc, text, err = run(capsys, "admin", *db, "records", "--ward", ward, "--entity", "red_flag", "--json")
    assert rc == 0, err
    listed = json.loads(text)
    assert rc == 0 and [r["id"] for r in listed] == [flag] and listed[0]["data"]["flag_type"] == "vital_signs"

    rc, _text, err = run(capsys, "admin", *db, "void", "--record", staff, "--reason", "entered on the wrong ward")
    assert rc != 0 and "refer to it" in err and len(err.strip().splitlines()) == 1  # the shift's nurse in charge
    rc, text, err = run(capsys, "admin", *db, "void", "--record", flag, "--reason", "raised twice by mistake")
    assert rc == 0 and "void" in text, err
    rc, text, _ = run(capsys, "admin", *db, "records", "--ward", ward, "--entity", "red_flag", "--json")
    voided = json.loads(text)[0]
    assert voided["deleted"] is True and "detail" not in voided["data"]
    pulled = [c for c in st.pull_all() if c["id"] == flag]
    assert pulled and pulled[-1]["deleted"] is True
    raw = admin.http.get("/v1/admin/records", params={"ward": ward, "entity": "red_flag"}).json()
    assert raw[0]["deleted"] is True
    # a device cannot bring it back: undeleting it makes it a whole record again, which it no longer is
    admin.server.clock.advance(timedelta(seconds=5))  # (pinned clocks: the station's change comes after the void)
    again = st.push([st.mutation("red_flag", flag, "patch", {"deleted": False})])["results"][0]
    assert again["status"] == "rejected" and "must include" in again["error"], again
    assert admin.http.get("/v1/admin/records", params={"ward": ward, "entity": "red_flag"}).json()[0]["deleted"] is True


def test_void_keeps_what_the_record_held_in_the_mutation_log(tmp_path: Path, live_server_factory: Callable[..., LiveServer],
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    srv = live_server_factory(None, tmp_path / "server")
    admin = Admin(srv)
    ward = new_ward(admin)
    st = admin.station(ward)
    bed = ids.bed_id(st.ward_id, "4")
    assert st.push([st.mutation("bed", bed, "create", {"ward_id": st.ward_id, "label": "4", "occupied": True,
                                                      "preferred_name": "Bobby"})])["results"][0]["status"] == "applied"
    db = ["--database-url", str(srv.database_url)]
    rc, _text, err = run(capsys, "admin", *db, "void", "--record", bed, "--reason", "test patient")
    assert rc == 0, err
    con = sqlite3.connect(str(srv.database_url).removeprefix("sqlite:///"))
    try:
        raws = [json.loads(r[0]) for r in con.execute("SELECT raw FROM mutation_log WHERE raw LIKE '%\"void\"%'")]
        outcome = con.execute("SELECT outcome, new_value FROM field_history WHERE entity_id = ? AND field = 'deleted'",
                              (bed,)).fetchall()
    finally:
        con.close()
    assert raws and raws[-1]["previous"]["preferred_name"] == "Bobby" and raws[-1]["void"]["reason"] == "test patient"
    assert outcome == [("applied", "true")]


def test_admin_commands_print_broken_text_without_crashing(tmp_path: Path, live_server_factory: Callable[..., LiveServer],
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """A record stored before the schema checks (SQLite keeps any text) must not crash the admin tools."""
    srv = live_server_factory(None, tmp_path / "server")
    admin = Admin(srv)
    ward = new_ward(admin)
    wid = ids.ward_id(ward)
    sid = ids.shift_id(wid, DAY, "early")
    con = sqlite3.connect(str(srv.database_url).removeprefix("sqlite:///"))
    try:
        with con:
            seq = con.execute("UPDATE sync_counter SET value = value + 1 WHERE id = 1 RETURNING value").fetchone()[0]
            con.execute("INSERT INTO entity_record (entity, id, ward_id, data, field_meta, deleted, last_seq, needs_review)"
                        " VALUES ('shift', ?, ?, ?, '{}', 0, ?, 0)",
                        (sid, wid, json.dumps({"ward_id": wid, "shift_date": DAY.isoformat(), "shift_code": "early",
                                               "notes": "Bay \ud800 2", "staffing_recorded": True}), seq))
            con.execute("INSERT INTO change_log (seq, ward_id, entity, entity_id, deleted) VALUES (?, ?, 'shift', ?, 0)",
                        (seq, wid, sid))
    finally:
        con.close()
    db = ["--database-url", str(srv.database_url)]
    month = f"{DAY.year:04d}-{DAY.month:02d}"
    for args in (("staffing", "--ward", ward, "--month", month), ("staffing", "--ward", ward, "--month", month, "--json"),
                 ("records", "--ward", ward), ("records", "--ward", ward, "--json")):
        rc, text, err = run(capsys, "admin", *db, *args)
        assert rc == 0 and text and not err, (args, err)
    r = admin.http.get(f"/v1/admin/wards/{ward}/staffing", params={"month": month})
    assert r.status_code == 200 and any(s["notes"].startswith("Bay") for s in r.json())


def test_a_wards_typed_row_follows_its_record_whoever_writes_it(admin: Admin, ward: str) -> None:
    """One source of truth: the ``ward`` table devices refer to is kept from the ward's record,
    also when a station (its sister renaming the ward) writes it, not only the admin."""
    import psycopg

    st = admin.station(ward)
    wid = ids.ward_id(ward)
    tok = meta_tok(st.pull_all(), wid, "name")
    out = st.push([st.mutation("ward", wid, "patch", {"name": "Ward 7 - Elderly Care"}, base={"name": tok})])["results"][0]
    assert out["status"] == "applied" and out["effective"] == {"name": "Ward 7 - Elderly Care"}, out
    dsn = str(admin.server.database_url).replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as con:
        typed = con.execute("SELECT name FROM ward WHERE id = %s", (wid,)).fetchone()
    assert typed == ("Ward 7 - Elderly Care",)
    again = admin.post("/v1/admin/wards", {"code": ward, "name": "Ward 7"})
    assert again["name"] == "Ward 7"


def meta_tok(changes: list[dict[str, object]], record_id: str, field_name: str) -> str:
    found = [c for c in changes if c["id"] == record_id]
    assert found
    meta = found[-1]["field_meta"]
    assert isinstance(meta, dict)
    return str(meta[field_name]["tok"])
