"""The GUI's date-sensitive screens on every awkward day (tests/support/awkward_days.py).

Each day gets a small demo made as of a pinned ``FixedClock``, and the real main window runs on that
same clock (given to the store worker, as ``ui/app.py`` gives it the PC's clock): Today shows the
shift in progress (a night that started before midnight or before a clock change, a shift in progress
at 23:59), Record staffing opens it and saves it on the date it started, the Month view lists the
clock's month, and the top bar measures how long changes have waited from the same clock.
"""

from __future__ import annotations

import calendar
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from support.awkward_days import AWKWARD_DAYS, AWKWARD_IDS
from support.qt_waits import QT_WAIT_MS

from hardtruths_desktop.domain.clock import FixedClock
from hardtruths_desktop.domain.clock import today as ward_today

DB = "ward-station.sqlite"

#: Ward 7 (Early 07:00-15:00, Late 14:30-22:00, Night 21:30-07:30): the shift in progress, worked out by hand
W7_CURRENT = {
    "first-of-month": (date(2026, 12, 1), "early"),
    "new-years-eve-late": (date(2026, 12, 31), "night"),
    "new-years-day": (date(2027, 1, 1), "early"),
    "leap-day": (date(2028, 2, 29), "late"),
    "clocks-forward-night": (date(2026, 3, 28), "night"),
    "clocks-back-night": (date(2026, 10, 24), "night"),
    "ordinary-tuesday": (date(2026, 11, 24), "early"),
}


@pytest.fixture(scope="module", params=AWKWARD_DAYS, ids=AWKWARD_IDS)
def awkward_master(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, FixedClock, Path]:
    from hardtruths_desktop.demo import create_demo
    from hardtruths_desktop.store.session import Store

    name, y, m, d, hh, mm = request.param
    clock = FixedClock.london(y, m, d, hh, mm)
    folder = tmp_path_factory.mktemp(f"ui-awkward-{name}")
    store = Store(folder, FixedClock(clock.now()))
    create_demo(store, days=3)
    store.close()
    return name, clock, folder


@pytest.fixture
def awkward(awkward_master: tuple[str, FixedClock, Path], tmp_path: Path, make_station: Any) -> tuple[str, FixedClock, Any]:
    name, clock, master = awkward_master
    d = tmp_path / "station"
    d.mkdir()
    for f in (DB, DB + "-wal", DB + "-shm"):
        if (master / f).exists():
            shutil.copy2(master / f, d / f)
    own = FixedClock(clock.now())
    return name, own, make_station(d, clock=own)


def test_the_date_sensitive_screens_on_an_awkward_day(awkward: tuple[str, FixedClock, Any]) -> None:
    """One window per day (each costs seconds): Today, Record staffing, Month and the top bar."""
    name, clock, station = awkward
    w = station.window
    # the top bar measures how long changes have waited from the same clock
    station.qtbot.waitUntil(lambda: "waiting" in w.sync_label.text(), timeout=QT_WAIT_MS)
    # anonymous feedback waits "since the day's midnight" (no time of day is kept): the age is under a day
    assert "waiting (oldest" in w.sync_label.text() and "days)" not in w.sync_label.text()

    # Today: the shift in progress (a night begun before midnight or a clock change, 23:59 on New Year's Eve)
    station.sign_in("Aisha Rahman")
    data = w.today.data
    assert data is not None
    assert (data.view.date, data.view.shift_code) == W7_CURRENT[name]
    assert data.view.recorded  # the demo recorded the shift in progress

    # Record staffing opens it, allows dates up to 2 months ahead of the clock, saves it on its own date
    with station.qtbot.waitSignal(w.staffing.loaded, timeout=QT_WAIT_MS):
        station.qtbot.keyClick(w.today.update_btn, Qt.Key.Key_Return)
    form = w.staffing
    assert form.data is not None and (form.data.view.date, form.data.view.shift_code) == W7_CURRENT[name]
    latest = form.date_edit.maximumDate().toPython()
    assert latest == ward_today(clock) + timedelta(days=62)
    form.note_edit.setFocus()
    form.note_edit.selectAll()
    station.qtbot.keyClicks(form.note_edit, f"Checked on {name}")
    with station.qtbot.waitSignal(form.saved, timeout=QT_WAIT_MS):
        station.qtbot.keyClick(form.note_edit, Qt.Key.Key_Return)

    from hardtruths_desktop.store.tables import Shift

    row = station.read(lambda s: s.get(Shift, data.view.shift_id))
    assert row.shift_date == W7_CURRENT[name][0] and row.notes == f"Checked on {name}"

    # Month: the clock's month, every shift of it, even on the 1st
    w.show_screen(w.month)
    month = w.month
    today = ward_today(clock)
    assert tuple(month.month_box.itemData(0)) == (today.year, today.month)
    n_days = calendar.monthrange(today.year, today.month)[1]
    station.qtbot.waitUntil(lambda: month.model.rowCount() == 3 * n_days, timeout=QT_WAIT_MS)
    assert month.title.text() == f"{today:%B %Y}"
    assert "shifts recorded" in month.count_label.text()

    # time passes (real minutes, across a clock change too): the top bar's age moves with the clock
    before = w.sync_label.text()
    clock.advance(timedelta(minutes=80))
    w.refresh_sync()
    station.qtbot.waitUntil(lambda: w.sync_label.text() != before and "waiting (oldest" in w.sync_label.text(), timeout=QT_WAIT_MS)
