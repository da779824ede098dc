"""Validation of every input (issue 2 "Domain rules"): plain messages a nurse understands."""

from __future__ import annotations

import math
import unicodedata
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardtruths_desktop.domain.staffing import GroupFigures
from hardtruths_desktop.domain.validation import (
    MAX_NAME,
    MAX_NOTE,
    ShiftContext,
    StaffOnWard,
    ValidationError,
    check_pin,
    check_shift,
    check_shift_date,
    check_ward_code,
    clean_name,
    clean_text,
    parse_count,
    parse_date,
    parse_hours,
    parse_month,
    parse_time,
)

TODAY = date(2026, 11, 25)
NAMES = ["Γιώργος Παπαδόπουλος", "محمد عبد الله", "王小明", "प्रिया शर्मा", "Siobhán Ní Bhriain", "Zoë O'Connor-Smith"]


def _msg(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return str(exc.value)


# --- numbers ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [("0", 0), ("4", 4), (" 12 ", 12), ("+3", 3), (5, 5), (3.0, 3)])
def test_counts_accepted(text: str | int, expected: int) -> None:
    assert parse_count(text, "Registered nurses", "rn.actual") == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("-1", "cannot be negative"),
        (-2, "cannot be negative"),
        ("61", "more than 60: please check it"),
        ("4000", "please check it"),
        ("four", "must be a whole number, not 'four'"),
        ("2.5", "must be a whole number"),
        (2.5, "must be a whole number"),
        ("", "must be a whole number"),
        ("1e3", "must be a whole number"),
        (True, "must be a whole number"),
        (math.nan, "must be a whole number"),
        (None, "must be a whole number"),
    ],
)
def test_counts_refused_with_a_clear_message(text: object, words: str) -> None:
    with pytest.raises(ValidationError) as e:
        parse_count(text, "Registered nurses", "rn.actual")  # type: ignore[arg-type]
    assert words in _msg(e) and _msg(e).startswith("Registered nurses")
    assert e.value.errors.keys() == {"rn.actual"}


@pytest.mark.parametrize(("text", "expected"), [("37.5", 37.5), ("7:30", 7.5), ("12:45", 12.75), ("0", 0.0), (8, 8.0), ("10.25", 10.25)])
def test_hours_accepted(text: str | float, expected: float) -> None:
    assert parse_hours(text, "RN actual hours", "h") == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "words"),
    [("-3", "cannot be negative"), (-0.5, "cannot be negative"), ("1001", "more than 1000 hours"), ("lots", "such as 37.5"),
     ("7:75", "such as 37.5"), ("7.555", "such as 37.5"), (math.inf, "number of hours"), (math.nan, "number of hours"),
     (False, "number of hours"), ("", "such as 37.5")],
)
def test_hours_refused_with_a_clear_message(text: object, words: str) -> None:
    with pytest.raises(ValidationError) as e:
        parse_hours(text, "RN actual hours", "h")  # type: ignore[arg-type]
    assert words in _msg(e)


@given(st.one_of(st.text(max_size=12), st.integers(), st.floats(allow_nan=True), st.booleans(), st.none()))
def test_parsers_only_ever_raise_validation_errors(value: object) -> None:
    for parse in (lambda v: parse_count(v, "N", "n"), lambda v: parse_hours(v, "H", "h")):
        try:
            result = parse(value)
        except ValidationError as e:
            assert str(e)
        else:
            assert 0 <= result <= 1000 and not math.isnan(result)


@given(st.integers(0, 60))
def test_every_valid_count_round_trips(n: int) -> None:
    assert parse_count(str(n), "N", "n") == n


# --- dates, months, times --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["25/11/2026", "2026/11/25", "2026-11-5", "20261125", "25-11-2026", "Nov 25 2026", "", "yesterday",
                                  "٢٠٢٦-١١-٢٥", "2026-11-25T07:00"])
def test_dates_in_the_wrong_format(text: str) -> None:
    with pytest.raises(ValidationError) as e:
        parse_date(text, "--date")
    assert "YYYY-MM-DD" in _msg(e)


