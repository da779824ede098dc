"""The journal of a save (issue 13, station migration 0012): the outbox row holds the change as it
will be sent and the audit row names it instead of repeating it. Who changed what, when, from
what to what still reads whole, before and after the janitor prunes the acknowledged outbox rows;
a change waiting to be sent is the same bytes on every attempt, across a crash before its
acknowledgement; a refused save writes neither."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from core_support import WardStation, open_station, sql, table_counts
from support.clocks import SUITE_TODAY, suite_clock

from hardtruths_desktop.domain import ids
from hardtruths_desktop.domain.clock import FixedClock
from hardtruths_desktop.domain.validation import ValidationError
from hardtruths_desktop.readmodels.audit import load_audit
from hardtruths_desktop.store import migrate, sync_store
from hardtruths_desktop.store.engine import DB_FILENAME
from hardtruths_desktop.store.session import Actor, Store
from hardtruths_desktop.store.shifts import ShiftChange, save_shift, withdraw_shift

DAY = SUITE_TODAY - timedelta(days=1)
RELEASE_0008 = Path(__file__).resolve().parents[1] / "migrations" / "fixtures" / "store-0008.sqlite"


def _save(st: WardStation, change: ShiftChange, actor: Actor) -> None:
    with st.store.write(actor) as tx:
        save_shift(tx, st.ward, DAY, "early", change, SUITE_TODAY)


def _ack_all(store: Store, server_time: str) -> None:
    batch = sync_store.pending(store, 1000)
    sync_store.record_results(store, [{"client_seq": m["client_seq"], "mutation_id": m["mutation_id"], "status": "applied",
                                       "server_seq": 100 + i, "flags": []} for i, m in enumerate(batch)], server_time)


def _history(st: WardStation) -> list[tuple[str, str, list[tuple[str, Any, Any]]]]:
    sid = ids.shift_id(st.ward.id, DAY, "early")
    return [(e.action, e.actor_name, [(c.field, c.old, c.new) for c in e.changes if c.field.startswith("groups.rn.actual")])
            for e in load_audit(st.store, "shift", sid)]


def _two_edits(st: WardStation) -> None:
    sister, rn = st.staff["sister"], st.staff["rn"]
    _save(st, ShiftChange(groups={"rn": {"actual": 4, "actual_hours": 32}}), Actor(sister.id, sister.name))
    _save(st, ShiftChange(groups={"rn": {"actual": 3, "actual_hours": 24}}), Actor(rn.id, rn.name))
    _save(st, ShiftChange(groups={"rn": {"actual": 2, "actual_hours": 16}}), Actor(sister.id, sister.name))


EXPECTED = [
    ("shift_recorded", "Mary O'Neill", [("groups.rn.actual", None, 4), ("groups.rn.actual_hours", None, 32.0)]),
    ("shift_corrected", "Aisha Rahman", [("groups.rn.actual", 4, 3), ("groups.rn.actual_hours", 32.0, 24.0)]),
    ("shift_corrected", "Mary O'Neill", [("groups.rn.actual", 3, 2), ("groups.rn.actual_hours", 24.0, 16.0)]),
]


def test_the_audit_row_names_the_outbox_row_instead_of_repeating_it(station: WardStation) -> None:
    _two_edits(station)
    rows = sql(station.path, "SELECT a.client_seq, a.changes, a.at, a.entity_id, o.payload FROM audit_log a"
                             " JOIN outbox o ON o.client_seq = a.client_seq ORDER BY a.id DESC LIMIT 3")
    assert len(rows) == 3
    for _seq, changes, at, entity_id, payload in rows:
        assert at is None and entity_id is None  # read from the outbox row while it is kept
        assert not set(json.loads(str(changes))) & set(json.loads(str(payload)))  # the payload is stored once


def test_a_shift_with_two_edits_shows_both_with_old_and_new_values(station: WardStation) -> None:
    _two_edits(station)
    assert _history(station) == EXPECTED
    entries = load_audit(station.store, "shift", ids.shift_id(station.ward.id, DAY, "early"))
    assert [e.actor_id for e in entries] == [station.staff["sister"].id, station.staff["rn"].id, station.staff["sister"].id]
    assert all(e.at.endswith("Z") and e.station_id for e in entries)
    assert dict(entries[1].labels) == {"ward": "T1", "date": DAY.isoformat(), "shift": "early"}
    # the replaced values are the audit row's own ("from what"), not guessed from the row before
    assert all(c.old_known for e in entries[1:] for c in e.changes)


def test_the_trail_is_whole_after_the_janitor_prunes_the_outbox(station: WardStation) -> None:
    _two_edits(station)
    with station.store.write(Actor.command_line()) as tx:
        withdraw_shift(tx, station.ward, DAY, "early", "recorded on the wrong day")
    before = load_audit(station.store, "shift", ids.shift_id(station.ward.id, DAY, "early"))
    assert before[-1].action == "shift_withdrawn" and ("reason", "recorded on the wrong day") in before[-1].labels
    assert ("groups.rn.actual", 2, 0) in [(c.field, c.old, c.new) for c in before[-1].changes]
    _ack_all(station.store, "2000-01-01T00:00:00.000Z")  # acknowledged long ago: past the 30-day keep
    assert sync_store.janitor(station.store, 0) > 0
    assert sql(station.path, "SELECT count(*) FROM outbox") == [(0,)]
    assert sql(station.path, "SELECT count(*) FROM audit_log WHERE client_seq IS NOT NULL") == [(0,)]
    assert load_audit(station.store, "shift", ids.shift_id(station.ward.id, DAY, "early")) == before


def test_a_waiting_change_is_the_same_bytes_on_every_attempt_and_after_a_crash(station_dir: Path) -> None:
    st = open_station(station_dir, suite_clock())
    _two_edits(st)

    def wire(store: Store) -> bytes:
        return json.dumps(sync_store.pending(store, 100), separators=(",", ":"), ensure_ascii=False).encode()

    first = wire(st.store)
    sync_store.finish_cycle(st.store, sync_status="offline", last_error="network", last_attempt="x", server_offset_ms=None,
                            failed=True)  # an attempt failed: attempts and last error move, the change does not
    assert wire(st.store) == first
    st.store.close()  # the process dies between the save (and a push) and its acknowledgement
    again = Store(station_dir, suite_clock())
    try:
        assert hashlib.sha256(wire(again)).digest() == hashlib.sha256(first).digest()
        _ack_all(again, "2026-11-30T10:00:00.000Z")
        assert sync_store.pending(again, 100) == []
        states = sql(again.path, "SELECT state, result FROM outbox ORDER BY client_seq DESC LIMIT 3")
        assert all(s == "acked" and json.loads(str(r))["status"] == "applied" for s, r in states)
    finally:
        again.close()


def test_a_refused_save_writes_no_outbox_or_audit_row(station: WardStation) -> None:
    before = table_counts(station.path)
    with pytest.raises(ValidationError), station.store.write(Actor.command_line()) as tx:
        save_shift(tx, station.ward, DAY, "early", ShiftChange(groups={"rn": {"actual": -3}}), SUITE_TODAY)
    assert table_counts(station.path) == before


def test_a_verdict_numbered_otherwise_is_still_recorded_by_its_id(station: WardStation) -> None:
    _two_edits(station)
    [m] = sync_store.pending(station.store, 1)
    sync_store.record_results(station.store, [{"client_seq": 999_999, "mutation_id": m["mutation_id"], "status": "duplicate",
                                               "server_seq": 7, "flags": []}], "2026-11-30T10:00:00.000Z")
    assert sql(station.path, "SELECT state FROM outbox WHERE client_seq = ?", (m["client_seq"],)) == [("acked",)]


def test_verdicts_of_a_batch_are_recorded_each_on_its_row_even_when_one_is_numbered_otherwise(station: WardStation) -> None:
    """All verdicts in one statement (issue 13); one that misses its row undoes it and each is matched alone."""
    _ack_all(station.store, "2026-11-30T09:00:00.000Z")  # the ward's set-up
    _two_edits(station)
    rows = sync_store.pending(station.store, 3)
    verdicts = [{"client_seq": m["client_seq"], "mutation_id": m["mutation_id"], "status": "applied", "server_seq": 10 + i,
                 "flags": []} for i, m in enumerate(rows)]
    sync_store.record_results(station.store, verdicts[:1], "2026-11-30T10:00:00.000Z")
    verdicts[2] = {**verdicts[2], "client_seq": 999_999, "status": "rejected", "error": "refused", "server_seq": None}
    sync_store.record_results(station.store, verdicts[1:], "2026-11-30T10:00:01.000Z")
    got = sql(station.path, "SELECT client_seq, state, result, acked_at, last_error, attempts FROM outbox WHERE client_seq >= ?"
              " ORDER BY client_seq", (rows[0]["client_seq"],))
    assert [(c, s_, json.loads(str(r)), a, e, n) for c, s_, r, a, e, n in got] == [
        (rows[0]["client_seq"], "acked", {"status": "applied", "server_seq": 10, "flags": []}, "2026-11-30T10:00:00.000Z", None, 1),
        (rows[1]["client_seq"], "acked", {"status": "applied", "server_seq": 11, "flags": []}, "2026-11-30T10:00:01.000Z", None, 1),
        (rows[2]["client_seq"], "rejected", {"status": "rejected", "error": "refused", "flags": []}, "2026-11-30T10:00:01.000Z",
         "refused", 1),
    ]


def test_a_batch_on_the_wire_says_what_the_outbox_holds(station: WardStation) -> None:
    """The push body splices each change's stored payload and base (issue 13): read back, it is
    ``pending`` exactly, whatever the text holds."""
    odd = Actor(station.staff["sister"].id, "Siobh\u00e1n \"Shiv\" O'Neill \\ \u2028 \U0001f600")
    _save(station, ShiftChange(groups={"rn": {"actual": 4}}, notes="caf\u00e9 \"quoted\" \\ \t\n \u2013"), odd)
    _two_edits(station)
    wire = [json.loads(sync_store.wire_json(m)) for m in sync_store.pending_wire(station.store, 100)]
    assert wire == sync_store.pending(station.store, 100) and len(wire) > 4
    assert json.loads(sync_store.wire_json({"client_seq": 1, "payload": {"x": "\u00e9"}})) == {"client_seq": 1, "payload": {"x": "\u00e9"}}


def test_the_0008_release_upgrades_to_a_lean_journal_and_never_reuses_a_number(tmp_path: Path) -> None:
    folder = tmp_path / "station"
    folder.mkdir()
    shutil.copy2(RELEASE_0008, folder / DB_FILENAME)
    con = sqlite3.connect(folder / DB_FILENAME)
    try:  # the janitor of that release had pruned the newest rows (acknowledged long ago): their numbers are spent
        [(seq,)] = con.execute("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").fetchall()
        con.execute("DELETE FROM outbox WHERE client_seq > ?", (int(seq) - 5,))
        con.commit()
        wide = con.execute("SELECT sum(length(changes)) FROM audit_log").fetchone()[0]
    finally:
        con.close()
    store = Store(folder, FixedClock.london(2026, 11, 30, 10, 0))
    try:
        assert migrate.current_revision(store.path) == "0012" or migrate.HEAD_REVISION != "0012"
        assert sql(store.path, "SELECT sum(length(changes)) FROM audit_log")[0][0] < wide / 2  # the payloads are stored once
        with store.read() as s:
            from hardtruths_desktop.store import queries

            w = queries.ward_row(s, "W7")
        with store.write(Actor.command_line()) as tx:
            save_shift(tx, w, date(2026, 11, 29), "early", ShiftChange(groups={"rn": {"actual": 1, "actual_hours": 8}}),
                       date(2026, 11, 30))
        assert sql(store.path, "SELECT max(client_seq) FROM outbox") == [(int(seq) + 1,)]
        indexes = {r[0] for r in sql(store.path, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox'")}
        assert indexes == {"outbox_pending", "outbox_rejected"}  # no mutation-id index: acked rows pay for none
    finally:
        store.close()
