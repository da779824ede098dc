"""Background work that is not store work: rendering PDFs, rasterising pages, writing files.

Threading contract (the same shape as ``ui.worker``, STYLE.md habit 3):
- ``TaskPool.run`` may only be called on the GUI thread.
- ``fn()`` runs on a ``QThreadPool`` thread; it gets no store and must not touch any widget
  (QImage, QPdfDocument it creates itself and QPainter on a QPrinter/QImage are fine there).
  Store reads go through the store worker first; hand the result to ``fn`` as plain data.
- ``on_done(result)`` / ``on_error(exception)`` run later on the GUI thread. Jobs run in
  parallel, so results may come back out of order: callers that only want the latest result
  pass a ``key``; an earlier job with the same key that finishes later is dropped.
- Unexpected exceptions are logged with their traceback; the "expected" ones (``ValueError``
  and its kin: ValidationError, UnprintableCharacters, MissingContactDetails) are only passed on.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)
Failure = Callable[[BaseException], None]

_shared: QThreadPool | None = None


def shared_pool() -> QThreadPool:
    """One pool for the whole station, two threads at most (ward PCs are small)."""
    global _shared
    if _shared is None:
        _shared = QThreadPool()
        _shared.setObjectName("render-pool")
        _shared.setMaxThreadCount(2)
    return _shared


class _Relay(QObject):
    """Lives on the GUI thread; pool threads emit through it, so slots run queued on the GUI thread."""

    done = Signal(int, object)
    failed = Signal(int, object)


class _Task(QRunnable):
    def __init__(self, job_id: int, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.job_id = job_id
        self.fn = fn
        self.relay = relay

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as e:
            if not isinstance(e, ValueError):
                log.error("background job failed:\n%s", traceback.format_exc())
            self.relay.failed.emit(self.job_id, (e,))
            return
        self.relay.done.emit(self.job_id, (result,))  # boxed: see ui.worker on bare None


class TaskPool(QObject):
    """GUI-side handle for pool jobs; one per screen, all sharing :func:`shared_pool`."""

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self.pool = pool or shared_pool()
        # unparented and also held by each task: it outlives this handle while jobs still run
        self._relay = _Relay()
        self._relay.done.connect(self._on_done)
        self._relay.failed.connect(self._on_failed)
        self._jobs: dict[int, tuple[Callable[[Any], None], Failure | None, str | None]] = {}
        self._latest: dict[str, int] = {}
        self._next = 0

    @property
    def pending(self) -> int:
        return len(self._jobs)

    def run(self, fn: Callable[[], Any], on_done: Callable[[Any], None], on_error: Failure | None = None,
            key: str | None = None) -> int:
        self._next += 1
        job_id = self._next
        self._jobs[job_id] = (on_done, on_error, key)
        if key is not None:
            self._latest[key] = job_id
        if len(self._jobs) == 1:
            self.busy_changed.emit(True)
        task = _Task(job_id, fn, self._relay)
        task.setAutoDelete(True)
        self.pool.start(task)
        return job_id

    def forget(self, key: str) -> None:
        """Drop the results of every job with ``key`` still running (a "cancel" for short jobs)."""
        self._latest[key] = -1

    def _finish(self, job_id: int) -> tuple[Callable[[Any], None], Failure | None, str | None] | None:
        entry = self._jobs.pop(job_id, None)
        if not self._jobs:
            self.busy_changed.emit(False)
        if entry is not None and entry[2] is not None and self._latest.get(entry[2]) != job_id:
            return None  # a newer job with the same key was started: this result is stale
        return entry

    @Slot(int, object)
    def _on_done(self, job_id: int, boxed: tuple[Any]) -> None:
        entry = self._finish(job_id)
        if entry is not None:
            try:
                entry[0](boxed[0])
            except Exception:
                log.exception("background job callback failed")

    @Slot(int, object)
    def _on_failed(self, job_id: int, boxed: tuple[BaseException]) -> None:
        entry = self._finish(job_id)
        if entry is None:
            return
        if entry[1] is None:
            log.error("background job failed with no handler: %r", boxed[0])
            return
        try:
            entry[1](boxed[0])
        except Exception:
            log.exception("background job error handler failed")

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until the pool is idle (tests and shutdown only)."""
        return bool(self.pool.waitForDone(msecs))
