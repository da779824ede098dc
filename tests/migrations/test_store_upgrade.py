"""Safe local upgrades (issue 2, STYLE.md habit 10): a store from the first migration upgrades to head
with a backup first and its data intact; a store from a newer app is refused untouched."""

from __future__ import annotations

import ast
import hashlib
import json
import shutil
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from hardtruths_desktop import cli
from hardtruths_desktop.domain.clock import FixedClock
from hardtruths_desktop.store import migrate, queries
from hardtruths_desktop.store.engine import DB_FILENAME
from hardtruths_desktop.store.session import Actor, Store
from hardtruths_desktop.store.shifts import ShiftChange, save_shift
from hardtruths_desktop.store.tables import metadata

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "store-0001.sqlite"
VERSIONS = Path(migrate.migrations_dir()) / "versions"


def _rows(path: Path, query: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    con = sqlite3.connect(path)
    try:
        return con.execute(query, params).fetchall()
    finally:
        con.close()


def _dump(path: Path, tables: list[str]) -> dict[str, list[tuple[object, ...]]]:
    return {t: sorted(_rows(path, f'SELECT * FROM "{t}"'), key=repr) for t in tables}


FIXTURE_TABLES = ["trust", "ward", "shift_pattern", "staff", "establishment", "shift", "shift_staffing", "ward_day",
                  "outbox", "audit_log"]


@pytest.fixture
def old_station(tmp_path: Path) -> Path:
    folder = tmp_path / "station"
    folder.mkdir()
    shutil.copy2(FIXTURE, folder / DB_FILENAME)
    return folder


def test_the_fixture_is_a_0001_store() -> None:
    assert migrate.current_revision(FIXTURE) == "0001"
    names = {r[0] for r in _rows(FIXTURE, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "red_flag" not in names and "staff_credential" not in names  # added by 0002
    assert _rows(FIXTURE, "SELECT count(*) FROM shift") == [(1,)]


def test_opening_a_0001_store_backs_it_up_and_upgrades_to_head(old_station: Path) -> None:
    path = old_station / DB_FILENAME
    original = _dump(path, FIXTURE_TABLES)
    store = Store(old_station)
    try:
        assert migrate.current_revision(path) == migrate.HEAD_REVISION
        assert store.backup_made is not None
        backup = Path(store.backup_made)
        assert backup.parent == old_station / "backups" and backup.exists()
        assert "0001" in backup.name
        assert migrate.current_revision(backup) == "0001"
        assert _dump(backup, FIXTURE_TABLES) == original  # the copy is the store as it was
        assert _rows(path, "PRAGMA integrity_check") == [("ok",)]
        assert _rows(path, "PRAGMA foreign_key_check") == []
        # every row survives unchanged (columns added later are appended, so compare the old columns)
        for table, rows in original.items():
            width = len(rows[0]) if rows else 0
            now = sorted((r[:width] for r in _rows(path, f'SELECT * FROM "{table}"')), key=repr)
            if table == "audit_log":  # 0012: an audit row names its outbox row; the trail reads whole
                now = sorted(((*r[:8], json.loads(r[8])) for r in _rows(
                    path, "SELECT id, at, station_id, actor_id, actor_name, action, entity, entity_id, changes FROM audit_trail")),
                    key=repr)
                rows = sorted(((*r[:8], json.loads(str(r[8]))) for r in rows), key=repr)
            assert now == rows, table
    finally:
        store.close()


def test_the_old_data_is_readable_through_the_queries(old_station: Path) -> None:
    store = Store(old_station)
    try:
        with store.read() as s:
            [ward] = queries.list_wards(s)
            assert (ward.code, ward.name, ward.site, ward.specialty, ward.trust_name) == (
                "W7", "Ward 7 - Elderly Care", "North Site", "Geriatric medicine", "Oldtown Hospitals NHS Trust")
            assert [p.code for p in ward.patterns] == ["early", "late", "night"]
            names = {x.name for x in queries.list_staff(s, ward.id)}
            assert names == {"Mary O'Neill", "Γιώργος Παπαδόπουλος", "王小明"}
            w = queries.ward_row(s, "W7")
            view = queries.shift_view(s, w, date(2026, 11, 20), "early")
            assert view.recorded and view.nurse_in_charge == "Γιώργος Παπαδόπουλος"
            assert view.patients_at_midnight == 26 and view.notes == "Bank nurse from Ward 9 — thank you"
            assert (view.groups["rn"].planned, view.groups["rn"].actual, view.groups["rn"].actual_hours) == (4, 3, 22.5)
            assert view.groups["student"].actual == 1
            late = queries.shift_view(s, w, date(2026, 11, 20), "night")
            assert not late.recorded and late.groups["rn"].planned == 3  # plan from the old establishment
            month = queries.month_return(s, w, 2026, 11)
            assert month.fill_rate("day", "rn") == pytest.approx(75.0)
            assert month.patients_at_midnight_total == 26
            assert month.chppd_rn() == pytest.approx(22.5 / 26)
    finally:
        store.close()


def test_writes_after_the_upgrade_continue_the_old_outbox_and_clock(old_station: Path) -> None:
    path = old_station / DB_FILENAME
    [(old_hlc,)] = _rows(path, "SELECT hlc_last FROM sync_state")
    [(old_max,)] = _rows(path, "SELECT max(client_seq) FROM outbox")
    store = Store(old_station, FixedClock(datetime(2000, 1, 1, tzinfo=UTC)))  # a laptop whose RTC reset to 2000
    try:
        with store.read() as s:
            ward = queries.ward_row(s, "W7")
        with store.write(Actor.command_line()) as tx:
            save_shift(tx, ward, date(2026, 11, 20), "early", ShiftChange(groups={"rn": {"actual": 4, "actual_hours": 30}}),
                       date(2026, 11, 21))
    finally:
        store.close()
    [(seq, base, hlc, op, schema)] = _rows(path, "SELECT client_seq, base, hlc, op, schema_version FROM outbox ORDER BY client_seq DESC LIMIT 1")
    assert seq == old_max + 1 and op == "patch"
    assert json.loads(str(base)) == {"groups.rn.actual": "0190f0a0-1000-7000-8000-00000000000a",
                                     "groups.rn.actual_hours": "0190f0a0-1000-7000-8000-00000000000a"}
    assert str(hlc) > str(old_hlc)
    assert schema == migrate.SCHEMA_VERSION
    assert _rows(path, "SELECT schema_version FROM sync_state") == [(migrate.SCHEMA_VERSION,)]


def test_upgraded_and_fresh_schemas_match_the_models(old_station: Path, tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    Store(old_station).close()
    Store(tmp_path / "fresh").close()
    for path in (old_station / DB_FILENAME, tmp_path / "fresh" / DB_FILENAME):
        engine = create_engine(f"sqlite:///{path}")
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
        engine.dispose()
        assert diff == [], f"{path.parent.name}: migrations and tables.py disagree: {diff}"


def test_opening_at_head_makes_no_backup(old_station: Path) -> None:
    Store(old_station).close()
    before = sorted((old_station / "backups").iterdir())
    store = Store(old_station)
    store.close()
    assert store.backup_made is None
    assert sorted((old_station / "backups").iterdir()) == before


def _make_newer(folder: Path) -> Path:
    Store(folder).close()
    path = folder / DB_FILENAME
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = '0999'")
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return path


def test_a_store_from_a_newer_app_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = _make_newer(tmp_path / "station")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(migrate.StoreTooNewError) as err:
        Store(tmp_path / "station")
    message = str(err.value)
    assert "newer version" in message and "0999" in message and "not been touched" in message
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert not (tmp_path / "station" / "backups").exists()


def test_cli_check_refuses_a_newer_store_with_a_clear_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _make_newer(tmp_path / "station")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert cli.main(["check", "--data-dir", str(tmp_path / "station")]) == cli.EXIT_STORE
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "newer version" in err[0]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def _revisions_on_disk() -> list[tuple[str, str | None]]:
    found = []
    for f in sorted(VERSIONS.glob("*.py")):
        values: dict[str, str | None] = {}
        for node in ast.parse(f.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.AnnAssign | ast.Assign):
                target = node.target if isinstance(node, ast.AnnAssign) else node.targets[0]
                if isinstance(target, ast.Name) and target.id in ("revision", "down_revision") and node.value is not None:
                    values[target.id] = ast.literal_eval(node.value)
        found.append((str(values["revision"]), values.get("down_revision")))
    return found


def test_known_revisions_are_exactly_the_migration_scripts_in_order() -> None:
    on_disk = _revisions_on_disk()
    by_parent = {down: rev for rev, down in on_disk}
    assert len(by_parent) == len(on_disk), "two migrations share a parent: the history has a branch"
    chain, cur = [], None
    while cur in by_parent:
        cur = by_parent[cur]
        chain.append(cur)
    assert tuple(chain) == migrate.KNOWN_REVISIONS
    assert {r for r, _ in on_disk} == set(migrate.KNOWN_REVISIONS)
    assert migrate.HEAD_REVISION == chain[-1]
    assert migrate.STORE_REVISION == len(chain)
    # the wire schema is a revision the chain has reached (it rises only when a payload changes)
    assert 1 <= migrate.SCHEMA_VERSION <= migrate.STORE_REVISION
