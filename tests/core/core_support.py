"""Helpers for the core suite: table snapshots of real SQLite files and a small hand-built station
(one trust, ward T1 with Early/Late/Night, a known staff list including non-Latin names), written
through the same repository functions as the app.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from support.clocks import suite_clock

from hardtruths_desktop.domain.clock import Clock, today
from hardtruths_desktop.store import reference
from hardtruths_desktop.store.session import Actor, Store
from hardtruths_desktop.store.tables import Staff, Ward

# Names a ward really has: Greek, Arabic, Chinese, Devanagari, plus a Latin name with an accent.
NON_LATIN_NAMES = {
    "greek": "Γιώργος Παπαδόπουλος",
    "arabic": "محمد عبد الله",
    "chinese": "王小明",
    "devanagari": "प्रिया शर्मा",
}


def table_counts(path: Path) -> dict[str, int]:
    """Row count of every table in the file (sqlite_sequence included: client_seq is never reused)."""
    con = sqlite3.connect(path)
    try:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        con.close()


def db_snapshot(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table: for "nothing at all changed" assertions."""
    con = sqlite3.connect(path)
    try:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {n: sorted(con.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}
    finally:
        con.close()


def sql(path: Path, query: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    con = sqlite3.connect(path)
    try:
        return con.execute(query, params).fetchall()
    finally:
        con.close()


@dataclass
class WardStation:
    store: Store
    ward: Ward
    staff: dict[str, Staff]  # key -> row: "sister", "rn", "rn2", "care", "student", "inactive_rn", non-Latin keys
    dir: Path

    @property
    def path(self) -> Path:
        return self.store.path


THREE_SHIFTS = (
    ("early", "Early", time(7, 0), time(15, 0), "day"),
    ("late", "Late", time(14, 30), time(22, 0), "day"),
    ("night", "Night", time(21, 30), time(7, 30), "night"),
)


def build_ward(folder: Path, clock: Clock | None = None, plan_from: date | None = None,
               with_plan: bool = True) -> WardStation:
    """One trust, ward T1 (30 beds, Early/Late/Night) and a known staff list, via the repositories.
    ``clock``: the store's clock (default: the suite's pinned clock, ``support/clocks.py``)."""
    clock = clock or suite_clock()
    store = Store(folder, clock)
    plan_from = plan_from or today(clock) - timedelta(days=400)
    with store.write(Actor.command_line()) as tx:
        trust = reference.upsert_trust(tx, "TST", "Test Hospitals NHS Trust")
        ward = reference.upsert_ward(tx, trust.id, "T1", "Test Ward 1", "Main Site", "General medicine", 30)
        for order, (code, name, start, end, period) in enumerate(THREE_SHIFTS):
            reference.set_shift_pattern(tx, ward, reference.PatternInput(code, name, start, end, period, order))
        if with_plan:
            for code, rn, care in (("early", (4, 32.0), (2, 16.0)), ("late", (4, 30.0), (2, 15.0)), ("night", (3, 30.0), (2, 20.0))):
                reference.set_establishment(tx, ward, code, "rn", plan_from, *rn)
                reference.set_establishment(tx, ward, code, "care", plan_from, *care)
        people = {
            "sister": ("Mary O'Neill", "rn", "Ward sister", True),
            "rn": ("Aisha Rahman", "rn", "Staff nurse", False),
            "rn2": ("Chloé Martin", "rn", "Staff nurse", False),
            "care": ("Dylan Evans", "care", "Healthcare assistant", False),
            "student": ("Ellie Turner", "student", "Student nurse", False),
            "inactive_rn": ("Old Timer", "rn", "Staff nurse", False),
            **{k: (v, "rn", "Staff nurse", False) for k, v in NON_LATIN_NAMES.items()},
        }
        staff = {key: reference.add_staff(tx, ward, n, r, t, m) for key, (n, r, t, m) in people.items()}
        reference.update_staff(tx, staff["inactive_rn"].id, active=False)
    return WardStation(store, ward, staff, folder)


PEOPLE_KEYS = {
    "Mary O'Neill": "sister", "Aisha Rahman": "rn", "Chloé Martin": "rn2", "Dylan Evans": "care",
    "Ellie Turner": "student", "Old Timer": "inactive_rn", **{v: k for k, v in NON_LATIN_NAMES.items()},
}


def open_station(folder: Path, clock: Clock | None = None) -> WardStation:
    """Open a station built by ``build_ward`` (e.g. a copy of the session template), on ``clock``
    (default: the suite's pinned clock)."""
    from sqlmodel import select

    store = Store(folder, clock or suite_clock())
    with store.read() as s:
        ward = s.exec(select(Ward).where(Ward.code == "T1")).one()
        staff = {PEOPLE_KEYS[x.name]: x for x in s.exec(select(Staff).where(Staff.ward_id == ward.id)).all()}
    return WardStation(store, ward, staff, folder)


class FakeClock:
    """A ``Clock`` the test moves in ms since the epoch (to step the PC's clock back and forth)."""

    def __init__(self, ms: int = 1_800_000_000_000) -> None:
        self.ms = ms

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.ms / 1000, UTC)
