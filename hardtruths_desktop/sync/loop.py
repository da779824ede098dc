"""The looping ``sync`` (the command line, a scheduled task): cycles on ``SyncSchedule``, and notices
saves made by ANY process on this PC (the GUI, a second GUI, the CLI) within a short tick.

A save in another process never calls ``SyncSchedule.saved`` here, so the loop watches the outbox:
every ``TICK_S`` it reads the outbox's last sequence number (``sqlite_sequence``: one row, O(1)) and a
new one arms the after-save timer (2 s debounce), exactly as a save in this process would.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from hardtruths_desktop.store import sync_store
from hardtruths_desktop.store.session import Store
from hardtruths_desktop.sync.engine import SyncEngine, SyncResult
from hardtruths_desktop.sync.scheduler import SyncSchedule

TICK_S = 0.25


class OutboxWatch:
    """Tells whether any process added to the outbox since the last look."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.seen = sync_store.outbox_high(store)

    def changed(self) -> bool:
        high = sync_store.outbox_high(self.store)
        if high != self.seen:
            self.seen = high
            return True
        return False


def run_loop(engine: SyncEngine, on_result: Callable[[SyncResult], None], *, schedule: SyncSchedule | None = None,
             stop: Callable[[], bool] = lambda: False, tick_s: float = TICK_S,
             sleep: Callable[[float], None] = time.sleep, monotonic: Callable[[], float] = time.monotonic) -> None:
    """Cycle until ``stop()`` says so: each cycle's result goes to ``on_result``; between cycles, a
    save by any process brings the next cycle forward to 2 s after it."""
    schedule = schedule or SyncSchedule()
    watch = OutboxWatch(engine.store)
    while not stop():
        watch.changed()  # what is in the outbox now goes in this cycle
        result = engine.sync_once()
        on_result(result)
        schedule.cycle_done(monotonic(), result)
        while not stop():
            now = monotonic()
            if schedule.due(now):
                break
            sleep(max(0.0, min(tick_s, schedule.next_at - now)))
            if watch.changed():
                schedule.saved(monotonic())
