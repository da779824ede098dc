"""A station far behind the head (a new station, a re-pull from 0) is served quickly at size (issue 13).

* The pull runs without PostgreSQL's JIT: the page query's estimated cost grows with the rows after
  the cursor, and far behind the head PostgreSQL spent ~1 s compiling a query that ran in 0.24 s.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import orjson
from server_support import Admin
from sqlalchemy import event

from trust_server import sync as srv_sync
from trust_server.db import make_engine


def test_a_pull_behind_the_head_runs_without_jit_compilation(admin: Admin, ward: str) -> None:
    st = admin.station(ward)
    st.push([st.create_shift(date(2026, 11, 1) + timedelta(days=i)) for i in range(3)])
    engine = make_engine(admin.server.database_url)
    seen: list[str] = []

    def check(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        if "change_log" in statement and "entity_record" in statement:  # the page query
            row = cursor.connection.execute("SELECT current_setting('jit')").fetchone()
            seen.append(row[0])

    event.listen(engine, "before_cursor_execute", check)
    try:
        page = srv_sync.pull(engine, st.device_id, 0, 1000, None, srv_sync.ClientHeaders(schema=4, protocol=2))
        assert isinstance(page, srv_sync.EncodedPage)
        assert len(orjson.loads(page.body)["changes"]) >= 3
    finally:
        engine.dispose()
    assert seen and set(seen) == {"off"}, seen
