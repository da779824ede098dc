"""Upgrade in place from the previous release (issue 14): the store the release of 1 December 2026
wrote (schema 0008, ``fixtures/store-0008.sqlite``, made by that release's own demo) opens with this
version: backed up first, every row of every table it had kept, and read back through the CLI."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from hardtruths_desktop import cli
from hardtruths_desktop.domain.clock import FixedClock
from hardtruths_desktop.store import migrate
from hardtruths_desktop.store.engine import DB_FILENAME
from hardtruths_desktop.store.session import Store

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "store-0008.sqlite"
CLOCK = FixedClock.london(2026, 11, 30, 10, 0)  # the moment the fixture was made


def _rows(path: Path, query: str) -> list[tuple[object, ...]]:
    con = sqlite3.connect(path)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def _tables(path: Path) -> list[str]:
    return [r[0] for r in _rows(path, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                                       " AND name != 'alembic_version' ORDER BY name")]


@pytest.fixture
def station(tmp_path: Path) -> Path:
    folder = tmp_path / "station"
    folder.mkdir()
    shutil.copy2(FIXTURE, folder / DB_FILENAME)
    return folder


def test_the_fixture_is_the_0008_release() -> None:
    assert migrate.current_revision(FIXTURE) == "0008"
    assert _rows(FIXTURE, "SELECT count(*) FROM shift")[0][0] > 40
    assert _rows(FIXTURE, "SELECT count(*) FROM feedback")[0][0] > 10
    assert _rows(FIXTURE, "SELECT count(*) FROM outbox")[0][0] > 100


def test_every_row_of_every_table_survives_the_upgrade(station: Path) -> None:
    path = station / DB_FILENAME
    tables = _tables(path)
    before = {t: sorted(_rows(path, f'SELECT * FROM "{t}"'), key=repr) for t in tables}
    store = Store(station, CLOCK)
    try:
        assert migrate.current_revision(path) == migrate.HEAD_REVISION
        if migrate.HEAD_REVISION != "0008":
            assert store.backup_made is not None and "0008" in Path(store.backup_made).name
        assert _rows(path, "PRAGMA integrity_check") == [("ok",)]
        assert _rows(path, "PRAGMA foreign_key_check") == []
        for table, rows in before.items():  # later columns are appended: compare the release's columns
            width = len(rows[0]) if rows else 0
            now = sorted((r[:width] for r in _rows(path, f'SELECT * FROM "{table}"')), key=repr)
            if table == "sync_state":  # says which schema the file now is, and re-pulls what a new schema learnt
                moved = [i for i, c in enumerate(_rows(path, "PRAGMA table_info(sync_state)"))
                         if c[1] in ("schema_version", "pull_cursor")]
                now, rows = ([tuple(None if i in moved else v for i, v in enumerate(r)) for r in x] for x in (now, rows))
                assert _rows(path, "SELECT schema_version FROM sync_state")[0][0] == migrate.SCHEMA_VERSION
            if table == "audit_log":  # 0012: an audit row names its outbox row; the trail reads whole
                now, rows = _trail(path), [(*r[:8], json.loads(r[8])) for r in rows]
            assert now == rows, table
        # ... and the audit rows that repeated their outbox row now name it instead (issue 13)
        assert _rows(path, "SELECT count(*) FROM audit_log WHERE client_seq IS NOT NULL")[0][0] > 100
    finally:
        store.close()


def _trail(path: Path) -> list[tuple[object, ...]]:
    """Every audit row as the trail reads it (``audit_trail``, station migration 0012), changes parsed."""
    return sorted(((*r[:8], json.loads(r[8])) for r in _rows(
        path, "SELECT id, at, station_id, actor_id, actor_name, action, entity, entity_id, changes FROM audit_trail")), key=repr)


def test_the_upgraded_store_reads_back_through_the_command_line(station: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def run(*argv: str) -> object:
        assert cli.main([*argv, "--data-dir", str(station)], clock=CLOCK) == 0
        return json.loads(capsys.readouterr().out)

    wards = run("ward", "list", "--json")
    assert {w["code"] for w in wards} == {"W7", "AMU", "W12"}  # type: ignore[union-attr, index]
    shifts = run("staffing", "show", "--ward", "W7", "--date", "2026-11-29", "--json")
    assert shifts and all(s["recorded"] for s in shifts)  # type: ignore[union-attr, index]
    summary = run("feedback", "summary", "--ward", "W7", "--month", "2026-11", "--json")
    assert summary["responses"] > 0  # type: ignore[index]
    # and the station keeps working: a new save continues the old outbox
    before = _rows(station / DB_FILENAME, "SELECT max(rowid) FROM outbox")[0][0]
    assert cli.main(["staffing", "record", "--ward", "W7", "--date", "2026-11-30", "--shift", "early", "--note", "After the upgrade",
                     "--data-dir", str(station)], clock=CLOCK) == 0
    assert _rows(station / DB_FILENAME, "SELECT max(rowid) FROM outbox")[0][0] > before
