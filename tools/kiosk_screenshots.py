"""Screenshots of the patient kiosk and the Feedback screen into docs/screenshots/ (offscreen, 1024x768).

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tools.kiosk_screenshots [--out docs/screenshots]

kiosk-language, kiosk-english, kiosk-arabic (right to left), kiosk-easy-read, kiosk-comment,
kiosk-english-150 (system text at 150%), feedback-results (the ward sister's Feedback tab).
Uses a fresh demo trust in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from tools.screenshots import _until

KIOSK_SIZE = (1024, 768)


def shoot(out: Path) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from hardtruths_desktop.demo import create_demo
    from hardtruths_desktop.domain.clock import SYSTEM_CLOCK
    from hardtruths_desktop.store.session import Store
    from ui.app import setup_app
    from ui.kiosk.translations import build
    from ui.kiosk.window import KioskWindow
    from ui.main_window import MainWindow
    from ui.worker import StoreWorker

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    setup_app(app)
    build()
    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        store = Store(data_dir)
        create_demo(store)
        with store.read() as s:
            ward_id = s.connection().exec_driver_sql("SELECT id FROM ward WHERE code = 'W7'").scalar_one()
        store.close()
        worker = StoreWorker(data_dir, SYSTEM_CLOCK)

        def grab(w: object, name: str) -> None:
            _until(lambda: worker.pending == 0)
            app.processEvents()
            path = out / f"{name}.png"
            w.grab().save(str(path))  # type: ignore[attr-defined]
            saved.append(path)

        def kiosk_shots(suffix: str = "") -> None:
            k = KioskWindow(worker, ward_id, clock=SYSTEM_CLOCK)
            k.resize(*KIOSK_SIZE)
            k.start(full_screen=False)
            grab(k, "kiosk-language" + suffix)
            k.lang_buttons["en"].click()
            grab(k, "kiosk-english" + suffix)
            if not suffix:
                k.answer_buttons["good"].click()
                k.comment.setPlainText("Kind nurses and a clean ward")
                grab(k, "kiosk-comment")
                k.reset()
                k.lang_buttons["ar"].click()
                grab(k, "kiosk-arabic")
                k.reset()
                k.easy_btn.setChecked(True)
                k.lang_buttons["en"].click()
                grab(k, "kiosk-easy-read")
                k.reset()
                k.children_btn.setChecked(True)
                k.lang_buttons["ur"].click()
                grab(k, "kiosk-children-urdu")
            k.leave_for_test()

        kiosk_shots()
        base = app.font()
        bigger = app.font()
        bigger.setPointSizeF(base.pointSizeF() * 1.5)
        app.setFont(bigger)
        kiosk_shots("-150")
        app.setFont(base)

        win = MainWindow(worker)
        win.resize(1280, 800)
        win.show()
        win.start()
        _until(lambda: win.stack.currentWidget() is win.sign_in and win.sign_in.name_box.count() > 1)
        win.sign_in.choose("Mary O'Neill", "W7")
        win.sign_in.pin_edit.setText("2580")
        win.sign_in.submit()
        _until(lambda: win.ctx.user is not None)
        win.show_screen(win.feedback)
        win.feedback.refresh()
        _until(lambda: win.feedback.results is not None)
        grab(win, "feedback-results")
        win.feedback.inner.setCurrentIndex(2)
        grab(win, "feedback-moderation")
        win.close()
        worker.stop()
    return saved


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = p.parse_args()
    for path in shoot(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
