"""What every screen shares: the store worker, the ward this station is showing and who is signed in.

Screens never call each other; they call ``write``/``query`` here and refresh from
``changes_applied`` (emitted by the worker after any write that changed something).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QObject, Signal

from ui.worker import Failure, StoreWorker

if TYPE_CHECKING:
    from hardtruths_desktop.domain.clock import Clock
    from hardtruths_desktop.store.queries import StaffInfo, WardInfo
    from hardtruths_desktop.store.session import Actor, Store, WriteTx

T = TypeVar("T")


class Context(QObject):
    user_changed = Signal()
    ward_changed = Signal()

    def __init__(self, worker: StoreWorker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        #: the one clock (``domain/clock.py``): screens ask it for "now", never the PC directly
        self.clock: Clock = worker.clock
        self.changes_applied = worker.changes_applied
        self.ward: WardInfo | None = None
        self.user: StaffInfo | None = None

    @property
    def ward_id(self) -> str:
        if self.ward is None:
            raise RuntimeError("no ward chosen yet")
        return self.ward.id

    def actor(self) -> Actor:
        from hardtruths_desktop.store.session import Actor

        if self.user is None:
            raise RuntimeError("nobody is signed in")
        return Actor(self.user.id, self.user.name)

    def set_ward(self, ward: WardInfo | None) -> None:
        self.ward = ward
        self.ward_changed.emit()

    def set_user(self, user: StaffInfo | None) -> None:
        self.user = user
        self.user_changed.emit()

    def query(self, fn: Callable[[Store], T], on_done: Callable[[T], None], on_error: Failure | None = None) -> None:
        self.worker.query(fn, on_done, on_error)

    def write(self, fn: Callable[[WriteTx], T], on_done: Callable[[T], None], on_error: Failure | None = None) -> None:
        """A write attributed to the signed-in person."""
        self.worker.write(self.actor(), fn, on_done, on_error)
