"""Issue 10 in the real main window (pytest-qt, offscreen) on a copy of the demo store: report an
incident by keyboard alone, candour due dates across a bank holiday, what each role sees, a
draft that survives the process being killed, and a red flag reported as an incident."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog
from support.qt_waits import QT_WAIT_MS

from hardtruths_desktop.domain.clock import FixedClock
from hardtruths_desktop.domain.incidents import PatientInput, ReportInput
from hardtruths_desktop.store import incidents as repo
from hardtruths_desktop.store.queries import find_staff, ward_row
from hardtruths_desktop.store.session import Actor, Store

CLOCK = FixedClock.london(2026, 11, 25, 16, 0)


def pin(station: Any, clock: FixedClock = CLOCK) -> Any:
    """Move the station's one clock (the store worker's, which every screen reads through its context)."""
    station.clock.set(clock.at)
    return station.window.incidents


def seed(data_dir: Path, who: str, clock: FixedClock, **kw: Any) -> str:
    store = Store(data_dir, clock)
    try:
        with store.read() as s:
            ward = ward_row(s, "W7")
            p = find_staff(s, ward.id, who)
        with store.write(Actor(p.id, p.name)) as tx:
            return repo.report_incident(tx, ward.id, ReportInput(**kw), clock=clock).reference
    finally:
        store.close()


def focused() -> Any:
    w = QApplication.focusWidget()
    assert w is not None
    return w


def press(qtbot: Any, key: Qt.Key, mod: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier, times: int = 1) -> None:
    for _ in range(times):
        qtbot.keyClick(focused(), key, mod)


def key_text(widget: Any, text: str) -> None:
    """Type text as key events; QTest.keyClicks only knows ASCII, so other characters (Arabic,
    dashes) go as key events carrying their text, as an input method sends them."""
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtTest import QTest

    for ch in text:
        if ch.isascii():
            QTest.keyClicks(widget, ch)
        else:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))


def type_(qtbot: Any, text: str) -> None:
    key_text(focused(), text)


def test_report_an_incident_by_keyboard_alone(station: Any, qtbot: Any) -> None:
    station.sign_in("Dylan Evans")
    inc = pin(station)
    qtbot.keyClick(station.window, Qt.Key.Key_8, Qt.KeyboardModifier.ControlModifier)  # the Incidents tab (the 8th)
    qtbot.waitUntil(lambda: station.window.current_screen() is inc and inc.report.form is not None, timeout=QT_WAIT_MS)
    form = inc.report
    qtbot.waitUntil(lambda: focused() is form.date_edit, timeout=QT_WAIT_MS)
    press(qtbot, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_(qtbot, "2026-11-25")
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is form.time_edit
    type_(qtbot, "14:05")
    press(qtbot, Qt.Key.Key_Tab, times=2)  # past "or the shift"
    assert focused() is form.location
    type_(qtbot, "Bay 3, bed 12")
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is form.category
    type_(qtbot, "Medication")
    assert form.category.currentData() == "medication"
    assert "medicines" in form.category_help.text()  # the definition shows at the point of choice
    press(qtbot, Qt.Key.Key_Tab, times=2)  # past "what was involved"
    assert focused() is form.never_event
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is form.description
    type_(qtbot, "Insulin given 2 hours late: the pen was not in the fridge — المريض بخير")
    press(qtbot, Qt.Key.Key_Tab)
    type_(qtbot, "Blood glucose checked, doctor told")
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is form.went_well
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is form.near_miss, (focused(), getattr(focused(), "text", lambda: "")())
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is form.patients[0].physical, (focused(), getattr(focused(), "text", lambda: "")())
    type_(qtbot, "Moderate")
    press(qtbot, Qt.Key.Key_Tab, times=3)  # psychological harm, prolonged
    assert focused() is form.patients[0].nhs
    type_(qtbot, "943 476 5918")  # a wrong check digit first
    press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "correct the fields" in form.saved_label.text(), timeout=QT_WAIT_MS)
    assert "last digit does not match" in form.patients[0].errors["nhs_number"].text()
    assert focused() is form.patients[0].nhs  # the problem field has the focus
    press(qtbot, Qt.Key.Key_Backspace)
    type_(qtbot, "9")
    press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "Reported as" in form.saved_label.text(), timeout=QT_WAIT_MS)
    ref = form.saved_label.text().split("Reported as ")[1].split(".")[0]
    store = Store(station.data_dir, station.clock)
    try:
        with repo.reading(store) as db:
            row = db.execute("SELECT category, patients, location, description FROM incident WHERE reference = ?", (ref,)).fetchone()
            assert db.execute("SELECT count(*) FROM incident_draft").fetchone()[0] == 0  # submitted: no draft left
    finally:
        store.close()
    assert row[0] == "medication" and row[2] == "Bay 3, bed 12" and row[3].endswith("المريض بخير")
    assert json.loads(row[1])[0]["nhs_number"] == "9434765919" and json.loads(row[1])[0]["physical_harm"] == "moderate"
    assert form.description.toPlainText() == ""  # ready for the next report


def test_candour_due_dates_across_a_bank_holiday(station: Any, qtbot: Any) -> None:
    easter = FixedClock.london(2026, 3, 31, 11, 0)  # Good Friday 3 April and Easter Monday 6 April follow
    ref = seed(station.data_dir, "Aisha Rahman", easter, occurred_on="2026-03-31", occurred_time="09:00",
               description="Fall with a fractured wrist", category="patient_accident", patients=[PatientInput("moderate")])
    station.sign_in("Mary O'Neill")
    inc = pin(station, FixedClock.london(2026, 4, 2, 9, 0))  # the manager reviews it on the Thursday before Easter
    station.window.show_screen(inc)
    inc.inner.setCurrentIndex(1)
    review = inc.review
    station.idle()
    with qtbot.waitSignal(review.loaded, timeout=QT_WAIT_MS):
        review.refresh()
    row = next(i for i in range(review.model.rowCount()) if review.model.row_at(i).cells[0] == ref)
    assert review.model.row_at(row).cells[5] == "Proposed, due 16 Apr"  # not 14 Apr: two bank holidays skipped
    review.table.selectRow(row)
    qtbot.waitUntil(lambda: review.detail is not None and review.detail.reference == ref, timeout=QT_WAIT_MS)
    assert "Due by Thu 16 Apr 2026" in review.details.toPlainText()

    def confirm() -> None:
        dlg = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible())
        dlg.fields["aware_on"].setText("2026-04-02")  # aware on the Thursday before Easter
        dlg.save()
        QTimer.singleShot(20_000, dlg.reject)  # a refused save fails the test below instead of hanging it

    qtbot.waitUntil(lambda: review.buttons["candour"].isEnabled(), timeout=QT_WAIT_MS)
    from PySide6.QtCore import QTimer

    QTimer.singleShot(100, confirm)
    review.buttons["candour"].click()
    qtbot.waitUntil(lambda: review.detail is not None and "Applies" in review.details.toPlainText(), timeout=QT_WAIT_MS)
    assert "Due by Mon 20 Apr 2026" in review.details.toPlainText()  # 2 Apr + 10 working days, Easter excluded
    assert [h.kind for h in review.detail.history] == ["candour"]

    # a day after the written follow-up fell due: overdue in the review queue and on Today
    pin(station, FixedClock.london(2026, 4, 21, 9, 0))
    with qtbot.waitSignal(review.loaded, timeout=QT_WAIT_MS):
        review.refresh()
    row = next(i for i in range(review.model.rowCount()) if review.model.row_at(i).cells[0] == ref)
    assert review.model.row_at(row).cells[5].startswith("⚠")
    assert f"overdue duty of candour step: {ref}" in review.summary.text()
    today = station.window.today
    station.window.show_screen(today)
    today.refresh()
    qtbot.waitUntil(lambda: today.candour.isVisible() and ref in today.candour.text(), timeout=QT_WAIT_MS)
    assert today.candour.text().startswith("⚠ Duty of candour: 1 incident with an overdue step")


def test_what_each_role_sees(station: Any, qtbot: Any) -> None:
    mine = seed(station.data_dir, "Dylan Evans", CLOCK, occurred_on="2026-11-25", occurred_time="10:00", description="HCA report",
                category="documentation", patients=[PatientInput("low", nhs_number="9434765919", hospital_number="RX1")])
    other = seed(station.data_dir, "Aisha Rahman", CLOCK, occurred_on="2026-11-25", occurred_time="11:00", description="RN report",
                 category="medication", patients=[PatientInput("none")], anonymous=True)
    station.sign_in("Dylan Evans")
    inc = pin(station)
    review = inc.review
    station.idle()
    with qtbot.waitSignal(review.loaded, timeout=QT_WAIT_MS):
        review.refresh()
    assert review.model.rowCount() == 1
    assert inc.inner.tabText(1) == "My reports" and not review.queue.allowed
    assert review.model.row_at(0).cells[0] == mine
    assert not review.buttons["triage"].isVisible() and not review.show_all.isVisible()
    review.table.selectRow(0)
    qtbot.waitUntil(lambda: review.detail is not None, timeout=QT_WAIT_MS)
    assert "(hidden)" in review.details.toPlainText() and "943 476 5919" not in review.details.toPlainText()

    station.window.lock("switch")
    station.sign_in("Mary O'Neill")
    pin(station)
    station.idle()
    with qtbot.waitSignal(review.loaded, timeout=QT_WAIT_MS):
        review.refresh()
    assert review.queue is not None and review.queue.allowed
    refs = {review.model.row_at(i).cells[0]: i for i in range(review.model.rowCount())}
    assert {mine, other} <= set(refs)
    review.table.selectRow(refs[mine])
    qtbot.waitUntil(lambda: review.detail is not None and review.detail.reference == mine, timeout=QT_WAIT_MS)
    assert "943 476 5919" in review.details.toPlainText() and "Dylan Evans" in review.details.toPlainText()
    review.table.selectRow(refs[other])
    qtbot.waitUntil(lambda: review.detail is not None and review.detail.reference == other, timeout=QT_WAIT_MS)
    assert "Not shown to the ward" in review.details.toPlainText() and "Aisha" not in review.details.toPlainText()


def test_draft_survives_a_killed_process(demo_dir: Path, make_station: Any, qtbot: Any) -> None:
    text = "Wristband missing on bed 4 — المريض في السرير ٤"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen([sys.executable, str(Path(__file__).with_name("draft_child.py")), str(demo_dir), text],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.strip() == "DRAFT-SAVED", child.stderr.read() if child.stderr else ""
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    st = make_station(demo_dir)
    st.sign_in("Dylan Evans")  # someone else first: the draft is private to its author
    inc = st.window.incidents
    qtbot.waitUntil(lambda: inc.report.form is not None and inc.report._draft_for == st.window.ctx.user.id, timeout=QT_WAIT_MS)
    assert inc.report.description.toPlainText() == ""
    st.window.lock("switch")
    st.sign_in("Aisha Rahman")
    qtbot.waitUntil(lambda: inc.report._draft_for == st.window.ctx.user.id and inc.report.description.toPlainText() != "", timeout=QT_WAIT_MS)
    assert inc.report.description.toPlainText() == text
    assert "draft was kept" in inc.report.draft_label.text()


def test_red_flag_reported_as_an_incident_shows_its_reference(station: Any, qtbot: Any) -> None:
    station.sign_in("Aisha Rahman")
    today = station.window.today
    from hardtruths_desktop.domain.clock import local_now

    inc = station.window.incidents  # on the suite's pinned clock, like the Today screen it came from
    store = Store(station.data_dir, station.clock)
    try:
        from hardtruths_desktop.store.shifts import raise_red_flag

        v = today.data.view
        with store.read() as s:
            ward = ward_row(s, "W7")
            aisha = find_staff(s, ward.id, "Aisha Rahman")
        with store.write(Actor(aisha.id, aisha.name)) as tx:
            raise_red_flag(tx, ward, v.date, v.shift_code, "vital_signs", "Obs late in bay 2", local_now(station.clock).date())
    finally:
        store.close()
    today.refresh()
    qtbot.waitUntil(lambda: any(f.flag_type == "vital_signs" for f in today.data.view.red_flags), timeout=QT_WAIT_MS)
    row = next(i for i in range(today.flags.count()) if "Obs late" in today.flags.item(i).text())
    today.flags.setCurrentRow(row)
    assert today.incident_btn.isEnabled()
    today.incident_btn.click()
    assert station.window.current_screen() is inc
    form = inc.report
    qtbot.waitUntil(lambda: form.form is not None, timeout=QT_WAIT_MS)
    assert form.category.currentData() == "infrastructure_staffing" and form.link_label.isVisible()
    form.time_edit.setText(local_now(station.clock).strftime("%H:%M"))
    form.date_edit.setText(local_now(station.clock).date().isoformat())
    form.submit()
    qtbot.waitUntil(lambda: "Reported as" in form.saved_label.text(), timeout=QT_WAIT_MS)
    ref = form.saved_label.text().split("Reported as ")[1].split(".")[0]
    qtbot.waitUntil(lambda: any(f.incident_ref == ref for f in today.data.view.red_flags), timeout=QT_WAIT_MS)
    line = next(today.flags.item(i).text() for i in range(today.flags.count()) if "Obs late" in today.flags.item(i).text())
    assert f"reported as incident {ref}" in line
