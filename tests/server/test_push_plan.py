"""The push's look-up of mutations received before reads ``received_mutation`` by its primary key once
PostgreSQL has statistics, custom plan or the generic one a server connection switches to; and whatever
the plan, no condition it evaluates row by row casts text (issue 13, i13-http6: a text literal CAST in
that query once made PostgreSQL re-parse ~18 KB of ids for EVERY row of a scan: its CPU for a sync of 2,000
edits went 0.28 -> 3.3 s, and no test saw it).

The statement is the server's own (``trust_server.sync.RECEIVED_BY_IDS_SQL``), with its parameter as the driver sends
it (untyped text), prepared, and run under ``EXPLAIN (ANALYZE, FORMAT JSON)`` on a received_mutation of 30,000 rows. (At
this size PostgreSQL chose an index even for that CAST, so the test fails for a look-up that cannot use
the primary key, e.g. ids compared as text, but the regression's own scan did not appear here.)"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql
from server_support import migrated
from support.plans import plan_nodes

from trust_server.sync import RECEIVED_BY_IDS_SQL, uuid_array

ROWS = 30_000
DEVICE = "0f3c9a3e-2222-4a2b-9c3d-5e6f7a8b9c0d"


def _mid(n: int) -> str:
    return str(uuid.UUID(int=(0x5EED << 96) + n, version=4))


@pytest.fixture()
def con(fresh_postgres_url: str) -> Iterator[tuple[psycopg.Connection[Any], Any]]:
    dialect = migrated(fresh_postgres_url)
    url = fresh_postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as c:
        c.execute("INSERT INTO received_mutation (mutation_id, device_id, client_seq, received_at, status_code, recorded_by, result)"
                  " SELECT ('00005eed-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, %s, g, now(), 1, 'x', NULL"
                  " FROM generate_series(1, %s) AS g", (DEVICE, ROWS))
        assert _mid(7) == "00005eed-0000-4000-8000-000000000007"
        yield c, dialect


@pytest.mark.parametrize("stats", [False, True], ids=["no-statistics", "statistics"])
@pytest.mark.parametrize("generic", [False, True], ids=["custom", "generic"])
def test_mutations_received_before_are_found_by_primary_key(con: tuple[psycopg.Connection[Any], Any],
                                                            generic: bool, stats: bool) -> None:
    """With statistics (autovacuum takes them as the table grows) by the primary key only. Without (a fresh
    server's first pushes) PostgreSQL may scan the few rows it has; then no row may cost a conversion of
    the ids' text (the regression: ``ANY(CAST('{...}' AS uuid[]))`` re-parsed for every row)."""
    c, _dialect = con
    if stats:
        c.execute("ANALYZE received_mutation")
    mids = [_mid(n) for n in range(ROWS - 499, ROWS + 1)]  # a batch of 500 received before (a re-sent batch)
    text, values = RECEIVED_BY_IDS_SQL.replace("%s", "$1"), [uuid_array(mids)]
    assert RECEIVED_BY_IDS_SQL.count("%s") == 1  # one array parameter, not one per id
    c.execute(f"PREPARE seen AS {text}")
    c.execute(f"SET plan_cache_mode = {'force_generic_plan' if generic else 'force_custom_plan'}")
    args = sql.Literal(values[0])  # typed by the statement itself, as the driver leaves it
    found = c.execute(sql.SQL("EXECUTE seen ({})").format(args)).fetchall()
    assert len(found) == 500
    row = c.execute(sql.SQL("EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE seen ({})").format(args)).fetchone()
    assert row is not None
    plan = row[0][0]["Plan"]
    nodes = list(plan_nodes(plan))
    filters = " ".join(str(n.get("Filter", "")) for n in nodes)  # conditions evaluated row by row
    # the ids come as a uuid[] (a parameter, or its value inlined in a custom plan), never as text cast for each row
    assert not re.search(r"::(text|character varying)\)", filters), filters[:300]
    if not stats:
        return
    assert not [n for n in nodes if n["Node Type"] == "Seq Scan"], plan
    assert {n.get("Index Name") for n in nodes} & {"received_mutation_pkey", "pk_received_mutation"}, plan
    assert sum(int(n.get("Rows Removed by Filter", 0)) for n in nodes) == 0, plan
