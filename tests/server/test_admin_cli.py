"""``hardtruths-server admin`` in-process, on its own PostgreSQL database (and SQLite)."""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from collections.abc import Callable
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from server_support import Station
from support.live_server import LiveServer

from hardtruths_desktop import cli as station_cli
from hardtruths_desktop.domain.clock import FixedClock
from hardtruths_desktop.domain.clock import today as ward_today
from hardtruths_desktop.store import reference as station_reference
from hardtruths_desktop.store.session import Actor, Store
from hardtruths_desktop.store.shifts import ShiftChange, raise_red_flag, save_shift
from trust_server.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_admin_commands_end_to_end(capsys: pytest.CaptureFixture[str], fresh_postgres_url: str, tmp_path: Path,
                                   live_server_factory: Callable[..., LiveServer]) -> None:
    db = ["--database-url", fresh_postgres_url, "--data-dir", str(tmp_path)]
    rc, out, err = run(capsys, "admin", *db, "create-trust", "--code", "TST", "--name", "Test Hospitals NHS Trust")
    assert rc == 0, err
    rc, out, _ = run(capsys, "admin", *db, "create-ward", "--code", "t1", "--name", "Test Ward 1", "--trust", "TST")
    assert rc == 0 and "T1" in out
    rc, out, _ = run(capsys, "admin", *db, "enrolment-code", "--ward", "T1")
    assert rc == 0 and re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}\n", out)
    server = live_server_factory(fresh_postgres_url, tmp_path)  # one deployment: the CLI and server share its secret
    st = Station.enrol(server, "T1", out.strip())
    rc, out, _ = run(capsys, "admin", *db, "devices", "--json")
    listed = json.loads(out)
    assert rc == 0 and [d["device_id"] for d in listed] == [st.device_id] and listed[0]["ward_code"] == "T1"
    assert listed[0]["revoked"] is False and "pending_reported" in listed[0] and "last_sync" in listed[0]
    rc, out, _ = run(capsys, "admin", *db, "revoke", "--device", st.device_id)
    assert rc == 0 and run(capsys, "admin", *db, "devices", "--json") and True
    rc, out, _ = run(capsys, "admin", *db, "devices", "--json")
    assert json.loads(out)[0]["revoked"] is True
    epoch_before = st.http.get("/health").status_code
    rc, out, _ = run(capsys, "admin", *db, "new-epoch")
    assert rc == 0 and "epoch" in out and epoch_before == 200


@pytest.mark.parametrize("args, words", [
    (("enrolment-code", "--ward", "NOPE"), "no ward"),
    (("create-ward", "--code", "bad code!", "--name", "X"), "ward code"),
    (("staffing", "--ward", "NOPE", "--month", "2026-13", "--json"), "month"),
    (("revoke", "--device", "nope"), "no device"),
    (("create-trust", "--code", "X"), ""),  # argparse: --name missing
])
def test_bad_input_is_one_line_and_non_zero(capsys: pytest.CaptureFixture[str], tmp_path: Path, args: tuple[str, ...],
                                            words: str) -> None:
    rc, out, err = run(capsys, "admin", "--data-dir", str(tmp_path), *args)  # the embedded SQLite default
    assert rc != 0 and out == ""
    if words:
        assert words in err.lower() and len(err.strip().splitlines()) == 1


def _outbox(path: Path) -> list[dict[str, object]]:
    con = sqlite3.connect(path)
    try:
        rows = con.execute("SELECT client_seq, mutation_id, entity, entity_id, op, payload, base, hlc, schema_version,"
                           " recorded_by, wall_time FROM outbox ORDER BY client_seq").fetchall()
    finally:
        con.close()
    return [{"client_seq": r[0], "mutation_id": r[1], "entity": r[2], "entity_id": r[3], "op": r[4],
             "payload": json.loads(r[5]), "base": json.loads(r[6]), "hlc": r[7], "schema_version": r[8],
             "recorded_by": r[9], "wall_time": r[10]} for r in rows]


