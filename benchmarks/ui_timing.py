"""Helpers the benchmark scripts call to time real screens (kept out of the ``ui`` package).

``open_month_view(store, year, month, repeat)``: milliseconds to open the real Month view on
``store``'s data, each time: a fresh ``MonthView`` is built, given the ward, the month is queried on
the real store worker, the table model filled and the widget painted once.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hardtruths_desktop.store.session import Store


def _app() -> Any:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        from ui.app import setup_app

        app = QApplication(sys.argv[:1])
        setup_app(app)
    return app


def _until(cond: Callable[[], bool], timeout: float = 30.0) -> None:
    from PySide6.QtCore import QCoreApplication, QEventLoop

    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise TimeoutError("the screen did not get ready in time")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents | QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 5)


def open_month_view(store: Store, year: int, month: int, repeat: int = 15, ward_code: str = "W7") -> list[float]:
    """Milliseconds (one per repeat) from "open the Month view" to its first paint with the month's rows.

    The store worker is started (and its store opened) once before timing, as in the running
    station; ``store`` is used to look up the ward."""
    app = _app()
    from hardtruths_desktop.store.queries import ward_info, ward_row
    from ui.worker import StoreWorker

    with store.read() as s:
        info = ward_info(s, ward_row(s, ward_code))
    worker = StoreWorker(store.data_dir, store.clock)
    warmed: list[int] = []
    worker.query(lambda st: 1, warmed.append)  # opens the worker's store before timing
    _until(lambda: bool(warmed))
    try:
        return [_open_once(app, worker, info, year, month) for _ in range(repeat)]
    finally:
        worker.stop()
        worker.deleteLater()


def _open_once(app: Any, worker: Any, info: Any, year: int, month: int) -> float:
    from ui.context import Context
    from ui.views.month import MonthView

    t0 = time.perf_counter()
    ctx = Context(worker)
    view = MonthView(ctx)
    view.resize(1280, 760)
    loads: list[int] = []
    view.loaded.connect(lambda: loads.append(1))
    view.show()
    ctx.set_ward(info)  # fills the month list and asks for the current month
    _until(lambda: bool(loads))
    if view.month_box.currentData() != (year, month):
        loads.clear()
        # not MonthView.set_month: QComboBox.findData compares Python tuples by identity, so it misses
        box = view.month_box
        i = next((i for i in range(box.count()) if box.itemData(i) == (year, month)), -1)
        if i < 0:
            raise ValueError(f"{year}-{month:02d} is not in the Month view's list (the last three years)")
        box.setCurrentIndex(i)
        _until(lambda: bool(loads) and view.data is not None and (view.data.year, view.data.month) == (year, month))
    view.repaint()  # the first paint with the rows in it
    app.processEvents()
    ms = (time.perf_counter() - t0) * 1000
    view.close()
    view.deleteLater()
    ctx.deleteLater()
    app.processEvents()
    return ms


def bare_table(rows: int, columns: int, repeat: int = 15) -> list[float]:
    """The floor for a screen that shows a table: milliseconds to build a plain ``QTableWidget`` of
    ``rows`` x ``columns`` short strings, show it at the same size and paint it once (no store, no
    worker, no model of ours). Measured in the same run as the screen, so load cancels out."""
    app = _app()
    from PySide6.QtWidgets import QTableWidget, QTableWidgetItem

    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        table = QTableWidget(rows, columns)
        for r in range(rows):
            for c in range(columns):
                table.setItem(r, c, QTableWidgetItem(f"{r}.{c}"))
        table.resize(1280, 760)
        table.show()
        app.processEvents()
        table.repaint()
        app.processEvents()
        out.append((time.perf_counter() - t0) * 1000)
        table.close()
        table.deleteLater()
        app.processEvents()
    return out
