"""Acknowledged changes archived a batch at a time (station migration 0014, issue 13): what a restore
re-sends is the original mutation byte for byte, the audit trail and the review list read the same
before and after, and the janitor drops an archive row only once all its changes are past 30 days.
Real SQLite files, the station's own write path; the server's verdicts as ``record_results`` saves them."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from core_support import WardStation, sql
from support.clocks import SUITE_TODAY, suite_clock

from hardtruths_desktop.domain import ids
from hardtruths_desktop.domain.clock import iso_utc, utc_now
from hardtruths_desktop.readmodels.audit import load_audit
from hardtruths_desktop.store import sync_store
from hardtruths_desktop.store.session import Actor, Store
from hardtruths_desktop.store.shifts import ShiftChange, save_shift

DAY = SUITE_TODAY - timedelta(days=1)
NOW = iso_utc(utc_now(suite_clock()))  # the server's time of the acknowledgements: inside the 30 days


def _save(st: WardStation, day: Any, change: ShiftChange, actor: Actor) -> None:
    with st.store.write(actor) as tx:
        save_shift(tx, st.ward, day, "early", change, SUITE_TODAY)


def _edits(st: WardStation) -> None:
    """A few shifts, each recorded and corrected by named staff, with text a JSON round trip must keep."""
    sister, rn = st.staff["sister"], st.staff["rn"]
    for d in range(4):
        day = DAY - timedelta(days=d)
        _save(st, day, ShiftChange(groups={"rn": {"actual": 4, "actual_hours": 32}},
                                   notes="caf\u00e9 \"quoted\" \\ \t\n \u2013 \U0001f600"), Actor(sister.id, sister.name))
        _save(st, day, ShiftChange(groups={"rn": {"actual": 3}}), Actor(rn.id, rn.name))


def _ack(store: Store, flags_for: dict[int, list[str]] | None = None) -> None:
    batch = sync_store.pending(store, 1000)
    sync_store.record_results(store, [{"client_seq": m["client_seq"], "mutation_id": m["mutation_id"], "status": "applied",
                                       "server_seq": 100 + i, "flags": (flags_for or {}).get(m["client_seq"], [])}
                                      for i, m in enumerate(batch)], NOW)


def _trails(st: WardStation) -> list[Any]:
    return [load_audit(st.store, "shift", ids.shift_id(st.ward.id, DAY - timedelta(days=d), "early")) for d in range(4)]


def _raw_trail(st: WardStation) -> list[tuple[Any, ...]]:
    """The view as any SQLite tool reads it (no function of the app's)."""
    return [(*r[:-1], json.loads(str(r[-1]))) for r in sql(
        st.path, "SELECT id, at, station_id, actor_id, actor_name, action, entity, entity_id, changes FROM audit_trail ORDER BY id")]


def test_a_restore_resends_archived_changes_byte_for_byte(station: WardStation) -> None:
    _edits(station)
    wire = [sync_store.wire_json(m) for m in sync_store.pending_wire(station.store, 1000)]  # as first sent
    _ack(station.store)
    kept = sync_store.outbox_rows(station.store)
    trails, raw = _trails(station), _raw_trail(station)

    assert sync_store.archive_acked(station.store, keep=0, batch=3) == len(wire) - len(wire) % 3
    assert sql(station.path, "SELECT count(*) FROM outbox") == [(len(wire) % 3,)]
    assert sql(station.path, "SELECT count(*), sum(n_rows) FROM outbox_archive") == [(len(wire) // 3, len(wire) - len(wire) % 3)]
    assert sync_store.outbox_rows(station.store) == kept  # every column of every row, archived or not
    assert _trails(station) == trails and _raw_trail(station) == raw  # the trail reads whole, through the app or not
    assert sql(station.path, "SELECT count(*) FROM audit_log WHERE client_seq IS NOT NULL") == [(len(wire) % 3,)]

    # the server is restored from a backup: everything acknowledged in the last 30 days goes again
    assert sync_store.requeue_recent_acked(station.store) == len(wire)
    assert sql(station.path, "SELECT count(*) FROM outbox_archive") == [(0,)]
    again = [sync_store.wire_json(m) for m in sync_store.pending_wire(station.store, 1000)]
    assert again == wire  # the same bytes: the server finds the same mutation ids and payload hashes
    assert _trails(station) == trails and _raw_trail(station) == raw  # and no audit row doubled
    _ack(station.store)
    assert sync_store.archive_acked(station.store, keep=0, batch=1) == len(wire)  # archived again, once
    assert _trails(station) == trails and _raw_trail(station) == raw


def test_a_resend_from_a_number_brings_back_only_what_it_needs(station: WardStation) -> None:
    _edits(station)
    _ack(station.store)
    rows = sync_store.outbox_rows(station.store)
    sync_store.archive_acked(station.store, keep=0, batch=2)
    middle = rows[len(rows) // 2]["client_seq"]
    n = sync_store.requeue_recent_acked(station.store, from_seq=middle)
    assert n == len([r for r in rows if r["client_seq"] >= middle])
    assert [m["client_seq"] for m in sync_store.pending(station.store, 1000)] == [r["client_seq"] for r in rows
                                                                                   if r["client_seq"] >= middle]
    assert [r["client_seq"] for r in sync_store.outbox_rows(station.store)] == [r["client_seq"] for r in rows]


def test_the_newest_and_the_ones_review_reads_stay_as_sent(station: WardStation) -> None:
    _edits(station)
    lost = sync_store.pending(station.store, 1000)[3]["client_seq"]
    _ack(station.store)
    with station.store.write(Actor.command_line()) as tx:  # the server's verdict on a change it did not apply
        tx.db.execute("UPDATE outbox SET result = ? WHERE client_seq = ?",
                      (json.dumps({"status": "applied", "server_seq": 5, "flags": ["concurrent_lost", "needs_review"],
                                   "effective": {"groups.rn.actual": 9}}), lost))
    review = sync_store.review_items(station.store)
    live = sql(station.path, "SELECT count(*) FROM outbox")[0][0]
    assert sync_store.archive_acked(station.store, keep=3, batch=2) == (live - 1 - 3) // 2 * 2
    assert sql(station.path, "SELECT client_seq FROM outbox WHERE client_seq = ?", (lost,)) == [(lost,)]
    newest = sorted(r[0] for r in sql(station.path, "SELECT client_seq FROM outbox ORDER BY client_seq DESC LIMIT 3"))
    assert newest == [r["client_seq"] for r in sync_store.outbox_rows(station.store)][-3:]
    assert sync_store.review_items(station.store) == review and any(i.kind == "not_applied" for i in review)
    assert sync_store.archive_acked(station.store, keep=3, batch=2) == 0  # nothing more to do: no empty batches


def test_the_janitor_drops_an_archive_row_only_past_the_30_days(station: WardStation) -> None:
    _edits(station)
    _ack(station.store)
    n = len(sync_store.outbox_rows(station.store))
    sync_store.archive_acked(station.store, keep=0, batch=4)
    trails = _trails(station)
    assert sync_store.janitor(station.store, 0) == 0  # acknowledged today: kept
    assert sql(station.path, "SELECT sum(n_rows) FROM outbox_archive") == [(n - n % 4,)]
    assert sync_store.janitor(station.store, 31 * 86_400_000) == n  # a month on, by the server's clock
    assert sql(station.path, "SELECT count(*) FROM outbox_archive") == [(0,)]
    assert sql(station.path, "SELECT count(*) FROM outbox") == [(0,)]
    assert _trails(station) == trails


def test_a_small_station_keeps_its_acknowledged_changes_as_sent(station: WardStation) -> None:
    _edits(station)
    _ack(station.store)
    n = len(sync_store.outbox_rows(station.store))
    assert n < sync_store.ARCHIVE_KEEP + sync_store.ARCHIVE_BATCH
    assert sync_store.janitor(station.store, 0) == 0 and sync_store.archive_acked(station.store) == 0  # defaults
    assert sql(station.path, "SELECT count(*) FROM outbox_archive") == [(0,)]
    assert sql(station.path, "SELECT count(*) FROM outbox") == [(n,)]
