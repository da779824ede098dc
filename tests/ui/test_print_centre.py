"""Print centre, board display, Beds, Contacts and who is on duty, driven like a ward sister would,
on the real demo store (tests/ui/conftest.py). Nothing sleeps: tests wait for signals/conditions."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from support.qt_waits import QT_WAIT_MS

Station = Any  # tests/ui/conftest.py


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def open_print(station: Station, who: str = "Mary O'Neill") -> Any:
    from PySide6.QtPdf import QPdfDocument

    station.sign_in(who)
    w = station.window
    w.show_screen(w.print_centre)
    pc = w.print_centre
    station.qtbot.waitUntil(lambda: pc.pdf_bytes is not None and pc.document.status() == QPdfDocument.Status.Ready,
                            timeout=QT_WAIT_MS)
    return pc


def write(station: Station, op: Any) -> None:
    """A write through the station's own store worker (so ``changes_applied`` fires, as in use)."""
    done: list[Any] = []
    errors: list[BaseException] = []
    if station.window.ctx.user is None:  # e.g. behind the board display: as another station or IT would
        from hardtruths_desktop.store.session import Actor

        station.worker.write(Actor.command_line(), op, done.append, errors.append)
    else:
        station.window.ctx.write(op, done.append, errors.append)
    station.qtbot.waitUntil(lambda: bool(done or errors), timeout=QT_WAIT_MS)
    assert not errors, errors


def current_shift_key(station: Station) -> tuple[Any, str]:
    data = station.window.today.data
    assert data is not None
    return data.view.date, data.view.shift_code


def set_nurse_in_charge(station: Station, name: str) -> None:
    from hardtruths_desktop.store.queries import find_staff, ward_row
    from hardtruths_desktop.store.shifts import ShiftChange, save_shift

    d, code = current_shift_key(station)

    def op(tx: Any) -> None:
        from hardtruths_desktop.store import board

        ward = ward_row(tx.session, "W7")
        person = find_staff(tx.session, ward.id, name)
        team = [s.id for s in board.on_duty(tx.session, ward, d, code)]
        if team and person.id not in team:  # the nurse in charge must be ticked on duty
            board.set_on_duty(tx, ward, d, code, [*team, person.id], tx.today)
        save_shift(tx, ward, d, code, ShiftChange(nurse_in_charge_id=person.id), tx.today)

    write(station, op)


def test_print_tab_previews_this_shifts_board(station: Station) -> None:
    from PySide6.QtPdf import QPdfDocument

    pc = open_print(station)
    assert pc.prepared is not None and pc.prepared.request.document == "board"
    assert pc.document.status() == QPdfDocument.Status.Ready
    assert pc.document.pageCount() >= 1
    assert pc.print_btn.isEnabled() and pc.save_btn.isEnabled()
    assert not pc.message.isVisible()
    assert "Ready to print: Who's in charge" in pc.status.text()
    # another paper size re-renders by itself
    with station.qtbot.waitSignal(pc.rendered, timeout=QT_WAIT_MS):
        pc.size_box.setCurrentIndex(pc.size_box.findData("a3"))
    assert pc.prepared.request.size == "a3"


