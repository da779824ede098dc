"""The store worker: one QThread that runs store callables in order (STYLE.md habit 3).

Threading contract:
- ``query`` and ``write`` may only be called on the GUI thread.
- The callable runs on the worker thread with the open ``Store`` (or a ``WriteTx`` for writes);
  it must not touch any widget.
- ``on_done`` / ``on_error`` run later on the GUI thread, in submission order.
- A write that succeeds emits ``changes_applied(Changes)`` after ``on_done`` when it changed
  anything; screens refresh from that one signal (habit 4), never from each other.
- Unexpected exceptions are logged with their traceback here; ``ValidationError`` is expected
  input trouble and is only passed on.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, QThread, Signal, Slot

if TYPE_CHECKING:
    from hardtruths_desktop.domain.clock import Clock
    from hardtruths_desktop.store.session import Actor, Store, WriteTx

log = logging.getLogger(__name__)
T = TypeVar("T")
Failure = Callable[[BaseException], None]


class _Runner(QObject):
    """Lives on the worker thread; owns the Store once opened."""

    done = Signal(int, object)
    failed = Signal(int, object)

    def __init__(self, data_dir: Path, clock: Clock) -> None:
        super().__init__()
        self.data_dir = data_dir
        self.clock = clock
        self.store: Store | None = None

    @Slot(int, object)
    def run(self, job_id: int, fn: Callable[[Any], Any]) -> None:
        try:
            if self.store is None:
                from hardtruths_desktop.store.session import Store

                self.store = Store(self.data_dir, self.clock)
            result = fn(self.store)
        except Exception as e:
            from hardtruths_desktop.domain.validation import ValidationError
            from hardtruths_desktop.store.migrate import StoreError

            if not isinstance(e, (ValidationError, StoreError)):
                log.error("store job failed:\n%s", traceback.format_exc())
            self.failed.emit(job_id, (e,))
            return
        # always a 1-tuple: PySide6 mis-counts references to a bare None sent through an
        # ``object`` signal across threads (seen as "deallocating None" at exit)
        self.done.emit(job_id, (result,))

    @Slot()
    def close(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None


class StoreWorker(QObject):
    """GUI-side handle of the store thread. Opens the store lazily with the first job."""

    changes_applied = Signal(object)  # hardtruths_desktop.store.session.Changes
    busy_changed = Signal(bool)
    _submit = Signal(int, object)
    _close = Signal()

    def __init__(self, data_dir: Path, clock: Clock, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        #: the process's one clock (``domain/clock.py``); the store and every screen read "now" from it
        self.clock = clock
        self._thread = QThread()
        self._thread.setObjectName("store-worker")
        self._runner = _Runner(data_dir, clock)
        self._runner.moveToThread(self._thread)
        self._submit.connect(self._runner.run)
        self._close.connect(self._runner.close)
        self._runner.done.connect(self._on_done)
        self._runner.failed.connect(self._on_failed)
        self._jobs: dict[int, tuple[Callable[[Any], None], Failure | None]] = {}
        self._next = 0
        self._thread.start()
        #: called for failures that have no ``on_error`` (set by the main window to show them)
        self.default_error: Failure = lambda e: None

    @property
    def pending(self) -> int:
        return len(self._jobs)

    def query(self, fn: Callable[[Store], T], on_done: Callable[[T], None], on_error: Failure | None = None) -> None:
        """Run a read (or any store callable) on the worker; ``on_done(result)`` on the GUI thread."""
        self._start(fn, on_done, on_error)

    def write(
        self, actor: Actor, fn: Callable[[WriteTx], T], on_done: Callable[[T], None], on_error: Failure | None = None
    ) -> None:
        """Run ``fn(tx)`` in one write transaction attributed to ``actor``; commit, then report."""

        def job(store: Store) -> tuple[T, Any]:
            with store.write(actor) as tx:
                result = fn(tx)
            return result, tx.changes

        def done(pair: tuple[T, Any]) -> None:
            result, changes = pair
            on_done(result)
            if changes:
                self.changes_applied.emit(changes)

        self._start(job, done, on_error)

    def _start(self, fn: Callable[[Any], Any], on_done: Callable[[Any], None], on_error: Failure | None) -> None:
        self._next += 1
        self._jobs[self._next] = (on_done, on_error)
        if len(self._jobs) == 1:
            self.busy_changed.emit(True)
        self._submit.emit(self._next, fn)

    def _finish(self, job_id: int) -> tuple[Callable[[Any], None], Failure | None] | None:
        entry = self._jobs.pop(job_id, None)
        if not self._jobs:
            self.busy_changed.emit(False)
        return entry

    @Slot(int, object)
    def _on_done(self, job_id: int, boxed: tuple[Any]) -> None:
        entry = self._finish(job_id)
        if entry is not None:
            try:
                entry[0](boxed[0])
            except Exception:  # a bug in a GUI callback must not kill the event loop
                log.exception("store job callback failed")

    @Slot(int, object)
    def _on_failed(self, job_id: int, boxed: tuple[BaseException]) -> None:
        error = boxed[0]
        entry = self._finish(job_id)
        handler = entry[1] if entry and entry[1] else self.default_error
        try:
            handler(error)
        except Exception:
            log.exception("store error handler failed")

    def stop(self) -> None:
        """Close the store on its own thread and stop the thread (waits for running jobs)."""
        if self._thread.isRunning():
            self._close.emit()
            self._thread.quit()
            self._thread.wait()
