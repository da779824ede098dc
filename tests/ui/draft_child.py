"""A ward station GUI in its own process for the "draft survives a killed process" test: signs in,
opens the report form, types, waits until the draft is saved, says so on stdout, then waits to be
killed (SIGKILL: no clean-up code runs)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(data_dir: str, text: str) -> None:
    from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from ui.app import setup_app
    from ui.main_window import MainWindow
    from ui.worker import StoreWorker

    app = QApplication(sys.argv[:1])
    setup_app(app)
    from hardtruths_desktop.domain.clock import FixedClock

    worker = StoreWorker(Path(data_dir), FixedClock.london(2026, 11, 24, 14, 0))  # the suite's pinned "now" (support/clocks.py)
    win = MainWindow(worker)
    win.show()
    win.start()

    def until(cond: object, timeout: float = 60) -> None:
        end = time.monotonic() + timeout
        while not cond():  # type: ignore[operator]
            if time.monotonic() > end:
                raise TimeoutError
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)

    until(lambda: win.stack.currentWidget() is win.sign_in and win.sign_in.name_box.count() > 1)
    win.sign_in.choose("Aisha Rahman", "W7")
    win.sign_in.pin_edit.setText("2580")
    win.sign_in.submit()
    until(lambda: win.ctx.user is not None)
    win.show_screen(win.incidents)
    form = win.incidents.report
    until(lambda: form.form is not None)
    saved: list[bool] = []
    form.saved.connect(lambda: saved.append(True))
    form.description.setFocus()
    for ch in text:  # key events, as typed (QTest.keyClicks only knows ASCII)
        if ch.isascii():
            QTest.keyClicks(form.description, ch)
        else:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(form.description, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))
    until(lambda: bool(saved) and worker.pending == 0)
    print("DRAFT-SAVED", flush=True)
    while True:  # typing on, as far as the test knows: it kills us now
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
