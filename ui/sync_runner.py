"""Runs the sync engine off the GUI thread on the schedule SYNC.md 3.12 asks for.

Threading contract: ``SyncRunner`` lives on the GUI thread. Each cycle runs ``SyncEngine.sync_once``
as a ``ui.jobs`` job on its own one-thread pool with its own ``Store`` (the same file; SQLite's locks and the engine's
file lock keep it safe); the result comes back through the ``finished`` signal on the GUI thread.
At most one cycle runs at a time. A one-second QTimer asks the pure ``SyncSchedule`` whether a
cycle is due, so every path (success, failure, revoked) re-arms the next attempt. Between cycles the
same tick looks (on the pool thread, never the GUI's) at the outbox's last sequence number, so a save
made by another process on this PC (a second window, the command line) is sent 2 s later too.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from ui.jobs import Jobs, single_thread_pool

if TYPE_CHECKING:
    from hardtruths_desktop.domain.clock import Clock
    from hardtruths_desktop.sync.credentials import CredentialStore
    from hardtruths_desktop.sync.engine import SyncResult

log = logging.getLogger(__name__)


class SyncRunner(QObject):
    finished = Signal(object)  # SyncResult
    started = Signal()

    def __init__(self, data_dir: Path, clock: Clock, credentials: CredentialStore | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from hardtruths_desktop.sync.scheduler import SyncSchedule

        self.data_dir = data_dir
        self.clock = clock
        self.credentials = credentials
        self.schedule = SyncSchedule()
        self.running = False
        self._engine: Any = None
        self._watch: Any = None  # sync.loop.OutboxWatch, made on the pool thread
        self._watching = False
        self.pool = single_thread_pool("sync", self)  # the engine's Store stays on one thread
        self.jobs = Jobs(self.pool, parent=self)
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self._tick)

    def engine(self) -> Any:
        """Created on first use, on the pool thread (imports httpx only when syncing)."""
        if self._engine is None:
            from hardtruths_desktop.store.session import Store
            from hardtruths_desktop.sync.engine import SyncEngine

            self._engine = SyncEngine(Store(self.data_dir, self.clock), self.credentials)
        return self._engine

    def start(self) -> None:
        self.schedule.sync_now(time.monotonic())
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self.pool.waitForDone(30_000)

    def saved(self) -> None:
        """A local write: sync 2 s later (debounced)."""
        self.schedule.saved(time.monotonic())

    def enrol(self, server_url: str, code: str, ca_bundle: str | None, force: bool, on_done: Any, on_error: Any) -> None:
        """Issue 12: enrol from Ward setup, on the sync thread (network); a sync follows at once.
        ``ca_bundle`` and ``force`` as the CLI's --ca-bundle and --force."""
        from hardtruths_desktop.domain.enrolment import FORCE_FORM

        def done(result: Any) -> None:
            self.sync_now()
            on_done(result)

        self.jobs.run(lambda: self.engine().enrol(server_url, code, ca_bundle=ca_bundle, force=force, force_hint=FORCE_FORM),
                      done, on_error)

    def sync_now(self) -> None:
        self.schedule.sync_now(time.monotonic())
        self._tick()

    def _tick(self) -> None:
        if self.running:
            return
        if not self.schedule.due(time.monotonic()):
            if not self._watching and self._engine is not None:
                self._watching = True
                self.jobs.run(self._outbox_changed, self._watched, self._watch_failed)
            return
        self.running = True
        self.started.emit()
        self.jobs.run(self._cycle, self._done, self._crashed)

    def _cycle(self) -> Any:
        """On the pool thread: one cycle; what the outbox holds now goes in it."""
        from hardtruths_desktop.sync.loop import OutboxWatch

        engine = self.engine()
        if self._watch is None:
            self._watch = OutboxWatch(engine.store)
        self._watch.changed()
        return engine.sync_once()

    def _outbox_changed(self) -> bool:
        """On the pool thread: has any process added to the outbox since the last look?"""
        return self._watch is not None and bool(self._watch.changed())

    def _watched(self, changed: bool) -> None:
        self._watching = False
        if changed:
            self.saved()

    def _watch_failed(self, _e: BaseException) -> None:
        self._watching = False

    def _crashed(self, e: BaseException) -> None:
        """``sync_once`` reports its own errors; this is a last resort (the traceback is logged)."""
        from hardtruths_desktop.sync.engine import SyncResult

        self._done(SyncResult(ok=False, error="unexpected", message=f"Sync stopped by an unexpected error ({type(e).__name__})"))

    def _done(self, result: SyncResult) -> None:
        self.running = False
        self.schedule.cycle_done(time.monotonic(), result)
        self.finished.emit(result)
