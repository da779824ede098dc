"""A ward's pull reads its own ward's change-log rows and the trust-wide ones, never a walk over other
wards' rows, whatever PostgreSQL's statistics say (issue 13, at trust size).

A fresh database gets the real migrations and a skewed trust history (50 wards interleaved, each
record created and edited once, some edits a station's own echoes). The query the server runs
(``trust_server.sync.page_rows_query``, bound as the server binds it) is run under
``EXPLAIN (ANALYZE, FORMAT JSON)`` for a poll at a ward's head and for a new station's pull from
cursor 0, with no statistics, with statistics taken before 8,000 other wards' changes, with fresh
ones, and as the generic plan a server connection switches to after a few executions of the same
statement. Every plan must read the change log by index ranges only (no sequential scan, never the
primary key from the cursor), and the rows it reads and throws away are bounded by the ward's own
and the trust-wide rows. The rows it returns are checked against the pull's rule written out in
Python (each record once, at its latest change, unless that change is the station's own echo or in
another stream). The walk of the records (``record_rows_query``: a pull from 0, a station that never
pushed) is checked the same way, custom and generic: since server migration 0019 the ward's change-log
rows by a range of ``ix_change_log_ward_stream`` reading no more than a page and its superseded rows,
the records by primary key only.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import Dialect
from support.plans import as_sent, plan_nodes

from trust_server.db import make_engine, migrate
from trust_server.sync import MAX_PULL, page_rows_params, page_rows_query, record_rows_query

WARDS = 50
WARD = "00000000-0000-4000-8000-0000000000" + "07"  # ward 7 (ids are uuid since migration 0018)
WARD_IDS = "('00000000-0000-4000-8000-0000000000' || lpad(({n})::text, 2, '0'))::uuid"
DEVICE = "0f3c9a3e-2222-4a2b-9c3d-5e6f7a8b9c0d"  # a device id: change_log.echo_of is a uuid (0015b)
HISTORY = 40_000  # changes before the statistics go stale
LATER = 8_000  # other wards' changes after
TRUST_EVERY = 97  # one record in 97 is trust-wide (ward_id NULL)


def _change_rows(first: int, last: int, wards: str, trust_every: int) -> str:
    """change_log rows ``first..last``: records of 100 created, then edited 100 changes later (a record's
    two rows share its ward); ``wards``: the SQL expression of a record's ward from its number ``r``;
    one record in ``trust_every`` is trust-wide (ward_id NULL)."""
    return f"""
    INSERT INTO change_log (seq, ward_id, entity, entity_id, deleted, echo_of)
    SELECT s, CASE WHEN r % {trust_every} = 0 THEN NULL ELSE {wards} END, 'shift', md5('rec-' || r)::uuid, false,
           CASE WHEN edit AND r % 3 = 0 THEN '{DEVICE}'::uuid END
    FROM (SELECT s, ((s - 1) / 200) * 100 + (s - 1) % 100 AS r, ((s - 1) / 100) % 2 = 1 AS edit
          FROM generate_series({first}, {last}) AS s) AS g"""


RECORDS = """
    INSERT INTO entity_record (entity, id, ward_id, data, field_meta, deleted, last_seq, needs_review)
    SELECT entity, entity_id, ward_id, '{}'::jsonb, '{}'::jsonb, false, max(seq), false
    FROM change_log GROUP BY entity, entity_id, ward_id
    ON CONFLICT (entity, id) DO UPDATE SET last_seq = excluded.last_seq"""


def _server_statement(dialect: Dialect, since: int, skip_own: bool, records: bool = False,
                      limit: int = MAX_PULL) -> tuple[str, list[Any]]:
    """The pull's statement as the server's driver sends it, with ``$n`` placeholders and their values
    (``records``: the walk of the records, ``record_rows_query``, which has no own-change rule)."""
    query = record_rows_query() if records else page_rows_query(skip_own)
    return as_sent(query, dialect, page_rows_params(WARD, DEVICE, since, limit))  # what the engine sends


class Trust:
    def __init__(self, con: psycopg.Connection[Any], dialect: Dialect) -> None:
        self.con = con
        self.dialect = dialect
        self.n = 0

    def explain(self, since: int, skip_own: bool, generic: bool = False, records: bool = False,
                limit: int = MAX_PULL) -> dict[str, Any]:
        """The plan of the server's pull query, run; and the rows it returns, checked."""
        text, values = _server_statement(self.dialect, since, skip_own, records, limit)
        self.n += 1
        name = f"pull_{self.n}"
        self.con.execute(f"PREPARE {name} AS {text}")
        args = sql.SQL(", ").join(sql.Literal(v) for v in values)
        self.con.execute(f"SET LOCAL plan_cache_mode = {'force_generic_plan' if generic else 'force_custom_plan'}")
        # as the server runs the walk of the records (``sync._plan_settings``)
        self.con.execute(f"SET LOCAL enable_bitmapscan = {'off' if records else 'on'}")
        got = [tuple(str(v) if isinstance(v, uuid.UUID) else v for v in r)  # record ids: uuid (0018), text as the server reads them
               for r in self.con.execute(sql.SQL("EXECUTE {} ({})").format(sql.Identifier(name), args)).fetchall()]
        assert got == self.expected(since, skip_own, limit), "the pull's rows differ from its rule"
        row = self.con.execute(sql.SQL("EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE {} ({})").format(sql.Identifier(name), args)).fetchone()
        assert row is not None
        plan: dict[str, Any] = row[0][0]["Plan"]
        return plan

    def expected(self, since: int, skip_own: bool, limit: int = MAX_PULL) -> list[tuple[int, str, str]]:
        """The pull's rule in Python over the whole change log."""
        rows = self.con.execute("SELECT seq, ward_id::text, entity, entity_id::text, echo_of::text FROM change_log").fetchall()
        last = dict(((e, i), s) for e, i, s in self.con.execute("SELECT entity, id::text, last_seq FROM entity_record"))
        by_seq = {r[0]: r for r in rows}
        out = []
        for seq, ward, entity, entity_id, echo in rows:
            if seq <= since or ward not in (WARD, None) or (skip_own and echo == DEVICE):
                continue
            latest = by_seq.get(last.get((entity, entity_id), 0))
            if (latest is not None and latest[0] > seq and latest[1] == ward
                    and not (skip_own and latest[4] == DEVICE)):
                continue  # a later change of the record in this stream brings it
            out.append((seq, entity, entity_id))
        return sorted(out)[:limit + 1]

    def own_rows(self, since: int) -> int:
        """The ward's and the trust-wide change-log rows after ``since``: all a pull may read."""
        row = self.con.execute("SELECT count(*) FROM change_log WHERE (ward_id = %s OR ward_id IS NULL) AND seq > %s",
                               (WARD, since)).fetchone()
        assert row is not None
        return int(row[0])

    def head(self) -> int:
        row = self.con.execute("SELECT max(seq) FROM change_log WHERE ward_id = %s OR ward_id IS NULL", (WARD,)).fetchone()
        assert row is not None
        return int(row[0])


