"""A ward's poll costs its own ward's changes, not the trust's (issue 13, at trust size): the pull's
range scan of the trust-wide changes (``ward_id IS NULL AND seq > cursor ORDER BY seq``) reads
them from their own partial index (server migration 0011). Before, PostgreSQL walked the primary
key from the cursor and discarded every other ward's change above it (at trust size, thousands
of rows for a poll that returned none). The statement checked is the one ``sync.pull`` runs."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import psycopg
from server_support import Admin, new_ward
from sqlalchemy import event

from trust_server import sync
from trust_server.db import make_engine


def test_a_poll_reads_trust_wide_changes_by_their_own_index_not_other_wards_rows(admin: Admin, ward: str) -> None:
    mine = admin.station(ward)
    mine.push([mine.create_shift(date(2026, 11, 2))])
    url = admin.server.database_url
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as con:
        cursor = int(con.execute("SELECT max(seq) FROM change_log").fetchone()[0])  # type: ignore[index]
    other = admin.station(new_ward(admin))  # another ward writes after this ward's cursor
    other.push([other.create_shift(date(2026, 10, 1) + timedelta(days=i)) for i in range(40)])

    engine = make_engine(url)
    seen: list[tuple[str, Any]] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, st, params, _ctx, _many: seen.append((st, params)))
    try:
        page = sync.pull(engine, mine.device_id, cursor, 1000, None, sync.ClientHeaders(protocol=2))
        assert [c.entity for c in page.changes] == []  # nothing of the other ward reaches this one
        statement, params = next((st, p) for st, p in reversed(seen) if "UNION ALL" in st and "change_log" in st)
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute("SET LOCAL enable_seqscan = off")  # a small table is scanned whole anyway: can an index serve it?
            cur.execute("EXPLAIN (ANALYZE, COSTS OFF) " + statement, params)
            plan = "\n".join(r[0] for r in cur.fetchall())
            raw.rollback()
        finally:
            raw.close()
    finally:
        engine.dispose()
    assert "ix_change_log_trust_seq" in plan, plan  # the trust-wide rows, in seq order, by themselves
    assert "Filter: (ward_id IS NULL)" not in plan, plan  # not other wards' rows read and thrown away
    assert "ix_change_log_ward_seq" in plan, plan  # the ward's own rows: the (ward_id, seq) range
