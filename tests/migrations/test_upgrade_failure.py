"""A schema upgrade is all or nothing: if a migration fails half way, the database is exactly as it
was before (one transaction, and the copy taken beforehand is put back)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from hardtruths_desktop.store import migrate


def _dump(path: Path) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def test_a_failing_migration_leaves_the_database_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "ward-station.sqlite"
    migrate.upgrade(db, "0003")
    before = _dump(db)
    # a copy of the real scripts with the last migration made to fail after its first change
    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.migrations_dir(), scripts, ignore=shutil.ignore_patterns("__pycache__"))
    last = next((scripts / "versions").glob("0004_*.py"))
    text = last.read_text()
    failing = "def upgrade() -> None:\n    _upgrade()\n    raise RuntimeError('disk full')\n\n\ndef _upgrade() -> None:\n"
    text = text.replace("def upgrade() -> None:\n", failing, 1)
    last.write_text(text)
    monkeypatch.setattr(migrate, "migrations_dir", lambda: scripts)
    with pytest.raises(migrate.StoreError, match="put back as it was"):
        migrate.upgrade(db)
    assert migrate.current_revision(db) == "0003"
    assert _dump(db) == before
    assert list((tmp_path / "backups").glob("*.sqlite"))  # the copy is still there for IT


def test_the_upgrade_is_one_transaction_even_without_the_restore(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The copy put back would hide a half-done upgrade: switch it off and look again."""
    db = tmp_path / "ward-station.sqlite"
    migrate.upgrade(db, "0003")
    before = _dump(db)
    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.migrations_dir(), scripts, ignore=shutil.ignore_patterns("__pycache__"))
    last = next((scripts / "versions").glob("0005_*.py"))  # 0004 succeeds, then 0005 fails half way
    failing = "def upgrade() -> None:\n    _upgrade()\n    raise RuntimeError('disk full')\n\n\ndef _upgrade() -> None:\n"
    last.write_text(last.read_text().replace("def upgrade() -> None:\n", failing, 1))
    monkeypatch.setattr(migrate, "migrations_dir", lambda: scripts)
    monkeypatch.setattr(migrate, "_restore", lambda backup, path: None)
    with pytest.raises(migrate.StoreError):
        migrate.upgrade(db)
    assert migrate.current_revision(db) == "0003"
    assert _dump(db) == before


def test_two_openers_at_once_upgrade_once(tmp_path: Path) -> None:
    """The GUI's store worker and its sync runner open the store at the same moment."""
    import threading

    from hardtruths_desktop.store.session import Store

    folder = tmp_path / "station"
    folder.mkdir()
    migrate.upgrade(folder / "ward-station.sqlite", "0002")
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            Store(folder).close()
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=open_it) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert migrate.current_revision(folder / "ward-station.sqlite") == migrate.HEAD_REVISION
    assert len(list((folder / "backups").glob("*.sqlite"))) == 1  # one upgrade, one copy


def test_the_backup_before_an_upgrade_is_named_by_the_stores_clock(tmp_path: Path) -> None:
    from datetime import datetime

    from hardtruths_desktop.domain.clock import LONDON, FixedClock
    from hardtruths_desktop.store.session import Store

    folder = tmp_path / "data"
    folder.mkdir()
    migrate.upgrade(folder / "ward-station.sqlite", "0003")
    store = Store(folder, FixedClock(datetime(2027, 1, 1, 0, 30, tzinfo=LONDON)))
    try:
        assert store.backup_made is not None
        assert Path(store.backup_made).name == "ward-station-before-upgrade-from-0003-20270101T003000Z.sqlite"
    finally:
        store.close()
