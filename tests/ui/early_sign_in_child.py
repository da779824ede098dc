"""A ward station GUI in its own process for the "names before the store" test (issue 13): starts the
real main window, reports what the sign-in page lists the moment ``start()`` returns and whether the
database layer (SQLAlchemy/SQLModel) was loaded by then, then signs in as a nurse would and reports
who is signed in. One line of JSON on stdout."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(data_dir: str, name: str, pin: str) -> None:
    from PySide6.QtCore import QCoreApplication, QEventLoop, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from hardtruths_desktop.domain.clock import FixedClock
    from ui.app import setup_app
    from ui.main_window import MainWindow
    from ui.worker import StoreWorker

    app = QApplication(sys.argv[:1])
    setup_app(app)
    worker = StoreWorker(Path(data_dir), FixedClock.london(2026, 11, 24, 14, 0))  # the suite's pinned "now"
    win = MainWindow(worker)
    win.show()
    win.start()
    page = win.sign_in
    early = {
        "db_layer_loaded": sorted(m for m in ("sqlalchemy", "sqlmodel", "hardtruths_desktop.store.tables") if m in sys.modules),
        "on_sign_in": win.stack.currentWidget() is page,
        "names": [page.name_box.itemText(i) for i in range(page.name_box.count())],
        "ward": page.ward_box.currentData(),
    }

    def until(cond: object, timeout: float = 60) -> None:
        end = time.monotonic() + timeout
        while not cond():  # type: ignore[operator]
            if time.monotonic() > end:
                raise TimeoutError
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)

    # the nurse signs in straight away: the attempt waits for the store
    page.choose(name, "W7")
    QTest.keyClicks(page.pin_edit, pin)
    QTest.keyClick(page.pin_edit, Qt.Key.Key_Return)
    until(lambda: win.ctx.user is not None)
    until(lambda: win.today.data is not None)  # the work tabs were built and loaded
    after = {"user": win.ctx.user.name if win.ctx.user else None, "on_tabs": win.stack.currentWidget() is win.tabs,
             "names_after": [page.name_box.itemText(i) for i in range(page.name_box.count())]}
    print(json.dumps({"early": early, "after": after}))
    win.close()
    worker.stop()
    app.quit()


if __name__ == "__main__":
    main(*sys.argv[1:4])
