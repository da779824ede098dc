"""The store worker: every database call of the GUI runs here, one at a time, in order (STYLE.md habit 3).

It is a :class:`ui.jobs.Jobs` on a single-thread pool, so the threading contract is ``ui.jobs``'s:
- ``query`` and ``write`` may only be called on the GUI thread.
- The callable runs on the worker thread with the open ``Store`` (or a ``WriteTx`` for writes);
  it must not touch any widget. The ``Store`` is opened lazily by the first job, on that thread,
  and only ever used there.
- ``on_done`` / ``on_error`` run later on the GUI thread, in submission order; a failure with no
  ``on_error`` goes to ``default_error`` (set by the main window to show it).
- A write that succeeds emits ``changes_applied(Changes)`` after ``on_done`` when it changed
  anything; screens refresh from that one signal (habit 4), never from each other.
- ``ValidationError`` and ``StoreError`` are expected (input trouble, an unopenable store) and only
  passed on; anything else is logged with its traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, Signal

from ui.jobs import Failure, Jobs, single_thread_pool

if TYPE_CHECKING:
    from hardtruths_desktop.domain.clock import Clock
    from hardtruths_desktop.store.session import Actor, Store, WriteTx

T = TypeVar("T")
__all__ = ["Failure", "StoreWorker"]


def _expected(e: BaseException) -> bool:
    from hardtruths_desktop.domain.validation import ValidationError
    from hardtruths_desktop.store.migrate import StoreError

    return isinstance(e, (ValidationError, StoreError))


class StoreWorker(QObject):
    """GUI-side handle of the store thread. Opens the store lazily with the first job."""

    changes_applied = Signal(object)  # hardtruths_desktop.store.session.Changes
    busy_changed = Signal(bool)

    def __init__(self, data_dir: Path, clock: Clock, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        #: the process's one clock (``domain/clock.py``); the store and every screen read "now" from it
        self.clock = clock
        self._pool = single_thread_pool("store-worker", self)
        self._jobs = Jobs(self._pool, _expected, self)
        self._jobs.busy_changed.connect(self.busy_changed)
        self._jobs.default_error = lambda e: self.default_error(e)
        self._store: Store | None = None  # only touched on the worker thread
        self._stopped = False
        #: called for failures that have no ``on_error`` (set by the main window to show them)
        self.default_error: Failure = lambda e: None

    @property
    def pending(self) -> int:
        return self._jobs.pending

    def _with_store(self, fn: Callable[[Store], T]) -> Callable[[], T]:
        def job() -> T:
            if self._store is None:
                from hardtruths_desktop.store.session import Store

                self._store = Store(self.data_dir, self.clock)
            return fn(self._store)

        return job

    def query(self, fn: Callable[[Store], T], on_done: Callable[[T], None], on_error: Failure | None = None) -> None:
        """Run a read (or any store callable) on the worker; ``on_done(result)`` on the GUI thread."""
        self._jobs.run(self._with_store(fn), on_done, on_error)

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

        self._jobs.run(self._with_store(job), done, on_error)

    def stop(self) -> None:
        """Close the store on its own thread and stop (waits for the jobs already submitted)."""
        if self._stopped:
            return
        self._stopped = True

        def close() -> None:
            if self._store is not None:
                self._store.close()
                self._store = None

        self._jobs.run(close, lambda _r: None)
        self._pool.waitForDone()
