"""Figures a ward sister can defend (issue 11): shift lengths across the clock changes, hours that
follow people, nothing recorded before it happened, and hand-worked months of the return (an
incomplete month, a clock change each way, nursing associates and AHPs) checked against a
recomputation written here, independently of ``domain.staffing_return``.

Every store is a real SQLite file built on a pinned clock (never today's date)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from core_support import WardStation, build_ward

from hardtruths_desktop import cli
from hardtruths_desktop.domain.clock import FixedClock
from hardtruths_desktop.domain.staffing import shift_length
from hardtruths_desktop.domain.validation import ValidationError
from hardtruths_desktop.store import queries
from hardtruths_desktop.store.session import Actor
from hardtruths_desktop.store.shifts import ShiftChange, save_shift, set_patients_at_midnight

NIGHT = (time(21, 30), time(7, 30))
AUTUMN_NIGHT = date(2026, 10, 24)  # starts Sat 24 Oct 21:30 BST, ends Sun 25 Oct 07:30 GMT: clocks went back
SPRING_NIGHT = date(2026, 3, 28)  # starts Sat 28 Mar 21:30 GMT, ends Sun 29 Mar 07:30 BST: clocks went forward
# T1's plan (tests/core/core_support.py): shift -> group -> (heads, planned hours)
PLAN = {"early": {"rn": (4, 32.0), "care": (2, 16.0)}, "late": {"rn": (4, 30.0), "care": (2, 15.0)},
        "night": {"rn": (3, 30.0), "care": (2, 20.0)}}
TIMES = {"early": (time(7), time(15), "day"), "late": (time(14, 30), time(22), "day"), "night": (*NIGHT, "night")}


def _ward(tmp_path: Path, clock: FixedClock) -> WardStation:
    return build_ward(tmp_path / "station", clock)


def _save(st: WardStation, day: date, code: str, change: ShiftChange) -> None:
    with st.store.write(Actor.command_line()) as tx:
        save_shift(tx, st.ward, day, code, change, tx.today)


def _cli(capsys: pytest.CaptureFixture[str], st: WardStation, clock: FixedClock, *argv: str) -> tuple[int, str, str]:
    try:
        rc = cli.main([*argv, "--data-dir", str(st.dir)], clock=clock)
    except SystemExit as e:
        rc = int(e.code or 0)
    out, err = capsys.readouterr()
    return rc, out, err


# --- the clock change ------------------------------------------------------------------------------------

def test_a_night_lasts_the_hours_that_really_passed_in_london() -> None:
    autumn, spring = shift_length(AUTUMN_NIGHT, *NIGHT, "night"), shift_length(SPRING_NIGHT, *NIGHT, "night")
    assert (autumn.hours, autumn.nominal) == (11.0, 10.0) and autumn.words() == "an 11-hour night (the clocks went back)"
    assert (spring.hours, spring.nominal) == (9.0, 10.0) and spring.words() == "a 9-hour night (the clocks went forward)"
    # the nights either side are ordinary; a day shift on the change day is not touched
    for d in (AUTUMN_NIGHT - timedelta(days=1), AUTUMN_NIGHT + timedelta(days=1), SPRING_NIGHT + timedelta(days=1)):
        assert shift_length(d, *NIGHT, "night").hours == 10.0
    assert shift_length(date(2026, 10, 25), time(7), time(15)).hours == 8.0


def test_the_plan_and_the_limits_follow_the_clock_change(tmp_path: Path) -> None:
    st = _ward(tmp_path, FixedClock.london(2026, 11, 2, 10))
    with st.store.read() as s:
        autumn = queries.shift_view(s, st.ward, AUTUMN_NIGHT, "night")
        ordinary = queries.shift_view(s, st.ward, AUTUMN_NIGHT + timedelta(days=1), "night")
    assert autumn.groups["rn"].planned_hours == 33.0 and autumn.groups["care"].planned_hours == 22.0  # 3 x 11, 2 x 11
    assert ordinary.groups["rn"].planned_hours == 30.0
    _save(st, AUTUMN_NIGHT, "night", ShiftChange(groups={"rn": {"actual": 3}, "care": {"actual": 2}}))
    with st.store.read() as s:
        v = queries.shift_view(s, st.ward, AUTUMN_NIGHT, "night")
    assert (v.groups["rn"].planned_hours, v.groups["rn"].actual_hours) == (33.0, 33.0)  # hours follow people, 11 each
    st.store.close()

    st = build_ward(tmp_path / "spring", FixedClock.london(2026, 4, 2, 10))
    with st.store.read() as s:
        assert queries.shift_view(s, st.ward, SPRING_NIGHT, "night").groups["rn"].planned_hours == 27.0
    with pytest.raises(ValidationError) as err:  # 30 planned hours for 3 people did not exist that night
        _save(st, SPRING_NIGHT, "night", ShiftChange(groups={"rn": {"planned": 3, "planned_hours": 30}}))
    assert "a 9-hour night (the clocks went forward)" in err.value.errors["rn.planned_hours"]
    _save(st, SPRING_NIGHT, "night", ShiftChange(groups={"rn": {"actual": 3}}))
    with st.store.read() as s:
        assert queries.shift_view(s, st.ward, SPRING_NIGHT, "night").groups["rn"].actual_hours == 27.0
    st.store.close()


# --- head count and hours: one rule ------------------------------------------------------------------------

def test_hours_follow_people_unless_typed_at_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clock = FixedClock.london(2026, 11, 24, 16)
    st = _ward(tmp_path, clock)
    day = "2026-11-23"
    rc, _, err = _cli(capsys, st, clock, "staffing", "record", "--ward", "T1", "--date", day, "--shift", "early",
                      "--rn-actual", "4", "--care-actual", "2", "--set", "rna.actual=1")
    assert rc == 0, err
    with st.store.read() as s:
        v = queries.shift_view(s, st.ward, date(2026, 11, 23), "early")
    assert v.groups["rn"].actual_hours == 32.0  # 4 x the plan's 8 hours per person
    assert v.groups["rna"].actual_hours == 8.0  # not on the plan: the shift's real length
    assert "rn_shortfall" not in v.computed_flags  # the board's 4 of 4 and the figures agree
    # a count changed later: the hours follow (they were never typed) ...
    assert _cli(capsys, st, clock, "staffing", "record", "--ward", "T1", "--date", day, "--shift", "early", "--rn-actual", "3")[0] == 0
    with st.store.read() as s:
        assert queries.shift_view(s, st.ward, date(2026, 11, 23), "early").groups["rn"].actual_hours == 24.0
    # ... typed hours stay typed
    assert _cli(capsys, st, clock, "staffing", "record", "--ward", "T1", "--date", day, "--shift", "early",
                "--rn-actual-hours", "22.5")[0] == 0
    assert _cli(capsys, st, clock, "staffing", "record", "--ward", "T1", "--date", day, "--shift", "early", "--rn-actual", "4")[0] == 0
    with st.store.read() as s:
        assert queries.shift_view(s, st.ward, date(2026, 11, 23), "early").groups["rn"].actual_hours == 22.5
    # people on duty with 0 hours: refused with one line, nothing written
    rc, _, err = _cli(capsys, st, clock, "staffing", "record", "--ward", "T1", "--date", day, "--shift", "late",
                      "--rn-actual", "4", "--rn-actual-hours", "0")
    assert rc == cli.EXIT_BAD_INPUT and len(err.strip().splitlines()) == 1
    assert "4 registered nurses on duty but 0 hours" in err
    with st.store.read() as s:
        assert not queries.shift_view(s, st.ward, date(2026, 11, 23), "late").recorded
    st.store.close()


# --- the future ----------------------------------------------------------------------------------------------

def test_who_came_on_duty_waits_for_the_shift_to_start_the_plan_does_not(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clock = FixedClock.london(2026, 12, 1, 10)
    st = _ward(tmp_path, clock)
    base = ("staffing", "record", "--ward", "T1", "--shift", "early")
    rc, _, err = _cli(capsys, st, clock, *base, "--date", "2026-12-25", "--rn-actual", "4")
    assert rc == cli.EXIT_BAD_INPUT and "has not started yet" in err and len(err.strip().splitlines()) == 1
    assert _cli(capsys, st, clock, *base, "--date", "2026-12-25", "--rn-planned", "5", "--rn-planned-hours", "40")[0] == 0
    with st.store.read() as s:
        v = queries.shift_view(s, st.ward, date(2026, 12, 25), "early")
    assert (v.groups["rn"].planned, v.groups["rn"].planned_hours, v.recorded) == (5, 40.0, False)
    # the late shift of today starts at 14:30: refused at 10:00, accepted once it has begun
    late = ("staffing", "record", "--ward", "T1", "--shift", "late", "--date", "2026-12-01", "--rn-actual", "4")
    assert _cli(capsys, st, clock, *late)[0] == cli.EXIT_BAD_INPUT
    assert _cli(capsys, st, FixedClock.london(2026, 12, 1, 14, 30), *late)[0] == 0
    # a 23:59 count for a day still to come
    rc, _, err = _cli(capsys, st, clock, "staffing", "record", "--ward", "T1", "--shift", "night", "--date", "2026-12-02",
                      "--patients-at-midnight", "20")
    assert rc == cli.EXIT_BAD_INPUT and "23:59" in err
    st.store.close()


# --- hand-worked months ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entered:
    """One shift as the test records it: group -> (actual heads, actual hours)."""

    day: date
    code: str
    actual: dict[str, tuple[int, float]]


def _record_month(st: WardStation, entries: list[Entered], counts: dict[date, int]) -> None:
    for e in entries:
        _save(st, e.day, e.code, ShiftChange(groups={g: {"actual": n, "actual_hours": h} for g, (n, h) in e.actual.items()}))
    with st.store.write(Actor.command_line()) as tx:
        for d, n in counts.items():
            set_patients_at_midnight(tx, st.ward, d, n)


def _export(capsys: pytest.CaptureFixture[str], st: WardStation, clock: FixedClock, month: str,
            *extra: str) -> tuple[int, dict[str, str], str]:
    out = st.dir / f"return-{month}.csv"
    rc, _, err = _cli(capsys, st, clock, "export", "staffing-return", "--month", month, "--out", str(out), *extra)
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8")))) if out.exists() else []
    return rc, (rows[0] if rows else {}), err


def _plan_hours(code: str, group: str, day: date) -> float:
    """The plan's hours on ``day``, worked out by hand: heads x (real length - nominal) added."""
    heads, hours = PLAN[code].get(group, (0, 0.0))
    nominal = {"early": 8.0, "late": 7.5, "night": 10.0}[code]
    real = {AUTUMN_NIGHT: 11.0, SPRING_NIGHT: 9.0}.get(day, nominal) if code == "night" else nominal
    return hours + heads * (real - nominal)


