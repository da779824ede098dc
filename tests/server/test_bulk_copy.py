"""A push's bytes handled in one piece (issue 13, i13-push4): ``bulk.copy_text`` formats the rows a push
writes by COPY, stored exactly as psycopg's own ``write_row`` stored them, awkward values included; the
request body's long-digit check finds what the regular expression found."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import psycopg
import pytest
from sqlalchemy.exc import DBAPIError

from trust_server.api.deps import has_long_digits
from trust_server.bulk import connection_rows, copy_text, json_text
from trust_server.db import make_engine

COLS = ("t", "n", "b", "by", "at", "u", "j", "jb", "e")
IS_JSON = (False, False, False, False, False, False, True, True, False)
TABLE = "(id int, t text, n bigint, b boolean, by bytea, at timestamptz, u uuid, j json, jb jsonb, e bigint)"

AWKWARD_TEXT = ["", "plain", "back\\slash", "\\N", "tab\there", "new\nline", "cr\rhere", "caf\u00e9 \U0001f600",
                "\\x41", "end\\", "quote\" and ' both", "\x7f del", "\x01\x1f controls"]
AWKWARD_JSON: list[Any] = [None, {"a": "back\\slash \"q\" \n\t"}, {"k": [1, 2.5, True, None]}, "caf\u00e9",
                           {"half": "\ud800"}, {"big": 2**70}, [], {}, {"\\": "\\\\"}, 0, "\\N"]
AWKWARD_JSONB = [v for v in AWKWARD_JSON if v != {"half": "\ud800"}]  # jsonb refuses a lone surrogate (json keeps it)


def _rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    n = max(len(AWKWARD_TEXT), len(AWKWARD_JSON))
    for i in range(n):
        rows.append({"t": AWKWARD_TEXT[i % len(AWKWARD_TEXT)] if i % 5 else None, "n": (-1) ** i * 2**62 + i if i % 4 else None,
                     "b": [True, False, None][i % 3], "by": bytes(range(i * 7 % 256, i * 7 % 256 + 33 if i % 2 else 0)) or None,
                     "at": datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=UTC) + timedelta(minutes=i * 37) if i % 6 else
                     datetime(2026, 10, 25, 1, 30, tzinfo=timezone(timedelta(hours=1))),
                     "u": f"0000000{i % 10}-0000-4000-8000-0000000000{i:02d}" if i % 7 else None,
                     "j": AWKWARD_JSON[i % len(AWKWARD_JSON)], "jb": AWKWARD_JSONB[(i + 3) % len(AWKWARD_JSONB)],
                     "e": None})  # a column left empty by the whole batch (``field_change.server_seq``)
    return rows


def test_rows_copied_as_one_text_are_stored_as_psycopg_stores_them_row_by_row(postgres_url: str) -> None:
    rows = _rows()
    url = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as con:
        con.execute(f"CREATE TEMP TABLE by_row {TABLE}")
        con.execute(f"CREATE TEMP TABLE by_text {TABLE}")
        with con.cursor() as cur, cur.copy("COPY by_row (id, t, n, b, by, at, u, j, jb, e) FROM STDIN") as copy:
            for i, r in enumerate(rows):  # the old way: psycopg's dumpers, JSON columns as JSON text
                copy.write_row([i, *(json_text(r[c]) if j else r[c] for c, j in zip(COLS, IS_JSON, strict=True))])
        with con.cursor() as cur, cur.copy("COPY by_text (id, t, n, b, by, at, u, j, jb, e) FROM STDIN") as copy:
            copy.write(copy_text([{"id": i, **r} for i, r in enumerate(rows)], ("id", *COLS), (False, *IS_JSON)))
        compare = "SELECT id, t, n, b, by, at, u, j::text, jb, e FROM {} ORDER BY id"
        by_row = con.execute(compare.format("by_row")).fetchall()
        by_text = con.execute(compare.format("by_text")).fetchall()
    assert len(by_text) == len(rows)
    assert by_text == by_row
    assert [r[1] for r in by_text][1:6] == [r["t"] for r in rows][1:6]  # the text itself, not merely both alike


def test_a_nul_in_text_is_refused_as_before(postgres_url: str) -> None:
    url = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as con:
        con.execute("CREATE TEMP TABLE nul_text (t text)")
        with pytest.raises(psycopg.Error), con.cursor() as cur, cur.copy("COPY nul_text (t) FROM STDIN") as copy:
            copy.write(copy_text([{"t": "a\x00b"}], ("t",), (False,)))


def test_the_long_digit_check_finds_exactly_what_the_regular_expression_found() -> None:
    """``deps.has_long_digits`` (a byte translation, issue 13) against the expression it replaced, on
    runs of 18, 19 and 20 digits at the edges, between non-ASCII bytes and digit-like characters."""
    pattern = re.compile(rb"[0-9]{19}")
    rng = random.Random(13)
    bodies = [b"", b"1" * 18, b"1" * 19, b"9" * 20, b'{"n":' + b"1" * 18 + b"}", b'{"n":' + b"1" * 19 + b"}",
              b"12345678901234567890"[1:], ("\u0661" * 30).encode(), ("\uff11" * 25).encode(), b"0" * 9 + b"/" + b"0" * 9,
              b":" + b"5" * 19 + b":", bytes(range(256)) * 3]
    bodies += [bytes(rng.choice(b"0123456789/:a\x00\xff") for _ in range(rng.randint(0, 80))) for _ in range(3000)]
    bodies += [b"x" + b"7" * n + b"y" for n in range(25)]
    found = [has_long_digits(b) for b in bodies]
    assert found == [pattern.search(b) is not None for b in bodies]
    assert any(found) and not all(found)


def test_a_statement_on_the_driver_whose_connection_is_lost_gives_it_up(fresh_postgres_url: str) -> None:
    """``connection_rows`` (a push's statements on the driver's own connection): when the server ends the
    connection (a restart, a failover), the error is SQLAlchemy's with the connection invalidated, and the pool
    hands out a new connection next, not the dead one (review of i13-edits8)."""
    engine = make_engine(fresh_postgres_url)
    try:
        with engine.connect() as conn:
            pid = connection_rows(conn, "SELECT pg_backend_pid()")[0][0]
            with psycopg.connect(fresh_postgres_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            with pytest.raises(DBAPIError) as lost:
                connection_rows(conn, "SELECT 1")
            assert lost.value.connection_invalidated and conn.invalidated
        with engine.connect() as conn:
            assert connection_rows(conn, "SELECT pg_backend_pid()")[0][0] != pid
            assert connection_rows(conn, "SELECT 1") == [(1,)]
    finally:
        engine.dispose()