@pytest.mark.parametrize("text", ["2026-02-30", "2026-13-01", "2025-02-29", "2026-00-10"])
def test_dates_that_do_not_exist(text: str) -> None:
    with pytest.raises(ValidationError) as e:
        parse_date(text)
    assert "not a real date" in _msg(e)


def test_a_good_date() -> None:
    assert parse_date(" 2024-02-29 ") == date(2024, 2, 29)


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "11-2026", "2026/11", "November", ""])
def test_months_in_the_wrong_format(text: str) -> None:
    with pytest.raises(ValidationError) as e:
        parse_month(text)
    assert "YYYY-MM" in _msg(e)
    assert parse_month("2026-11") == (2026, 11)


@pytest.mark.parametrize("text", ["24:00", "7.30", "7", "07:60", "seven"])
def test_times_in_the_wrong_format(text: str) -> None:
    with pytest.raises(ValidationError) as e:
        parse_time(text, "start")
    assert "HH:MM" in _msg(e)


def test_dates_within_a_sane_window() -> None:
    check_shift_date(TODAY, TODAY)
    check_shift_date(TODAY + timedelta(days=62), TODAY)
    check_shift_date(TODAY - timedelta(days=3 * 365), TODAY)
    with pytest.raises(ValidationError, match="too far ahead"):
        check_shift_date(TODAY + timedelta(days=63), TODAY)
    with pytest.raises(ValidationError, match="too far in the past"):
        check_shift_date(TODAY - timedelta(days=3 * 366 + 1), TODAY)
    with pytest.raises(ValidationError, match="too far in the past"):
        check_shift_date(date(2013, 10, 31), date(2014, 1, 1))


# --- text and names -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_non_latin_and_accented_names_are_accepted(name: str) -> None:
    assert clean_name(f"  {name} ") == unicodedata.normalize("NFC", name)


def test_names_are_stored_composed() -> None:
    assert clean_name("Chloe\u0301 Martin") == "Chloé Martin"


@pytest.mark.parametrize(
    ("text", "words"),
    [("", "is required"), ("   ", "is required"), ("12345", "must contain letters"), ("A" * (MAX_NAME + 1), "too long (81 characters; at most 80)"),
     ("Ann\nSmith", "one line"), ("Ann\tSmith", "one line"), ("Ann\x00", "control character"), ("Ann\x1b[31m", "control character"),
     ("Ann\x7f", "control character")],
)
def test_bad_names(text: str, words: str) -> None:
    with pytest.raises(ValidationError) as e:
        clean_name(text)
    assert words in _msg(e)


def test_note_length_limit_and_lines() -> None:
    assert clean_text("x" * MAX_NOTE, "The note", "note", MAX_NOTE) == "x" * MAX_NOTE
    assert clean_text("line one\nline two", "The note", "note", MAX_NOTE) == "line one\nline two"
    with pytest.raises(ValidationError) as e:
        clean_text("x" * (MAX_NOTE + 1), "The note", "note", MAX_NOTE)
    assert _msg(e) == "The note is too long (2001 characters; at most 2000)"


@given(st.text(max_size=300))
def test_clean_text_never_stores_control_characters_or_overlong_text(text: str) -> None:
    try:
        value = clean_text(text, "The note", "note", 200)
    except ValidationError as e:
        assert str(e).startswith("The note")
    else:
        assert len(value) <= 200
        assert all(unicodedata.category(c) != "Cc" for c in value)
        assert value == unicodedata.normalize("NFC", value)


@given(st.text(st.characters(categories=["L", "Zs", "Pd", "Po"]), min_size=1, max_size=80).filter(lambda t: any(c.isalpha() for c in t.strip())))
def test_any_alphabet_is_a_valid_name(name: str) -> None:
    if len(unicodedata.normalize("NFC", name.strip())) <= MAX_NAME:
        assert clean_name(name) == unicodedata.normalize("NFC", name.strip())


def test_codes_and_pins() -> None:
    assert check_ward_code(" w7 ") == "W7"
    for bad in ("", "W 7", "W7!", "-W7", "A" * 17):
        with pytest.raises(ValidationError, match="ward code"):
            check_ward_code(bad)
    assert check_pin("2580") == "2580"
    for bad in ("1111", "1234", "4321", "123", "abcd", "123456789"):
        with pytest.raises(ValidationError, match="PIN"):
            check_pin(bad)


