"""The Feedback results screen as a ward PC shows it, under Xvfb (issue 9): the demo trust, Ward 7,
the ward sister signed in, the window maximised on the screen, the whole screen captured by xwd.

    xvfb-run -a -s "-screen 0 1024x768x24" .venv/bin/python -m tools.feedback_screenshot 100 docs/screenshots/feedback-results-1024x768.png
    xvfb-run -a -s "-screen 0 1024x768x24" .venv/bin/python -m tools.feedback_screenshot 150 docs/screenshots/feedback-results-1024x768-150.png

The first argument is the PC's text size in percent; an optional third picks the Feedback tab
(0 results, 1 paper cards, 2 comments to check, 3 "You said, we did"). Pinned to the screenshots'
moment (``tools/screenshots.py``), so the pictures do not depend on the day they are taken.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hardtruths_desktop.domain.clock import FixedClock
from tools.screenshots import SCREENSHOT_MOMENT, _prepare_store, _until


def main(argv: list[str]) -> int:
    from PySide6.QtWidgets import QApplication

    from ui.app import setup_app
    from ui.main_window import MainWindow
    from ui.worker import StoreWorker

    text, out = int(argv[0]), Path(argv[1])
    tab = int(argv[2]) if len(argv) > 2 else 0
    app = QApplication(sys.argv[:1])
    setup_app(app)
    if text != 100:
        f = app.font()
        f.setPointSizeF(f.pointSizeF() * text / 100)
        app.setFont(f)
    with tempfile.TemporaryDirectory() as tmp:
        clock = FixedClock.london(*SCREENSHOT_MOMENT)
        _prepare_store(Path(tmp), clock)
        worker = StoreWorker(Path(tmp), clock)
        win = MainWindow(worker)
        win.setGeometry(app.primaryScreen().availableGeometry())
        win.show()
        win.raise_()
        win.activateWindow()
        win.start()
        _until(lambda: win.stack.currentWidget() is win.sign_in and win.sign_in.name_box.count() > 1)
        win.sign_in.choose("Mary O'Neill", "W7")
        win.sign_in.pin_edit.setText("2580")
        win.sign_in.submit()
        _until(lambda: win.ctx.user is not None and win.today.data is not None)
        win.show_screen(win.feedback)
        _until(lambda: win.feedback.results is not None and worker.pending == 0)
        win.feedback.inner.setCurrentIndex(tab)
        end = time.monotonic() + 1
        while time.monotonic() < end:  # let the window settle and paint
            app.processEvents()
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(f"xwd -root -silent | convert xwd:- '{out}'", shell=True, check=True)
        print(out)
        win.close()
        worker.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
