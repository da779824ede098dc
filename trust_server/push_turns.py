"""Each station's pushes in one server process, one at a time (issue 13, the pipelined push).

A station sends its next batch (``Push-Pipelined: 1``) while the one before is applied. The batch sent
ahead is read and checked outside any transaction, then waits its turn HERE, on a lock of this
process, holding no database connection, and takes a connection only once the push before it has
ended (committed or rolled back, its connection given back). Many wards pushing backlogs at once
therefore hold one pool connection each, not two (the pool has 12).

The turn is only this process's: a push of the same station applied by ANOTHER server process still
holds the device row, and the push that has the turn here then waits on that row in PostgreSQL
(``sync.lock_device``, ``lock_timeout``), as before. An unmarked push never waits: it is refused
409 ``request_outstanding`` at once while another push of its station is in this process's turn (as
it is when another process holds the device row).

The wait holds no worker thread either (reviewer, issue 13: up to 30 s each, so many wards pushing backlogs
at once could take every thread of the server's pool and starve pulls and ``/health``): the endpoint
(``api/sync.py``) awaits the turn on the event loop (``StationTurn.acquire_async``) between checking the batch
and applying it, each in a worker thread. The turn is handed from the push that ends to the first waiting
(in the order they came), whether it waits on the event loop or, called directly (``sync.push``), in a
thread.

One ``PushTurns`` per app (``app.state.push_turns``, made by ``create_app``), never module state: two
apps in one process (tests, benchmarks) keep their own.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from trust_server.errors import ApiError


def outstanding() -> ApiError:
    return ApiError(409, "request_outstanding", "Another push from this station is still being processed",
                    headers={"Retry-After": "1"})


class _Waiter:
    """A push waiting for the turn: ``wake`` is called once the turn is its own."""

    __slots__ = ("wake",)

    def __init__(self, wake: Callable[[], object]) -> None:
        self.wake = wake


def _set(fut: asyncio.Future[None]) -> None:
    if not fut.done():  # a waiter that timed out just as the turn came owns it anyway (``acquire_async``)
        fut.set_result(None)


@dataclass
class StationTurn:
    """One station's pushes in flight in this process."""

    pipelined: int = 0  # marked pushes in flight (the one applied and the one sent ahead)
    users: int = 0  # pushes in flight, of either kind (the entry goes when none is left)
    waiting: int = 0  # pushes waiting for the turn now (tests watch it)
    guard: threading.Lock = field(default_factory=threading.Lock)  # the counts' and the turn's (``PushTurns``' own lock)
    held: bool = False  # a push holds the turn (inside its transaction)
    waiters: deque[_Waiter] = field(default_factory=deque)  # in the order they came

    def _take_or_queue(self, waiter: _Waiter | None) -> bool:
        """Takes the turn if it is free; else queues ``waiter`` (if any). Under ``guard``."""
        if not self.held:
            self.held = True
            return True
        if waiter is not None:
            self.waiters.append(waiter)
            self.waiting += 1
        return False

    def _give_up(self, waiter: _Waiter) -> bool:
        """A waiter stops waiting: False if it was still queued, True if the turn had been handed to it. Under ``guard``."""
        self.waiting -= 1
        try:
            self.waiters.remove(waiter)
        except ValueError:
            return True
        return False

    def acquire(self, wait_s: float) -> bool:
        """Takes the turn, waiting up to ``wait_s`` seconds in this thread (0: not at all)."""
        event = threading.Event()
        waiter = _Waiter(event.set)
        with self.guard:
            if self._take_or_queue(waiter if wait_s > 0 else None):
                return True
            if wait_s <= 0:
                return False
        if event.wait(wait_s):
            with self.guard:
                self.waiting -= 1
            return True
        with self.guard:
            return self._give_up(waiter)

    async def acquire_async(self, wait_s: float) -> bool:
        """Takes the turn, waiting up to ``wait_s`` seconds on the event loop: no thread held while it waits."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        waiter = _Waiter(lambda: loop.call_soon_threadsafe(_set, fut))
        with self.guard:
            if self._take_or_queue(waiter if wait_s > 0 else None):
                return True
            if wait_s <= 0:
                return False
        try:
            await asyncio.wait_for(fut, wait_s)
        except BaseException as e:  # timed out, or the request cancelled: the turn is given up, or on if it came
            with self.guard:
                handed = self._give_up(waiter)
            if isinstance(e, TimeoutError):
                return handed
            if handed:
                self.release()
            raise
        with self.guard:
            self.waiting -= 1
        return True

    def release(self) -> None:
        """The turn goes to the first push waiting for it, else is free."""
        with self.guard:
            if self.waiters:
                self.waiters.popleft().wake()  # the turn stays held: it is the waiter's now
            else:
                self.held = False

    @contextmanager
    def turn(self, wait_s: float, held: bool = False) -> Iterator[None]:
        """Hold the station's turn for one transaction: wait up to ``wait_s`` seconds for it (0: not at all),
        else 409 ``request_outstanding``; ``held``: the caller has it already (``acquire_async``)."""
        if not held and not self.acquire(wait_s):
            raise outstanding()
        try:
            yield
        finally:
            self.release()


class PushTurns:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stations: dict[str, StationTurn] = {}

    @contextmanager
    def station(self, device_id: str, *, pipelined: bool, limit: int) -> Iterator[StationTurn]:
        """The station's entry for one push. A marked push beyond ``limit`` of the station's in flight
        (a broken or hostile station) is refused 409 ``request_outstanding`` at once."""
        with self._lock:
            entry = self._stations.get(device_id)
            if entry is None:
                entry = self._stations[device_id] = StationTurn(guard=self._lock)
            if pipelined and entry.pipelined >= limit:
                raise outstanding()
            entry.pipelined += pipelined
            entry.users += 1
        try:
            yield entry
        finally:
            with self._lock:
                entry.pipelined -= pipelined
                entry.users -= 1
                if not entry.users:
                    del self._stations[device_id]

    def waiting(self, device_id: str) -> int:
        """Pushes of the station waiting for its turn in this process now."""
        with self._lock:
            entry = self._stations.get(device_id)
            return entry.waiting if entry is not None else 0
