"""The command line as issue 2 specifies it, run in-process (plus one real subprocess)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from core_support import NON_LATIN_NAMES, db_snapshot, open_station, sql
from support.clocks import SUITE_TODAY, suite_clock

from hardtruths_desktop import cli
from hardtruths_desktop.domain import ids
from hardtruths_desktop.domain.clock import ward_now
from hardtruths_desktop.domain.staffing import current_shift
from hardtruths_desktop.store import queries, reference
from hardtruths_desktop.store.engine import DB_FILENAME
from hardtruths_desktop.store.session import Actor

TODAY = SUITE_TODAY  # the day the demo and the station fixtures were made (tests/support/clocks.py)
YESTERDAY = TODAY - timedelta(days=1)
ISSUE_HEADER = (
    "site,ward_code,ward_name,specialty,month,day_rn_planned_hours,day_rn_actual_hours,"
    "day_care_planned_hours,day_care_actual_hours,night_rn_planned_hours,night_rn_actual_hours,"
    "night_care_planned_hours,night_care_actual_hours,day_rn_fill_rate,day_care_fill_rate,"
    "night_rn_fill_rate,night_care_fill_rate,patients_at_midnight_total,chppd_rn,chppd_care,chppd_total"
)


def run(capsys: pytest.CaptureFixture[str], data_dir: Path, *argv: str) -> tuple[int, str, str]:
    """``main`` in-process, as of the suite's pinned clock; argparse's own errors exit via SystemExit,
    which counts as the exit code."""
    try:
        rc = cli.main([*argv, "--data-dir", str(data_dir)], clock=suite_clock())
    except SystemExit as e:
        rc = int(e.code or 0)
    out, err = capsys.readouterr()
    return rc, out, err


def run_json(capsys: pytest.CaptureFixture[str], data_dir: Path, *argv: str) -> Any:
    rc, out, err = run(capsys, data_dir, *argv, "--json")
    assert rc == 0, err
    return json.loads(out)


# --- demo ---------------------------------------------------------------------------------------------

def test_demo_command_creates_a_trust_and_prints_how_to_sign_in(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = run(capsys, tmp_path / "pc", "demo")
    assert rc == 0, err
    assert "PIN" in out and "2580" in out and "Mary O'Neill" in out
    wards = run_json(capsys, tmp_path / "pc", "ward", "list")
    assert len(wards) >= 3
    rc, _, err = run(capsys, tmp_path / "pc", "demo")  # never over an existing station
    assert rc == cli.EXIT_BAD_INPUT and "already has wards" in err


def test_demo_history_runs_90_days_up_to_the_current_shift(demo_dir: Path) -> None:
    st_path = demo_dir / DB_FILENAME
    from hardtruths_desktop.store.session import Store

    store = Store(demo_dir)
    now = ward_now(suite_clock())
    with store.read() as s:
        for w in queries.list_wards(s):
            ward = queries.ward_row(s, w.code)
            cur = current_shift(list(w.patterns), now)
            assert cur is not None
            day, pat = cur
            views = queries.shifts_in_range(s, ward, TODAY - timedelta(days=91), TODAY + timedelta(days=1))
            recorded = [v for v in views if v.recorded]
            assert min(v.date for v in recorded) <= TODAY - timedelta(days=90)
            key = (day, pat.start)
            assert any((v.date, v.shift_code) == (day, pat.code) for v in recorded), f"{w.code}: current shift not recorded"
            assert all((v.date, v.start) <= key for v in recorded), f"{w.code}: shifts recorded after the current one"
            assert any(v.computed_flags for v in recorded), f"{w.code}: no short shift in 90 days"
            assert all(v.nurse_in_charge for v in recorded)
    store.close()
    assert sql(st_path, "SELECT count(*) FROM red_flag")[0][0] > 0


# --- ward and staff lists ---------------------------------------------------------------------------

def test_ward_list_json_shape(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wards = run_json(capsys, demo_dir, "ward", "list")
    assert [w["code"] for w in wards] == sorted(w["code"] for w in wards)
    for w in wards:
        assert {"code", "name", "site", "specialty", "shift_pattern"} <= set(w)
        assert all(isinstance(w[k], str) and w[k] for k in ("code", "name", "site", "specialty"))
        assert w["shift_pattern"]
        for p in w["shift_pattern"]:
            assert {"code", "name", "start", "end", "period"} <= set(p)
            assert re.fullmatch(r"\d\d:\d\d", p["start"]) and re.fullmatch(r"\d\d:\d\d", p["end"])
            assert p["period"] in ("day", "night")
    w7 = next(w for w in wards if w["code"] == "W7")
    assert [(p["code"], p["start"], p["end"], p["period"]) for p in w7["shift_pattern"]] == [
        ("early", "07:00", "15:00", "day"), ("late", "14:30", "22:00", "day"), ("night", "21:30", "07:30", "night")]


def test_staff_list_json_has_name_and_role(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    staff = run_json(capsys, demo_dir, "staff", "list", "--ward", "w7")
    assert staff and all({"name", "role"} <= set(x) for x in staff)
    by_name = {x["name"]: x["role"] for x in staff}
    assert by_name["Γιώργος Παπαδόπουλος"] == "rn" and by_name["Dylan Evans"] == "care"


def test_staff_list_of_an_unknown_ward(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = run(capsys, demo_dir, "staff", "list", "--ward", "W99")
    assert rc == 2 and out == "" and len(err.strip().splitlines()) == 1 and "W99" in err


# --- staffing record ------------------------------------------------------------------------------------

def _view(data_dir: Path, ward: str, day: date, code: str) -> queries.ShiftView:
    st = open_station(data_dir) if ward == "T1" else None
    from hardtruths_desktop.store.session import Store

    store = st.store if st else Store(data_dir)
    with store.read() as s:
        v = queries.shift_view(s, queries.ward_row(s, ward), day, code)
    store.close()
    return v


def test_record_creates_with_the_plan_then_corrects_keeping_unset_values(station_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = YESTERDAY.isoformat()
    rc, out, err = run(capsys, station_dir, "staffing", "record", "--ward", "T1", "--date", d, "--shift", "early",
                       "--rn-actual", "3", "--rn-actual-hours", "24", "--care-actual", "2", "--care-actual-hours", "7:30",
                       "--nurse-in-charge", "Aisha Rahman", "--patients-at-midnight", "27", "--note", "Short: sickness")
    assert rc == 0, err
    assert out.startswith("Saved T1") and "command line" in out
    v = _view(station_dir, "T1", YESTERDAY, "early")
    assert (v.groups["rn"].planned, v.groups["rn"].planned_hours) == (4, 32.0)  # from the establishment
    assert (v.groups["rn"].actual, v.groups["rn"].actual_hours) == (3, 24.0)
    assert (v.groups["care"].actual, v.groups["care"].actual_hours) == (2, 7.5)
    assert v.nurse_in_charge == "Aisha Rahman" and v.patients_at_midnight == 27 and v.notes == "Short: sickness"

    rc, out, err = run(capsys, station_dir, "staffing", "record", "--ward", "T1", "--date", d, "--shift", "EARLY",
                       "--rn-actual", "4", "--rn-actual-hours", "32")
    assert rc == 0, err
    v = _view(station_dir, "T1", YESTERDAY, "early")
    assert (v.groups["rn"].actual, v.groups["rn"].actual_hours, v.groups["rn"].planned) == (4, 32.0, 4)
    assert (v.groups["care"].actual, v.groups["care"].actual_hours) == (2, 7.5)  # kept
    assert v.nurse_in_charge == "Aisha Rahman" and v.patients_at_midnight == 27 and v.notes == "Short: sickness"

    rc, out, _ = run(capsys, station_dir, "staffing", "record", "--ward", "T1", "--date", d, "--shift", "early", "--rn-actual", "4")
    assert rc == 0 and out.startswith("No change")


def test_record_any_group_with_set(station_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run(capsys, station_dir, "staffing", "record", "--ward", "T1", "--date", YESTERDAY.isoformat(), "--shift", "late",
                     "--set", "student.actual=1", "--set", "student.actual_hours=7.5", "--set", "rna.actual=1", "--set", "rna.actual_hours=7.5")
    assert rc == 0, err
    v = _view(station_dir, "T1", YESTERDAY, "late")
    assert v.groups["student"].actual == 1 and v.groups["rna"].actual_hours == 7.5


def _last_audit(path: Path) -> tuple[object, ...]:
    return sql(path, "SELECT actor_id, actor_name, action FROM audit_trail ORDER BY id DESC LIMIT 1")[0]


def test_as_attributes_the_write_to_that_staff_member(station_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = station_dir / DB_FILENAME
    rc, out, err = run(capsys, station_dir, "staffing", "record", "--ward", "T1", "--date", YESTERDAY.isoformat(), "--shift", "night",
                       "--as", "mary o'neill", "--rn-actual", "3", "--rn-actual-hours", "30")
    assert rc == 0, err and "Mary O'Neill" in out
    [(sister_id,)] = sql(path, "SELECT id FROM staff WHERE name = ?", ("Mary O'Neill",))
    assert _last_audit(path) == (sister_id, "Mary O'Neill", "shift_recorded")
    assert sql(path, "SELECT recorded_by FROM outbox ORDER BY client_seq DESC LIMIT 1") == [(f"staff:{sister_id}",)]

    rc, _, err = run(capsys, station_dir, "staffing", "record", "--ward", "T1", "--date", YESTERDAY.isoformat(), "--shift", "night",
                     "--note", "Quiet night")
    assert rc == 0, err
    assert _last_audit(path) == (None, "command line", "shift_corrected")
    assert sql(path, "SELECT recorded_by FROM outbox ORDER BY client_seq DESC LIMIT 1") == [("station:cli",)]


@pytest.mark.parametrize("key", sorted(NON_LATIN_NAMES))
def test_non_latin_names_via_as_and_nurse_in_charge(station_dir: Path, capsys: pytest.CaptureFixture[str], key: str) -> None:
    name = NON_LATIN_NAMES[key]
    rc, out, err = run(capsys, station_dir, "staffing", "record", "--ward", "T1", "--date", YESTERDAY.isoformat(), "--shift", "early",
                       "--as", name, "--nurse-in-charge", name, "--rn-actual", "4")
    assert rc == 0, err
    assert name in out
    assert _last_audit(station_dir / DB_FILENAME)[1] == name
    shown = run_json(capsys, station_dir, "staffing", "show", "--ward", "T1", "--date", YESTERDAY.isoformat())
    assert next(s for s in shown if s["shift"] == "early")["nurse_in_charge"] == name


# --- bad input: exit 2, one clear line, nothing written -----------------------------------------------

RECORD = ("staffing", "record", "--ward", "T1", "--shift", "early")
BAD_CLI: dict[str, tuple[str, ...]] = {
    "date dd/mm/yyyy": (*RECORD, "--date", "25/11/2026"),
    "date without padding": (*RECORD, "--date", "2026-11-5"),
    "date that does not exist": (*RECORD, "--date", "2026-02-30"),
    "date as a word": (*RECORD, "--date", "yesterday"),
    "date far ahead": (*RECORD, "--date", (TODAY + timedelta(days=200)).isoformat()),
    "date far back": (*RECORD, "--date", (TODAY - timedelta(days=5 * 365)).isoformat()),
    "negative heads": (*RECORD, "--date", YESTERDAY.isoformat(), "--rn-actual", "-1"),
    "heads as a word": (*RECORD, "--date", YESTERDAY.isoformat(), "--rn-actual", "four"),
    "fractional heads": (*RECORD, "--date", YESTERDAY.isoformat(), "--care-actual", "2.5"),
    "absurd heads": (*RECORD, "--date", YESTERDAY.isoformat(), "--rn-actual", "400"),
    "negative hours": (*RECORD, "--date", YESTERDAY.isoformat(), "--rn-actual-hours", "-7.5"),
    "hours as a word": (*RECORD, "--date", YESTERDAY.isoformat(), "--care-planned-hours", "lots"),
    "impossible hours": (*RECORD, "--date", YESTERDAY.isoformat(), "--rn-actual", "1", "--rn-actual-hours", "30"),
    "negative census": (*RECORD, "--date", YESTERDAY.isoformat(), "--patients-at-midnight", "-3"),
    "census as a word": (*RECORD, "--date", YESTERDAY.isoformat(), "--patients-at-midnight", "full"),
    "census far above beds": (*RECORD, "--date", YESTERDAY.isoformat(), "--patients-at-midnight", "150"),
    "very long note": (*RECORD, "--date", YESTERDAY.isoformat(), "--note", "x" * 2001),
    "note with escape codes": (*RECORD, "--date", YESTERDAY.isoformat(), "--note", "ok\x1b[2Jgone"),
    "unknown --as": (*RECORD, "--date", YESTERDAY.isoformat(), "--as", "Nobody Here"),
    "unknown non-Latin --as": (*RECORD, "--date", YESTERDAY.isoformat(), "--as", "Ολυμπία Άγνωστη"),
    "very long --as": (*RECORD, "--date", YESTERDAY.isoformat(), "--as", "名" * 500),
    "NIC not registered": (*RECORD, "--date", YESTERDAY.isoformat(), "--nurse-in-charge", "Dylan Evans"),
    "NIC unknown": (*RECORD, "--date", YESTERDAY.isoformat(), "--nurse-in-charge", "محمد مجهول"),
    "NIC left the ward": (*RECORD, "--date", YESTERDAY.isoformat(), "--nurse-in-charge", "Old Timer"),
    "unknown ward": ("staffing", "record", "--ward", "W99", "--shift", "early", "--date", YESTERDAY.isoformat()),
    "malformed ward": ("staffing", "record", "--ward", "W 7!", "--shift", "early", "--date", YESTERDAY.isoformat()),
    "unknown shift": ("staffing", "record", "--ward", "T1", "--shift", "twilight", "--date", YESTERDAY.isoformat()),
    "unknown group in --set": (*RECORD, "--date", YESTERDAY.isoformat(), "--set", "doctor.actual=1"),
    "missing --shift": ("staffing", "record", "--ward", "T1", "--date", YESTERDAY.isoformat()),
    "unknown option": (*RECORD, "--date", YESTERDAY.isoformat(), "--hca-actual", "2"),
    "show: bad month": ("staffing", "show", "--ward", "T1", "--month", "2026-13"),
    "show: bad date": ("staffing", "show", "--ward", "T1", "--date", "11/2026"),
    "export: bad month": ("export", "staffing-return", "--month", "Nov 2026", "--out", "/tmp/never-written.csv"),
}


@pytest.mark.parametrize("case", sorted(BAD_CLI))
def test_bad_input_exits_2_with_one_clear_line_and_writes_nothing(station_dir: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    path = station_dir / DB_FILENAME
    before = db_snapshot(path)
    rc, _out, err = run(capsys, station_dir, *BAD_CLI[case])
    assert rc == cli.EXIT_BAD_INPUT
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("hardtruths-desktop: error: ") and "Traceback" not in err
    assert len(lines[0]) < 400
    assert db_snapshot(path) == before
    assert not Path("/tmp/never-written.csv").exists()


# --- staffing show --json --------------------------------------------------------------------------------

SHIFT_KEYS = {"ward", "date", "shift", "period", "nurse_in_charge", "patients_at_midnight", "red_flags", "groups"}
GROUP_KEYS = {"planned", "actual", "planned_hours", "actual_hours"}


def _check_shift_json(s: dict[str, Any]) -> None:
    assert SHIFT_KEYS <= set(s), SHIFT_KEYS - set(s)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", s["date"]) and s["period"] in ("day", "night")
    assert s["nurse_in_charge"] is None or isinstance(s["nurse_in_charge"], str)
    assert s["patients_at_midnight"] is None or isinstance(s["patients_at_midnight"], int)
    assert isinstance(s["red_flags"], list)
    assert {"rn", "care"} <= set(s["groups"]), "groups must always have rn and care"
    for g in s["groups"].values():
        assert GROUP_KEYS <= set(g)
        assert isinstance(g["planned"], int) and isinstance(g["actual"], int)
        assert isinstance(g["planned_hours"], int | float) and isinstance(g["actual_hours"], int | float)


def test_show_month_json_shape_on_the_demo(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # last month: the demo covers all of it (this month may be one day old, with no red flag yet)
    last_month = (TODAY.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    shifts = run_json(capsys, demo_dir, "staffing", "show", "--ward", "W7", "--month", last_month)
    assert shifts
    for s in shifts:
        _check_shift_json(s)
        assert s["ward"] == "W7"
    days = {s["date"] for s in shifts}
    assert len(shifts) == 3 * len(days)  # every shift of the pattern, recorded or not
    assert any(s["red_flags"] for s in shifts)
    flagged = next(s for s in shifts if s["red_flags"])
    assert {"type", "label"} <= set(flagged["red_flags"][0])


def test_show_date_json_reports_what_was_recorded(station_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = YESTERDAY.isoformat()
    run(capsys, station_dir, "staffing", "record", "--ward", "T1", "--date", d, "--shift", "night", "--rn-actual", "1",
        "--rn-actual-hours", "10", "--care-actual", "3", "--care-actual-hours", "30", "--nurse-in-charge", "Chloé Martin",
        "--patients-at-midnight", "28")
    shifts = run_json(capsys, station_dir, "staffing", "show", "--ward", "t1", "--date", d)
    assert [s["shift"] for s in shifts] == ["early", "late", "night"]
    night = shifts[2]
    _check_shift_json(night)
    assert (night["ward"], night["date"], night["period"], night["nurse_in_charge"], night["patients_at_midnight"]) == (
        "T1", d, "night", "Chloé Martin", 28)
    assert {k: night["groups"]["rn"][k] for k in GROUP_KEYS} == {"planned": 3, "actual": 1, "planned_hours": 30, "actual_hours": 10}
    assert {k: night["groups"]["care"][k] for k in GROUP_KEYS} == {"planned": 2, "actual": 3, "planned_hours": 20, "actual_hours": 30}
    assert {f["type"] for f in night["red_flags"]} == {"rn_shortfall", "fewer_than_two_rn"}
    assert shifts[0]["patients_at_midnight"] == 28  # the census belongs to the date


def test_show_json_for_a_ward_without_any_plan_still_has_rn_and_care(station_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    st = open_station(station_dir)
    with st.store.write(Actor.command_line()) as tx:
        ward = reference.upsert_ward(tx, st.ward.trust_id, "NOPLAN", "New ward", "Main Site", "Surgery", 20)
        reference.set_shift_pattern(tx, ward, reference.PatternInput("day", "Day", time(8), time(20), "day"))
    st.store.close()
    shifts = run_json(capsys, station_dir, "staffing", "show", "--ward", "NOPLAN", "--date", YESTERDAY.isoformat())
    assert len(shifts) == 1
    _check_shift_json(shifts[0])


# --- export staffing-return ---------------------------------------------------------------------------------

def _last_month() -> tuple[date, str]:
    first = (TODAY.replace(day=1) - timedelta(days=1)).replace(day=1)
    return first, first.strftime("%Y-%m")


def test_staffing_return_csv(station_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first, month = _last_month()
    st = open_station(station_dir)
    with st.store.write(Actor.command_line()) as tx:  # a day unit: no night shift, so no night plan
        ward = reference.upsert_ward(tx, st.ward.trust_id, "DSU", "Day Surgery Unit", "South Site", "Day surgery", 12)
        reference.set_shift_pattern(tx, ward, reference.PatternInput("day", "Day", time(7, 30), time(20), "day"))
        reference.set_establishment(tx, ward, "day", "rn", first - timedelta(days=30), 2, 25)
        reference.add_staff(tx, ward, "Nia Jones", "rn")
    st.store.close()
    d1, d2 = first.isoformat(), (first + timedelta(days=1)).isoformat()
    rec = ("staffing", "record", "--ward", "T1")
    for argv in (
        (*rec, "--date", d1, "--shift", "early", "--rn-actual", "3", "--rn-actual-hours", "24", "--care-actual", "2",
         "--care-actual-hours", "16", "--set", "student.actual=1", "--set", "student.actual_hours=8",
         "--set", "ahp.actual=1", "--set", "ahp.actual_hours=7.5"),
        (*rec, "--date", d1, "--shift", "night", "--rn-actual", "3", "--rn-actual-hours", "30", "--care-actual", "1",
         "--care-actual-hours", "10", "--patients-at-midnight", "25"),
        (*rec, "--date", d2, "--shift", "night", "--rn-planned", "0", "--rn-planned-hours", "0", "--care-planned", "0",
         "--care-planned-hours", "0", "--patients-at-midnight", "27"),
        ("staffing", "record", "--ward", "DSU", "--date", d1, "--shift", "day", "--rn-actual", "2", "--rn-actual-hours", "25"),
    ):
        rc, _, err = run(capsys, station_dir, *argv)
        assert rc == 0, (argv, err)
    out = tmp_path / "return.csv"
    rc, _stdout, err = run(capsys, station_dir, "export", "staffing-return", "--month", month, "--out", str(out))
    assert rc == 0, err
    text = out.read_text(encoding="utf-8")
    # today's columns first, names and order unchanged; the completeness and per-group columns follow
    assert text.splitlines()[0].startswith(ISSUE_HEADER + ",complete,unrecorded_shifts,")
    rows = {r["ward_code"]: r for r in csv.DictReader(io.StringIO(text))}
    assert set(rows) == {"T1", "DSU"}
    t1 = rows["T1"]
    assert (t1["site"], t1["ward_name"], t1["specialty"], t1["month"]) == ("Main Site", "Test Ward 1", "General medicine", month)
    assert [float(t1[k]) for k in ISSUE_HEADER.split(",")[5:13]] == [32, 24, 16, 16, 30, 30, 20, 10]
    assert (t1["day_rn_fill_rate"], t1["day_care_fill_rate"], t1["night_rn_fill_rate"], t1["night_care_fill_rate"]) == (
        "75.0", "100.0", "100.0", "50.0")
    assert t1["patients_at_midnight_total"] == "52"
    assert (t1["chppd_rn"], t1["chppd_care"], t1["chppd_total"]) == ("1.04", "0.50", "1.68")  # students out, AHP in total only
    dsu = rows["DSU"]
    assert dsu["day_rn_fill_rate"] == "100.0"
    assert dsu["day_care_fill_rate"] == "" and dsu["night_rn_fill_rate"] == "" and dsu["night_care_fill_rate"] == ""
    assert dsu["chppd_rn"] == "" and dsu["patients_at_midnight_total"] == "0"  # no census: no CHPPD, not an error
    days_in_month = (TODAY.replace(day=1) - first).days
    assert dsu["complete"] == "no" and dsu["days_without_count"] == str(days_in_month)  # named, not zero patients


def test_staffing_return_of_the_demo_is_well_formed(demo_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, month = _last_month()
    out = tmp_path / "demo.csv"
    rc, _, err = run(capsys, demo_dir, "export", "staffing-return", "--month", month, "--out", str(out))
    assert rc == 0, err
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 3
    for r in rows:
        for k in ("day_rn_fill_rate", "day_care_fill_rate", "night_rn_fill_rate", "night_care_fill_rate"):
            assert re.fullmatch(r"\d+\.\d", r[k]), (k, r[k])
        for k in ("chppd_rn", "chppd_care", "chppd_total"):
            assert re.fullmatch(r"\d+\.\d\d", r[k]), (k, r[k])
        assert float(r["chppd_total"]) >= float(r["chppd_rn"]) + float(r["chppd_care"]) - 0.011


def test_export_into_a_missing_folder_is_refused(demo_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run(capsys, demo_dir, "export", "staffing-return", "--month", "2026-01", "--out", str(tmp_path / "nope" / "x.csv"))
    assert rc == 2 and len(err.strip().splitlines()) == 1


# --- check -----------------------------------------------------------------------------------------------

def test_check_passes_on_a_healthy_store(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = run(capsys, demo_dir, "check")
    assert rc == 0, err and out.startswith("ok")


@pytest.mark.parametrize("where", ["header", "middle"])
def test_check_fails_clearly_on_a_corrupted_file(demo_dir: Path, capsys: pytest.CaptureFixture[str], where: str) -> None:
    path = demo_dir / DB_FILENAME
    size = path.stat().st_size
    with path.open("r+b") as f:
        f.seek(0 if where == "header" else size // 2)
        f.write(os.urandom(64 * 1024) if where == "middle" else b"this is not a database at all" * 4)
    rc, _out, err = run(capsys, demo_dir, "check")
    assert rc != 0 and rc != cli.EXIT_UNEXPECTED
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert any(w in lines[0] for w in ("damaged", "not a ward station database")), lines[0]


# --- one real process ------------------------------------------------------------------------------------------

def test_python_dash_m_runs_the_cli(demo_dir: Path) -> None:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    res = subprocess.run([sys.executable, "-m", "hardtruths_desktop", "staff", "list", "--ward", "W7", "--json",
                          "--data-dir", str(demo_dir)], capture_output=True, text=True, encoding="utf-8", timeout=60, env=env)
    assert res.returncode == 0, res.stderr
    names = [x["name"] for x in json.loads(res.stdout)]
    assert "Γιώργος Παπαδόπουλος" in names
    assert ids.ward_id("W7")  # sanity: same identity rules in and out of process


def test_a_mistyped_data_dir_is_an_error_not_a_new_empty_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from hardtruths_desktop import cli as cli_module

    missing = tmp_path / "no-such-station"
    assert cli_module.main(["check", "--data-dir", str(missing)]) == 2
    assert "no ward station data" in capsys.readouterr().err
    assert not (missing / "ward-station.sqlite").exists()


def test_ward_list_names_a_ward_the_server_set_up_plainly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Tried by hand: a ward created with `hardtruths-server admin create-ward` and pulled by a new
    station listed as "W7     Ward 7 ((, ) - " with nothing after the dash."""
    from hardtruths_desktop.store.session import Store

    store = Store(tmp_path / "pc", suite_clock())
    try:
        with store.write(Actor("IT", "it")) as tx:
            trust = reference.upsert_trust(tx, "RXX", "Northgate Hospitals NHS Trust")
            reference.upsert_ward(tx, trust.id, "W7", "Ward 7 - Elderly Care")  # as the pull writes it: no site, no shifts
    finally:
        store.close()
    rc, out, _ = run(capsys, tmp_path / "pc", "ward", "list")
    assert rc == 0
    assert "(," not in out and "()" not in out
    assert out.startswith("W7     Ward 7 - Elderly Care - no shift pattern yet")
    assert "Ward setup > Shift pattern" in out
