"""Render the ward station's screens into docs/screenshots/*.png, as on a ward PC (issue 12).

    xvfb-run -s "-screen 0 1024x768x24" .venv/bin/python tools/screenshots.py --platform xcb
    xvfb-run -s "-screen 0 1366x768x24" .venv/bin/python tools/screenshots.py --platform xcb --text 150 --suffix -150
    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/screenshots.py [--out docs/screenshots]

Under a real X server (Xvfb) the window opens maximised on the screen's size, as on a ward PC;
offscreen it is sized 1024x768. ``--text 150`` makes every font half as big again (a PC set to
150% text).

Uses a fresh demo trust in a temporary folder; on Ward 7's current shift it records one
registered nurse short and a escalated red flag (as in DESIGN.md's sketch), so Today shows
a state worth seeing. Nothing outside the temporary folder is written except the PNGs.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hardtruths_desktop.domain.clock import Clock, FixedClock

SIZE = (1024, 768)
SCREENSHOT_MOMENT = (2026, 11, 24, 10, 0)  # an ordinary Tuesday morning, Europe/London


def _until(cond: Callable[[], bool], timeout: float = 30.0) -> None:
    from PySide6.QtCore import QCoreApplication, QEventLoop

    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise TimeoutError("screen did not get ready")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def _prepare_store(data_dir: Path, clock: Clock) -> None:
    from hardtruths_desktop.demo import create_demo
    from hardtruths_desktop.domain.clock import ward_now
    from hardtruths_desktop.domain.staffing import current_shift
    from hardtruths_desktop.store import board, shifts
    from hardtruths_desktop.store.queries import find_staff, shift_view, ward_info, ward_row
    from hardtruths_desktop.store.session import Actor, Store

    store = Store(data_dir, clock)
    create_demo(store)
    with store.read() as s:
        ward = ward_row(s, "W7")
        aisha = find_staff(s, ward.id, "Aisha Rahman")
        now = ward_now(clock)
        cur = current_shift(ward_info(s, ward).patterns, now)
        assert cur is not None
        d, p = cur
        rn = shift_view(s, ward, d, p.code).groups["rn"]
    with store.write(Actor(aisha.id, aisha.name)) as tx:
        per_head = rn.planned_hours / max(rn.planned, 1)
        change = shifts.ShiftChange(groups={"rn": {"actual": rn.planned - 1, "actual_hours": per_head * (rn.planned - 1)}},
                                    nurse_in_charge_id=aisha.id)
        on_duty = [x.id for x in board.on_duty(tx.session, ward, d, p.code)]
        board.set_on_duty(tx, ward.id, d, p.code, sorted({*on_duty, aisha.id}), now.date())  # the nurse in charge is on duty
        shifts.save_shift(tx, ward.id, d, p.code, change, now.date())
        flag = shifts.raise_red_flag(tx, ward, d, p.code, "pain_relief_delay", "Bay 2: analgesia 40 minutes late", now.date())
        shifts.escalate_red_flag(tx, flag.id, "Matron James Okafor")
    store.close()


def shoot(out: Path, text_percent: int = 100, suffix: str = "") -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from ui.app import setup_app
    from ui.main_window import MainWindow
    from ui.worker import StoreWorker

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    setup_app(app)
    if text_percent != 100:  # the PC's text size setting
        f = app.font()
        f.setPointSizeF(f.pointSizeF() * text_percent / 100)
        app.setFont(f)
    real_screen = os.environ.get("QT_QPA_PLATFORM") != "offscreen"
    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        clock = FixedClock.london(*SCREENSHOT_MOMENT)  # the same pictures whatever day they are taken
        _prepare_store(data_dir, clock)
        worker = StoreWorker(data_dir, clock)
        win = MainWindow(worker)
        if real_screen:  # what a ward PC shows the first time: maximised (Xvfb has no window manager to do it)
            screen = app.primaryScreen()
            win.setGeometry(screen.availableGeometry())
            win.show()
            win.raise_()
            win.activateWindow()  # focus changes (and scrolling to the focused field) need an active window
        else:
            win.resize(*SIZE)
            win.show()
        win.start()

        def grab(name: str) -> None:
            _until(lambda: worker.pending == 0)
            for _ in range(5):
                app.processEvents()
            path = out / f"{name}{suffix}.png"
            win.grab().save(str(path))
            saved.append(path)

        def sign_in(name: str) -> None:
            _until(lambda: win.stack.currentWidget() is win.sign_in and win.sign_in.name_box.count() > 1)
            win.sign_in.choose(name, "W7")
            win.sign_in.pin_edit.setText("2580")
            win.sign_in.submit()
            _until(lambda: win.ctx.user is not None and win.today.data is not None)

        _until(lambda: win.stack.currentWidget() is win.sign_in and win.sign_in.name_box.count() > 1)
        win.sign_in.choose("Aisha Rahman", "W7")
        win.sign_in.pin_edit.setText("1234")
        win.sign_in.submit()
        _until(lambda: win.sign_in.message.isVisible())
        grab("sign-in")

        sign_in("Mary O'Neill")
        row = next((i for i in range(win.today.flags.count()) if "Pain relief" in win.today.flags.item(i).text()), 0)
        win.today.flags.setCurrentRow(row)
        grab("today")

        win.today.update_btn.click()
        _until(lambda: win.staffing.data is not None and win.staffing.on_duty.data is not None and worker.pending == 0)
        grab("staffing")
        form = win.staffing
        from PySide6.QtTest import QTest

        for edit, typed in ((form.rows["care"].edits["actual_hours"], "lots"), (form.patients_edit, "60")):
            edit.selectAll()
            QTest.keyClicks(edit, typed)  # typed, as a nurse would (programmatic text is not "changed")
        form.save()
        grab("staffing-errors")
        form.revert()
        _until(lambda: worker.pending == 0)
        form.note_edit.setFocus()  # the lower half: note, who is on duty, red flags (scrolled into view)
        form.on_duty.list.setFocus()  # Alt+U: the whole tick list is scrolled into view (FocusScroller)
        if not real_screen:  # offscreen windows are never active, so no focus change is reported there
            win.focus_scroller.bring_into_view(form.on_duty.list)
        grab("staffing-on-duty")
        # issue 12: typed figures kept as the nurse's draft, offered back (here after the station
        # started over for her, as after a restart) and marked "Unsaved draft"
        rn_actual = form.rows["rn"].edits["actual"]
        rn_actual.setFocus()
        rn_actual.selectAll()
        QTest.keyClicks(rn_actual, "6")
        form.keep_draft()
        _until(lambda: worker.pending == 0)
        form.start_over()
        _until(lambda: worker.pending == 0 and form.draft_label.isVisible())
        from PySide6.QtWidgets import QScrollArea

        rn_actual.setFocus()
        for area in form.findChildren(QScrollArea):
            area.verticalScrollBar().setValue(0)  # the top of the form, as it opens
        grab("staffing-draft")
        form.revert()  # Esc: the draft is thrown away
        _until(lambda: worker.pending == 0)

        win.show_screen(win.month)
        _until(lambda: win.month.model.rowCount() > 0)
        win.month.table.selectRow(0)
        grab("month")

        win.show_screen(win.setup)
        _until(lambda: win.setup.staff_model.rowCount() > 0)
        grab("ward-setup")
        win.setup.tabs.setCurrentIndex(2)
        grab("ward-setup-establishment")
        win.setup.tabs.setCurrentIndex(win.setup.tabs.count() - 1)
        _until(lambda: win.setup.trust_server.data is not None)
        grab("ward-setup-trust-server")

        _print_centre_shots(app, win, worker, grab, out, saved, sign_in, suffix)

        win.close()
        worker.stop()
        win.deleteLater()
        worker.deleteLater()
        app.processEvents()
    return saved


def _print_centre_shots(app: Any, win: Any, worker: Any, grab: Callable[[str], None], out: Path, saved: list[Path],
                        sign_in: Callable[[str], None], suffix: str) -> None:
    """Issue 4: the Print tab's preview, the board display, Beds and Ward setup > Contacts."""
    from PySide6.QtPdf import QPdfDocument

    pc = win.print_centre
    win.show_screen(pc)
    _until(lambda: pc.pdf_bytes is not None and pc.document.status() == QPdfDocument.Status.Ready and pc.tasks.pending == 0)
    grab("print-preview")

    pc.open_board_display()  # signs the ward sister out (issue 12)
    bd = pc.board_display
    if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        bd.showNormal()  # the offscreen "screen" is not a real one: shoot at a 16:9 entrance screen's shape
        bd.resize(1280, 720)
    else:  # Xvfb has no window manager to make it full screen: give it the whole screen
        bd.setGeometry(app.primaryScreen().geometry())
    _until(lambda: bd.nurse_in_charge != "" and bd.tasks.pending == 0 and worker.pending == 0)
    bd.refresh()
    _until(lambda: bd.tasks.pending == 0 and worker.pending == 0)
    app.processEvents()
    path = out / f"board-display{suffix}.png"
    bd.grab().save(str(path))
    saved.append(path)
    bd.close()  # the station is on its sign-in page behind the board
    _until(lambda: win.stack.currentWidget() is win.sign_in)
    sign_in("Mary O'Neill")

    win.show_screen(win.beds)
    _until(lambda: win.beds.model.rowCount() > 0)
    win.beds.select_bed("11")
    grab("beds")

    win.show_screen(win.setup)
    win.setup.tabs.setCurrentIndex(3)  # Contacts
    _until(lambda: win.setup.contacts.data is not None)
    grab("contacts")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "docs" / "screenshots")
    p.add_argument("--platform", default=None, help="Qt platform: xcb under Xvfb (a real X server), else offscreen")
    p.add_argument("--text", type=int, default=100, help="text size in percent (150: a PC set to 150%% text)")
    p.add_argument("--suffix", default="", help="added to every file name, e.g. -150")
    args = p.parse_args()
    if args.platform:
        os.environ["QT_QPA_PLATFORM"] = args.platform
    for path in shoot(args.out, args.text, args.suffix):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
