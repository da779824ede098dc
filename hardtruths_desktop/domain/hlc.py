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


def tick(last: Hlc, phys_ms: int) -> Hlc:
    """The HLC for a local event given the last one issued and the corrected physical time."""
    pt = max(last.pt, phys_ms)
    lc = last.lc + 1 if pt == last.pt else 0
    return Hlc(pt, lc, last.node)


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
    return Hlc(pt, lc, last.node)