def _expect(entries: list[Entered], counts: dict[date, int], groups: tuple[str, ...]) -> dict[str, float | None]:
    """The return recomputed by hand: fill rates over recorded shifts, CHPPD over counted days."""
    out: dict[str, float | None] = {}
    for period in ("day", "night"):
        for g in groups:
            shifts = [e for e in entries if TIMES[e.code][2] == period]
            planned = sum(_plan_hours(e.code, g, e.day) for e in shifts)
            actual = sum(e.actual.get(g, (0, 0.0))[1] for e in shifts)
            out[f"{period}_{g}_planned"], out[f"{period}_{g}_actual"] = planned, actual
            out[f"{period}_{g}_fill"] = round(actual / planned * 100, 1) if planned else None
    patients = sum(counts.values())
    for g in groups:
        hours = sum(e.actual.get(g, (0, 0.0))[1] for e in entries if e.day in counts)
        out[f"chppd_{g}"] = round(hours / patients, 2) if patients else None
    return out


def _num(text: str) -> float | None:
    return None if text == "" else float(text)


def test_an_incomplete_month_names_what_is_missing_and_strict_refuses_it(tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    clock = FixedClock.london(2026, 12, 1, 10)  # November is over
    st = _ward(tmp_path, clock)
    entries = [Entered(date(2026, 11, d), code, {"rn": (4 if code != "night" else 3, 30.0), "care": (2, 15.0)})
               for d in range(1, 31) for code in ("early", "late", "night")
               if not (code == "night" and d in (3, 10, 17)) and not (code == "early" and d == 30)]
    counts = {date(2026, 11, d): 20 + d % 5 for d in range(1, 31) if d != 12}
    _record_month(st, entries, counts)
    rc, row, err = _export(capsys, st, clock, "2026-11", "--strict")
    assert rc == cli.EXIT_BAD_INPUT and row == {}  # nothing written
    assert "incomplete for ward T1" in err and err.count("Ward T1 2026-11:") == 1
    rc, row, err = _export(capsys, st, clock, "2026-11")
    assert rc == 0
    [line] = [ln for ln in err.splitlines() if ln.startswith("Ward T1")]
    assert "4 shifts not recorded" in line and "1 day without a midnight count" in line and "2026-11-12" in line
    assert row["complete"] == "no" and row["unrecorded_shifts"] == "4" and row["days_without_count"] == "1"
    assert row["unrecorded_shift_list"] == "2026-11-03 night; 2026-11-10 night; 2026-11-17 night; 2026-11-30 early"
    assert row["days_without_count_list"] == "2026-11-12"
    # planned hours left out of the fill rates, stated: 3 nights x (30 + 20) + 1 early x (32 + 16)
    assert float(row["unrecorded_planned_hours"]) == 3 * 50 + 48
    want = _expect(entries, counts, ("rn", "care"))
    for period in ("day", "night"):
        for g in ("rn", "care"):
            assert float(row[f"{period}_{g}_planned_hours"]) == pytest.approx(want[f"{period}_{g}_planned"])
            assert _num(row[f"{period}_{g}_fill_rate"]) == want[f"{period}_{g}_fill"]
    assert _num(row["chppd_rn"]) == want["chppd_rn"] and _num(row["chppd_care"]) == want["chppd_care"]
    assert row["patients_at_midnight_total"] == str(sum(counts.values())) == row["chppd_patient_days"]
    # a missing count is not a day with 0 patients: CHPPD leaves the 12th's hours out, too
    all_hours = sum(e.actual["rn"][1] for e in entries)
    assert float(row["chppd_rn"]) < round(all_hours / sum(counts.values()), 2)
    st.store.close()


def test_a_month_with_the_clocks_going_back_and_one_going_forward(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for clock, month, night, first in ((FixedClock.london(2026, 11, 3, 10), "2026-10", AUTUMN_NIGHT, date(2026, 10, 1)),
                                       (FixedClock.london(2026, 4, 3, 10), "2026-03", SPRING_NIGHT, date(2026, 3, 1))):
        st = build_ward(tmp_path / month, clock)
        days = [night - timedelta(days=1), night, night + timedelta(days=1)]
        # heads only: hours follow people at the real length; the night of the change is 11 (9) hours each
        for d in days:
            _save(st, d, "night", ShiftChange(groups={"rn": {"actual": 3}, "care": {"actual": 1}}))
        with st.store.write(Actor.command_line()) as tx:
            for d in days:
                set_patients_at_midnight(tx, st.ward, d, 25)
        rc, row, err = _export(capsys, st, clock, month)
        assert rc == 0, err
        per_person = {d: (11.0 if night == AUTUMN_NIGHT else 9.0) if d == night else 10.0 for d in days}
        rn_actual = sum(3 * per_person[d] for d in days)
        rn_planned = sum(_plan_hours("night", "rn", d) for d in days)
        care_actual = sum(1 * per_person[d] for d in days)
        care_planned = sum(_plan_hours("night", "care", d) for d in days)
        assert float(row["night_rn_actual_hours"]) == rn_actual == (93.0 if night == AUTUMN_NIGHT else 87.0)
        assert float(row["night_rn_planned_hours"]) == rn_planned
        assert row["night_rn_fill_rate"] == "100.0"  # the plan moved with the clock
        assert _num(row["night_care_fill_rate"]) == round(care_actual / care_planned * 100, 1)
        assert _num(row["chppd_rn"]) == round(rn_actual / 75, 2)
        assert row["unrecorded_shifts"] == str(31 * 3 - 3)  # every other shift of the month is named
        days_in_month = 31
        assert row["days_without_count"] == str(days_in_month - 3)
        assert row["nstf_night_rn_actual_hours"] == row["night_rn_actual_hours"]
        assert first.isoformat()[:7] == month
        st.store.close()


def test_nursing_associates_and_ahps_have_their_own_columns_beside_todays(tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    clock = FixedClock.london(2026, 12, 1, 10)
    st = _ward(tmp_path, clock)
    d1, d2 = date(2026, 11, 5), date(2026, 11, 6)
    entries = [
        Entered(d1, "early", {"rn": (3, 24.0), "care": (1, 8.0), "rna": (1, 8.0), "nrna": (1, 7.5), "ahp": (1, 6.0),
                              "student": (2, 16.0)}),
        Entered(d1, "night", {"rn": (3, 30.0), "care": (2, 20.0), "rna": (1, 10.0)}),
        Entered(d2, "late", {"rn": (4, 30.0), "care": (2, 15.0), "ahp": (2, 12.0)}),
    ]
    counts = {d1: 24, d2: 26}
    _record_month(st, entries, counts)
    rc, row, err = _export(capsys, st, clock, "2026-11")
    assert rc == 0, err

    # recomputed here from the entries, by hand
    def hours(g: str, period: str | None = None, days: set[date] | None = None) -> float:
        return sum(e.actual.get(g, (0, 0.0))[1] for e in entries
                   if (period is None or TIMES[e.code][2] == period) and (days is None or e.day in days))

    def planned(g: str, period: str) -> float:
        return sum(_plan_hours(e.code, g, e.day) for e in entries if TIMES[e.code][2] == period)

    patients = 24 + 26
    for g in ("rn", "rna", "care", "nrna", "ahp"):
        for period in ("day", "night"):
            assert float(row[f"nstf_{period}_{g}_actual_hours"]) == hours(g, period)
            assert float(row[f"nstf_{period}_{g}_planned_hours"]) == planned(g, period)
            p = planned(g, period)
            assert _num(row[f"nstf_{period}_{g}_fill_rate"]) == (round(hours(g, period) / p * 100, 1) if p else None)
        assert _num(row[f"nstf_chppd_{g}"]) == round(hours(g) / patients, 2)
    nursing = sum(hours(g) for g in ("rn", "rna", "care", "nrna"))
    assert _num(row["nstf_chppd_total"]) == round(nursing / patients, 2)  # AHP not in the nursing total
    # today's view: nursing associates counted as care staff, AHP only in the overall CHPPD, students nowhere
    care_old = hours("care", "day") + hours("rna", "day") + hours("nrna", "day")
    assert float(row["day_care_actual_hours"]) == care_old == 8 + 8 + 7.5 + 15
    assert _num(row["chppd_care"]) == round((hours("care") + hours("rna") + hours("nrna")) / patients, 2)
    assert _num(row["chppd_total"]) == round((nursing + hours("ahp")) / patients, 2)
    assert "nstf_chppd_student" not in row
    st.store.close()


# --- withdrawing a shift recorded on the wrong date ------------------------------------------------------------

def test_a_shift_recorded_on_the_wrong_date_is_withdrawn_by_its_nurse_in_charge(tmp_path: Path,
                                                                               capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from core_support import sql

    clock = FixedClock.london(2026, 12, 1, 10)
    st = _ward(tmp_path, clock)
    rec = ("staffing", "record", "--ward", "T1", "--date", "2026-11-20", "--shift", "late")
    assert _cli(capsys, st, clock, *rec, "--rn-actual", "4", "--care-actual", "2", "--nurse-in-charge", "Aisha Rahman")[0] == 0
    wd = ("staffing", "withdraw", "--ward", "T1", "--date", "2026-11-20", "--shift", "late", "--reason", "belongs to 21 Nov")
    rc, _, err = _cli(capsys, st, clock, *wd, "--as", "Chloé Martin")  # a nurse, but not this shift's nurse in charge
    assert rc == cli.EXIT_BAD_INPUT and "nurse in charge or the ward sister" in err and len(err.strip().splitlines()) == 1
    assert _cli(capsys, st, clock, *wd[:-2])[0] == cli.EXIT_BAD_INPUT  # no reason, no --as: refused by the parser
    rc, _out, err = _cli(capsys, st, clock, *wd, "--as", "Aisha Rahman")
    assert rc == 0, err
    with st.store.read() as s:
        v = queries.shift_view(s, st.ward, date(2026, 11, 20), "late")
    assert not v.recorded and v.nurse_in_charge is None and v.groups["rn"].actual == 0 and v.groups["rn"].actual_hours == 0
    assert v.groups["rn"].planned == 4 and "Withdrawn 01 Dec 2026 10:00 by Aisha Rahman: belongs to 21 Nov" in v.notes
    [(_action, changes)] = sql(st.path, "SELECT action, changes FROM audit_trail WHERE action = 'shift_withdrawn'")
    assert json.loads(str(changes))["reason"] == "belongs to 21 Nov"
    [(op, payload)] = sql(st.path, "SELECT op, payload FROM outbox WHERE entity = 'shift' ORDER BY client_seq DESC LIMIT 1")
    sent = json.loads(str(payload))
    assert op == "patch" and sent["staffing_recorded"] is False and sent["groups.rn.actual"] == 0
    # the return now names it as not recorded (its plan out of the fill rates, said so)
    with st.store.read() as s:
        r = queries.month_return(s, st.ward, 2026, 11, clock.now())
    assert "2026-11-20 late" in [m.label() for m in r.completeness.unrecorded]
    # nothing left to withdraw; the ward sister may withdraw any shift
    assert _cli(capsys, st, clock, *wd, "--as", "Aisha Rahman")[0] == cli.EXIT_BAD_INPUT
    assert _cli(capsys, st, clock, *rec, "--rn-actual", "4")[0] == 0
    assert _cli(capsys, st, clock, *wd, "--as", "Mary O'Neill")[0] == 0
    st.store.close()


# --- computed red flags can be escalated and answered --------------------------------------------------------------

def test_a_computed_red_flag_is_recorded_when_escalated_and_the_schema_checks_it(tmp_path: Path,
                                                                                capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from core_support import sql

    from hardtruths_desktop.store.shifts import raise_red_flag
    from hardtruths_desktop.sync.protocol import SCHEMAS

    clock = FixedClock.london(2026, 12, 1, 10)
    st = _ward(tmp_path, clock)
    day = ("--ward", "T1", "--date", "2026-11-30", "--shift", "early")
    assert _cli(capsys, st, clock, "staffing", "record", *day, "--rn-actual", "1", "--care-actual", "2")[0] == 0
    with st.store.read() as s:
        before = queries.shift_view(s, st.ward, date(2026, 11, 30), "early")
    assert [(f.flag_type, f.id) for f in before.red_flags] == [("rn_shortfall", None), ("fewer_than_two_rn", None)]
    esc = ("staffing", "escalate", *day)
    rc, _, err = _cli(capsys, st, clock, *esc, "--flag", "rn_shortfall", "--to", "Matron J. Okafor", "--as", "Aisha Rahman")
    assert rc == 0, err
    rc, _, err = _cli(capsys, st, clock, *esc, "--flag", "rn_shortfall", "--response", "Bank nurse from Ward 9 at 09:15")
    assert rc == 0, err
    with st.store.read() as s:
        after = queries.shift_view(s, st.ward, date(2026, 11, 30), "early")
    short = after.red_flags[0]
    assert (short.flag_type, short.computed, short.escalated_to, short.response) == (
        "rn_shortfall", True, "Matron J. Okafor", "Bank nurse from Ward 9 at 09:15")
    assert short.id is not None and not short.open and after.red_flags[1].id is None  # the other is still to escalate
    # synced like any red flag: the create carries its escalation, and the shared schema accepts it
    [(payload,)] = sql(st.path, "SELECT payload FROM outbox WHERE entity = 'red_flag' AND op = 'create'")
    record = json.loads(str(payload))
    assert record["flag_type"] == "rn_shortfall" and record["escalated_to"] == "Matron J. Okafor"
    schema = SCHEMAS["red_flag"]
    schema.check_record(short.id, record)
    with pytest.raises(ValidationError, match="escalation or its response"):  # a bare computed flag is refused
        schema.check_record(short.id, {**record, "escalated_to": "", "escalated_at": None})
    # a flag the figures do not raise cannot be escalated; nurses still cannot raise computed ones by hand
    rc, _, err = _cli(capsys, st, clock, "staffing", "escalate", "--ward", "T1", "--date", "2026-11-29", "--shift", "early",
                      "--flag", "rn_shortfall", "--to", "Matron")
    assert rc == cli.EXIT_BAD_INPUT and "nothing to escalate" in err
    with st.store.write(Actor.command_line()) as tx, pytest.raises(ValidationError):
        raise_red_flag(tx, st.ward, date(2026, 11, 30), "early", "rn_shortfall", "", tx.today)
    st.store.close()


# --- the board and the team sheet agree, or say they do not ---------------------------------------------------------

def test_names_ticked_and_numbers_on_duty_that_differ_are_said_on_save_and_on_both_sheets(tmp_path: Path) -> None:
    from pypdf import PdfReader

    from hardtruths_desktop.printouts import PrintRequest, render
    from hardtruths_desktop.readmodels.on_duty import load_on_duty
    from hardtruths_desktop.store.board import set_on_duty

    clock = FixedClock.london(2026, 11, 24, 16)
    st = _ward(tmp_path, clock)
    day = date(2026, 11, 24)
    _save(st, day, "early", ShiftChange(groups={"rn": {"actual": 4}, "care": {"actual": 2}}, nurse_in_charge_id=st.staff["rn"].id))
    ticked = [st.staff[k].id for k in ("rn", "rn2", "sister", "care", "student")]  # 3 RNs, 1 care, a student
    with st.store.write(Actor.command_line()) as tx:
        set_on_duty(tx, st.ward, day, "early", ticked, tx.today)
    said = load_on_duty(st.store, st.ward.id, day, "early").mismatch
    assert said == ("Registered nurses: 4 counted on duty, 3 names ticked", "Care staff: 2 counted on duty, 1 name ticked",
                    "Students: 0 counted on duty, 1 name ticked")

    def text(document: str) -> str:
        with st.store.read() as s:
            pdf = render(s, PrintRequest(document, "T1", day, "early"), clock)
        return " ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(pdf)).pages).replace("\n", " ")

    for document in ("board", "team", "day-board"):
        printed = text(document)
        assert "differ" in printed and "4 counted on duty, 3 names ticked" in printed, document
    # once they agree, nothing is said
    _save(st, day, "early", ShiftChange(groups={"rn": {"actual": 3}, "care": {"actual": 1}, "student": {"actual": 1}}))
    assert load_on_duty(st.store, st.ward.id, day, "early").mismatch == ()
    assert "differ" not in text("board") and "differ" not in text("team")
    st.store.close()
