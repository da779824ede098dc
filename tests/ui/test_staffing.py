from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from sqlmodel import select
from support.clocks import SUITE_TODAY
from support.qt_waits import QT_WAIT_MS

from hardtruths_desktop.store.tables import Outbox

Station = Any  # tests/ui/conftest.py: the main window and helpers


def _open_form(station: Station) -> Any:
    """From Today, press Enter: the current shift opens in the form with the cursor on RN actual."""
    w = station.window
    with station.qtbot.waitSignal(w.staffing.loaded, timeout=QT_WAIT_MS):
        station.qtbot.keyClick(w.today.update_btn, Qt.Key.Key_Return)
    assert w.current_screen() is w.staffing
    return w.staffing


def _today_row(station: Station, code: str) -> Any:
    m = station.window.today.model
    return next(m.row_at(i) for i in range(m.rowCount()) if m.row_at(i).payload == code)


def test_record_shift_with_keyboard_and_see_it_on_today(station: Station) -> None:
    station.sign_in("Aisha Rahman")
    form = _open_form(station)
    first = form.rows["rn"].edits["actual"]
    assert first.hasFocus()
    planned = int(form.rows["rn"].edits["planned"].text())
    planned_h = float(form.rows["rn"].edits["planned_hours"].text())
    # type one nurse fewer than planned; the hours fill in at the planned hours per person
    station.qtbot.keyClicks(first, str(planned - 1))
    assert float(form.rows["rn"].edits["actual_hours"].text()) == round((planned - 1) * planned_h / planned, 2)
    station.qtbot.keyClick(first, Qt.Key.Key_Tab)  # -> planned hours
    station.qtbot.keyClick(form.focusWidget(), Qt.Key.Key_Tab)  # -> actual hours
    assert form.focusWidget() is form.rows["rn"].edits["actual_hours"]
    form.note_edit.setFocus()
    station.qtbot.keyClicks(form.note_edit, "Staff nurse off sick, bank requested")
    with station.qtbot.waitSignal(form.saved, timeout=QT_WAIT_MS):
        station.qtbot.keyClick(form.note_edit, Qt.Key.Key_Return)
    w = station.window
    w.show_screen(w.today)
    station.qtbot.waitUntil(lambda: _today_row(station, "rn").cells[2] == str(planned - 1), timeout=QT_WAIT_MS)
    status = _today_row(station, "rn").cells[6]
    assert "below plan (1 short)" in status.lower()  # with RN 1 short this is also a red flag
    assert "Aisha Rahman" in w.today.saved.text()

    from hardtruths_desktop.store.tables import Shift

    assert w.today.data is not None
    sid = w.today.data.view.shift_id
    row = station.read(lambda s: s.get(Shift, sid))
    assert row.notes == "Staff nurse off sick, bank requested"
    assert row.updated_by == w.ctx.user.id


def test_bad_input_is_shown_beside_the_field_keeps_text_and_writes_nothing(station: Station, outbox_count: Any) -> None:
    station.sign_in("Aisha Rahman")
    form = _open_form(station)
    before = outbox_count(station)
    hours = form.rows["care"].edits["actual_hours"]
    hours.selectAll()
    station.qtbot.keyClicks(hours, "lots")
    station.qtbot.keyClick(hours, Qt.Key.Key_Return)
    err = form.rows["care"].error
    assert err.isVisible() and "number of hours" in err.text()
    assert hours.text() == "lots" and hours.property("invalid") is True
    assert hours.hasFocus()

    # a problem only the core can see (too many patients for the beds) comes back beside its field
    hours.selectAll()
    station.qtbot.keyClicks(hours, "1")  # valid whatever the demo drew for this shift
    form.patients_edit.setFocus()
    form.patients_edit.selectAll()
    station.qtbot.keyClicks(form.patients_edit, "60")
    station.qtbot.keyClick(form.patients_edit, Qt.Key.Key_Return)
    station.qtbot.waitUntil(lambda: form.patients_error.isVisible(), timeout=QT_WAIT_MS)
    assert "60 patients" in form.patients_error.text()
    assert form.patients_edit.text() == "60" and hours.text() == "1"
    assert not err.isVisible()
    station.idle()
    assert outbox_count(station) == before

    # Esc puts back what is stored
    station.qtbot.keyClick(form.patients_edit, Qt.Key.Key_Escape)
    assert form.patients_edit.text() != "60" and not form.patients_error.isVisible()


def test_nurse_in_charge_must_be_on_duty(station: Station, outbox_count: Any) -> None:
    station.sign_in("Aisha Rahman")
    form = _open_form(station)
    before = outbox_count(station)
    form.nic_box.setCurrentIndex(1)
    rn = form.rows["rn"]
    rn.edits["actual"].selectAll()
    station.qtbot.keyClicks(rn.edits["actual"], "0")
    station.qtbot.keyClick(rn.edits["actual"], Qt.Key.Key_Return)
    station.qtbot.waitUntil(lambda: form.nic_error.isVisible(), timeout=QT_WAIT_MS)
    assert "must be on duty" in form.nic_error.text()
    assert rn.edits["actual"].text() == "0"
    station.idle()
    assert outbox_count(station) == before


