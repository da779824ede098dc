"""The server's own HLC (its admin writes and voids) belongs to one database's engine, not to the process.

Reviewer, issue 13: it was one per process, so a test that moved one server's clock forward lifted every
later server's HLCs in the same process (and a second app in a process inherited the first's). Real SQLite
databases, the real admin write path (``reference.write_record``)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlmodel import Session
from support.clocks import SUITE_MS, suite_clock

from hardtruths_desktop.domain.hlc import Hlc
from trust_server.apply import Outcome, server_hlc
from trust_server.db import make_engine, migrate
from trust_server.reference import trust_id, write_record


def _trust_write(session: Session, name: str, clock_ahead_days: int = 0) -> Outcome:
    clock = suite_clock()
    clock.advance(timedelta(days=clock_ahead_days))
    out = write_record(session, "trust", trust_id("T1"), {"code": "T1", "name": name}, clock=clock)
    session.commit()
    return out


def test_a_servers_clock_moved_forward_does_not_lift_another_databases_server_hlc(tmp_path: Path) -> None:
    engines = [make_engine(f"sqlite:///{tmp_path / name}.sqlite") for name in ("a", "b")]
    try:
        for engine in engines:
            migrate(engine)
        with Session(engines[0]) as a, Session(engines[1]) as b:
            ahead = _trust_write(a, "Ahead", clock_ahead_days=2)  # server A's clock moved two days on
            assert Hlc.parse(ahead.meta_entries[0]["hlc"]).pt == SUITE_MS + 2 * 86_400_000 and not ahead.flags
            # server B, on time: its own write carries its own clock (one per process, it carried A's two days
            # ahead, and B flagged its own admin's write clock_ahead and clamped it)
            on_time = _trust_write(b, "On time")
            assert not on_time.flags and Hlc.parse(on_time.meta_entries[0]["hlc"]).pt == SUITE_MS
            # A itself never goes back: monotonic per database
            again = Hlc.parse(server_hlc(SUITE_MS, a))
            assert (again.pt, again.lc) == (SUITE_MS + 2 * 86_400_000, 1)
    finally:
        for engine in engines:
            engine.dispose()
