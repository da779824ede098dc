"""The staffing rules that used to live only in the Record staffing form, now in
``domain.shift_entry`` and holding at the command line too."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from core_support import WardStation

from hardtruths_desktop import cli
from hardtruths_desktop.domain.shift_entry import merge_group, parse_entry, pro_rata_hours
from hardtruths_desktop.domain.staffing import GroupFigures
from hardtruths_desktop.domain.validation import MAX_PATIENTS, ValidationError
from hardtruths_desktop.readmodels.staffing import load_shift
from hardtruths_desktop.store.session import Actor
from hardtruths_desktop.store.shifts import ShiftChange, save_shift

TODAY = date(2026, 12, 1)  # the 1st of a month: the day the old tests failed on
DAY = TODAY - timedelta(days=1)


def _texts(**groups: dict[str, str]) -> dict[str, dict[str, str]]:
    fields = ("planned", "actual", "planned_hours", "actual_hours", "bank_agency")
    return {code: {f: values.get(f, "") for f in fields} for code, values in groups.items()}


def test_a_blank_actual_where_people_are_planned_is_refused_not_taken_as_zero() -> None:
    with pytest.raises(ValidationError) as err:
        parse_entry(_texts(rn={"planned": "4", "planned_hours": "32", "actual": "3"}, care={"planned": "2", "planned_hours": "16"}),
                    "", shown={"rn", "care"})
    assert err.value.errors == {"care.actual": "Care staff: enter how many are actually on duty (0 if nobody)"}
    ok = parse_entry(_texts(rn={"planned": "4", "planned_hours": "32", "actual": "3"}, care={"planned": "0"}), "", shown={"rn", "care"})
    assert ok.groups["care"]["actual"] == 0  # nobody planned: blank is 0
    assert "student" not in parse_entry(_texts(rn={"planned": "4", "actual": "4"}, student={}), "", shown={"rn"}).groups


def test_every_problem_at_once_and_one_patient_limit() -> None:
    with pytest.raises(ValidationError) as err:
        parse_entry(_texts(rn={"planned": "four", "actual": "-1"}), str(MAX_PATIENTS + 1), shown={"rn"})
    assert set(err.value.errors) == {"rn.planned", "rn.actual", "patients_at_midnight"}
    assert parse_entry(_texts(rn={"actual": "1"}), str(MAX_PATIENTS), shown={"rn"}).patients_at_midnight == MAX_PATIENTS


def test_hours_follow_the_people_pro_rata_only_when_no_hours_were_given() -> None:
    assert pro_rata_hours(3, 4, 30.0) == 22.5 and pro_rata_hours(3, 0, 30.0) is None
    plan = GroupFigures(planned=4, planned_hours=32.0)
    assert merge_group(plan, {"actual": 3}).actual_hours == 24.0
    assert merge_group(plan, {"actual": 3}, pro_rata=False).actual_hours == 0  # exact figures from a program
    assert merge_group(plan, {"actual": 3, "actual_hours": 20}).actual_hours == 20
    recorded = GroupFigures(4, 4, 32.0, 30.0)
    assert merge_group(recorded, {"actual": 5}).actual_hours == 30.0  # hours already recorded are kept


def test_the_core_refuses_text_it_was_not_given_parsed(station: WardStation) -> None:
    with station.store.write(Actor.command_line()) as tx, pytest.raises(ValidationError) as err:
        save_shift(tx, station.ward.id, DAY, "early", ShiftChange(groups={"rn": {"actual": "4"}}), TODAY)
    assert "must be a number" in err.value.errors["rn.actual"]


def _run(capsys: pytest.CaptureFixture[str], data_dir: Path, *argv: str) -> tuple[int, str, str]:
    try:
        rc = cli.main([*argv, "--data-dir", str(data_dir)])
    except SystemExit as e:
        rc = int(e.code or 0)
    out, err = capsys.readouterr()
    return rc, out, err


def test_the_rules_hold_at_the_command_line(station: WardStation, capsys: pytest.CaptureFixture[str]) -> None:
    station.store.close()
    d = (date.today() - timedelta(days=1)).isoformat()  # the CLI's own clock (until it takes one)
    rc, _out, err = _run(capsys, station.dir, "staffing", "record", "--ward", "T1", "--date", d, "--shift", "early", "--rn-actual", " ")
    assert rc == 2 and "enter how many are actually on duty (0 if nobody)" in err and len(err.strip().splitlines()) == 1
    rc, _out, err = _run(capsys, station.dir, "staffing", "record", "--ward", "T1", "--date", d, "--shift", "early",
                         "--patients-at-midnight", str(MAX_PATIENTS + 1))
    assert rc == 2
    # only people given: hours at the planned hours per person (early: 4 RN for 32 hours)
    rc, _out, err = _run(capsys, station.dir, "staffing", "record", "--ward", "T1", "--date", d, "--shift", "early", "--rn-actual", "3")
    assert rc == 0, err
    from hardtruths_desktop.store.session import Store

    store = Store(station.dir)
    v = load_shift(store, "T1", date.fromisoformat(d), "early")
    store.close()
    assert (v.groups["rn"].actual, v.groups["rn"].actual_hours) == (3, 24.0)
