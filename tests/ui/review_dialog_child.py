"""The ward station GUI in its own process for the sync review dialog test (issue 13): the real main window on a
store with staffing conflicts and a refused change, Review opened with Alt+V, then whether every cell's whole text
fits its row and every row can be scrolled wholly into view. The PC's text size comes from ``QT_FONT_DPI`` as the
parent sets it. Arguments: the data folder, how many items to wait for, and optionally where to save a picture of
the dialog. One line of JSON on stdout."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def cut_cells(table: Any) -> list[tuple[int, int, int, int]]:
    """Cells whose whole text does not fit their row: (row, column, height the text needs at the column's width, the
    row's height; column -1: as the view's own delegate measures the row). The font's measure is independent of the
    view: the text drawn word-wrapped in the cell's width less the grid line and the style's margin each side."""
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtWidgets import QStyle

    model, metrics = table.model(), table.fontMetrics()
    margin = table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1
    cut = []
    for row in range(model.rowCount()):
        height = table.rowHeight(row)
        for column in range(model.columnCount()):
            text = model.index(row, column).data()
            width = table.columnWidth(column) - 1 - 2 * margin
            needed = metrics.boundingRect(QRect(0, 0, width, 10_000), int(Qt.TextFlag.TextWordWrap), text).height()
            if needed > height:
                cut.append((row, column, needed, height))
        if table.sizeHintForRow(row) > height:
            cut.append((row, -1, table.sizeHintForRow(row), height))
    return cut


def out_of_reach(table: Any) -> list[tuple[int, int, int]]:
    """Rows whose every line cannot be brought into view by scrolling: (row, its height, the most of it seen). The
    scroll bar is moved through its whole range and what each row showed of itself is gathered."""
    from PySide6.QtCore import QCoreApplication

    bar, view_h = table.verticalScrollBar(), table.viewport().height()
    rows = table.model().rowCount()
    seen: list[set[int]] = [set() for _ in range(rows)]
    for value in range(bar.minimum(), bar.maximum() + 1):
        bar.setValue(value)
        QCoreApplication.processEvents()
        for r in range(rows):
            top = table.rowViewportPosition(r)
            seen[r].update(y - top for y in range(max(0, top), min(view_h, top + table.rowHeight(r))))
    bar.setValue(bar.minimum())
    return [(r, table.rowHeight(r), len(seen[r])) for r in range(rows) if len(seen[r]) < table.rowHeight(r)]


def main(data_dir: str, items: int, shot: str) -> None:
    from PySide6.QtCore import QCoreApplication, QEventLoop, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from hardtruths_desktop.domain.clock import FixedClock
    from ui.app import setup_app
    from ui.dialogs.review import ReviewDialog
    from ui.main_window import MainWindow
    from ui.worker import StoreWorker

    app = QApplication(sys.argv[:1])
    setup_app(app)
    worker = StoreWorker(Path(data_dir), FixedClock.london(2026, 11, 24, 14, 0))  # the suite's pinned "now"
    win = MainWindow(worker)
    win.resize(1000, 700)  # as it opens on a 1024x768 PC
    win.show()
    win.start()

    def until(cond: Any, timeout: float = 60, what: str = "") -> bool:
        end = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > end:
                if what:
                    raise TimeoutError(what)
                return False
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        return True

    until(lambda: win.review_btn.text() == f"Re&view ({items})", what="the review count")
    QTest.keyClick(QApplication.focusWidget() or win, Qt.Key.Key_V, Qt.KeyboardModifier.AltModifier)
    until(lambda: any(d.isVisible() for d in win.findChildren(ReviewDialog)), what="the dialog")
    dlg = next(d for d in win.findChildren(ReviewDialog) if d.isVisible())
    table = dlg.table
    until(lambda: dlg.model.rowCount() == items, what="the items")
    until(lambda: not cut_cells(table) and not out_of_reach(table), timeout=5)  # settled, or not: reported either way
    QCoreApplication.processEvents()
    model = dlg.model
    print(json.dumps({
        "cut": cut_cells(table), "out_of_reach": out_of_reach(table), "line": table.fontMetrics().height(),
        "rows": [table.rowHeight(r) for r in range(model.rowCount())],
        "columns": [table.columnWidth(c) for c in range(model.columnCount())],
        "scroll_bar": table.verticalScrollBar().isVisible(),
        "texts": [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())],
    }))
    if shot:
        dlg.grab().save(shot)
    dlg.close()
    win.close()
    worker.stop()
    app.quit()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else "")
