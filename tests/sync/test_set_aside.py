"""Defence in depth (issue 8): a pulled record a station cannot store is set aside, never a stopped pull.

The server refuses such records now (tests/server/test_record_schemas.py), but a database written
before that check, or restored from an old backup, may still hold them. Here they are put straight
into a real trust server's SQLite database, and a real station syncs over real HTTP: the record is
kept aside and listed under Review, the rest of the page applies, the cursor moves on; when trust IT
voids the record (``hardtruths-server admin void``) the station applies the tombstone and the
Review entry goes.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from support.clocks import SUITE_TODAY
from support.live_server import LiveServer
from sync_support import Server, Station, new_ward_code

from hardtruths_desktop.domain import ids
from hardtruths_desktop.store import sync_store

DAY = SUITE_TODAY - timedelta(days=1)


def _plant(srv: LiveServer, entity: str, entity_id: str, ward_id: str | None, data: dict[str, Any]) -> int:
    """A record written into the server's database behind the server's back (as an old version
    would have accepted it); returns its change number."""
    path = str(srv.database_url).removeprefix("sqlite:///")
    con = sqlite3.connect(path)
    try:
        with con:
            seq = con.execute("UPDATE sync_counter SET value = value + 1 WHERE id = 1 RETURNING value").fetchone()[0]
            con.execute("INSERT INTO entity_record (entity, id, ward_id, data, field_meta, deleted, last_seq, needs_review)"
                        " VALUES (?,?,?,?,?,0,?,0)", (entity, entity_id, ward_id, json.dumps(data), "{}", seq))
            con.execute("INSERT INTO change_log (seq, ward_id, entity, entity_id, deleted) VALUES (?,?,?,?,0)",
                        (seq, ward_id, entity, entity_id))
    finally:
        con.close()
    return int(seq)


def _station(tmp_path: Path, live_server_factory: Callable[..., LiveServer]) -> tuple[Server, Station, str]:
    server = Server(live_server_factory(None, tmp_path / "server"))  # SQLite: it stores any text, as old versions did
    st = Station(tmp_path / "station")
    code = new_ward_code()
    st.set_up_ward(code)
    server.create_ward(code)
    st.enrol(server, code)
    first = st.sync_until_quiet()
    assert first.ok and first.set_aside == 0, first
    return server, st, code


def test_unstorable_records_are_set_aside_the_rest_applies_and_the_cursor_moves_on(
        tmp_path: Path, live_server_factory: Callable[..., LiveServer]) -> None:
    server, st, code = _station(tmp_path, live_server_factory)
    wid = ids.ward_id(code)
    shift_id = ids.shift_id(wid, DAY, "early")
    broken_flag = str(uuid.uuid4())
    _plant(server.live, "shift", shift_id, wid, {"ward_id": wid, "shift_date": DAY.isoformat(), "shift_code": "early",
                                                 "notes": "fine", "groups.rn.planned": 4})
    _plant(server.live, "red_flag", broken_flag, wid, {"ward_id": wid, "shift_id": shift_id, "flag_type": "vital_signs",
                                                       "raised_by": "x"})  # no raised_at
    surrogate = str(uuid.uuid4())  # broken text: the pull itself must still answer
    _plant(server.live, "staff", surrogate, wid, {"ward_id": wid, "name": "Ann \ud800", "role": "rn"})
    orphan = str(uuid.uuid4())
    _plant(server.live, "red_flag", orphan, wid, {"ward_id": wid, "shift_id": str(uuid.uuid4()), "flag_type": "vital_signs",
                                                  "raised_at": "2026-01-01T00:00:00Z", "raised_by": "x"})
    dup_label = ids.bed_id(wid, "B-elsewhere")
    _plant(server.live, "bed", ids.bed_id(wid, "1"), wid, {"ward_id": wid, "label": "1"})
    last = _plant(server.live, "bed", dup_label, wid, {"ward_id": wid, "label": "1"})  # SQLite's UNIQUE refuses this one

    result = st.sync()
    assert result.ok, result
    assert result.set_aside == 4 and result.set_aside_total == 4, result  # two by the schema, one by reference, one by SQLite
    assert st.info().pull_cursor >= last
    with st.store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT notes FROM shift WHERE id = ?", (shift_id,)).scalar() == "fine"  # the rest applied
        beds = conn.exec_driver_sql("SELECT id FROM bed WHERE ward_id = ?", (wid,)).scalars().all()
        aside = dict(conn.exec_driver_sql("SELECT entity_id, reason FROM set_aside").all())
    assert ids.bed_id(wid, "1") in beds and dup_label not in beds
    assert set(aside) == {broken_flag, surrogate, orphan, dup_label}
    assert "raised_at" in aside[broken_flag] and "does not have" in aside[orphan] and "refused" in aside[dup_label]
    review = [i for i in sync_store.review_items(st.store) if i.kind == "set_aside"]
    assert {i.entity_id for i in review} == set(aside)

    again = st.sync()  # nothing new: no repeat, no loop
    assert again.ok and again.set_aside == 0 and again.set_aside_total == 4

    # trust IT voids the broken records; stations apply the tombstones and the Review entries go
    for rid in (broken_flag, orphan, dup_label):
        out = server.admin("void", "--record", rid, "--reason", "Broken record from an old version")
        assert "void" in out
    after = st.sync()
    assert after.ok and after.set_aside_total == 1, after
    with st.store.engine.connect() as conn:
        left = conn.exec_driver_sql("SELECT entity_id FROM set_aside").scalars().all()
    assert left == [surrogate]


def test_sync_json_reports_set_aside_records(tmp_path: Path, live_server_factory: Callable[..., LiveServer]) -> None:
    server, st, code = _station(tmp_path, live_server_factory)
    wid = ids.ward_id(code)
    _plant(server.live, "staff", str(uuid.uuid4()), wid, {"ward_id": wid, "name": None, "role": "rn"})
    out = st.sync().to_json()  # what ``hardtruths-desktop sync --json`` prints
    assert out["ok"] and out["set_aside"] == 1 and out["set_aside_total"] == 1, out
    assert json.loads(json.dumps(out)) == out


def test_a_cycle_whose_pull_only_sets_records_aside_copies_its_wal_into_the_file(
        tmp_path: Path, live_server_factory: Callable[..., LiveServer]) -> None:
    """Reviewer, issue 13: a cycle that pushed copies its WAL into the file while the pull's first page is on its way
    and skipped its own checkpoint at the end when nothing was pulled or pruned since; records only set aside
    were written too (each kept whole), yet stayed in the WAL only. Now such a cycle checkpoints as any that
    wrote: the station's database file alone (without its WAL) holds them."""
    server, st, code = _station(tmp_path, live_server_factory)
    wid = ids.ward_id(code)
    planted = [str(uuid.uuid4()) for _ in range(20)]
    for rid in planted:  # unstorable (no raised_at), and big enough to fill WAL pages
        _plant(server.live, "red_flag", rid, wid, {"ward_id": wid, "shift_id": str(uuid.uuid4()), "flag_type": "vital_signs",
                                                   "raised_by": "x" * 3000})
    st.record(DAY, rn=5)  # something to push: the cycle copies its WAL mid-way
    result = st.sync()
    assert result.ok and result.pushed == 1 and result.pulled == 0 and result.set_aside == len(planted), result
    alone = tmp_path / "file-alone.sqlite"
    alone.write_bytes(st.store.path.read_bytes())  # the file as a crash right now would leave it without its WAL
    con = sqlite3.connect(alone)
    try:
        kept = {r[0] for r in con.execute("SELECT entity_id FROM set_aside")}
    finally:
        con.close()
    assert kept == set(planted)