def test_save_as_pdf_writes_the_board_with_the_nurse_in_charge(station: Station, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from ui.views.print_centre import PrintDialogs

    pc = open_print(station)
    set_nurse_in_charge(station, "Tomasz Kowalczyk")  # so the next change is a change, whatever the demo drew
    station.qtbot.waitUntil(lambda: pc.prepared is not None and pc.prepared.view.shift.nurse_in_charge == "Tomasz Kowalczyk",
                            timeout=QT_WAIT_MS)
    with station.qtbot.waitSignal(pc.rendered, timeout=QT_WAIT_MS):
        set_nurse_in_charge(station, "Aisha Rahman")
    assert pc.prepared is not None and pc.prepared.view.shift.nurse_in_charge == "Aisha Rahman"
    folder = tmp_path / "saved"
    folder.mkdir()
    out = folder / "ward board"  # no suffix typed: .pdf is added
    asked: list[str] = []
    monkeypatch.setattr(PrintDialogs, "ask_save_path", classmethod(lambda cls, parent, suggested: asked.append(suggested) or out))
    with station.qtbot.waitSignal(pc.saved, timeout=QT_WAIT_MS) as blocker:
        pc.save_btn.click()
    saved = blocker.args[0]
    assert saved == folder / "ward board.pdf"
    # the next Save opens in the folder used last (remembered in the station's data folder)
    monkeypatch.setattr(PrintDialogs, "ask_save_path", classmethod(
        lambda cls, parent, suggested: asked.append(cls.last_folder) or None))
    pc.save_btn.click()
    assert asked[-1] == str(folder)
    assert asked and asked[0].endswith(".pdf") and "who's" not in asked[0]  # a safe file name
    text = pdf_text(saved.read_bytes())
    assert "Aisha Rahman" in text
    assert [p.name for p in folder.iterdir()] == ["ward board.pdf"]  # no temporary file left behind


def test_poster_without_contacts_says_what_is_missing(station: Station) -> None:
    from hardtruths_desktop.store import board
    from hardtruths_desktop.store.queries import ward_row

    pc = open_print(station)

    def blank(tx: Any) -> None:
        ward = ward_row(tx.session, "W7")
        board.set_trust_contacts(tx, ward.trust_id, {"pals_phone": "", "healthwatch_web": "", "details_checked_on": None})

    write(station, blank)
    with station.qtbot.waitSignal(pc.failed, timeout=QT_WAIT_MS) as blocker:
        pc.select_document("poster")
    message = blocker.args[0]
    assert "PALS phone number" in message and "local Healthwatch website" in message
    assert "Ward setup > Contacts" in message
    assert "Traceback" not in message
    assert pc.message.isVisible() and "PALS phone number" in pc.message.text()
    assert pc.pdf_bytes is None and pc.document.pageCount() == 0
    assert not pc.print_btn.isEnabled() and not pc.save_btn.isEnabled()
    assert pc.large_print.isVisible() and not pc.shift_box.isVisible()


def test_team_sheet_with_nobody_on_duty_says_so(station: Station) -> None:
    from PySide6.QtCore import QDate

    pc = open_print(station)
    pc.select_document("team")
    with station.qtbot.waitSignal(pc.failed, timeout=QT_WAIT_MS) as blocker:
        pc.date_edit.setDate(QDate.currentDate().addDays(20))
    assert "Nobody is marked on duty" in blocker.args[0]


def test_print_through_a_pdf_printer(station: Station, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pypdf import PdfReader
    from PySide6.QtPrintSupport import QPrinter

    from ui.views.print_centre import PrintDialogs

    pc = open_print(station)
    out = tmp_path / "printed.pdf"

    def ask(cls: Any, parent: Any, printer: QPrinter, pages: int) -> bool:
        assert pages >= 1 and printer.docName().startswith("Who's in charge")
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)  # no real printer needed
        printer.setOutputFileName(str(out))
        return True

    monkeypatch.setattr(PrintDialogs, "ask_printer", classmethod(ask))
    with station.qtbot.waitSignal(pc.printed, timeout=QT_WAIT_MS) as blocker:
        pc.print_btn.click()  # the second click (the dialog's Print) is the monkeypatched dialog
    assert blocker.args[0] == pc.document.pageCount()
    assert out.stat().st_size > 10_000 and out.read_bytes().startswith(b"%PDF")
    assert len(PdfReader(out).pages) == pc.document.pageCount()
    assert "Printed 1 page to the file" in pc.status.text()  # a PDF printer: not "collect it from the printer"
    assert "Collect it" not in pc.status.text()


def test_board_display_follows_staffing_changes(station: Station) -> None:
    pc = open_print(station)
    set_nurse_in_charge(station, "Tomasz Kowalczyk")  # so the next change is a change, whatever the demo drew
    station.qtbot.waitUntil(lambda: pc.prepared is not None and pc.prepared.view.shift.nurse_in_charge == "Tomasz Kowalczyk",
                            timeout=QT_WAIT_MS)
    pc.board_btn.click()
    bd = pc.board_display
    assert bd is not None and bd.isFullScreen()
    # issue 12: nobody stays signed in behind the board
    assert station.window.ctx.user is None and station.window.stack.currentWidget() is station.window.sign_in
    with station.qtbot.waitSignal(bd.updated, timeout=QT_WAIT_MS):
        set_nurse_in_charge(station, "Aisha Rahman")
    station.qtbot.waitUntil(lambda: bd.nurse_in_charge == "Aisha Rahman", timeout=QT_WAIT_MS)
    assert "Aisha Rahman" in bd.windowTitle()
    assert bd.picture.pixmap() is not None and not bd.picture.pixmap().isNull()
    assert "Nurse in charge: Aisha Rahman" in bd.picture.accessibleDescription()

    others = station.read(lambda s: [p.name for p in __import__("hardtruths_desktop.store.queries", fromlist=["x"]).list_staff(
        s, station.window.ctx.ward_id) if p.role == "rn" and p.name != "Aisha Rahman" and p.title != "Matron"])
    set_nurse_in_charge(station, others[0])
    station.qtbot.waitUntil(lambda: bd.nurse_in_charge == others[0], timeout=QT_WAIT_MS)
    assert others[0] in bd.windowTitle()

    # the clock refresh runs the same path
    with station.qtbot.waitSignal(bd.updated, timeout=QT_WAIT_MS):
        bd.clock.timeout.emit()

    # Esc leaves the board and locks the station: a PIN is needed to carry on
    from PySide6.QtCore import Qt

    station.qtbot.keyClick(bd, Qt.Key.Key_Escape)
    station.qtbot.waitUntil(lambda: not bd.isVisible(), timeout=QT_WAIT_MS)
    station.qtbot.waitUntil(lambda: station.window.ctx.user is None, timeout=QT_WAIT_MS)
    assert station.window.stack.currentWidget() is station.window.sign_in


def test_bed_edit_saves_and_shows(station: Station, qtmodeltester: Any) -> None:
    from hardtruths_desktop.store.beds import list_beds
    from hardtruths_desktop.store.queries import ward_row

    station.sign_in("Aisha Rahman")
    w = station.window
    w.show_screen(w.beds)
    beds = w.beds
    station.qtbot.waitUntil(lambda: beds.model.rowCount() > 5, timeout=QT_WAIT_MS)
    qtmodeltester.check(beds.model)
    assert "only what the patient agreed to" in beds.note.text()
    assert beds.select_bed("3")
    beds.name_edit.clear()
    station.qtbot.keyClicks(beds.name_edit, "Peggy Sue")
    beds.instructions_edit.setText("Likes the window open")
    with station.qtbot.waitSignal(beds.loaded, timeout=QT_WAIT_MS):
        beds.save_btn.click()
    row = next(beds.model.row_at(i) for i in range(beds.model.rowCount()) if beds.model.row_at(i).cells[0] == "3")
    assert row.cells[2] == "Peggy Sue" and row.cells[5] == "Likes the window open"
    assert "Bed 3 saved" in beds.saved_label.text()
    d, code = current_shift_key(station)
    stored = station.read(lambda s: {b.label: b for b in list_beds(s, ward_row(s, "W7"), d, code)})
    assert stored["3"].preferred_name == "Peggy Sue"

    # a named nurse for this shift
    from PySide6.QtCore import Qt

    i = beds.nurse_box.findText("Aisha Rahman", flags=Qt.MatchFlag.MatchStartsWith)
    assert i > 0
    beds.nurse_box.setCurrentIndex(i)
    with station.qtbot.waitSignal(beds.loaded, timeout=QT_WAIT_MS):
        beds.save_btn.click()
    stored = station.read(lambda s: {b.label: b for b in list_beds(s, ward_row(s, "W7"), d, code)})
    assert stored["3"].named_nurse == "Aisha Rahman"

    # an occupied bed needs a name: the core's message appears beside the field
    beds.name_edit.clear()
    beds.save_btn.click()
    err = beds.errors.fields["preferred_name"][1]
    station.qtbot.waitUntil(err.isVisible, timeout=QT_WAIT_MS)
    assert "name the patient wants to be called" in err.text()

    # a new bed
    beds.clear_form()
    station.qtbot.keyClicks(beds.label_edit, "Side room 9")
    n = beds.model.rowCount()
    with station.qtbot.waitSignal(beds.loaded, timeout=QT_WAIT_MS):
        beds.save_btn.click()
    assert beds.model.rowCount() == n + 1
    qtmodeltester.check(beds.model)


def test_contacts_page_saves_and_checks(station: Station) -> None:
    from hardtruths_desktop.store import board
    from hardtruths_desktop.store.queries import ward_row

    station.sign_in("Mary O'Neill")
    w = station.window
    w.show_screen(w.setup)
    page = w.setup.contacts
    w.setup.tabs.setCurrentIndex(3)  # Contacts (each section sits in a scroll area)
    station.qtbot.waitUntil(lambda: page.data is not None, timeout=QT_WAIT_MS)
    assert "✓" in page.poster_state.text()
    assert page.key_table.rowCount() == 5
    page.edits["pals_phone"].setText("0300 555 0999")
    page.matron_edit.setText("Grace Mensah (bleep 1234)")
    page.add_key_line("Purple", "#7C2855", "Matron")
    with station.qtbot.waitSignal(page.saved, timeout=QT_WAIT_MS):
        page.save_btn.click()

    def read(s: Any) -> tuple[str, str, list[dict[str, str]]]:
        ward = ward_row(s, "W7")
        row = board.trust_contacts(s, ward.trust_id)
        return row.pals_phone, board.ward_board(s, ward).matron, board.uniform_key(row)

    phone, matron, key = station.read(read)
    assert phone == "0300 555 0999" and matron == "Grace Mensah (bleep 1234)"
    assert key[-1] == {"colour_name": "Purple", "colour_hex": "#7C2855", "role": "Matron"}

    # a bad colour code is named beside the uniform key; nothing is saved
    page.add_key_line("Pink", "pink", "Student")
    page.save_btn.click()
    err = page.errors.fields["uniform_key"][1]
    station.qtbot.waitUntil(err.isVisible, timeout=QT_WAIT_MS)
    assert "#RRGGBB" in err.text()


def test_tick_who_is_on_duty(station: Station) -> None:
    from PySide6.QtCore import Qt

    from hardtruths_desktop.store import board
    from hardtruths_desktop.store.queries import ward_row

    station.sign_in("Aisha Rahman")
    w = station.window
    w.show_screen(w.staffing)
    box = w.staffing.on_duty
    station.qtbot.waitUntil(lambda: box.data is not None and box.list.count() > 3, timeout=QT_WAIT_MS)
    before = set(box.ticked())
    names = [box.list.item(i).text().split(" – ")[0] for i in range(box.list.count())]
    new = next(n for i, n in enumerate(names) if box.list.item(i).data(Qt.ItemDataRole.UserRole) not in before)
    box.tick(new)
    assert "not saved yet" in box.count.text()
    with station.qtbot.waitSignal(w.staffing.saved, timeout=QT_WAIT_MS, raising=False) as blocker:
        w.staffing.save_btn.click()  # the ticks are saved with the shift (issue 12)
    assert blocker.signal_triggered, (box.error.text(), box.count.text())
    d, code = current_shift_key(station)
    on = station.read(lambda s: {p.name for p in board.on_duty(s, ward_row(s, "W7"), d, code)})
    assert new in on and len(on) == len(before) + 1
