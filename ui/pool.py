"""Background work that is not store work: rendering PDFs, rasterising pages, writing files.

A ``TaskPool`` is a :class:`ui.jobs.Jobs` on the station's one shared pool (see ``ui.jobs`` for the
threading contract). Jobs run in parallel, so a screen that only wants the latest preview passes a
``key``. Store reads go through the store worker first; hand the result to the job as plain data.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QThreadPool

from ui.jobs import Jobs

_shared: QThreadPool | None = None


def shared_pool() -> QThreadPool:
    """One pool for the whole station, two threads at most (ward PCs are small)."""
    global _shared
    if _shared is None:
        _shared = QThreadPool()
        _shared.setObjectName("render-pool")
        _shared.setMaxThreadCount(2)
    return _shared


class TaskPool(Jobs):
    """One per screen, all sharing :func:`shared_pool`."""

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(pool or shared_pool(), parent=parent)