# --- a whole shift --------------------------------------------------------------------------------------------------

STAFF = {
    "rn1": StaffOnWard("rn1", "Aisha Rahman", "rn"),
    "hca": StaffOnWard("hca", "Dylan Evans", "care"),
    "rna": StaffOnWard("rna", "Grace Mensah", "rna"),
    "stu": StaffOnWard("stu", "Ellie Turner", "student"),
    "gone": StaffOnWard("gone", "Old Timer", "rn", active=False),
}
CTX = ShiftContext(shift_hours=8.0, beds=28, staff=STAFF, today=TODAY)
OK = {"rn": GroupFigures(4, 4, 32.0, 32.0), "care": GroupFigures(2, 2, 16.0, 16.0)}


def _check(groups: dict[str, GroupFigures] | None = None, nic: str | None = "rn1", census: int | None = 26, note: str = "") -> None:
    check_shift(TODAY, OK if groups is None else groups, nic, census, note, CTX)


def test_a_good_shift_passes() -> None:
    _check()
    _check(nic=None, census=None)
    _check({"rn": GroupFigures(4, 4, 32.0, 36.0)})  # people stay late: up to an hour over each


@pytest.mark.parametrize(
    ("nic", "words"),
    [("hca", "Dylan Evans is not a registered nurse"), ("rna", "not a registered nurse"), ("stu", "not a registered nurse"),
     ("gone", "no longer on this ward's staff list"), ("stranger", "must be someone on this ward's staff list")],
)
def test_nurse_in_charge_must_be_a_registered_nurse_on_the_staff_list(nic: str, words: str) -> None:
    with pytest.raises(ValidationError) as e:
        _check(nic=nic)
    assert words in e.value.errors["nurse_in_charge"]


def test_nurse_in_charge_must_be_on_duty() -> None:
    with pytest.raises(ValidationError) as e:
        _check({"rn": GroupFigures(4, 0, 32.0, 0.0)})
    assert "must be on duty" in e.value.errors["nurse_in_charge"]


@pytest.mark.parametrize(
    ("groups", "key", "words"),
    [
        ({"rn": GroupFigures(4, -1, 32, 0)}, "rn.actual", "-1 people is not possible"),
        ({"rn": GroupFigures(4, 61, 32, 32)}, "rn.actual", "61 people is not possible"),
        ({"rn": GroupFigures(4, 4, 32, 40)}, "rn.actual_hours", "more than 4 people can work in an 8-hour shift"),
        ({"rn": GroupFigures(4, 4, -1, 32)}, "rn.planned_hours", "cannot be negative"),
        ({"rn": GroupFigures(4, 4, 32, 32), "care": GroupFigures(0, 0, 0, 8)}, "care.actual_hours", "nobody actual"),
        ({"rn": GroupFigures(4, 4, 32, 32, bank_agency=5)}, "rn.bank_agency", "cannot be more than the 4 on duty"),
        ({"rn": GroupFigures(4, 4, 32, 32), "porter": GroupFigures(1, 1, 8, 8)}, "porter.planned", "not a staff group"),
    ],
)
def test_impossible_figures(groups: dict[str, GroupFigures], key: str, words: str) -> None:
    with pytest.raises(ValidationError) as e:
        _check(groups)
    assert words in e.value.errors[key]


def test_all_problems_are_reported_at_once() -> None:
    with pytest.raises(ValidationError) as e:
        check_shift(TODAY + timedelta(days=400), {"rn": GroupFigures(4, 70, 32, 32)}, "hca", 900, "bad\x00", CTX)
    assert set(e.value.errors) >= {"date", "rn.actual", "nurse_in_charge", "patients_at_midnight", "note"}
    assert "far more than the ward's 28 beds" in e.value.errors["patients_at_midnight"]


def test_census_limits() -> None:
    _check(census=0)
    _check(census=48)  # beds + 20: escalation beds, trolleys
    with pytest.raises(ValidationError, match="cannot be negative"):
        _check(census=-1)
    with pytest.raises(ValidationError, match="please check it"):
        _check(census=49)

