"""Issue 11 on screen: the Month names what is missing with a way to open each; a red flag computed
from the figures can be escalated from Record staffing; the form says when the clocks change."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import select
from support.clocks import suite_clock
from support.qt_waits import QT_WAIT_MS

from hardtruths_desktop.store import queries
from hardtruths_desktop.store.session import Actor, Store
from hardtruths_desktop.store.shifts import ShiftChange, save_shift, set_patients_at_midnight, withdraw_shift
from hardtruths_desktop.store.tables import RedFlag

NOV_3, NOV_12 = date(2026, 11, 3), date(2026, 11, 12)  # inside the UI demo's 40 days of history


def _prepare(data_dir: Path) -> None:
    store = Store(data_dir, suite_clock())
    with store.read() as s:
        ward = queries.ward_row(s, "W7")
    with store.write(Actor.command_line()) as tx:
        withdraw_shift(tx, ward.id, NOV_3, "night", "recorded on the wrong date")
        set_patients_at_midnight(tx, ward.id, NOV_12, None)
        save_shift(tx, ward.id, date(2026, 11, 20), "early", ShiftChange(groups={"rn": {"actual": 1}}), tx.today)
    store.close()


def test_the_month_names_what_is_missing_and_opens_each(demo_dir: Path, make_station: Any) -> None:
    _prepare(demo_dir)
    st = make_station(demo_dir)
    st.sign_in("Mary O'Neill")
    w = st.window
    w.show_screen(w.month)
    month = w.month
    st.qtbot.waitUntil(lambda: month.data is not None, timeout=QT_WAIT_MS)
    st.qtbot.waitUntil(lambda: month.data is not None and month.data.month == 11, timeout=QT_WAIT_MS)  # the month in progress
    assert month.missing_label.text().startswith("⚠ 1 shift not recorded, 1 day without a midnight count")
    assert month.missing_list.isVisibleTo(w) and month.missing_list.count() == 2
    texts = [month.missing_list.item(i).text() for i in range(2)]
    assert texts == ["Tue 03 Nov: Night shift not recorded",
                     "Thu 12 Nov: no 23:59 patient count (enter it on that day's last shift)"]
    month.missing_list.itemActivated.emit(month.missing_list.item(1))
    st.qtbot.waitUntil(lambda: w.staffing.current_key() == (NOV_12, "night") and w.staffing.data is not None, timeout=QT_WAIT_MS)
    # a month before the demo's history: every shift named (and the list scrolls)
    w.show_screen(w.month)
    month.set_month(2026, 9)
    st.qtbot.waitUntil(lambda: month.data is not None and month.data.month == 9, timeout=QT_WAIT_MS)
    assert month.missing_label.text().startswith("⚠ 90 shifts not recorded, 30 days without a midnight count")


def test_a_computed_red_flag_is_escalated_from_record_staffing(demo_dir: Path, make_station: Any, monkeypatch: Any) -> None:
    from ui.dialogs.red_flags import EscalateDialog

    _prepare(demo_dir)
    monkeypatch.setattr(EscalateDialog, "ask", classmethod(lambda cls, parent, label: "Site manager, bleep 2020"))
    st = make_station(demo_dir)
    st.sign_in("Aisha Rahman")
    w = st.window
    w.show_screen(w.staffing)
    form = w.staffing
    with st.qtbot.waitSignal(form.loaded, timeout=QT_WAIT_MS):
        form.open_shift(date(2026, 11, 20), "early")
    st.qtbot.waitUntil(lambda: form.data is not None and form.flags.count() >= 2, timeout=QT_WAIT_MS)
    row = next(i for i in range(form.flags.count()) if "Registered nurse time short" in form.flags.item(i).text())
    form.flags.setCurrentRow(row)
    assert form.escalate_btn.isEnabled() and form.resolve_btn.isEnabled()  # no longer greyed out
    form.escalate_btn.click()
    st.idle()
    flags = st.read(lambda s: [(f.flag_type, f.escalated_to) for f in s.exec(select(RedFlag)).all() if f.flag_type == "rn_shortfall"])
    assert flags == [("rn_shortfall", "Site manager, bleep 2020")]
    st.qtbot.waitUntil(lambda: any("escalated to Site manager" in form.flags.item(i).text() for i in range(form.flags.count())), timeout=QT_WAIT_MS)


def test_the_form_says_a_night_is_an_hour_longer_when_the_clocks_go_back(station: Any) -> None:
    station.sign_in("Aisha Rahman")
    w = station.window
    w.show_screen(w.staffing)
    form = w.staffing
    with station.qtbot.waitSignal(form.loaded, timeout=QT_WAIT_MS):
        form.open_shift(date(2026, 10, 24), "night")
    station.qtbot.waitUntil(lambda: "an 11-hour night (the clocks went back)" in form.state_label.text(), timeout=QT_WAIT_MS)
    assert form.data is not None and form.data.view.groups["rn"].planned_hours == 33.0  # 3 x 11 on W7's plan


def test_the_nurse_in_charge_withdraws_a_shift_from_record_staffing(station: Any, monkeypatch: Any) -> None:
    from ui.dialogs.red_flags import WithdrawDialog

    monkeypatch.setattr(WithdrawDialog, "ask", classmethod(lambda cls, parent, label: "recorded on the wrong date"))
    station.sign_in("Mary O'Neill")  # the ward sister
    w = station.window
    w.show_screen(w.staffing)
    form = w.staffing
    day = date(2026, 11, 20)
    with station.qtbot.waitSignal(form.loaded, timeout=QT_WAIT_MS):
        form.open_shift(day, "late")
    station.qtbot.waitUntil(lambda: form.data is not None and form.data.view.recorded and form.withdraw_btn.isEnabled(), timeout=QT_WAIT_MS)
    form.withdraw_btn.click()
    station.qtbot.waitUntil(lambda: form.data is not None and not form.data.view.recorded, timeout=QT_WAIT_MS)
    assert not form.withdraw_btn.isEnabled() and "Withdrawn" in form.note_edit.text()
    assert "Not recorded yet" in form.state_label.text()


def test_hours_follow_people_in_the_form_and_people_without_hours_are_refused(station: Any) -> None:
    station.sign_in("Aisha Rahman")
    w = station.window
    w.show_screen(w.staffing)
    form = w.staffing
    day = date(2026, 11, 21)
    with station.qtbot.waitSignal(form.loaded, timeout=QT_WAIT_MS):
        form.open_shift(day, "early")
    station.qtbot.waitUntil(lambda: form.data is not None, timeout=QT_WAIT_MS)
    # people typed, hours filled by the same rule as the core: W7's early plan is 7.5 hours a person
    edit = form.rows["rn"].edits["actual"]
    edit.selectAll()
    station.qtbot.keyClicks(edit, "3")
    assert form.rows["rn"].edits["actual_hours"].text() == "22.5"
    # typed 0 hours for people on duty: refused beside the field, nothing saved
    hours = form.rows["rn"].edits["actual_hours"]
    hours.selectAll()
    station.qtbot.keyClicks(hours, "0")
    form.save()
    station.idle()
    station.qtbot.waitUntil(lambda: form.rows["rn"].error.isVisible(), timeout=QT_WAIT_MS)
    assert "on duty but 0 hours" in form.rows["rn"].error.text()


def test_names_ticked_that_differ_from_the_numbers_are_said_on_save(station: Any) -> None:
    station.sign_in("Aisha Rahman")
    w = station.window
    w.show_screen(w.staffing)
    form = w.staffing
    day = date(2026, 11, 22)
    with station.qtbot.waitSignal(form.loaded, timeout=QT_WAIT_MS):
        form.open_shift(day, "early")
    box = form.on_duty
    station.qtbot.waitUntil(lambda: box.data is not None and box.list.count() > 3 and box._key == (day, "early"), timeout=QT_WAIT_MS)
    from PySide6.QtCore import Qt

    for i in range(box.list.count()):  # untick everyone, then tick only the nurse in charge
        box.list.item(i).setCheckState(Qt.CheckState.Unchecked)
    nic = form.data.view.nurse_in_charge if form.data else None
    box.tick(nic or "Aisha Rahman")
    form.save()  # the ticks are saved with the shift (issue 12)
    station.idle()
    station.qtbot.waitUntil(lambda: box.mismatch.isVisibleTo(w), timeout=QT_WAIT_MS)
    assert "Registered nurses:" in box.mismatch.text() and "1 name ticked" in box.mismatch.text()


def test_a_computed_red_flag_is_answered_from_today(demo_dir: Path, make_station: Any, monkeypatch: Any) -> None:
    from ui.dialogs.red_flags import ResolveDialog

    store = Store(demo_dir, suite_clock())  # 24 Nov 2026 14:00: the early shift is in progress
    with store.read() as s:
        ward = queries.ward_row(s, "W7")
    with store.write(Actor.command_line()) as tx:
        save_shift(tx, ward.id, date(2026, 11, 24), "early", ShiftChange(groups={"rn": {"actual": 1}}), tx.today)
    store.close()
    monkeypatch.setattr(ResolveDialog, "ask", classmethod(lambda cls, parent, label: "Two bank nurses from the pool at 14:20"))
    st = make_station(demo_dir)
    st.sign_in("Aisha Rahman")
    today = st.window.today
    st.qtbot.waitUntil(lambda: today.data is not None and today.flags.count() >= 2, timeout=QT_WAIT_MS)
    row = next(i for i in range(today.flags.count()) if "Fewer than 2 registered nurses" in today.flags.item(i).text())
    today.flags.setCurrentRow(row)
    assert today.resolve_btn.isEnabled()
    today.resolve_btn.click()
    st.idle()
    got = st.read(lambda s: [(f.flag_type, f.response) for f in s.exec(select(RedFlag)).all() if f.flag_type == "fewer_than_two_rn"])
    assert got == [("fewer_than_two_rn", "Two bank nurses from the pool at 14:20")]
