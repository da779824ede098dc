"""When to sync next (SYNC.md 3.12), as plain arithmetic so it is testable without a clock or Qt.

Triggers: start-up, 2 s after a local save (debounced), every 60 s while anything is pending,
every 5 min otherwise, and "Sync now". After a failure: full-jitter exponential backoff
``random(0, min(300, 1 * 2**attempt))`` seconds, honouring ``Retry-After``; reset on success.
Every failure path re-arms the timer (the bug PowerSync shipped several times).

``SyncSchedule.cycle_done`` is the ONE place that maps a cycle's result to the next run; the
command line's ``sync`` loop and the GUI's sync runner both call it. A cycle that reached the
server and finished but left changes waiting (``error == "pending"``: something was saved while it
ran) is not a failure: the network works, so there is no backoff; it runs again in 60 s (or 2 s
after the next save), as SYNC.md 3.12 says "every 60 s while pending > 0".

Times are monotonic seconds (``time.monotonic()``): this is a timer, not the business clock.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Literal, Protocol

AFTER_SAVE_S = 2.0
WHILE_PENDING_S = 60.0
IDLE_S = 300.0
BACKOFF_CAP_S = 300.0
BACKOFF_BASE_S = 1.0


def backoff_delay(attempt: int, rng: random.Random, retry_after: float | None = None) -> float:
    """Full jitter; never less than the server's Retry-After."""
    ceiling = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** min(attempt, 20))
    delay = rng.uniform(0, ceiling)
    if retry_after is not None:
        delay = max(delay, min(retry_after, BACKOFF_CAP_S))
    return delay


class CycleResult(Protocol):
    """What the schedule needs from a cycle's result (``sync.engine.SyncResult`` has it)."""

    @property
    def ok(self) -> bool: ...
    @property
    def error(self) -> str | None: ...
    @property
    def pending(self) -> int: ...
    @property
    def retryable(self) -> bool: ...
    @property
    def retry_after(self) -> float | None: ...


Next = Literal["idle", "pending", "backoff", "stopped"]


@dataclass
class SyncSchedule:
    """Decides the time (monotonic seconds) of the next attempt."""

    rng: random.Random = field(default_factory=random.Random)
    failures: int = 0
    next_at: float = 0.0  # start-up: due at once

    def saved(self, now: float) -> None:
        """A local write: sync soon (debounced), unless backing off harder already."""
        if self.failures == 0:
            self.next_at = min(self.next_at, now + AFTER_SAVE_S) if self.next_at > now else now + AFTER_SAVE_S

    def sync_now(self, now: float) -> None:
        self.next_at = now

    def succeeded(self, now: float, pending: int) -> None:
        self.failures = 0
        self.next_at = now + (WHILE_PENDING_S if pending else IDLE_S)

    def failed(self, now: float, retry_after: float | None = None) -> float:
        self.failures += 1
        delay = backoff_delay(self.failures, self.rng, retry_after)
        self.next_at = now + delay
        return delay

    def cycle_done(self, now: float, result: CycleResult) -> Next:
        """Arm the next run after a cycle; returns which rule applied."""
        if result.ok or result.error == "pending":  # reached the server and finished: never a backoff
            self.succeeded(now, result.pending)
            return "pending" if result.pending else "idle"
        if result.retryable:  # network trouble, a busy server, another copy syncing: back off
            self.failed(now, result.retry_after)
            return "backoff"
        self.stopped(now)  # revoked, not enrolled, too old: a person must act first
        return "stopped"

    def stopped(self, now: float) -> None:
        """Revoked or not enrolled: look again only slowly (a person must act first)."""
        self.next_at = now + IDLE_S

    def due(self, now: float) -> bool:
        return now >= self.next_at
