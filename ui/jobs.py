"""The one background-job helper: run a callable off the GUI thread, get its result back on it.

Every kind of background work uses it (STYLE.md habit 3): the store worker (``ui.worker``: one
thread, jobs in order), PDF rendering, printing and saving files (``ui.pool``: the shared pool),
and sync cycles (``ui.sync_runner``: one at a time).

Threading contract:
- ``Jobs.run`` may only be called on the GUI thread.
- ``fn()`` runs on a thread of the ``QThreadPool`` the ``Jobs`` was given; it must not touch any
  widget (QImage, QPdfDocument it creates itself and QPainter on a QPrinter/QImage are fine).
- ``on_done(result)`` / ``on_error(exception)`` run later on the GUI thread. On a
  :func:`single_thread_pool` jobs run one at a time in submission order on one long-lived thread,
  and report in that order; on a wider pool they may finish out of order, so callers that only
  want the latest result pass a ``key`` (an earlier job with the same key that finishes later is
  dropped).
- A failure with no ``on_error`` goes to ``default_error``. Unexpected exceptions are logged with
  their traceback here; the ones ``expected`` says are input trouble are only passed on.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)
Failure = Callable[[BaseException], None]


def single_thread_pool(name: str, parent: QObject | None = None) -> QThreadPool:
    """A pool of one thread that never expires: jobs run one at a time, in order, always on the same
    thread (what a SQLite connection opened on it needs)."""
    pool = QThreadPool(parent)
    pool.setObjectName(name)
    pool.setMaxThreadCount(1)
    pool.setExpiryTimeout(-1)
    return pool


class _Relay(QObject):
    """Lives on the GUI thread; pool threads emit through it, so the slots run queued on the GUI thread."""

    done = Signal(int, object)
    failed = Signal(int, object)


class _Job(QRunnable):
    def __init__(self, job_id: int, fn: Callable[[], Any], relay: _Relay, expected: Callable[[BaseException], bool]) -> None:
        super().__init__()
        self.job_id = job_id
        self.fn = fn
        self.relay = relay
        self.expected = expected
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as e:
            if not self.expected(e):
                log.error("background job failed:\n%s", traceback.format_exc())
            self.relay.failed.emit(self.job_id, (e,))
            return
        # always a 1-tuple: PySide6 mis-counts references to a bare None sent through an
        # ``object`` signal across threads (seen as "deallocating None" at exit)
        self.relay.done.emit(self.job_id, (result,))


def _value_error(e: BaseException) -> bool:
    return isinstance(e, ValueError)  # ValidationError, UnprintableCharacters, MissingContactDetails ...


class Jobs(QObject):
    """GUI-side handle: submit jobs to ``pool``, get results on the GUI thread."""

    busy_changed = Signal(bool)

    def __init__(self, pool: QThreadPool, expected: Callable[[BaseException], bool] = _value_error,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = pool
        self.expected = expected
        # unparented and also held by each job: it outlives this handle while jobs still run
        self._relay = _Relay()
        self._relay.done.connect(self._on_done)
        self._relay.failed.connect(self._on_failed)
        self._jobs: dict[int, tuple[Callable[[Any], None], Failure | None, str | None]] = {}
        self._latest: dict[str, int] = {}
        self._next = 0
        #: called for failures that have no ``on_error`` (the main window shows them)
        self.default_error: Failure = lambda e: log.error("background job failed with no handler: %r", e)

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
        self.pool.start(_Job(job_id, fn, self._relay, self.expected))
        return job_id

    def forget(self, key: str) -> None:
        """Drop the results of every job with ``key`` still running (a "cancel" for short jobs)."""
        self._latest[key] = -1

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until the pool is idle (tests and shutdown only)."""
        return bool(self.pool.waitForDone(msecs))

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
            except Exception:  # a bug in a GUI callback must not kill the event loop
                log.exception("background job callback failed")

    @Slot(int, object)
    def _on_failed(self, job_id: int, boxed: tuple[BaseException]) -> None:
        entry = self._finish(job_id)
        if entry is None:
            return
        handler = entry[1] or self.default_error
        try:
            handler(boxed[0])
        except Exception:
            log.exception("background job error handler failed")