def describe(plan: dict[str, Any]) -> str:
    """Each scan of the plan on one line: kind, table (alias), index, condition, loops, rows, discarded."""
    out = []
    for n in plan_nodes(plan):
        if "Relation Name" in n:
            index = n.get("Index Name") or ",".join(c["Index Name"] for c in n.get("Plans", []) if "Index Name" in c)
            out.append(f"{n['Node Type']} {n['Relation Name']} ({n.get('Alias')}) {index} "
                       f"[{n.get('Index Cond') or n.get('Recheck Cond') or ''}] loops {n.get('Actual Loops')} "
                       f"rows {n.get('Actual Rows')} discarded {n.get('Rows Removed by Filter', 0)}")
    return "\n".join(out)


def check_plan(plan: dict[str, Any], may_read: int, what: str) -> None:
    shown = describe(plan)
    scans = [n for n in plan_nodes(plan) if n.get("Relation Name") in ("change_log", "entity_record")]
    assert scans, shown
    for n in scans:
        assert n["Node Type"] != "Seq Scan", f"{what}: a sequential scan of {n['Relation Name']}\n{shown}"
    read = 0
    for n in scans:
        if n.get("Relation Name") != "change_log":
            continue
        loops = int(n.get("Actual Loops", 1))
        if loops == 1:  # the ranges (a lookup by primary key runs once per candidate row)
            indexes = {n.get("Index Name"), *(c.get("Index Name") for c in n.get("Plans", []))}
            assert "pk_change_log" not in indexes, f"{what}: the range walked the primary key\n{shown}"
            read += (int(n.get("Actual Rows", 0)) + int(n.get("Rows Removed by Filter", 0))
                     + int(n.get("Rows Removed by Index Recheck", 0)))
        else:
            assert int(n.get("Actual Rows", 0)) <= 1, f"{what}: a lookup read more than one row\n{shown}"
    assert read <= may_read, f"{what}: read {read} change-log rows, the ward's own and the trust-wide are {may_read}\n{shown}"


