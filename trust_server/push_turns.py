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

One ``PushTurns`` per app (``app.state.push_turns``, made by ``create_app``), never module state: two
apps in one process (tests, benchmarks) keep their own.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from trust_server.errors import ApiError


def outstanding() -> ApiError:
    return ApiError(409, "request_outstanding", "Another push from this station is still being processed",
                    headers={"Retry-After": "1"})


@dataclass
class StationTurn:
    """One station's pushes in flight in this process."""

    lock: threading.Lock = field(default_factory=threading.Lock)  # held by the push inside its transaction
    pipelined: int = 0  # marked pushes in flight (the one applied and the one sent ahead)
    users: int = 0  # pushes in flight, of either kind (the entry goes when none is left)
    waiting: int = 0  # pushes waiting for the turn now (tests watch it)
    guard: threading.Lock = field(default_factory=threading.Lock)  # the counts' (``PushTurns``' own lock)

    @contextmanager
    def turn(self, wait_s: float) -> Iterator[None]:
        """Hold the station's turn for one transaction: wait up to ``wait_s`` seconds for it (0: not at
        all), else 409 ``request_outstanding``."""
        if wait_s > 0:
            with self.guard:
                self.waiting += 1
            try:
                got = self.lock.acquire(timeout=wait_s)
            finally:
                with self.guard:
                    self.waiting -= 1
        else:
            got = self.lock.acquire(blocking=False)
        if not got:
            raise outstanding()
        try:
            yield
        finally:
            self.lock.release()


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
