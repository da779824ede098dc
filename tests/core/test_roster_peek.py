"""Issue 13: the sign-in list read straight from the file (``peek_roster``: sqlite3, no ORM) is the
store's own (``load_roster``), and says "ask the store" whenever only the store can answer."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from core_support import WardStation
from support.clocks import suite_clock

from hardtruths_desktop.readmodels.roster import load_roster, peek_roster
from hardtruths_desktop.store.session import Store


def test_same_list_as_the_store(station: WardStation) -> None:
    # one ward with inactive staff and non-Latin names (ordering, filtering), no home ward yet
    assert peek_roster(station.dir) == load_roster(station.store)
    assert peek_roster(station.dir) is not None


def test_same_home_ward_chosen_or_enrolled(demo_dir: Path) -> None:
    store = Store(demo_dir, suite_clock())
    try:
        assert peek_roster(demo_dir) == load_roster(store) and load_roster(store).home_ward is None
        con = sqlite3.connect(store.path)
        with con:
            con.execute("UPDATE sync_state SET home_ward_id = (SELECT id FROM ward WHERE code = 'W7')")
        assert load_roster(store).home_ward == "W7" and peek_roster(demo_dir) == load_roster(store)
        with con:  # enrolled with another ward: the enrolled one wins
            code = con.execute("SELECT code FROM ward WHERE code != 'W7' ORDER BY code").fetchone()[0]
            con.execute("UPDATE sync_state SET device_id = 'dev', ward_code = ?", (code,))
        assert load_roster(store).home_ward == code and peek_roster(demo_dir) == load_roster(store)
        with con:  # a pattern retired, a person left: both lists drop them alike
            con.execute("UPDATE staff SET active = 0 WHERE id = (SELECT min(id) FROM staff)")
            con.execute("UPDATE shift_pattern SET active = 0 WHERE id = (SELECT min(id) FROM shift_pattern)")
        assert peek_roster(demo_dir) == load_roster(store)
        con.close()
    finally:
        store.close()


def test_the_store_decides_when_the_file_cannot_say(tmp_path: Path, station_dir: Path) -> None:
    assert peek_roster(tmp_path / "nothing") is None  # no store yet: the demo / first-run path
    Store(tmp_path / "empty", suite_clock()).close()
    assert peek_roster(tmp_path / "empty") is None  # a store with no ward yet
    path = station_dir / "ward-station.sqlite"
    con = sqlite3.connect(path)
    with con:
        con.execute("UPDATE alembic_version SET version_num = '0001'")  # needs an upgrade first
    assert peek_roster(station_dir) is None
    with con:
        con.execute("UPDATE alembic_version SET version_num = '9999'")  # written by a newer app
    assert peek_roster(station_dir) is None
    con.close()
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "ward-station.sqlite").write_bytes(b"not a database" * 100)
    assert peek_roster(tmp_path / "junk") is None  # the store says what is wrong (exit 3)