def check_record_plan(plan: dict[str, Any], limit: int, may_read: int, what: str) -> None:
    """The walk of the records (server migration 0019: through the change log): each stream by one range
    of ``ix_change_log_ward_stream`` in order (never the primary key, never a sequential scan), reading no
    more than the page's records and their superseded rows (each record here has two rows: at most twice
    the page, plus the trust-wide rows the other range reads, ``may_read`` in all); the records read only
    by primary key, one row a change-log row."""
    shown = describe(plan)
    scans = [n for n in plan_nodes(plan) if n.get("Relation Name") in ("change_log", "entity_record")]
    assert any(n.get("Relation Name") == "change_log" for n in scans), shown
    read = 0
    for n in scans:
        assert n["Node Type"] != "Seq Scan", f"{what}: a sequential scan of {n['Relation Name']}\n{shown}"
        if n["Relation Name"] == "change_log":
            assert int(n.get("Actual Loops", 1)) == 1, f"{what}: the change log read in a loop\n{shown}"
            indexes = {n.get("Index Name"), *(c.get("Index Name") for c in n.get("Plans", []) if c["Node Type"] == "Bitmap Index Scan")}
            assert indexes - {None} == {"ix_change_log_ward_stream"}, f"{what}: not the stream's range\n{shown}"
            rows = int(n.get("Actual Rows", 0)) + int(n.get("Rows Removed by Filter", 0))
            if "IS NULL" not in (n.get("Index Cond") or n.get("Recheck Cond") or ""):
                assert rows <= 2 * (limit + 1) + 2, f"{what}: read {rows} of the ward's rows for a page of {limit}\n{shown}"
            read += rows
        else:
            assert int(n.get("Actual Rows", 0)) <= 1 and n.get("Index Name") == "pk_entity_record", \
                f"{what}: the records read other than by primary key\n{shown}"
    assert read <= may_read, f"{what}: read {read} change-log rows, the ward's own and the trust-wide are {may_read}\n{shown}"


@pytest.fixture
def trust(fresh_postgres_url: str) -> Iterator[Trust]:
    engine = make_engine(fresh_postgres_url)
    try:
        migrate(engine)
    finally:
        engine.dispose()
    url = fresh_postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as con:  # one transaction: autovacuum never sees (nor analyzes) these rows
        yield Trust(con, engine.dialect)  # the server's own dialect compiles the query
        con.rollback()


def test_pull_plans_read_only_the_wards_own_and_trust_wide_rows_whatever_the_statistics(trust: Trust) -> None:
    con = trust.con
    con.execute(_change_rows(1, HISTORY, WARD_IDS.format(n=f"r % {WARDS}"), TRUST_EVERY))
    con.execute(RECORDS)
    cursor = trust.head()  # the ward's station pulled to here ...
    con.execute("ANALYZE change_log, entity_record")
    # ... then 40 other wards pushed 8,000 changes, their statistics not yet taken (or never: below)
    con.execute(_change_rows(HISTORY + 1, HISTORY + LATER, WARD_IDS.format(n="10 + r % 40"), LATER))
    con.execute(RECORDS)
    assert trust.own_rows(cursor) == 0 and 0 < trust.own_rows(0) < (HISTORY + LATER) // 30

    for stats in ("stale", "fresh", "none"):
        if stats == "fresh":
            con.execute("ANALYZE change_log, entity_record")
        if stats == "none":
            # as if never analyzed (the tables', and their expression indexes', statistics gone)
            tables = "SELECT oid FROM pg_class WHERE relname IN ('change_log', 'entity_record')"
            con.execute(f"DELETE FROM pg_statistic WHERE starelid IN ({tables})"
                        f" OR starelid IN (SELECT indexrelid FROM pg_index WHERE indrelid IN ({tables}))")
            con.execute(f"UPDATE pg_class SET reltuples = -1, relpages = 0, relallvisible = 0 WHERE oid IN ({tables})")
        for generic in (False, True):
            what = f"{stats} statistics{', generic plan' if generic else ''}"
            check_plan(trust.explain(cursor, skip_own=True, generic=generic), trust.own_rows(cursor), f"poll at the head, {what}")
            check_plan(trust.explain(0, skip_own=False, generic=generic), trust.own_rows(0), f"pull from 0, {what}")
            # the walk of the records (a pull from 0, a station that never pushed): the same rows
            # (pages of 100: the ward has ~400 records, so reading them all would show)
            for since in (0, cursor // 2, cursor):
                check_record_plan(trust.explain(since, skip_own=False, generic=generic, records=True, limit=100),
                                  100, trust.own_rows(since), f"records from {since}, {what}")
