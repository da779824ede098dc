"""SQLite connection settings (SYNC.md 3.3) and write transactions that take the lock up front."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from core_support import WardStation, open_station, sql
from sqlalchemy import text
from support.clocks import SUITE_TODAY

from hardtruths_desktop.store.session import Actor
from hardtruths_desktop.store.shifts import ShiftChange, save_shift

TODAY = SUITE_TODAY  # the day the station fixtures were made (tests/support/clocks.py)


def _pragmas(con: object) -> dict[str, object]:
    run = con.exec_driver_sql if hasattr(con, "exec_driver_sql") else con.execute  # type: ignore[attr-defined]
    return {p: run(f"PRAGMA {p}").fetchone()[0] for p in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")}


EXPECTED = {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1, "busy_timeout": 5000}


def test_pragmas_on_read_connections(station: WardStation) -> None:
    with station.store.engine.connect() as con:
        assert _pragmas(con) == EXPECTED
    with station.store.read() as s:
        assert _pragmas(s.connection()) == EXPECTED


def test_pragmas_on_the_write_connection(station: WardStation) -> None:
    with station.store.write(Actor.command_line()) as tx:
        assert _pragmas(tx.db) == EXPECTED


def test_pragmas_on_every_pooled_connection(station: WardStation) -> None:
    cons = [station.store.engine.connect() for _ in range(5)]  # forces new pooled connections
    try:
        for c in cons:
            assert _pragmas(c) == EXPECTED
    finally:
        for c in cons:
            c.close()


def test_foreign_keys_are_enforced(station: WardStation) -> None:
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), station.store.write(Actor.command_line()) as tx:
        tx.session.execute(text("INSERT INTO staff (id, ward_id, name, role, title, is_manager, active, field_meta)"
                                " VALUES ('x', 'no-such-ward', 'X', 'rn', '', 0, 1, '{}')"))


def test_a_write_transaction_holds_the_write_lock_from_its_start(station: WardStation) -> None:
    """BEGIN IMMEDIATE: before the transaction writes anything, no other connection can write."""
    other = sqlite3.connect(station.path, timeout=0)
    try:
        with station.store.write(Actor.command_line()) as tx:
            assert tx.db.in_transaction
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # released at commit
        other.rollback()
    finally:
        other.close()


def test_reads_do_not_take_the_write_lock(station: WardStation) -> None:
    other = sqlite3.connect(station.path, timeout=0)
    try:
        with station.store.read() as s:
            s.execute(text("SELECT count(*) FROM shift")).all()
            other.execute("BEGIN IMMEDIATE")
            other.rollback()
    finally:
        other.close()


def test_a_writer_that_read_first_waits_instead_of_failing(station_dir: Path) -> None:
    """Two stores (UI thread and a worker) on one file: B starts while A is mid-transaction.

    With a deferred BEGIN, B would read the old sync_state and then fail with "database is locked"
    (SQLITE_BUSY_SNAPSHOT) when it tries to write; with BEGIN IMMEDIATE it waits and succeeds, and
    sees A's HLC.
    """
    a, b = open_station(station_dir), open_station(station_dir)
    a_inside = threading.Event()
    errors: list[BaseException] = []

    def writer_a() -> None:
        try:
            with a.store.write(Actor.command_line()) as tx:
                a_inside.set()
                time.sleep(0.4)
                save_shift(tx, a.ward, TODAY - timedelta(days=1), "early", ShiftChange(notes="from A"), TODAY)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    def writer_b() -> None:
        try:
            a_inside.wait(5)
            with b.store.write(Actor.command_line()) as tx:
                save_shift(tx, b.ward, TODAY - timedelta(days=1), "late", ShiftChange(notes="from B"), TODAY)
        except BaseException as e:  # pragma: no cover
            errors.append(e)

    threads = [threading.Thread(target=writer_a), threading.Thread(target=writer_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    a.store.close()
    b.store.close()
    assert errors == []
    rows = sql(station_dir / "ward-station.sqlite", "SELECT client_seq, hlc, payload FROM outbox WHERE entity = 'shift' ORDER BY client_seq")
    assert ["from A" in str(r[2]) for r in rows[-2:]] == [True, False]
    assert str(rows[-1][1]) > str(rows[-2][1])


def test_many_concurrent_writers_all_succeed(station_dir: Path) -> None:
    stations = [open_station(station_dir) for _ in range(3)]
    errors: list[BaseException] = []

    def work(n: int, st: WardStation) -> None:
        try:
            for i in range(12):
                day = TODAY - timedelta(days=1 + i)
                with st.store.write(Actor.command_line()) as tx:
                    save_shift(tx, st.ward, day, ("early", "late", "night")[n], ShiftChange(notes=f"writer {n} save {i}"), TODAY)
        except BaseException as e:  # pragma: no cover
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n, st)) for n, st in enumerate(stations)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for st in stations:
        st.store.close()
    assert errors == []
    path = station_dir / "ward-station.sqlite"
    assert sql(path, "SELECT count(*) FROM shift") == [(36,)]
    seqs = [r[0] for r in sql(path, "SELECT client_seq FROM outbox ORDER BY client_seq")]
    assert seqs == list(range(1, len(seqs) + 1))
    hlcs = [r[0] for r in sql(path, "SELECT hlc FROM outbox ORDER BY client_seq")]
    assert hlcs == sorted(hlcs) and len(set(hlcs)) == len(hlcs)