def test_staffing_json_matches_the_stations_after_a_push(capsys: pytest.CaptureFixture[str], fresh_postgres_url: str,
                                                         tmp_path: Path, live_server_factory: Callable[..., LiveServer]) -> None:
    """A real station records a month's shifts offline, enrols, pushes its outbox: both views agree."""
    db = ["--database-url", fresh_postgres_url, "--data-dir", str(tmp_path / "server")]
    assert run(capsys, "admin", *db, "create-ward", "--code", "T1", "--name", "Test Ward 1")[0] == 0
    code = run(capsys, "admin", *db, "enrolment-code", "--ward", "T1")[1].strip()
    # the station's clock is pinned (never today's date); the month is one that has ended both for it
    # and for the server, which reads its own clock, so the two agree on what has started
    clock = FixedClock.london(2026, 11, 24, 10, 0)
    today = ward_today(clock)
    first = date(2026, 10, 1)
    store = Store(tmp_path / "station", clock)
    with store.write(Actor.command_line()) as tx:
        trust = station_reference.upsert_trust(tx, "TST", "Test Hospitals NHS Trust")
        ward = station_reference.upsert_ward(tx, trust.id, "T1", "Test Ward 1", "", "", 30)
        for order, (sc, name, start, end, period) in enumerate((("early", "Early", time(7), time(15), "day"),
                                                                  ("night", "Night", time(21, 30), time(7, 30), "night"))):
            station_reference.set_shift_pattern(tx, ward, station_reference.PatternInput(sc, name, start, end, period, order))
            station_reference.set_establishment(tx, ward, sc, "rn", first - timedelta(days=30), 4, 30.0)
            station_reference.set_establishment(tx, ward, sc, "care", first - timedelta(days=30), 2, 15.0)
        sister = station_reference.add_staff(tx, ward, "Mary O'Neill", "rn", "Ward sister", True)
    with store.write(Actor(sister.id, sister.name)) as tx:
        save_shift(tx, ward, first, "early", ShiftChange(groups={"rn": {"actual": 3, "actual_hours": 24}, "care": {"actual": 2}},
                                                          nurse_in_charge_id=sister.id, patients_at_midnight=27, notes="Bay 2 closed"), today)
        save_shift(tx, ward, first, "night", ShiftChange(groups={"rn": {"actual": 1, "actual_hours": 10}}), today)
        raise_red_flag(tx, ward, first, "night", "vital_signs", "Obs delayed on bay 3", today)
    store.close()
    server = live_server_factory(fresh_postgres_url, tmp_path / "server")  # one deployment: the CLI and server share its secret
    st = Station.enrol(server, "T1", code)
    out = st.push(_outbox(store.path))
    assert [r["status"] for r in out["results"] if r["status"] != "applied"] == [], out["results"]
    month = first.strftime("%Y-%m")
    assert station_cli.main(["staffing", "show", "--ward", "T1", "--month", month, "--json",
                             "--data-dir", str(tmp_path / "station")], clock=clock) == 0
    station_view = json.loads(capsys.readouterr().out)
    rc, text, err = run(capsys, "admin", *db, "staffing", "--ward", "T1", "--month", month, "--json")
    assert rc == 0, err
    assert json.loads(text) == station_view

    # the national return: every ward's row in one call, each exactly the row its own call gives
    assert run(capsys, "admin", *db, "create-ward", "--code", "T0", "--name", "Test Ward 0")[0] == 0  # nothing recorded
    as_of = ["--month", month, "--as-of", "2026-11-24T10:00:00+00:00"]
    rc, text, err = run(capsys, "admin", *db, "staffing-return", "--ward", "T1", *as_of, "--json")
    assert rc == 0, err
    t1 = json.loads(text)
    rc, text, err = run(capsys, "admin", *db, "staffing-return", *as_of, "--json")
    assert rc == 0, err
    every = json.loads(text)
    assert [r["ward"] for r in every] == ["T0", "T1"] and every[1] == t1
    assert every[0]["row"]["ward_code"] == "T0" and every[0]["row"]["unrecorded_shifts"] == "0"  # a ward without shift patterns
    rc, text, err = run(capsys, "admin", *db, "staffing-return", *as_of, "--csv")
    assert rc == 0, err
    header, *rows = list(csv.reader(text.splitlines()))
    assert header == t1["columns"] and len(rows) == 2
    assert dict(zip(header, rows[1], strict=True)) == t1["row"]
