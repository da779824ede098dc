"""Hybrid logical clock (SYNC.md 3.7).

Format ``"{pt_ms:013d}-{lc:05d}-{node[:8]}"``: lexicographic order is chronological order. The
physical part is the wall clock plus the offset learned from the server, and never goes backwards
because the last value is persisted with every write.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Hlc:
    pt: int
    lc: int
    node: str

    def __str__(self) -> str:
        return f"{self.pt:013d}-{self.lc:05d}-{self.node[:8]}"

    @classmethod
    def parse(cls, text: str) -> Hlc:
        pt, lc, node = text.split("-", 2)
        return cls(int(pt), int(lc), node)

    @classmethod
    def zero(cls, node: str) -> Hlc:
        return cls(0, 0, node[:8])


#: The server treats an HLC more than this far ahead of its own time as a wrong clock (SYNC.md 3.7).
MAX_AHEAD_MS = 10 * 60 * 1000
#: The counter is written with five digits; past this the physical part moves on by a millisecond
#: instead, so the text form keeps its width and its order.
MAX_LC = 99_999


def _settle(pt: int, lc: int, node: str) -> Hlc:
    if lc > MAX_LC:
        return Hlc(pt + 1, 0, node)
    return Hlc(pt, lc, node)


def tick(last: Hlc, phys_ms: int) -> Hlc:
    """The HLC for a local event given the last one issued and the corrected physical time."""
    pt = max(last.pt, phys_ms)
    lc = last.lc + 1 if pt == last.pt else 0
    return _settle(pt, lc, last.node)


def receive(last: Hlc, remote: Hlc, phys_ms: int) -> Hlc:
    """The receive rule: never lag a clock we have seen."""
    pt = max(last.pt, remote.pt, phys_ms)
    if pt == last.pt == remote.pt:
        lc = max(last.lc, remote.lc) + 1
    elif pt == last.pt:
        lc = last.lc + 1
    elif pt == remote.pt:
        lc = remote.lc + 1
    else:
        lc = 0
    return _settle(pt, lc, last.node)


def at_server_time(last: Hlc, server_ms: int) -> Hlc:
    """What the HLC becomes when the trust server has just told us its time (SYNC.md 3.7).

    An HLC more than ``MAX_AHEAD_MS`` ahead of the server came from a wrong PC clock (two days
    fast while offline): it comes back to the server's time rather than counting up for two days
    with every change flagged ``clock_ahead``. Only the server's word can decide this; between
    syncs the HLC never goes backwards, whatever the PC clock does."""
    if last.pt > server_ms + MAX_AHEAD_MS:
        return Hlc(server_ms, 0, last.node)
    return last


def cap_remote(remote: Hlc, server_ms: int) -> Hlc:
    """A pulled clock far in the future (another PC's wrong clock) is not followed past the
    server's own tolerance."""
    if remote.pt > server_ms + MAX_AHEAD_MS:
        return Hlc(server_ms + MAX_AHEAD_MS, 0, remote.node)
    return remote
