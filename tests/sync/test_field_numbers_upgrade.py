"""Station migration 0013 (issue 13): field versions stored with their fields by number. A store
written before it (the 0012 form: fields by name) reads the same after the upgrade, keeps its queue
byte for byte, and syncs as before: its pending edit and a later one are applied as causal
successors of the versions it held (no conflict, nothing to review), and a new station pulls the
same versions. Real SQLite files, the real server over HTTP on PostgreSQL, a pinned station clock."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from support.clocks import SUITE_TODAY
from support.live_server import server_time
from sync_support import Clock, Server, Station, month_of, new_ward_code

from hardtruths_desktop.domain import field_meta
from hardtruths_desktop.domain.clock import FixedClock
from hardtruths_desktop.store import migrate
from hardtruths_desktop.store.session import Actor
from hardtruths_desktop.store.shifts import ShiftChange, save_shift

NOW = FixedClock.london(2026, 11, 20, 10, 0)  # the stations' pinned clock
DAY0 = date(2026, 11, 9)


def _clock() -> Clock:
    return Clock(fixed_ms=int(NOW.now().timestamp() * 1000))


def _save(st: Station, day: date, rn: int) -> None:
    with st.store.write(Actor.command_line()) as tx:
        save_shift(tx, st.ward(), day, "early", ShiftChange(groups={"rn": {"actual": rn}}), tx.today)


def _rows(path: Path, query: str) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(path)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def _meta_tables(path: Path) -> list[str]:
    tables = [r[0] for r in _rows(path, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    return [t for t in tables if any(c[1] == "field_meta" for c in _rows(path, f'PRAGMA table_info("{t}")'))]


def _metas(path: Path, tables: list[str] | None = None) -> dict[tuple[str, str], dict[str, dict[str, Any]]]:
    """Every record's versions as the station reads them ({field: {tok, hlc}}), by table and text."""
    out = {}
    for t in tables or _meta_tables(path):
        for (text,) in _rows(path, f'SELECT field_meta FROM "{t}"'):
            out[(t, text)] = field_meta.loads(text)
    return {(t, json.dumps(m, sort_keys=True)): m for (t, _), m in out.items()}


def _named(text: str) -> str:
    """A packed field_meta as the 0012 release wrote it: every field by name."""
    return json.dumps([[v, [field_meta.FIELD_NAMES[f] if type(f) is int else f for f in fields]]
                       for v, fields in json.loads(text)], separators=(",", ":"), ensure_ascii=False)


def _as_written_by_0012(path: Path) -> None:
    con = sqlite3.connect(path)
    try:
        for t in _meta_tables(path):
            for (text,) in con.execute(f"SELECT DISTINCT field_meta FROM \"{t}\" WHERE field_meta LIKE '[[%'").fetchall():
                con.execute(f'UPDATE "{t}" SET field_meta = ? WHERE field_meta = ?', (_named(text), text))
        con.execute("UPDATE alembic_version SET version_num = '0012'")
        con.execute("UPDATE sync_state SET schema_version = 12")
        con.execute("UPDATE outbox SET schema_version = 12")
        con.commit()
    finally:
        con.close()


def test_a_store_written_before_0013_reads_and_syncs_the_same_after_it(server: Server, make_station: Any) -> None:
    with server_time(server.live, NOW.now()):  # the trust server's clock where the stations' stands
        _upgrade_reads_and_syncs_the_same(server, make_station)


