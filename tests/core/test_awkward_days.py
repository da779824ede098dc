"""The date-sensitive behaviours of the core on every awkward day (tests/support/awkward_days.py).

Each day gets its own demo station made as of a pinned ``FixedClock`` (the 1st of a month, 23:59 on
New Year's Eve with the night shift in progress, New Year's Day, 29 February, both Europe/London
clock-change nights, an ordinary Tuesday). The same clock is handed to the command line, the store,
the printouts and the sync status, exactly as production hands them the PC's clock.
"""

from __future__ import annotations

import calendar
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from support.awkward_days import AWKWARD_DAYS, AWKWARD_IDS

from hardtruths_desktop import cli
from hardtruths_desktop.demo import create_demo
from hardtruths_desktop.domain.clock import FixedClock, ward_now
from hardtruths_desktop.domain.clock import today as ward_today
from hardtruths_desktop.domain.staffing import current_shift
from hardtruths_desktop.domain.validation import FUTURE_WINDOW, PAST_WINDOW
from hardtruths_desktop.printing.layout import long_date
from hardtruths_desktop.printouts import PrintRequest, render
from hardtruths_desktop.store import queries
from hardtruths_desktop.store.session import Store
from hardtruths_desktop.sync.status import describe

HISTORY = 35  # days of demo history: the whole previous month on the 1st, and quick to build

#: (ward W7 = Early 07:00-15:00 / Late 14:30-22:00 / Night 21:30-07:30; AMU = Long day 07:30-20:00 / Night 19:30-08:00)
#: the shift in progress at each awkward moment, worked out by hand
CURRENT = {
    "first-of-month": {"W7": (date(2026, 12, 1), "early"), "AMU": (date(2026, 12, 1), "long_day")},
    "new-years-eve-late": {"W7": (date(2026, 12, 31), "night"), "AMU": (date(2026, 12, 31), "night")},
    "new-years-day": {"W7": (date(2027, 1, 1), "early"), "AMU": (date(2027, 1, 1), "long_day")},  # the long day began at 07:30
    "leap-day": {"W7": (date(2028, 2, 29), "late"), "AMU": (date(2028, 2, 29), "long_day")},
    "clocks-forward-night": {"W7": (date(2026, 3, 28), "night"), "AMU": (date(2026, 3, 28), "night")},
    "clocks-back-night": {"W7": (date(2026, 10, 24), "night"), "AMU": (date(2026, 10, 24), "night")},
    "ordinary-tuesday": {"W7": (date(2026, 11, 24), "early"), "AMU": (date(2026, 11, 24), "long_day")},
}


