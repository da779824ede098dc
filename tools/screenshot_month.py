"""The Month screen of a month with gaps, offscreen at 1024x768, at 100% and 150% text:
docs/screenshots/month-incomplete.png and month-incomplete-150.png (issue 11: what is missing is
named, with a way to open each), and Record staffing on the night the clocks went back
(staffing-clock-change*.png).

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/screenshot_month.py [--out docs/screenshots]

A fresh demo trust in a temporary folder, as of 24 Nov 2026 10:00; in October, Ward 7 has two
shifts withdrawn (recorded on the wrong date) and one 23:59 count cleared.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import date
from pathlib import Path

from tools.screenshots import SCREENSHOT_MOMENT, _until

SIZE = (1024, 768)


def _prepare(data_dir: Path) -> None:
    from hardtruths_desktop.demo import create_demo
    from hardtruths_desktop.domain.clock import FixedClock
    from hardtruths_desktop.store import shifts
    from hardtruths_desktop.store.queries import find_staff, ward_row
    from hardtruths_desktop.store.session import Actor, Store

    store = Store(data_dir, FixedClock.london(*SCREENSHOT_MOMENT))
    create_demo(store)
    with store.read() as s:
        ward = ward_row(s, "W7")
        sister = find_staff(s, ward.id, "Mary O'Neill")
    with store.write(Actor(sister.id, sister.name)) as tx:
        shifts.withdraw_shift(tx, ward.id, date(2026, 10, 3), "night", "recorded on the wrong date")
        shifts.withdraw_shift(tx, ward.id, date(2026, 10, 17), "early", "recorded on the wrong date")
        shifts.withdraw_shift(tx, ward.id, date(2026, 10, 17), "late", "recorded on the wrong date")
        shifts.set_patients_at_midnight(tx, ward.id, date(2026, 10, 12), None)
    store.close()


def shoot(out: Path) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from hardtruths_desktop.domain.clock import FixedClock
    from ui.app import setup_app
    from ui.main_window import MainWindow
    from ui.worker import StoreWorker

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    setup_app(app)
    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    base = app.font()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        _prepare(data_dir)
        for suffix, scale in (("", 1.0), ("-150", 1.5)):
            font = app.font()
            font.setPointSizeF(base.pointSizeF() * scale)
            app.setFont(font)
            worker = StoreWorker(data_dir, FixedClock.london(*SCREENSHOT_MOMENT))
            win = MainWindow(worker)
            win.resize(*SIZE)
            win.show()
            win.start()
            _until(lambda win=win: win.stack.currentWidget() is win.sign_in and win.sign_in.name_box.count() > 1)  # type: ignore[misc]
            win.sign_in.choose("Mary O'Neill", "W7")
            win.sign_in.pin_edit.setText("2580")
            win.sign_in.submit()
            _until(lambda win=win: win.ctx.user is not None)  # type: ignore[misc]
            win.show_screen(win.month)
            _until(lambda win=win: win.month.model.rowCount() > 0)  # type: ignore[misc]
            win.month.set_month(2026, 10)
            _until(lambda win=win, worker=worker: win.month.data is not None and win.month.data.month == 10 and worker.pending == 0)  # type: ignore[misc]
            win.month.missing_list.setCurrentRow(0)
            app.processEvents()
            path = out / f"month-incomplete{suffix}.png"
            win.grab().save(str(path))
            saved.append(path)
            # Record staffing on the night the clocks went back (a shift with a computed red flag)
            win.show_screen(win.staffing)
            win.staffing.open_shift(date(2026, 10, 24), "night")
            _until(lambda win=win, worker=worker: win.staffing.data is not None and worker.pending == 0  # type: ignore[misc]
                   and win.staffing.data.view.date == date(2026, 10, 24))
            app.processEvents()
            path = out / f"staffing-clock-change{suffix}.png"
            win.grab().save(str(path))
            saved.append(path)
            win.close()
            worker.stop()
        app.setFont(base)
    return saved


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    for p in shoot(parser.parse_args().out):
        print(p)
