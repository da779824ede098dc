"""Sign in: the station's wards and each ward's active staff list.

Two ways to the same answer:

- ``load_roster(store)``: through the open ``Store`` (the usual read-model);
- ``peek_roster(data_dir)``: straight from the database file with plain ``sqlite3``, read-only, before
  the ``Store`` (and SQLAlchemy/SQLModel behind it) is loaded. The ward station lists the names with it
  at start-up while the full store opens in the background (issue 13: cold start to "ready to sign in").
  It answers only for a store this version can read as it is (at the head schema revision, with at
  least one ward); otherwise None, and the caller waits for the ``Store``, which upgrades the file or
  says why it cannot be opened. A test holds the two functions to the same answer.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import TYPE_CHECKING

from hardtruths_desktop.domain.staffing import ShiftTimes
from hardtruths_desktop.store.infos import StaffInfo, WardInfo

if TYPE_CHECKING:
    from hardtruths_desktop.store.session import Store


@dataclass(frozen=True)
class Roster:
    wards: tuple[WardInfo, ...]
    staff: dict[str, tuple[StaffInfo, ...]]  # ward id -> active staff, by name
    home_ward: str | None = None  # this station's ward (code), once chosen (store.station)


def load_roster(store: Store) -> Roster:
    from hardtruths_desktop.store.queries import list_staff, list_wards
    from hardtruths_desktop.store.station import station_ward_code

    with store.read() as s:
        wards = tuple(list_wards(s))
        return Roster(wards, {w.id: tuple(list_staff(s, w.id)) for w in wards}, station_ward_code(s))


def peek_roster(data_dir: Path) -> Roster | None:
    """The sign-in list read from the file without the ORM, or None when only the ``Store`` can say
    (no file yet, a schema to upgrade or too new, no ward, a file that is locked or not a database)."""
    from hardtruths_desktop.store.migrate import HEAD_REVISION
    from hardtruths_desktop.store.paths import db_path

    path = db_path(data_dir)
    if not path.is_file():
        return None
    try:
        con = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=0.5)
    except sqlite3.Error:
        return None
    try:
        con.execute("BEGIN")  # one snapshot for every query below
        rev = con.execute("SELECT version_num FROM alembic_version").fetchone()
        if rev is None or rev[0] != HEAD_REVISION:
            return None
        return _roster(con)
    except sqlite3.Error:
        return None
    finally:
        con.close()


def _roster(con: sqlite3.Connection) -> Roster | None:
    # the same rows, in the same order, as store.queries.list_wards / list_staff / patterns and
    # store.station.station_ward_code (held together by tests/core/test_roster_peek.py)
    wards = []
    for wid, code, name, site, specialty, beds, trust_name in con.execute(
        "SELECT w.id, w.code, w.name, w.site, w.specialty, w.beds, coalesce(t.name, '') "
        "FROM ward w LEFT JOIN trust t ON t.id = w.trust_id ORDER BY w.code"
    ):
        patterns = tuple(
            ShiftTimes(pc, pn, time.fromisoformat(start), time.fromisoformat(end), "night" if period == "night" else "day")
            for pc, pn, start, end, period in con.execute(
                "SELECT code, name, start_time, end_time, period FROM shift_pattern "
                "WHERE ward_id = ? AND active = 1 ORDER BY sort_order, start_time", (wid,))
        )
        wards.append(WardInfo(wid, code, name, site, specialty, beds, trust_name, patterns))
    if not wards:
        return None  # first run: the Store decides (the demo, or how to set up a ward)
    staff = {
        w.id: tuple(
            StaffInfo(sid, name, role, title, bool(manager), bool(active), w.code)
            for sid, name, role, title, manager, active in con.execute(
                "SELECT id, name, role, title, is_manager, active FROM staff "
                "WHERE ward_id = ? AND active = 1 ORDER BY name", (w.id,))
        )
        for w in wards
    }
    return Roster(tuple(wards), staff, _home_ward(con))


def _home_ward(con: sqlite3.Connection) -> str | None:
    state = con.execute("SELECT device_id, ward_code, home_ward_id FROM sync_state WHERE id = 1").fetchone()
    if state is None:
        return None
    device_id, ward_code, home_ward_id = state
    if device_id and ward_code and con.execute("SELECT 1 FROM ward WHERE code = ?", (ward_code,)).fetchone():
        return str(ward_code)
    if home_ward_id:
        row = con.execute("SELECT code FROM ward WHERE id = ?", (home_ward_id,)).fetchone()
        if row is not None:
            return str(row[0])
    return None


__all__ = ["Roster", "StaffInfo", "WardInfo", "load_roster", "peek_roster"]
