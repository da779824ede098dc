"""Cold start probe: run the real ward station start-up (``ui.app.main``) and quit once it is up.

    HARDTRUTHS_BENCH_T0=<time.time() just before spawning> \\
        python benchmarks/cold_start_probe.py --data-dir DIR [--until shown|ready]

Prints ONE line of JSON to stdout and exits 0:
    {"shown_ms": 412.3, "ready_ms": 455.1, "store_ms": 800.2, "origin": "spawn"}
- ``shown_ms``: process start -> the main window's first paint ("Opening the ward station…").
- ``ready_ms``: process start -> the sign-in page listing the ward's staff, ready to sign in (since
  issue 13 the names come straight from the file, before the store has opened); only with
  ``--until ready`` (the default), else null.
- ``store_ms``: process start -> the store opened on the worker and the work tabs built (a sign-in
  made before this waits for it); only with ``--until ready``.
- ``origin``: what "process start" is: ``spawn`` = the HARDTRUTHS_BENCH_T0 wall-clock time the
  caller passed (best: includes interpreter start-up), ``proc`` = the kernel's process start time
  (Linux, 10 ms ticks), ``import`` = when this module was imported (fallback, misses start-up).
The store in DIR should already exist (e.g. ``hardtruths-desktop demo --data-dir DIR``); the probe
itself never writes to it beyond what a normal start does. Exit code 2 if the window never showed.
"""

from __future__ import annotations

import time

_IMPORTED = time.time()  # as early as possible: before Qt or the app are imported

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402


def process_start() -> tuple[float, str]:
    """Wall-clock time at which this process started, and how it was found."""
    raw = os.environ.get("HARDTRUTHS_BENCH_T0", "")
    try:
        return float(raw), "spawn"
    except ValueError:
        pass
    try:  # Linux: start time in clock ticks after boot, field 22 of /proc/self/stat
        stat = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        ticks = int(stat[19]) / os.sysconf("SC_CLK_TCK")
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return time.time() - (uptime - ticks), "proc"
    except (OSError, ValueError, IndexError):
        return _IMPORTED, "import"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Time the ward station's cold start, then quit.")
    p.add_argument("--data-dir", type=Path, required=True)
    p.add_argument("--until", choices=("shown", "ready"), default="ready")
    args = p.parse_args(argv)
    t0, origin = process_start()

    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    result: dict[str, Any] = {"shown_ms": None, "ready_ms": None, "store_ms": None, "origin": origin}

    def ms() -> float:
        return round((time.time() - t0) * 1000, 1)

    def window() -> Any:
        return next((w for w in QApplication.topLevelWidgets() if isinstance(w, QMainWindow)), None)

    def ready() -> None:
        w = window()
        if w is not None and w.stack.currentWidget() is w.sign_in and w.sign_in.name_box.count() > 1:
            if result["ready_ms"] is None:
                result["ready_ms"] = ms()
            if w.screens:  # the store has opened and the work tabs are built
                result["store_ms"] = ms()
                app.exit(0)
            else:
                QTimer.singleShot(5, ready)
        elif w is not None and w.stack.currentWidget() is w.message_page and w.demo_btn.isVisible():
            result["error"] = "the store has no wards: create one first with 'hardtruths-desktop demo --data-dir DIR'"
            app.exit(0)
        else:
            QTimer.singleShot(5, ready)

    class FirstPaint(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if result["shown_ms"] is None and event.type() == QEvent.Type.Paint and isinstance(obj, QMainWindow):
                result["shown_ms"] = ms()
                if args.until == "shown":
                    QTimer.singleShot(0, lambda: app.exit(0))
                else:
                    QTimer.singleShot(0, ready)
            return False

    spy = FirstPaint()
    app.installEventFilter(spy)
    QTimer.singleShot(60_000, lambda: app.exit(2))  # never hang a benchmark run
    from ui.app import main as station_main

    rc = station_main(args.data_dir)
    app.removeEventFilter(spy)
    print(json.dumps(result))
    return 0 if result["shown_ms"] is not None and rc in (0, None) else 2


if __name__ == "__main__":
    raise SystemExit(main())
