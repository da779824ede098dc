"""A ward's month on the server reads that month, not the ward's history (issue 13): PostgreSQL's plan
for the dated records uses the expression index of server migration 0006, and the month agrees with
what the station pushed."""

from __future__ import annotations

from datetime import date

import psycopg
from server_support import Admin
from sqlalchemy.dialects import postgresql

from trust_server.staffing import dated_records_query


def test_the_month_query_is_an_index_range_scan_and_reads_only_that_month(admin: Admin, ward: str) -> None:
    st = admin.station(ward)
    days = [date(2026, 10, 31), date(2026, 11, 1), date(2026, 11, 15), date(2026, 11, 30), date(2026, 12, 1)]
    st.push([st.create_shift(d) for d in days])
    url = admin.server.database_url.replace("postgresql+psycopg://", "postgresql://")
    sql = str(dated_records_query(st.ward_id, date(2026, 11, 1), date(2026, 11, 30))
              .compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    with psycopg.connect(url) as con:
        con.execute("SET enable_seqscan = off")  # a tiny table would be scanned anyway: ask whether the index CAN serve it
        # (the plain ward index, which a few rows of other tests' wards could make look as cheap, is gone
        # since server migration 0010: the ward-day index serves every query by ward)
        plan = "\n".join(r[0] for r in con.execute("EXPLAIN " + sql).fetchall())
        con.rollback()
        assert "ix_entity_record_ward_day" in plan, plan
        got = sorted(r[0] for r in con.execute(
            "SELECT data->>'shift_date' FROM entity_record WHERE id::text IN (SELECT id::text FROM (" + sql + ") AS m)"))
    assert got == ["2026-11-01", "2026-11-15", "2026-11-30"]
    r = admin.http.get(f"/v1/admin/wards/{ward}/staffing", params={"month": "2026-11"})
    assert r.status_code == 200, r.text
    month = r.json()
    assert {s["date"] for s in month if s["recorded"]} == {"2026-11-01", "2026-11-15", "2026-11-30"}
    assert len(month) == 3 * 30  # every shift of the pattern, recorded or not
