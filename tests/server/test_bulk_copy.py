"""``bulk.copy_text`` (issue 13, i13-push4): the rows a push writes by COPY, formatted in one piece, are
stored exactly as psycopg's own ``write_row`` stored them, awkward values included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import psycopg
import pytest

from trust_server.bulk import copy_text, json_text

COLS = ("t", "n", "b", "by", "at", "u", "j", "jb")
IS_JSON = (False, False, False, False, False, False, True, True)
TABLE = "(id int, t text, n bigint, b boolean, by bytea, at timestamptz, u uuid, j json, jb jsonb)"

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
                     "j": AWKWARD_JSON[i % len(AWKWARD_JSON)], "jb": AWKWARD_JSONB[(i + 3) % len(AWKWARD_JSONB)]})
    return rows


def test_rows_copied_as_one_text_are_stored_as_psycopg_stores_them_row_by_row(postgres_url: str) -> None:
    rows = _rows()
    url = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as con:
        con.execute(f"CREATE TEMP TABLE by_row {TABLE}")
        con.execute(f"CREATE TEMP TABLE by_text {TABLE}")
        with con.cursor() as cur, cur.copy("COPY by_row (id, t, n, b, by, at, u, j, jb) FROM STDIN") as copy:
            for i, r in enumerate(rows):  # the old way: psycopg's dumpers, JSON columns as JSON text
                copy.write_row([i, *(json_text(r[c]) if j else r[c] for c, j in zip(COLS, IS_JSON, strict=True))])
        with con.cursor() as cur, cur.copy("COPY by_text (id, t, n, b, by, at, u, j, jb) FROM STDIN") as copy:
            copy.write(copy_text([{"id": i, **r} for i, r in enumerate(rows)], ("id", *COLS), (False, *IS_JSON)))
        compare = "SELECT id, t, n, b, by, at, u, j::text, jb FROM {} ORDER BY id"
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
