"""A ward's poll reads its own ward's changes only, even when PostgreSQL's statistics predate the
latest pushes (issue 13, at trust size): with "seq > cursor" alone the planner may walk the primary
key from the cursor and filter by ward, reading every other ward's newer change (a poll at its head
read 5,520 of them). The ward's part of the pull is a range on (ward_id, seq) that only that index
can serve."""

from __future__ import annotations

import json

import psycopg
from server_support import Admin
from sqlalchemy.dialects import postgresql

from trust_server.sync import page_rows_query


def _plan_nodes(node: dict[str, object]) -> list[dict[str, object]]:
    out = [node]
    for child in node.get("Plans", []) or []:  # type: ignore[union-attr]
        out += _plan_nodes(child)  # type: ignore[arg-type]
    return out


def test_a_poll_at_the_head_reads_no_other_wards_changes_with_stale_statistics(admin: Admin) -> None:
    url = admin.server.database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as con:  # one transaction, rolled back: the session's server is left as it was
        top = int(con.execute("SELECT coalesce(max(seq), 0) FROM change_log").fetchone()[0])  # type: ignore[index]
        # a trust's history: 50 wards' changes interleaved, then statistics taken ...
        con.execute("INSERT INTO change_log (seq, ward_id, entity, entity_id, deleted) SELECT %s + i,"
                    " 'plan-ward-' || (i %% 50), 'shift', md5(i::text), false FROM generate_series(1, 60000) i", (top,))
        con.execute("ANALYZE change_log")
        # ... then 40 other wards push 6,000 more before the statistics are taken again
        con.execute("INSERT INTO change_log (seq, ward_id, entity, entity_id, deleted) SELECT %s + i,"
                    " 'plan-ward-' || (10 + i %% 40), 'shift', md5(i::text), false FROM generate_series(60001, 66000) i", (top,))
        head = int(con.execute("SELECT max(seq) FROM change_log WHERE ward_id = 'plan-ward-7'").fetchone()[0])  # type: ignore[index]
        sql = str(page_rows_query("plan-ward-7", "plan-device", head, 1000, True)
                  .compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
        plan = con.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql).fetchone()[0]  # type: ignore[index]
        con.rollback()
    nodes = _plan_nodes(plan[0]["Plan"])
    on_log = [n for n in nodes if n.get("Relation Name") == "change_log" and n.get("Alias") == "c"]
    assert on_log, json.dumps(plan)
    assert all(n.get("Index Name") != "pk_change_log" for n in on_log), json.dumps(plan)
    removed = sum(int(n.get("Rows Removed by Filter", 0)) for n in on_log)  # type: ignore[call-overload]
    assert removed == 0, f"the poll read {removed} other wards' changes"
