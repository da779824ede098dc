"""Each writing thread keeps its write connection between writes (issue 13: the pool's check-out, check-in
and reset were ~15% of a save's CPU): a write on it behaves as on a pool connection (committed durably,
rolled back whole on an error, the ORM joining when a repository asks), and it goes back to the pool
when the thread ends, when the store is closed, or when a store is dropped unclosed. Real SQLite files."""

from __future__ import annotations

import gc
import threading
from pathlib import Path

import pytest
from core_support import WardStation, sql
from support.clocks import suite_clock

from hardtruths_desktop.store import reference
from hardtruths_desktop.store.session import Actor, Store

ACTOR = Actor.command_line()


def _staff_named(st: WardStation, name: str) -> int:
    return int(sql(st.path, "SELECT count(*) FROM staff WHERE name = ?", (name,))[0][0])


def test_writes_in_a_row_share_one_connection_and_behave_as_before(station: WardStation) -> None:
    store = station.store
    with store.write(ACTOR) as tx:  # this thread's first write takes the connection it keeps
        tx.db.execute("SELECT 1")
    before = store.engine.pool.checkedout()
    for n in range(3):  # through the ORM session (add_staff) and through SQL, alternately
        with store.write(ACTOR) as tx:
            reference.add_staff(tx, station.ward.id, f"Nurse {n}", "rn", "Staff nurse", False)
        with store.write(ACTOR) as tx:
            tx.db.execute("UPDATE staff SET title = 'Charge nurse' WHERE name = ?", (f"Nurse {n}",))
    assert store.engine.pool.checkedout() == before == 1  # no connection taken per write
    assert [_staff_named(station, f"Nurse {n}") for n in range(3)] == [1, 1, 1]
    assert sql(station.path, "SELECT count(*) FROM staff WHERE title = 'Charge nurse'") == [(3,)]

    with pytest.raises(RuntimeError), store.write(ACTOR) as tx:  # an error: nothing of it stays
        reference.add_staff(tx, station.ward.id, "Half Written", "rn", "Staff nurse", False)
        raise RuntimeError("the nurse's save failed half way")
    assert _staff_named(station, "Half Written") == 0
    with store.write(ACTOR) as tx:  # and the connection is clean for the next write
        assert not tx.db.execute("SELECT count(*) FROM staff WHERE name = 'Half Written'").fetchone()[0]
        reference.add_staff(tx, station.ward.id, "Next One", "rn", "Staff nurse", False)
    assert _staff_named(station, "Next One") == 1


def test_threads_write_side_by_side_and_give_their_connections_back(station: WardStation) -> None:
    store = station.store
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for k in range(5):
                with store.write(ACTOR) as tx:
                    reference.add_staff(tx, station.ward.id, f"Thread {n} nurse {k}", "care", "HCA", False)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(2 * Store.KEPT_WRITE_CONNECTIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sql(station.path, "SELECT count(*) FROM staff WHERE name LIKE 'Thread %'") == [(10 * Store.KEPT_WRITE_CONNECTIONS,)]
    del threads, t
    gc.collect()
    assert store.engine.pool.checkedout() == 0  # the ended threads' kept connections are back in the pool


def test_close_gives_the_kept_connections_back(tmp_path: Path) -> None:
    store = Store(tmp_path / "station", suite_clock())
    with store.write(ACTOR) as tx:
        reference.upsert_trust(tx, "RXX", "Test Trust")
    assert store.engine.pool.checkedout() == 1  # this thread's, kept
    store.close()
    assert store.engine.pool.checkedout() == 0
    with store.write(ACTOR) as tx:  # a closed store still opens connections when used, as before
        reference.upsert_trust(tx, "RXY", "Second Trust")
    pool = store.engine.pool
    del store, tx
    gc.collect()  # a store dropped without close: its kept connection goes back, no warning
    assert pool.checkedout() == 0