def test_unexpected_error_is_shown_plainly_and_keeps_typed_text(station: Station, monkeypatch: Any) -> None:
    from hardtruths_desktop.store import shifts
    from ui.dialogs.messages import Notice

    shown: list[str] = []
    monkeypatch.setattr(Notice, "error", classmethod(lambda cls, parent, title, text: shown.append(text)))

    def boom(*a: Any, **k: Any) -> bool:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(shifts, "save_shift", boom)
    station.sign_in("Aisha Rahman")
    form = _open_form(station)
    form.note_edit.setFocus()
    station.qtbot.keyClicks(form.note_edit, "keep me")
    station.qtbot.keyClick(form.note_edit, Qt.Key.Key_Return)
    station.qtbot.waitUntil(lambda: bool(shown), timeout=QT_WAIT_MS)
    assert "not saved" in shown[0].lower() and "disk on fire" not in shown[0]
    assert form.note_edit.text().endswith("keep me")
    assert form.save_btn.isEnabled()


def test_raise_escalate_resolve_red_flag(station: Station, monkeypatch: Any) -> None:
    from ui.dialogs.red_flags import EscalateDialog, RaiseFlagDialog, ResolveDialog

    monkeypatch.setattr(RaiseFlagDialog, "ask", classmethod(lambda cls, parent, label: ("pain_relief_delay", "Bay 3, 45 minutes")))
    monkeypatch.setattr(EscalateDialog, "ask", classmethod(lambda cls, parent, label: "Matron James Okafor"))
    monkeypatch.setattr(ResolveDialog, "ask", classmethod(lambda cls, parent, label: "Bank nurse arrived"))
    station.sign_in("Aisha Rahman")
    today = station.window.today

    def flag_texts() -> list[str]:
        return [today.flags.item(i).text() for i in range(today.flags.count())]

    today.raise_btn.click()
    station.qtbot.waitUntil(lambda: any("Pain relief delayed" in t for t in flag_texts()), timeout=QT_WAIT_MS)
    assert today.banner.property("status") == "bad" and "red flag" in today.banner.text()
    assert "not escalated yet" in next(t for t in flag_texts() if "Pain relief" in t)
    assert "raised by Aisha Rahman" in next(t for t in flag_texts() if "Pain relief" in t)

    row = next(i for i, t in enumerate(flag_texts()) if "Pain relief" in t)
    today.flags.setCurrentRow(row)
    assert today.escalate_btn.isEnabled()
    today.escalate_btn.click()
    station.qtbot.waitUntil(lambda: any("escalated to Matron James Okafor" in t for t in flag_texts()), timeout=QT_WAIT_MS)
    row = next(i for i, t in enumerate(flag_texts()) if "Pain relief" in t)
    today.flags.setCurrentRow(row)
    today.resolve_btn.click()
    station.qtbot.waitUntil(lambda: any("resolved: Bank nurse arrived" in t for t in flag_texts()), timeout=QT_WAIT_MS)


def test_today_model_passes_modeltester(station: Station, qtmodeltester: Any) -> None:
    station.sign_in("Aisha Rahman")
    assert station.window.today.model.rowCount() >= 2
    qtmodeltester.check(station.window.today.model)


def test_only_the_figures_the_nurse_changed_are_sent(station: Station) -> None:
    """A figure another station changed meanwhile (pulled into the open form) is not sent back."""
    station.sign_in("Aisha Rahman")
    form = _open_form(station)
    station.qtbot.waitUntil(lambda: form.data is not None and form.data.view.recorded, timeout=QT_WAIT_MS)
    form.note_edit.selectAll()
    station.qtbot.keyClicks(form.note_edit, "Only the note changed")
    change = form._change(*form.gather()[:2])
    assert change.notes == "Only the note changed"
    assert change.groups == {}
    from hardtruths_desktop.store.shifts import KEEP

    assert change.nurse_in_charge_id is KEEP and change.patients_at_midnight is KEEP


def test_first_record_of_a_shift_sends_only_what_was_typed(station: Station) -> None:
    """Untouched defaults (a blank bank/agency, no note) must not travel as if typed: on another
    station the same shift may have been recorded with real values (SYNC.md 3.6)."""
    import json
    from datetime import timedelta

    station.sign_in("Aisha Rahman")
    w = station.window
    w.show_screen(w.staffing)
    form = w.staffing
    day = SUITE_TODAY - timedelta(days=200)  # before the demo's history: never recorded (who came is refused ahead of time)
    with station.qtbot.waitSignal(form.loaded, timeout=QT_WAIT_MS):
        form.open_shift(day, "early")
    station.qtbot.waitUntil(lambda: form.data is not None and not form.data.view.recorded, timeout=QT_WAIT_MS)
    for code, n in (("rn", "4"), ("care", "2")):
        edit = form.rows[code].edits["actual"]
        edit.selectAll()
        station.qtbot.keyClicks(edit, n)
    station.qtbot.keyClick(form.rows["care"].edits["actual"], Qt.Key.Key_Return)
    station.idle()
    rows = station.read(lambda s: s.exec(select(Outbox).where(Outbox.entity == "shift").order_by(Outbox.client_seq.desc())).first())
    payload = json.loads(rows.payload)
    assert rows.op == "create" and payload["groups.rn.actual"] == 4 and payload["groups.care.actual"] == 2
    assert "groups.rn.bank_agency" not in payload and "notes" not in payload and "nurse_in_charge_id" not in payload
    assert payload["staffing_recorded"] is True
