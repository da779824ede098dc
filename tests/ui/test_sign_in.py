from __future__ import annotations

from typing import Any

from support.qt_waits import QT_WAIT_MS

Station = Any  # tests/ui/conftest.py: the main window and helpers


def test_wrong_pin_then_right_pin(station: Station) -> None:
    station.type_pin("Aisha Rahman", "1111")
    msg = station.window.sign_in.message
    assert msg.isVisible()
    assert "Wrong PIN" in msg.text() and "4 tries left" in msg.text()
    assert station.window.ctx.user is None
    station.sign_in("Aisha Rahman", "2580")
    w = station.window
    assert w.stack.currentWidget() is w.tabs
    assert "Aisha Rahman" in w.user_label.text()
    assert "Ward 7 - Elderly Care" in w.ward_label.text()
    station.qtbot.waitUntil(lambda: "waiting" in w.sync_label.text(), timeout=QT_WAIT_MS)
    assert "Not connected to the trust server yet" in w.sync_label.text()
    # a non-manager cannot open ward setup
    assert not w.tabs.isTabEnabled(3)


def test_lock_out_after_five_wrong_pins(station: Station) -> None:
    for _ in range(5):
        station.type_pin("Tomasz Kowalczyk", "1357")
    text = station.window.sign_in.message.text()
    assert "locked for 15 minutes" in text
    station.type_pin("Tomasz Kowalczyk", "2580")  # even the right PIN is refused while locked
    assert "locked" in station.window.sign_in.message.text()
    assert station.window.ctx.user is None


def test_switch_user_and_idle_lock(make_station: Any, demo_dir: Any) -> None:
    st: Station = make_station(demo_dir, idle_ms=300)
    st.sign_in("Aisha Rahman")
    with st.qtbot.waitSignal(st.window.locked, timeout=QT_WAIT_MS):
        pass  # no input: the idle timer locks the station
    w = st.window
    assert w.ctx.user is None and w.stack.currentWidget() is w.sign_in
    assert "without use" in w.sign_in.notice.text()
    assert w.sign_in.selected_staff() is not None and w.sign_in.selected_staff().name == "Aisha Rahman"
    st.sign_in("Aisha Rahman")
    w.switch_btn.click()
    assert w.ctx.user is None
    st.sign_in("Priya Sharma")
    assert "Priya Sharma" in w.user_label.text()


def test_onetime_code_then_choose_pin(station: Station, monkeypatch: Any) -> None:
    from PySide6.QtCore import Qt

    shown: list[str] = []
    name, code = _issue_code(station, monkeypatch, "Dylan Evans", shown)
    assert name == "Dylan Evans" and len(code) == 8
    assert shown and code[:4] in shown[0]
    w = station.window

    w.switch_btn.click()
    station.type_pin("Dylan Evans", code)
    page = w.sign_in
    assert page.new_pin_panel.isVisible() and w.ctx.user is None
    station.qtbot.keyClicks(page.new_pin1, "4826")
    station.qtbot.keyClicks(page.new_pin2, "4827")
    station.qtbot.keyClick(page.new_pin2, Qt.Key.Key_Return)
    assert "different" in page.message.text()
    station.qtbot.keyClicks(page.new_pin2, "4826")
    with station.qtbot.waitSignal(page.signed_in, timeout=QT_WAIT_MS):
        station.qtbot.keyClick(page.new_pin2, Qt.Key.Key_Return)
    assert w.ctx.user is not None and w.ctx.user.name == "Dylan Evans"
    w.switch_btn.click()
    station.sign_in("Dylan Evans", "4826")


def test_typed_figures_stay_for_the_same_nurse_but_not_for_the_next_one(station: Station) -> None:
    station.sign_in("Aisha Rahman")
    w = station.window
    w.show_screen(w.staffing)
    form = w.staffing
    station.qtbot.waitUntil(lambda: form.data is not None, timeout=QT_WAIT_MS)
    station.idle()  # the form's load for Aisha (her own draft, if any) has arrived
    stored = form.note_edit.text()
    form.note_edit.setText("typed by Aisha, not saved")
    w.lock("Locked after a while without use.")
    station.sign_in("Aisha Rahman")  # interrupted, comes back: her typing is still there
    assert form.note_edit.text() == "typed by Aisha, not saved"
    w.switch_btn.click()
    station.sign_in("Priya Sharma")  # someone else: the form shows what is stored
    assert form.note_edit.text() == stored


def test_choosing_a_pin_at_150_percent_text_on_a_small_screen_shows_its_instructions_whole(station: Station,
                                                                                           monkeypatch: Any) -> None:
    """At 150% text in a 1024x700 window (a ward PC's, under its taskbar), the new-PIN panel's two-line
    instructions were squeezed to one and a half lines by the sign-in button still shown above it (seen by hand,
    issue 13's session): the panel now takes the button's place."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication
    from test_small_screen import text_at_150_percent

    _name, code = _issue_code(station, monkeypatch, "Dylan Evans", [])
    w = station.window
    with text_at_150_percent():
        w.resize(1000, 700)
        w.switch_btn.click()
        station.type_pin("Dylan Evans", code)
        page = w.sign_in
        assert page.new_pin_panel.isVisible() and not page.sign_in_btn.isVisible()
        QApplication.processEvents()
        intro = page.new_pin_intro
        assert intro.height() >= intro.heightForWidth(intro.width()), (intro.height(), intro.heightForWidth(intro.width()))
        station.qtbot.keyClicks(page.new_pin1, "4826")
        station.qtbot.keyClicks(page.new_pin2, "4826")
        with station.qtbot.waitSignal(page.signed_in, timeout=QT_WAIT_MS):
            station.qtbot.keyClick(page.new_pin2, Qt.Key.Key_Return)
        assert not page.new_pin_panel.isVisible()
        w.switch_btn.click()
        assert page.sign_in_btn.isVisible() and not page.new_pin_panel.isVisible()


def _issue_code(station: Station, monkeypatch: Any, person: str, shown: list[str]) -> tuple[str, str]:
    """The ward sister (Mary O'Neill) issues ``person`` a one-time code in Ward setup: (name, code) as the screen
    signals them; the notice's texts are collected in ``shown``."""
    from ui.dialogs.messages import Notice

    monkeypatch.setattr(Notice, "info", classmethod(lambda cls, parent, title, text: shown.append(text)))
    station.sign_in("Mary O'Neill")
    w = station.window
    w.show_screen(w.setup)
    setup = w.setup
    station.qtbot.waitUntil(lambda: setup.staff_model.rowCount() > 5, timeout=QT_WAIT_MS)
    row = next(i for i in range(setup.staff_model.rowCount()) if setup.staff_model.row_at(i).cells[0] == person)
    setup.staff_table.selectRow(row)
    with station.qtbot.waitSignal(setup.code_issued, timeout=QT_WAIT_MS) as sig:
        setup.code_btn.click()
    name, code = sig.args
    return str(name), str(code)
