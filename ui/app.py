"""QApplication bootstrap: style, main window, then the store is opened on the store worker.

Cold start is kept short: only QtWidgets is imported before the window shows; the store (and
SQLAlchemy/SQLModel behind it) is imported and opened on the worker thread while the window
says "Opening the ward station…". A store that cannot be opened (e.g. written by a newer version)
is reported in a plain dialog and the program exits non-zero.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hardtruths_desktop.domain.clock import Clock

EXIT_STORE = 3
log = logging.getLogger(__name__)


def style_sheet() -> str:
    """The NHS colour sheet from the core's resources (through the one resource helper, frozen or not)."""
    from hardtruths_desktop.resources import resource

    path = resource("style", "ward_station.qss")
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        log.warning("style sheet not found at %s; using the plain Fusion look", path)
        return ""


#: the screens' fonts, bundled (``resources/fonts``): text in Noto Sans, symbols from DejaVu Sans
SCREEN_FONTS = ("Noto Sans", "DejaVu Sans", "Noto Sans Arabic", "Noto Sans Hebrew", "Noto Sans Devanagari",
                "Noto Sans Bengali", "Noto Sans Gurmukhi", "Noto Sans Gujarati", "Noto Sans Tamil")
_fonts_loaded = False


def load_bundled_fonts() -> None:
    """Register the bundled open fonts with Qt (once)."""
    global _fonts_loaded
    if _fonts_loaded:
        return
    from PySide6.QtGui import QFontDatabase

    from hardtruths_desktop.resources import resource

    for f in sorted(resource("fonts").glob("*.ttf")):
        if f.name.startswith("DroidSans"):  # 4 MB of CJK: left to the system, to keep start-up short
            continue
        if QFontDatabase.addApplicationFont(str(f)) < 0:
            log.warning("bundled font not loaded: %s", f.name)
    _fonts_loaded = True


def setup_app(app: object) -> None:
    """Fusion style, NHS colours, and a body font of at least 11pt that follows the system size."""
    from PySide6.QtWidgets import QApplication

    assert isinstance(app, QApplication)
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    font = app.font()
    if font.pointSizeF() < 11:
        font.setPointSizeF(11)
    # issue 12: the bundled fonts, so every name and symbol draws whatever the PC has installed
    load_bundled_fonts()
    font.setFamilies([*SCREEN_FONTS, font.family()])
    app.setFont(font)
    sheet = style_sheet()
    if app.styleSheet() != sheet:  # setting it again re-polishes every widget (seconds on a big window)
        app.setStyleSheet(sheet)
    from PySide6.QtGui import QIcon

    from hardtruths_desktop import APP_ID
    from hardtruths_desktop.resources import resource

    app.setWindowIcon(QIcon(str(resource("icons", "ward-station.png"))))
    app.setDesktopFileName(APP_ID)


def idle_ms_from_env() -> int:
    from ui.idle import DEFAULT_IDLE_MS

    raw = os.environ.get("HARDTRUTHS_IDLE_MINUTES", "")
    try:
        minutes = float(raw)
    except ValueError:
        return DEFAULT_IDLE_MS
    return int(minutes * 60_000) if minutes > 0 else DEFAULT_IDLE_MS


def main(data_dir: Path | None = None, demo: bool = False, clock: Clock | None = None) -> int:
    """Start the ward station. ``clock``: the process's one clock (the PC's, unless the command line
    pinned one for a test or a benchmark)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    if data_dir is None:  # started as the hardtruths-station GUI script
        from hardtruths_desktop.runtime import default_data_dir, setup_logging

        data_dir = default_data_dir()
        setup_logging(data_dir)
        demo = demo or "--demo" in sys.argv
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Hard Truths ward station")
    app.setOrganizationName("Hard Truths")
    setup_app(app)

    from hardtruths_desktop.domain.clock import SystemClock
    from ui.main_window import MainWindow
    from ui.worker import StoreWorker

    worker = StoreWorker(Path(data_dir), clock or SystemClock())
    window = MainWindow(worker, idle_ms=idle_ms_from_env(), ward_code=os.environ.get("HARDTRUTHS_WARD") or None)
    exit_code = {"code": 0}

    def store_failed(text: str) -> None:
        exit_code["code"] = EXIT_STORE
        QMessageBox.critical(window, "The ward store cannot be opened",
                             f"{text}\n\nNothing has been changed. The ward station will close; please tell IT.")
        app.exit(EXIT_STORE)

    window.store_failed.connect(store_failed)
    from ui import probe

    probe.install(app, window)  # only when HARDTRUTHS_PROBE is set (bundle tests, cold start benchmark)
    window.show_where_left()  # issue 12: maximised the first time, then where it was left
    # Paint the window before the store worker starts importing the database layer: that import
    # is CPU-bound and would hold the GIL while the first frame is drawn.
    app.processEvents()  # expose and paint now
    QTimer.singleShot(0, lambda: window.start(demo=demo))
    rc = app.exec()
    worker.stop()
    return rc or exit_code["code"]


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