def _upgrade_reads_and_syncs_the_same(server: Server, make_station: Any) -> None:
    ward = new_ward_code()
    a = make_station("a", clock=_clock()).set_up_ward(ward, plan_from=DAY0 - timedelta(days=30))
    server.create_ward(ward)
    a.enrol(server, ward)
    for d in range(3):
        _save(a, DAY0 + timedelta(days=d), 4)
    assert a.sync().ok
    _save(a, DAY0, 5)  # waits in the queue across the upgrade
    path = a.store.path
    a.store.close()
    _as_written_by_0012(path)
    metas = _metas(path)
    shift_texts = [r[0] for r in _rows(path, "SELECT field_meta FROM shift")]
    assert all('"groups.rn.actual"' in t for t in shift_texts)  # the 0012 form
    outbox = _rows(path, "SELECT * FROM outbox ORDER BY client_seq")
    [(cursor,)] = _rows(path, "SELECT pull_cursor FROM sync_state")

    a.reopen()  # the upgrade
    assert migrate.current_revision(path) == migrate.HEAD_REVISION and "0013" in migrate.KNOWN_REVISIONS
    # 0013 teaches no field a pull skipped: from 12 to 13 the station does not pull its ward again
    assert not migrate.needs_repull(12, 13) and migrate.needs_repull(11, 13)
    kept = 0 if migrate.needs_repull(12) else cursor
    assert cursor > 0 and _rows(path, "SELECT pull_cursor, schema_version FROM sync_state") == [(kept, migrate.SCHEMA_VERSION)]
    assert _metas(path) == metas  # every record's versions read exactly as before
    after = [r[0] for r in _rows(path, "SELECT field_meta FROM shift")]
    assert all('"groups.' not in t and t.startswith("[[{") for t in after)
    assert sum(map(len, after)) < 0.6 * sum(map(len, shift_texts))
    assert _rows(path, "SELECT * FROM outbox ORDER BY client_seq") == outbox  # the queue untouched

    assert a.sync_until_quiet().ok
    rows = a.outbox()
    assert all(r["state"] == "acked" for r in rows)
    edit = rows[-1]
    assert edit["op"] == "patch" and edit["result"]["status"] == "applied", edit
    created = next(r for r in rows if r["entity_id"] == edit["entity_id"] and r["op"] == "create")
    assert edit["base"]["groups.rn.actual"] == created["mutation_id"]  # a causal successor of what it held

    _save(a, DAY0, 6)  # an edit made after the upgrade, on the numbered versions
    last = a.outbox()[-1]
    assert last["base"]["groups.rn.actual"] == edit["mutation_id"]
    assert a.sync().ok
    assert a.outbox()[-1]["result"]["status"] == "applied"

    b = make_station("b", clock=_clock())
    b.enrol(server, ward)
    assert b.sync_until_quiet().ok
    mine = {k: {f: (v["tok"], v["hlc"]) for f, v in m.items()} for k, m in _metas(path, ["shift"]).items()}
    pulled = {k: {f: (v["tok"], v["hlc"]) for f, v in m.items()} for k, m in _metas(b.store.path, ["shift"]).items()}
    assert sorted(map(repr, (sorted(m.items()) for m in mine.values()))) == \
        sorted(map(repr, (sorted(m.items()) for m in pulled.values())))
    assert _rows(b.store.path, "SELECT count(*) FROM shift WHERE needs_review = 1") == [(0,)]
    assert _rows(b.store.path, "SELECT actual FROM shift_staffing WHERE staff_group = 'rn' ORDER BY shift_id") == \
        _rows(path, "SELECT actual FROM shift_staffing WHERE staff_group = 'rn' ORDER BY shift_id")


def test_versions_naming_an_unknown_field_number_are_refused_in_words_and_a_pull_replaces_them(
        server: Server, make_station: Any) -> None:
    """A record whose stored versions name a field number this release does not know (a newer release
    wrote it, or the file is damaged): a save to it is refused with a clear message and writes nothing;
    a pull applies the whole page, that record taking the server's versions."""
    ward = new_ward_code()
    a = make_station("a").set_up_ward(ward)
    day1, day2 = SUITE_TODAY - timedelta(days=2), SUITE_TODAY - timedelta(days=3)
    a.record(day1, rn=3)
    a.record(day2, rn=3)
    server.create_ward(ward)
    a.enrol(server, ward)
    assert a.sync().ok
    b = make_station("b")
    b.enrol(server, ward)
    assert b.sync().ok
    unknown = len(field_meta.FIELD_NAMES) + 40
    with a.store.engine.begin() as conn:
        text = conn.exec_driver_sql("SELECT field_meta FROM shift WHERE id = ?", (a.shift_id(day1),)).scalar_one()
        damaged = json.dumps([[v, [*fields, unknown]] for v, fields in json.loads(text)])
        conn.exec_driver_sql("UPDATE shift SET field_meta = ? WHERE id = ?", (damaged, a.shift_id(day1)))
    def raw_meta(day: date) -> str:
        with a.store.engine.connect() as conn:
            return str(conn.exec_driver_sql("SELECT field_meta FROM shift WHERE id = ?", (a.shift_id(day),)).scalar_one())

    before = a.max_seq()
    with pytest.raises(field_meta.UnknownFieldNumber, match=f"field number {unknown}.*newer version"):
        a.record(day1, rn=5)
    assert a.max_seq() == before and raw_meta(day1) == damaged  # nothing written
    mids = {day1: b.record(day1, rn=6), day2: b.record(day2, rn=6)}
    assert b.sync().ok
    result = a.sync()
    assert result.ok, result
    for d in (day1, day2):  # the whole page applied; the damaged versions replaced by the server's
        row = a.shift_row(d)
        assert row["groups"]["rn"][1] == 6 and row["field_meta"]["groups.rn.actual"]["tok"] in mids[d]
    assert a.staffing(month_of(day1)) == b.staffing(month_of(day1))
    a.record(day1, rn=7)  # readable again: saves as usual
    assert a.sync().ok
