"""DOMAIN.md section 1 as unit tests: fill rate, CHPPD, computed red flags, the current shift."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardtruths_desktop.domain.clock import FixedClock, ward_now
from hardtruths_desktop.domain.staffing import (
    GroupFigures,
    MonthlyReturn,
    ShiftTimes,
    chppd,
    computed_red_flags,
    current_shift,
    fill_rate,
)
from hardtruths_desktop.domain.valuesets import red_flag_types, staff_group, staff_groups

EARLY = ShiftTimes("early", "Early", time(7, 0), time(15, 0), "day")
LATE = ShiftTimes("late", "Late", time(14, 30), time(22, 0), "day")
NIGHT = ShiftTimes("night", "Night", time(21, 30), time(7, 30), "night")
THREE = (EARLY, LATE, NIGHT)


# --- fill rate ------------------------------------------------------------------------------------

def test_fill_rate_is_actual_over_planned_hours_in_percent() -> None:
    assert fill_rate(30.0, 30.0) == pytest.approx(100.0)
    assert fill_rate(22.5, 30.0) == pytest.approx(75.0)


def test_fill_rate_may_exceed_100_percent() -> None:
    assert fill_rate(45.0, 30.0) == pytest.approx(150.0)


@pytest.mark.parametrize("actual", [0.0, 12.0])
def test_fill_rate_without_a_plan_is_none_not_zero_or_error(actual: float) -> None:
    assert fill_rate(actual, 0.0) is None


@given(st.floats(0, 1000), st.floats(0.01, 1000))
def test_fill_rate_property(actual: float, planned: float) -> None:
    rate = fill_rate(actual, planned)
    assert rate is not None and rate >= 0
    assert rate == pytest.approx(actual / planned * 100)


# --- CHPPD and the monthly return -------------------------------------------------------------------

def _month() -> MonthlyReturn:
    r = MonthlyReturn()
    r.add_shift("day", {
        "rn": GroupFigures(4, 4, 30.0, 30.0),
        "care": GroupFigures(2, 2, 15.0, 15.0),
        "rna": GroupFigures(1, 1, 7.5, 7.5),
        "student": GroupFigures(0, 2, 0.0, 15.0),
        "ahp": GroupFigures(0, 1, 0.0, 6.0),
    })
    r.add_shift("night", {"rn": GroupFigures(3, 2, 30.0, 20.0), "care": GroupFigures(2, 2, 20.0, 20.0)})
    r.patients_at_midnight_total = 10
    return r


def test_chppd_rn_care_and_overall() -> None:
    r = _month()
    assert r.chppd_rn() == pytest.approx((30 + 20) / 10)
    assert r.chppd_care() == pytest.approx((15 + 7.5 + 20) / 10)  # care staff include nursing associates
    assert r.chppd_total() == pytest.approx((30 + 20 + 15 + 7.5 + 20 + 6) / 10)  # AHP only here


def test_students_are_recorded_but_never_counted() -> None:
    r = _month()
    total_without_students = 30 + 20 + 15 + 7.5 + 20 + 6
    assert r.chppd_total() == pytest.approx(total_without_students / 10)
    assert r.day_care.actual_hours == pytest.approx(22.5)  # students are not care staff
    assert r.day_rn.actual_hours == pytest.approx(30)
    assert not staff_group("student").counts_for_care_hours


def test_ahp_counts_only_in_overall_chppd_not_in_fill_rates() -> None:
    r = MonthlyReturn()
    r.add_shift("day", {"ahp": GroupFigures(1, 1, 8.0, 8.0)})
    r.patients_at_midnight_total = 4
    assert r.fill_rate("day", "rn") is None and r.fill_rate("day", "care") is None
    assert r.chppd_rn() == 0 and r.chppd_care() == 0
    assert r.chppd_total() == pytest.approx(2.0)


def test_fill_rates_per_period_and_group() -> None:
    r = _month()
    assert r.fill_rate("day", "rn") == pytest.approx(100.0)
    assert r.fill_rate("day", "care") == pytest.approx(100.0)
    assert r.fill_rate("night", "rn") == pytest.approx(20 / 30 * 100)
    assert r.fill_rate("night", "care") == pytest.approx(100.0)


def test_no_midnight_census_gives_no_chppd() -> None:
    assert chppd(100.0, 0) is None
    r = MonthlyReturn()
    r.add_shift("day", {"rn": GroupFigures(1, 1, 7.5, 7.5)})
    assert r.chppd_rn() is None and r.chppd_total() is None


def test_a_period_without_plan_has_no_fill_rate() -> None:
    r = MonthlyReturn()
    r.add_shift("day", {"rn": GroupFigures(4, 4, 30.0, 30.0)})
    assert r.fill_rate("night", "rn") is None


def test_every_staff_group_of_domain_md_is_in_the_value_set() -> None:
    codes = {g.code for g in staff_groups()}
    assert {"rn", "care", "rna", "nrna", "ahp", "student"} <= codes
    assert staff_group("rn").return_group == "rn"
    for code in ("care", "rna", "nrna"):
        assert staff_group(code).return_group == "care"
    assert staff_group("ahp").return_group is None and staff_group("ahp").counts_for_care_hours
    # The six NICE SG1 red flags; the last two computed from the numbers.
    assert len(red_flag_types()) == 6
    assert {t.code for t in red_flag_types() if t.computed} == {"rn_shortfall", "fewer_than_two_rn"}


# --- computed red flags ------------------------------------------------------------------------------

def _rn(planned: int, actual: int, planned_hours: float, actual_hours: float) -> dict[str, GroupFigures]:
    return {"rn": GroupFigures(planned, actual, planned_hours, actual_hours)}


@pytest.mark.parametrize(
    ("planned_hours", "actual_hours", "flagged"),
    [
        (40.0, 32.0, False),   # exactly 8 h short (20%): not "more than"
        (40.0, 31.9, True),    # 8.1 h short: the 8-hour limit comes first
        (20.0, 15.0, False),   # exactly 25% short (5 h): not "more than"
        (20.0, 14.9, True),    # 25.5% short
        (100.0, 91.0, True),   # 9 h but only 9%: hours limit first
        (16.0, 11.5, True),    # 4.5 h but 28%: the percentage first
        (30.0, 30.0, False),
        (30.0, 36.0, False),   # over plan is never a shortfall
    ],
)
def test_rn_shortfall_more_than_8_hours_or_25_percent(planned_hours: float, actual_hours: float, flagged: bool) -> None:
    flags = computed_red_flags(_rn(4, 4, planned_hours, actual_hours))
    assert ("rn_shortfall" in flags) is flagged


def test_no_rn_plan_no_shortfall_flag() -> None:
    assert "rn_shortfall" not in computed_red_flags(_rn(0, 3, 0.0, 24.0))


@pytest.mark.parametrize(("actual", "flagged"), [(0, True), (1, True), (2, False), (5, False)])
def test_fewer_than_two_registered_nurses(actual: int, flagged: bool) -> None:
    flags = computed_red_flags(_rn(3, actual, 30.0, actual * 10.0))
    assert ("fewer_than_two_rn" in flags) is flagged


def test_one_rn_unplanned_still_flags() -> None:
    assert "fewer_than_two_rn" in computed_red_flags(_rn(0, 1, 0.0, 8.0))


def test_a_shift_with_no_registered_nurse_at_all_is_flagged() -> None:
    assert "fewer_than_two_rn" in computed_red_flags({"rn": GroupFigures(0, 0, 0.0, 0.0), "care": GroupFigures(2, 2, 16, 16)})


@given(st.integers(1, 60), st.floats(0.5, 700), st.floats(0, 1))
def test_shortfall_flag_matches_the_rule(heads: int, planned: float, frac: float) -> None:
    actual = planned * frac
    short = planned - actual
    flagged = "rn_shortfall" in computed_red_flags(_rn(heads, heads, planned, actual))
    assert flagged == (short > 8 or short > 0.25 * planned)


# --- current shift ------------------------------------------------------------------------------------

D = date(2026, 11, 3)


@pytest.mark.parametrize(
    ("now", "day", "code"),
    [
        (datetime(2026, 11, 3, 7, 0), D, "early"),
        (datetime(2026, 11, 3, 14, 29), D, "early"),
        (datetime(2026, 11, 3, 14, 30), D, "late"),    # Early/Late overlap 14:30-15:00 => Late
        (datetime(2026, 11, 3, 14, 45), D, "late"),
        (datetime(2026, 11, 3, 15, 0), D, "late"),
        (datetime(2026, 11, 3, 21, 45), D, "night"),   # Late/Night overlap => Night
        (datetime(2026, 11, 3, 22, 0), D, "night"),
        (datetime(2026, 11, 3, 23, 59), D, "night"),
        (datetime(2026, 11, 4, 0, 0), D, "night"),     # after midnight: still the night that started on the 3rd
        (datetime(2026, 11, 4, 3, 0), D, "night"),
        (datetime(2026, 11, 4, 6, 59), D, "night"),
        (datetime(2026, 11, 4, 7, 15), date(2026, 11, 4), "early"),  # Night/Early overlap => Early
    ],
)
def test_current_shift_three_shift_pattern(now: datetime, day: date, code: str) -> None:
    found = current_shift(THREE, now)
    assert found is not None
    assert (found[0], found[1].code) == (day, code)


def test_night_shift_belongs_to_the_date_it_starts_on() -> None:
    start, end = NIGHT.bounds(D)
    assert start == datetime(2026, 11, 3, 21, 30) and end == datetime(2026, 11, 4, 7, 30)
    assert NIGHT.hours == pytest.approx(10.0)
    assert LATE.hours == pytest.approx(7.5)


def test_between_shifts_the_next_shift_is_current() -> None:
    day = ShiftTimes("day", "Day", time(8, 0), time(16, 0), "day")
    night = ShiftTimes("night", "Night", time(20, 0), time(6, 0), "night")
    found = current_shift((day, night), datetime(2026, 11, 3, 17, 0))
    assert found is not None and (found[0], found[1].code) == (D, "night")
    found = current_shift((day, night), datetime(2026, 11, 4, 6, 30))
    assert found is not None and (found[0], found[1].code) == (date(2026, 11, 4), "day")


def test_no_pattern_no_current_shift() -> None:
    assert current_shift((), datetime(2026, 11, 3, 12, 0)) is None


@given(st.datetimes(min_value=datetime(2014, 1, 1), max_value=datetime(2035, 1, 1)))
def test_current_shift_is_always_one_running_or_next(now: datetime) -> None:
    found = current_shift(THREE, now)
    assert found is not None
    day, p = found
    start, end = p.bounds(day)
    assert start <= now < end  # the three-shift pattern covers every minute


# DST in Europe/London: 2026-03-29 01:00 UTC clocks go forward; 2026-10-25 01:00 UTC they go back.
@pytest.mark.parametrize(
    ("utc", "day", "code"),
    [
        (datetime(2026, 3, 28, 6, 45, tzinfo=UTC), date(2026, 3, 27), "night"),   # 06:45 GMT
        (datetime(2026, 3, 29, 0, 30, tzinfo=UTC), date(2026, 3, 28), "night"),   # 00:30 GMT
        (datetime(2026, 3, 29, 1, 30, tzinfo=UTC), date(2026, 3, 28), "night"),   # 02:30 BST
        (datetime(2026, 3, 29, 6, 15, tzinfo=UTC), date(2026, 3, 29), "early"),   # 07:15 BST, night still on
        (datetime(2026, 3, 29, 13, 45, tzinfo=UTC), date(2026, 3, 29), "late"),   # 14:45 BST
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), date(2026, 10, 24), "night"),  # 01:30 BST
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), date(2026, 10, 24), "night"),  # 01:30 GMT (again)
        (datetime(2026, 10, 25, 6, 59, tzinfo=UTC), date(2026, 10, 24), "night"),  # 06:59 GMT
        (datetime(2026, 10, 25, 7, 0, tzinfo=UTC), date(2026, 10, 25), "early"),   # 07:00 GMT
    ],
)
def test_current_shift_on_dst_change_days(utc: datetime, day: date, code: str) -> None:
    found = current_shift(THREE, ward_now(FixedClock(utc)))
    assert found is not None
    assert (found[0], found[1].code) == (day, code)


def test_ward_now_is_ward_time() -> None:
    assert ward_now(FixedClock(datetime(2026, 7, 1, 12, 0, tzinfo=UTC))) == datetime(2026, 7, 1, 13, 0)
    assert ward_now(FixedClock(datetime(2026, 12, 1, 12, 0, tzinfo=UTC))) == datetime(2026, 12, 1, 12, 0)
