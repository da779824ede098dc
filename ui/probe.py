"""A start-up probe: how long the station takes to show, and what it shows. Off unless asked for.

Used by the frozen bundle's tests (``tests/bundle``) and the cold start benchmark, identically for
the frozen and the unfrozen program, so the two figures are comparable. Set in the environment:

    HARDTRUTHS_PROBE=shown|ready      quit at the main window's first paint, or once the sign-in list is filled
    HARDTRUTHS_PROBE_SCREENSHOT=F     save the main window to F (PNG) before quitting
    HARDTRUTHS_PROBE_OUT=F            write the result there (a windowed Windows program has no stdout)
    HARDTRUTHS_BENCH_T0=<epoch s>     when the caller started the process (times are null without it)

The result is one line of JSON: ``{"shown_ms", "ready_ms", "title", "screenshot", "error"}``.
It never writes to the store; a start that does not reach the goal in 60 s quits with code 2.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

GOALS = ("shown", "ready")


def requested() -> str | None:
    goal = os.environ.get("HARDTRUTHS_PROBE", "")
    return goal if goal in GOALS else None


class StartupProbe(QObject):
    def __init__(self, app: QApplication, window: Any, goal: str) -> None:
        super().__init__(app)
        self.app, self.window, self.goal = app, window, goal
        raw = os.environ.get("HARDTRUTHS_BENCH_T0", "")
        self.t0 = float(raw) if raw.replace(".", "", 1).isdigit() else None
        self.result: dict[str, Any] = {"shown_ms": None, "ready_ms": None, "title": window.windowTitle(),
                                       "screenshot": None, "error": None}
        app.installEventFilter(self)
        QTimer.singleShot(60_000, lambda: self._finish(2, "the goal was not reached in 60 s"))

    def _ms(self) -> float | None:
        # a stopwatch, not the station's clock: t0 is the wall-clock epoch the PARENT process took when it
        # spawned this one, so only the same wall clock can measure from it (never used for a date)
        return None if self.t0 is None else round((time.time() - self.t0) * 1000, 1)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if self.result["shown_ms"] is None and event.type() == QEvent.Type.Paint and isinstance(obj, QMainWindow):
            self.result["shown_ms"] = self._ms() or 0.0
            QTimer.singleShot(0, self._finish if self.goal == "shown" else self._wait_ready)
        return False

    def _wait_ready(self) -> None:
        w = self.window
        if w.stack.currentWidget() is w.sign_in and w.sign_in.name_box.count() > 1:
            self.result["ready_ms"] = self._ms() or 0.0
            self._finish()
        elif w.stack.currentWidget() is w.message_page and w.demo_btn.isVisible():
            self._finish(2, "the store has no wards")
        else:
            QTimer.singleShot(5, self._wait_ready)

    def _finish(self, code: int = 0, error: str | None = None) -> None:
        self.app.removeEventFilter(self)
        self.result["error"] = error
        shot = os.environ.get("HARDTRUTHS_PROBE_SCREENSHOT")
        if shot and self.window.grab().save(shot, "PNG"):
            self.result["screenshot"] = shot
        line = json.dumps(self.result, ensure_ascii=False)
        out = os.environ.get("HARDTRUTHS_PROBE_OUT")
        if out:
            Path(out).write_text(line + "\n", encoding="utf-8")
        elif sys.stdout is not None:
            print(line, flush=True)
        self.app.exit(code)


def install(app: QApplication, window: Any) -> StartupProbe | None:
    goal = requested()
    return StartupProbe(app, window, goal) if goal else None
