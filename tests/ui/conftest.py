"""pytest-qt fixtures: the REAL main window on a real SQLite store made by ``create_demo``.

The demo store is made once per session and copied per test (a few milliseconds), so each test
starts from the same data. Nothing here sleeps: tests wait for signals or conditions. The demo is
made, and the window runs, as of the suite's pinned clock (``support/clocks.py``): a ``FixedClock``
given to the store worker, as ``ui/app.py`` gives it the PC's clock.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported (tests/conftest.py may do it too)

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.clocks import suite_clock
from support.qt_waits import QT_WAIT_MS

DB = "ward-station.sqlite"


@pytest.fixture(scope="session")
def demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from hardtruths_desktop.demo import create_demo
    from hardtruths_desktop.store.session import Store

    d = tmp_path_factory.mktemp("demo-master")
    store = Store(d, suite_clock())
    create_demo(store, days=40)
    store.close()
    return d


@pytest.fixture
def demo_dir(demo_master: Path, tmp_path: Path) -> Path:
    d = tmp_path / "station"
    d.mkdir()
    for name in (DB, DB + "-wal", DB + "-shm"):
        if (demo_master / name).exists():
            shutil.copy2(demo_master / name, d / name)
    return d


@pytest.fixture(autouse=True)
def _app_style(qapp: Any) -> None:
    from ui.app import setup_app

    setup_app(qapp)


class Station:
    """The main window plus helpers to drive it like a nurse would."""

    def __init__(self, qtbot: Any, data_dir: Path, idle_ms: int = 5 * 60 * 1000, credentials: Any = None,
                 clock: Any = None) -> None:
        from ui.main_window import MainWindow
        from ui.worker import StoreWorker

        self.qtbot = qtbot
        self.data_dir = data_dir
        self.clock = clock or suite_clock()
        self.worker = StoreWorker(data_dir, self.clock)
        self.window = MainWindow(self.worker, idle_ms=idle_ms, credentials=credentials)
        qtbot.addWidget(self.window)
        self.window.show()
        self.window.start()

    def wait_sign_in_page(self) -> None:
        """The sign-in page with its names, and the store open behind it (the work tabs built). The
        names alone show before the store has opened (issue 13, ``tests/ui/test_early_sign_in.py``);
        these tests drive the station once it has, as a nurse who takes a few seconds for her PIN."""
        w = self.window
        # a condition, not a timing: the store opens and the tabs build in steps, slowly on a busy machine
        self.qtbot.waitUntil(lambda: w.stack.currentWidget() is w.sign_in and w.sign_in.name_box.count() > 1 and bool(w.screens),
                             timeout=60_000)

    def type_pin(self, name: str, pin: str, ward: str = "W7") -> None:
        from PySide6.QtCore import Qt

        self.wait_sign_in_page()
        page = self.window.sign_in
        page.choose(name, ward)
        page.pin_edit.clear()
        self.qtbot.keyClicks(page.pin_edit, pin)
        with self.qtbot.waitSignal(page.attempt_finished, timeout=QT_WAIT_MS):
            self.qtbot.keyClick(page.pin_edit, Qt.Key.Key_Return)

    def sign_in(self, name: str = "Aisha Rahman", pin: str = "2580", ward: str = "W7") -> None:
        self.type_pin(name, pin, ward)
        self.qtbot.waitUntil(lambda: self.window.ctx.user is not None and self.window.ctx.user.name == name, timeout=QT_WAIT_MS)
        self.qtbot.waitUntil(lambda: self.window.today.data is not None, timeout=QT_WAIT_MS)

    def idle(self) -> None:
        """Wait until every store job has reported back."""
        self.qtbot.waitUntil(lambda: self.worker.pending == 0, timeout=QT_WAIT_MS)

    def read(self, fn: Any) -> Any:
        """Read the store directly (a second connection; WAL lets it see committed writes)."""
        from hardtruths_desktop.store.session import Store

        store = Store(self.data_dir, self.clock)
        try:
            with store.read() as s:
                return fn(s)
        finally:
            store.close()

    def close(self) -> None:
        self.window.close()
        self.worker.stop()


@pytest.fixture
def station(qtbot: Any, demo_dir: Path) -> Iterator[Station]:
    st = Station(qtbot, demo_dir)
    yield st
    st.close()


@pytest.fixture
def make_station(qtbot: Any) -> Iterator[Any]:
    made: list[Station] = []

    def make(data_dir: Path, **kw: Any) -> Station:
        st = Station(qtbot, data_dir, **kw)
        made.append(st)
        return st

    yield make
    for st in made:
        st.close()


@pytest.fixture
def outbox_count() -> Any:
    """``outbox_count(station)``: rows in the outbox (one per synced change)."""

    def count(st: Station) -> int:
        from sqlmodel import func, select

        from hardtruths_desktop.store.tables import Outbox

        return int(st.read(lambda s: s.exec(select(func.count()).select_from(Outbox)).one()))

    return count
