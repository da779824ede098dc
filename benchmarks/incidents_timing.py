"""Helpers the incident benchmark calls to time real screens (benchmarks/ never builds widgets).

``open_report_form(store, repeat)``: ms to open the real report form: built, value sets and the
author's draft loaded on the store worker, filled and painted once.
``open_bare_window(repeat)``: the floor: a bare PySide6 window with one label, shown and painted.
``open_review_queue(store, staff_name, repeat)``: ms to open the real review queue: built, the
queue (and overdue candour list) loaded on the store worker, table filled and painted once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ui_timing import _app, _until

if TYPE_CHECKING:
    from hardtruths_desktop.store.session import Store


def _context(store: Store, staff_name: str, ward_code: str = "W7") -> tuple[Any, Any, Any]:
    from hardtruths_desktop.store.queries import StaffInfo, find_staff, ward_info, ward_row
    from ui.worker import StoreWorker

    with store.read() as s:
        ward = ward_row(s, ward_code)
        info = ward_info(s, ward)
        p = find_staff(s, ward.id, staff_name)
        person = StaffInfo(p.id, p.name, p.role, p.title, p.is_manager, p.active, ward.code)
    worker = StoreWorker(store.data_dir, store.clock)
    warmed: list[int] = []
    worker.query(lambda st: 1, warmed.append)
    _until(lambda: bool(warmed))
    return worker, info, person


def _form_ready(view: Any, worker: Any) -> Callable[[], bool]:
    return lambda: bool(view.form is not None and worker.pending == 0)


def _appender(loads: list[int]) -> Callable[[], None]:
    return lambda: loads.append(1)


def _nonempty(loads: list[int]) -> Callable[[], bool]:
    return lambda: bool(loads)


def open_bare_window(repeat: int = 15) -> list[float]:
    app = _app()
    from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        w = QWidget()
        QVBoxLayout(w).addWidget(QLabel("Hello"))
        w.resize(1024, 700)
        w.show()
        w.repaint()
        app.processEvents()
        out.append((time.perf_counter() - t0) * 1000)
        w.close()
        w.deleteLater()
        app.processEvents()
    return out


def open_report_form(store: Store, repeat: int = 15, staff_name: str = "Aisha Rahman") -> tuple[list[float], list[float]]:
    """(ms to the first paint of the form, ready to type; ms until the author's draft is back in it)."""
    app = _app()
    from ui.context import Context
    from ui.views.incidents import ReportFormView

    worker, info, person = _context(store, staff_name)
    out: list[float] = []
    usable: list[float] = []
    try:
        for _ in range(repeat):
            t0 = time.perf_counter()
            ctx = Context(worker)
            ctx.ward, ctx.user = info, person
            view = ReportFormView(ctx)
            view.resize(1024, 700)
            view.load()
            view.show()
            view.repaint()
            usable.append((time.perf_counter() - t0) * 1000)
            _until(_form_ready(view, worker))
            view.repaint()
            app.processEvents()
            out.append((time.perf_counter() - t0) * 1000)
            view.close()
            view.deleteLater()
            ctx.deleteLater()
            app.processEvents()
    finally:
        worker.stop()
    return usable, out


def open_review_queue(store: Store, repeat: int = 15, staff_name: str = "Mary O'Neill") -> tuple[list[float], int]:
    app = _app()
    from ui.context import Context
    from ui.views.incidents import ReviewView

    worker, info, person = _context(store, staff_name)
    out = []
    rows = 0
    try:
        for _ in range(repeat):
            t0 = time.perf_counter()
            ctx = Context(worker)
            ctx.ward, ctx.user = info, person
            view = ReviewView(ctx)
            view.resize(1024, 700)
            loads: list[int] = []
            view.loaded.connect(_appender(loads))
            view.show()
            view.refresh()
            _until(_nonempty(loads))
            view.repaint()
            app.processEvents()
            out.append((time.perf_counter() - t0) * 1000)
            rows = view.model.rowCount()
            view.close()
            view.deleteLater()
            ctx.deleteLater()
            app.processEvents()
    finally:
        worker.stop()
    return out, rows
