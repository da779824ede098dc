"""A station far behind the head (a new station, a re-pull from 0) is served at the cost of its own
page, not of the ward's whole history (issue 13, a new station's pull at 20,000 shifts).

* A pull that skips none of the station's own changes (from cursor 0, protocol 1, or a station that
  never pushed) reads the records themselves in ``last_seq`` order (``sync.record_rows_query``):
  the same pages, change for change and cursor for cursor, as the change-log walk, for protocol 1
  and 2, whole and in small pages, with a tombstone, a shift two stations changed at once and a red
  flag raised before its shift's last edit; a page reads no more records than it sends, where the
  change-log walk read every superseded create before them.
* The pull runs without PostgreSQL's JIT: the page query's estimated cost grows with the rows after
  the cursor, and far behind the head PostgreSQL spent ~1 s compiling a query that ran in 0.24 s.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import orjson
import psycopg
import pytest
from server_support import Admin
from sqlalchemy import event
from test_pull_pages import a_busy_ward, pull_pages

from trust_server import sync as srv_sync
from trust_server.db import make_engine

DAY = date(2026, 11, 1)
HEADERS = srv_sync.ClientHeaders(schema=4, protocol=2)


def _without_time(pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in p.items() if k != "server_time"} for p in pages]


@pytest.mark.parametrize("protocol", ["1", "2"])
def test_the_walk_of_the_records_sends_what_the_change_log_walk_sends(admin: Admin, protocol: str,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    _ward, a, b, c = a_busy_ward(admin)
    for st in (c, a, b):  # c never pushed: every page from the records; a and b: the first page (from 0) only
        for limit in (1000, 3):
            monkeypatch.setattr(srv_sync, "WALK_RECORDS", True)
            records = _without_time(pull_pages(st, 0, limit, protocol))
            monkeypatch.setattr(srv_sync, "WALK_RECORDS", False)
            log = _without_time(pull_pages(st, 0, limit, protocol))
            assert records == log, (st.device_id, limit)
            assert sum(len(p["changes"]) for p in records) > 12


def test_a_pull_from_0_reads_the_records_of_its_page_only(admin: Admin, ward: str) -> None:
    """30 shifts created, then each edited: the change-log walk read the 30 creates (each superseded)
    before the first page's 11 rows; the walk of the records reads the page's rows."""
    st = admin.station(ward)
    st.push([st.create_shift(DAY + timedelta(days=i)) for i in range(30)])
    st.push([st.mutation("shift", st.shift_id(DAY + timedelta(days=i)), "patch", {"groups.rn.actual": 5}) for i in range(30)])
    fresh = admin.station(ward, "new station")
    engine = make_engine(admin.server.database_url)
    captured: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        if "change_log" in statement and "ORDER BY" in statement and "unnest" not in statement:
            captured.append((statement, params))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        page = srv_sync.pull(engine, fresh.device_id, 0, 10, None, HEADERS, clock=admin.server.clock)
        assert isinstance(page, srv_sync.EncodedPage) and len(orjson.loads(page.body)["changes"]) == 10
    finally:
        engine.dispose()
    assert len(captured) == 1
    statement, params = captured[0]
    with psycopg.connect(admin.server.database_url.replace("postgresql+psycopg://", "postgresql://")) as con:
        con.execute("SET enable_bitmapscan = off")  # as the server walks the records (sync._plan_settings)
        plan = con.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, params).fetchone()[0][0]["Plan"]  # type: ignore[index]

    def nodes(n: dict[str, Any]) -> Any:
        yield n
        for child in n.get("Plans", []):
            yield from nodes(child)

    # each stream's range (the lookups per row it keeps, by primary key or, in this small database, a
    # scan of a few pages, run once per row read)
    ranges = [n for n in nodes(plan) if n.get("Relation Name") in ("change_log", "entity_record") and n.get("Actual Loops") == 1
              and (n.get("Index Name") or "").startswith(("ix_change_log_ward", "ix_entity_record_ward"))]
    assert len(ranges) == 2, [(n.get("Relation Name"), n.get("Index Name")) for n in nodes(plan)]
    for n in ranges:  # each stream's range: at most the page's 11 rows read
        read = int(n.get("Actual Rows", 0)) + int(n.get("Rows Removed by Filter", 0))
        assert read <= 11, f"{n['Relation Name']}: read {read} rows\n" + "\n".join(
            f"{m['Node Type']} {m.get('Relation Name', '')} {m.get('Index Name', '')} {m.get('Index Cond') or m.get('Filter') or ''}"
            f" loops {m.get('Actual Loops')} rows {m.get('Actual Rows')} removed {m.get('Rows Removed by Filter', 0)}" for m in nodes(plan))


def test_a_record_whose_changes_were_purged_is_not_sent(admin: Admin, ward: str) -> None:
    """A tombstone the retention purged keeps its ``entity_record`` marker but no change-log row: the
    change-log walk never sent it again, nor does the walk of the records."""
    st = admin.station(ward)
    st.push([st.create_shift(DAY)])
    gone = str(uuid.uuid4())
    url = admin.server.database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as con:
        con.execute("INSERT INTO entity_record (entity, id, ward_id, data, field_meta, deleted, last_seq, needs_review)"
                    " SELECT 'red_flag', %s, %s, '{\"deleted\": true}'::jsonb, '{}'::jsonb, true, nextval('change_id'), false",
                    (gone, st.ward_id))
    fresh = admin.station(ward, "new station")
    ids = {c["id"] for p in pull_pages(fresh, 0, 1000) for c in p["changes"]}
    assert st.shift_id(DAY) in ids and gone not in ids


def test_a_pull_behind_the_head_runs_without_jit_compilation(admin: Admin, ward: str) -> None:
    st = admin.station(ward)
    st.push([st.create_shift(DAY + timedelta(days=i)) for i in range(3)])
    engine = make_engine(admin.server.database_url)
    seen: list[str] = []

    def check(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        if "change_log" in statement and "entity_record" in statement:  # the page query
            row = cursor.connection.execute("SELECT current_setting('jit')").fetchone()
            seen.append(row[0])

    event.listen(engine, "before_cursor_execute", check)
    try:
        page = srv_sync.pull(engine, st.device_id, 0, 1000, None, HEADERS, clock=admin.server.clock)
        assert isinstance(page, srv_sync.EncodedPage)
        assert len(orjson.loads(page.body)["changes"]) >= 3
    finally:
        engine.dispose()
    assert seen and set(seen) == {"off"}, seen