@dataclass
class Day:
    name: str
    clock: FixedClock
    folder: Path

    def fresh_clock(self) -> FixedClock:
        return FixedClock(self.clock.now())

    def cli(self, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
        try:
            rc = cli.main([*argv, "--data-dir", str(self.folder)], clock=self.fresh_clock())
        except SystemExit as e:
            rc = int(e.code or 0)
        out, err = capsys.readouterr()
        return rc, out, err


@pytest.fixture(scope="module", params=AWKWARD_DAYS, ids=AWKWARD_IDS)
def day(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Day]:
    name, y, m, d, hh, mm = request.param
    clock = FixedClock.london(y, m, d, hh, mm)
    folder = tmp_path_factory.mktemp(f"awkward-{name}")
    store = Store(folder, FixedClock(clock.now()))
    create_demo(store, days=HISTORY)
    store.close()
    yield Day(name, clock, folder)


def _month_json(day: Day, capsys: pytest.CaptureFixture[str], ward: str, month: str) -> list[dict[str, Any]]:
    rc, out, err = day.cli(capsys, "staffing", "show", "--ward", ward, "--month", month, "--json")
    assert rc == 0, err
    shifts: list[dict[str, Any]] = json.loads(out)
    return shifts


def test_the_shift_in_progress_is_the_one_worked_out_by_hand(day: Day) -> None:
    store = Store(day.folder, day.fresh_clock())
    try:
        with store.read() as s:
            for w in queries.list_wards(s):
                cur = current_shift(list(w.patterns), ward_now(store.clock))
                assert cur is not None
                if w.code in CURRENT[day.name]:
                    assert (cur[0], cur[1].code) == CURRENT[day.name][w.code]
    finally:
        store.close()


def test_demo_history_runs_up_to_and_including_the_shift_in_progress(day: Day) -> None:
    today = ward_today(day.clock)
    store = Store(day.folder, day.fresh_clock())
    try:
        with store.read() as s:
            for w in queries.list_wards(s):
                cur = current_shift(list(w.patterns), ward_now(day.clock))
                assert cur is not None
                cur_day, cur_pat = cur
                views = queries.shifts_in_range(s, queries.ward_row(s, w.code), today - timedelta(days=HISTORY + 2), today + timedelta(days=2))
                recorded = [(v.date, v.start, v.shift_code) for v in views if v.recorded]
                assert (cur_day, cur_pat.start, cur_pat.code) in recorded, f"{w.code}: the shift in progress is not recorded"
                assert max(recorded)[:2] == (cur_day, cur_pat.start), f"{w.code}: a shift after the one in progress is recorded"
                assert min(recorded)[0] == today - timedelta(days=HISTORY)
    finally:
        store.close()


def test_month_shows_every_shift_of_the_clocks_month_recorded_up_to_now(day: Day, capsys: pytest.CaptureFixture[str]) -> None:
    today = ward_today(day.clock)
    shifts = _month_json(day, capsys, "W7", today.strftime("%Y-%m"))
    n_days = calendar.monthrange(today.year, today.month)[1]
    assert len(shifts) == 3 * n_days  # every shift of the pattern, recorded or not
    assert {s["date"] for s in shifts} == {date(today.year, today.month, k).isoformat() for k in range(1, n_days + 1)}
    cur_day, cur_code = CURRENT[day.name]["W7"]
    order = {"early": 0, "late": 1, "night": 2}
    cur_key = (cur_day.isoformat(), order[cur_code])
    for s in shifts:
        key = (s["date"], order[s["shift"]])
        assert s["recorded"] == (key <= cur_key), s  # the demo recorded the past and the present, nothing ahead
        assert s["ward"] == "W7"


def test_the_month_before_is_recorded_from_where_the_history_starts(day: Day, capsys: pytest.CaptureFixture[str]) -> None:
    """Every shift of the month before is listed; those from the demo's first day on are recorded, the
    rest say "not recorded" (on the 1st the whole month is there; later in the month only its end)."""
    today = ward_today(day.clock)
    first = today.replace(day=1)
    prev = (first - timedelta(days=1)).replace(day=1)
    start = today - timedelta(days=HISTORY)  # the demo's first recorded day
    shifts = _month_json(day, capsys, "W7", prev.strftime("%Y-%m"))
    assert len(shifts) == 3 * calendar.monthrange(prev.year, prev.month)[1]
    for s in shifts:
        assert s["recorded"] == (date.fromisoformat(s["date"]) >= start), s


def test_how_far_ahead_and_back_a_shift_may_be_recorded_follows_the_clock(day: Day, capsys: pytest.CaptureFixture[str]) -> None:
    today = ward_today(day.clock)
    record = ("staffing", "record", "--ward", "W7", "--shift", "early")
    for when, ok in ((today + FUTURE_WINDOW, True), (today + FUTURE_WINDOW + timedelta(days=1), False),
                     (today - PAST_WINDOW, True), (today - PAST_WINDOW - timedelta(days=1), False)):
        # ahead, only the plan (who came on duty is refused until the shift starts: test_shift_times.py)
        figures = ("--rn-planned", "4") if when > today else ("--rn-actual", "4")
        rc, _out, err = day.cli(capsys, *record, *figures, "--date", when.isoformat())
        if ok:
            assert rc == 0, f"{when}: {err}"
        else:
            assert rc == cli.EXIT_BAD_INPUT and len(err.strip().splitlines()) == 1, f"{when}: {rc} {err}"


def test_a_night_shift_in_progress_is_recorded_on_the_date_it_started(day: Day, capsys: pytest.CaptureFixture[str]) -> None:
    cur_day, cur_code = CURRENT[day.name]["W7"]
    rc, _out, err = day.cli(capsys, "staffing", "record", "--ward", "W7", "--date", cur_day.isoformat(), "--shift", cur_code,
                            "--note", f"recorded at {day.name}")
    assert rc == 0, err
    rc, out, err = day.cli(capsys, "staffing", "show", "--ward", "W7", "--date", cur_day.isoformat(), "--json")
    assert rc == 0, err
    mine = next(s for s in json.loads(out) if s["shift"] == cur_code)
    assert mine["notes"] == f"recorded at {day.name}" and mine["recorded"]


def test_sync_status_ages_run_on_the_clock(day: Day) -> None:
    clock = day.fresh_clock()
    store = Store(day.folder, clock)
    try:
        first = describe(store)
        # anonymous feedback waits "since the day's midnight" (no time of day is kept), so the oldest
        # change is at most a day old when the demo is made; ages then follow the clock exactly
        assert first.pending > 0 and first.oldest_age_s is not None and 0 <= first.oldest_age_s < 86_400
        clock.advance(timedelta(minutes=80))  # real minutes, across a clock change too
        later = describe(store)
        assert later.oldest_age_s == first.oldest_age_s + 80 * 60
        clock.advance(timedelta(days=3))
        assert "oldest 3 days" in describe(store).text or "oldest 4 days" in describe(store).text
    finally:
        store.close()


def test_the_board_says_when_it_was_printed_and_when_the_numbers_were_updated(day: Day) -> None:
    from pypdf import PdfReader

    store = Store(day.folder, day.fresh_clock())
    now: datetime = ward_now(store.clock)
    try:
        with store.read() as s:
            pdf = render(s, PrintRequest("board", "W7"), store.clock)  # the shift in progress
    finally:
        store.close()
    text = " ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(pdf)).pages)
    text = " ".join(text.split())
    assert f"Printed {long_date(now.date())} at {now:%H:%M}" in text
    assert f"updated at {now:%H:%M}" in text  # the demo recorded the shift in progress at this moment
