"""The screen base: every screen loads its read-model the same way (STYLE.md habits 2-4).

A screen subclasses :class:`Screen` and fills in two methods:

- ``loader()`` runs on the GUI thread and returns the job for the store worker: a callable taking
  the ``Store`` that calls one read-model function (``hardtruths_desktop.readmodels``) with values
  captured now (ward id, date), or None when there is nothing to show yet;
- ``show_data(data)`` runs on the GUI thread with the job's result and only puts it on screen.

The base does the rest: ``refresh()`` submits the job; a result that arrives after a newer load was
asked for is dropped (the stale-load guard); ``data`` holds the last result shown and ``loaded``
is emitted after each ``show_data``. The screen refreshes when the ward changes and when a write or
a sync pull touched one of the entities it shows (``entities``; a pull reports ``"sync"`` and
refreshes every screen).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from hardtruths_desktop.domain.clock import Clock
    from hardtruths_desktop.store.session import Changes, Store
    from ui.context import Context

Job = Callable[["Store"], Any]


def ward_now(clock: Clock) -> datetime:
    """The ward's wall clock (Europe/London, naive) by the one clock, for choosing the shift in progress."""
    from hardtruths_desktop.domain.clock import ward_now as _ward_now

    return _ward_now(clock)


def touches(changes: Changes, entities: frozenset[str], on_pull: bool = True) -> bool:
    """Whether a write (or, with ``on_pull``, a sync pull: ``"sync"``) changed what a screen showing ``entities`` shows."""
    return (on_pull and "sync" in changes.entities) or bool(changes.entities & entities)


class Screen(QWidget):
    loaded = Signal()
    #: the synced entities this screen shows: a change to any of them refreshes it
    entities: ClassVar[frozenset[str]] = frozenset()
    #: refresh after a sync pull too (a form someone may be typing into says False)
    refresh_on_pull: ClassVar[bool] = True

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.data: Any = None
        self._seq = 0
        ctx.changes_applied.connect(self._changes_applied)
        ctx.ward_changed.connect(self.ward_changed)

    # --- what a screen fills in -----------------------------------------------------------------

    def loader(self) -> Job | None:
        raise NotImplementedError

    def show_data(self, data: Any, **opts: Any) -> None:
        raise NotImplementedError

    def load_failed(self, e: BaseException) -> None:
        """A failed load; by default the station's error notice (``StoreWorker.default_error``)."""
        self.ctx.worker.default_error(e)

    def changes_applied(self, changes: Changes) -> None:
        """A change to what this screen shows; screens with typing in progress override it."""
        self.refresh()

    def ward_changed(self) -> None:
        self.refresh()

    # --- the base's part ------------------------------------------------------------------------

    def now(self) -> datetime:
        return ward_now(self.ctx.clock)

    def refresh(self, **opts: Any) -> None:
        """Load again; ``opts`` are handed to ``show_data`` with the result."""
        job = self.loader()
        if job is None:
            return
        self._seq += 1
        seq = self._seq
        self.ctx.query(job, lambda data: self._load_arrived(seq, data, opts), lambda e: self._load_failed(seq, e))

    def _load_arrived(self, seq: int, data: Any, opts: dict[str, Any]) -> None:
        if seq != self._seq:
            return  # a newer load is on its way
        self.data = data
        self.show_data(data, **opts)
        self.loaded.emit()

    def _load_failed(self, seq: int, e: BaseException) -> None:
        if seq == self._seq:
            self.load_failed(e)

    def _changes_applied(self, changes: Changes) -> None:
        if touches(changes, self.entities, self.refresh_on_pull):
            self.changes_applied(changes)
