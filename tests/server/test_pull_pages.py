"""Pull pages (issue 13, pull at wire speed): each record once, at its latest change; what a page refers
to is never only in a later page; the page PostgreSQL encodes is the page the Python path builds."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import orjson
import psycopg
from server_support import Admin, Station, new_ward
from support.clocks import SUITE_TODAY

from hardtruths_desktop.domain import ids
from hardtruths_desktop.sync.protocol import SCHEMAS
from trust_server import sync
from trust_server.db import make_engine

DAY = SUITE_TODAY - timedelta(days=3)


def pull_pages(st: Station, since: int = 0, limit: int = 500, protocol: str = "2") -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = []
    while True:
        r = st.http.get("/v1/sync/pull", params={"since": since, "limit": limit}, headers={**st.headers, "Sync-Protocol": protocol})
        assert r.status_code == 200, r.text
        pages.append(r.json())
        since = pages[-1]["next_since"]
        if not pages[-1]["has_more"]:
            return pages


def flag(st: Station, day: date, code: str = "early") -> dict[str, Any]:
    return st.mutation("red_flag", ids.uuid7(), "create", {
        "ward_id": st.ward_id, "shift_id": st.shift_id(day, code), "flag_type": "vital_signs",
        "raised_at": f"{day.isoformat()}T10:00:00Z", "raised_by": "staff:test"})


def a_busy_ward(admin: Admin) -> tuple[str, Station, Station, Station]:
    """Shifts created then edited (two change rows each), a red flag raised BEFORE its shift was edited,
    a staff member named on a shift and edited after, a voided record (tombstone), a shift two stations
    changed at once (needs review), and the trust's own records. The third station pulls it (a and b
    are not sent back their own changes once past the first page)."""
    ward = new_ward(admin)
    a, b = admin.station(ward, "a"), admin.station(ward, "b")
    staff = str(uuid.uuid4())
    a.push([a.mutation("staff", staff, "create", {"ward_id": a.ward_id, "name": "Ann Lee", "role": "rn"})])
    a.push([a.create_shift(DAY - timedelta(days=i)) for i in range(6)])
    a.push([a.create_shift(DAY, "late", nurse_in_charge_id=staff), flag(a, DAY), flag(a, DAY, "late")])
    a.push([a.mutation("staff", staff, "patch", {"name": "Ann Lee-Smith"})])  # the nurse in charge, edited after
    a.push([a.mutation("shift", a.shift_id(DAY - timedelta(days=i)), "patch", {"groups.rn.actual": 3}) for i in range(6)])
    a.push([a.mutation("shift", a.shift_id(DAY, "late"), "patch", {"notes": "busy"})])
    gone = flag(a, DAY - timedelta(days=1))
    a.push([gone])
    admin.post(f"/v1/admin/records/{gone['entity_id']}/void", {"reason": "raised twice"})
    tok = next(c for c in a.pull_all() if c["id"] == a.shift_id(DAY - timedelta(days=2)))["field_meta"]["groups.rn.actual"]["tok"]
    a.push([a.mutation("shift", a.shift_id(DAY - timedelta(days=2)), "patch", {"groups.rn.actual": 2}, base={"groups.rn.actual": tok})])
    b.push([b.mutation("shift", b.shift_id(DAY - timedelta(days=2)), "patch", {"groups.rn.actual": 7}, base={"groups.rn.actual": tok},
                       hlc=b.next_hlc(60_000))])
    return ward, a, b, admin.station(ward, "c")


def current_state(pages: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """What a station holds after applying the pages in order (the last version of each record wins)."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for page in pages:
        for c in page["changes"]:
            out[(c["entity"], c["id"])] = {k: v for k, v in c.items() if k != "seq"}
    return out


def test_a_fresh_pull_sends_each_record_once_at_its_latest_change(admin: Admin) -> None:
    ward, a, _b, c = a_busy_ward(admin)
    pages = pull_pages(c, 0, limit=1000)
    keys = [(c["entity"], c["id"]) for p in pages for c in p["changes"]]
    assert len(keys) == len(set(keys))  # created then edited: sent once
    shift = next(c for p in pages for c in p["changes"] if c["id"] == a.shift_id(DAY))
    assert shift["row"]["groups.rn.actual"] == 3
    rows = sql(admin, "SELECT count(*) FROM change_log c JOIN ward w ON w.id = c.ward_id::text WHERE w.code = %s", (ward,))
    assert len([k for k in keys if k[0] != "trust"]) < rows[0][0]  # fewer records than change rows: none sent twice


def test_small_pages_never_send_a_record_before_what_it_refers_to(admin: Admin) -> None:
    """The red flags were raised before their shift's last edit and the nurse in charge was renamed after
    her shift: sent only at their latest change, the shift and the staff member would come pages after the
    records that refer to them (a station sets those aside). They come in the same page as well."""
    _ward, _a, _b, c = a_busy_ward(admin)
    whole = pull_pages(c, 0, limit=1000)
    for limit in (1, 2, 3):
        pages = pull_pages(c, 0, limit=limit)
        have: set[tuple[str, str]] = set()
        for page in pages:
            here = {(ch["entity"], ch["id"]) for ch in page["changes"]}
            for ch in page["changes"]:
                for ref in SCHEMAS[ch["entity"]].references:
                    target = ch["row"].get(ref.field)
                    if isinstance(target, str):
                        assert (ref.target, target) in have | here, (limit, ch["entity"], ref.field)
            have |= here
        assert current_state(pages) == current_state(whole)  # the same records in the same final state
        assert sum(len(p["changes"]) for p in pages) <= 2 * len(current_state(whole))


def test_a_poll_skips_superseded_rows_but_not_changes_hidden_behind_an_own_echo(admin: Admin) -> None:
    """b edits a shift, then a edits it (applied as sent: a's echo, which a's pull skips). b's change must
    still reach a: it is not 'superseded' by a row a never receives."""
    ward = new_ward(admin)
    a, b = admin.station(ward, "a"), admin.station(ward, "b")
    a.push([a.create_shift(DAY)])
    cursor = pull_pages(a, 0)[-1]["next_since"]
    b.push([b.mutation("shift", b.shift_id(DAY), "patch", {"notes": "from b"}, hlc=b.next_hlc(1000))])  # a second later
    a.push([a.mutation("shift", a.shift_id(DAY), "patch", {"groups.rn.actual": 1})], extra_headers={"Sync-Protocol": "2"})
    got = [c for p in pull_pages(a, cursor) for c in p["changes"] if c["id"] == a.shift_id(DAY)]
    assert got and got[-1]["row"]["notes"] == "from b" and got[-1]["row"]["groups.rn.actual"] == 1


def sql(admin: Admin, query: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    with psycopg.connect(str(admin.server.database_url).replace("postgresql+psycopg://", "postgresql://")) as con:
        cur = con.execute(query, params)
        return list(cur.fetchall()) if cur.description else []


def test_the_page_postgresql_encodes_is_the_page_python_builds(admin: Admin) -> None:
    """Protocol 2 pages are written by PostgreSQL (no Python per record); the Python builder (SQLite
    servers, protocol 1) is the reference: the same changes, key for key, in the same order, for a
    tombstone, a record under review, trust-wide records and field versions of several changes."""
    _ward, a, _b, c = a_busy_ward(admin)
    # odd versions appended to the packed list (server migration 0021): not a group, a version without a token, one
    # without a clock, a clock that is not text
    sql(admin, "UPDATE entity_record SET field_meta = (field_meta::jsonb || %s::jsonb)::json WHERE entity = 'shift' AND id = %s",
        ('[5, [{"hlc": "x"}, "no_tok"], [{"tok": "t1"}, "no_hlc"], [{"tok": "t1", "hlc": 7}, "num_hlc"]]', a.shift_id(DAY)))
    engine = make_engine(str(admin.server.database_url))
    try:
        headers = sync.ClientHeaders(protocol=2)
        for since, limit in ((0, 1000), (0, 3), (5, 7)):
            while True:
                fast = sync.pull(engine, c.device_id, since, limit, None, headers, encode_in_db=True, clock=admin.server.clock)
                slow = sync.pull(engine, c.device_id, since, limit, None, headers, encode_in_db=False, clock=admin.server.clock)
                assert isinstance(fast, sync.EncodedPage) and isinstance(slow, sync.PullResponse)
                got, want = orjson.loads(fast.body), slow.model_dump(mode="json", exclude_defaults=True)
                got.pop("server_time"), want.pop("server_time")
                assert got == want
                for g, w in zip(got["changes"], want["changes"], strict=True):
                    assert list(g["row"]) == list(w["row"])  # the row's fields in the same order too
                if not got["has_more"]:
                    break
                since = got["next_since"]
        whole = orjson.loads(sync.pull(engine, c.device_id, 0, 1000, None, headers, encode_in_db=True, clock=admin.server.clock).body)  # type: ignore[union-attr]
        kinds = {c["entity"] for c in whole["changes"]}
        assert {"trust", "ward", "staff", "shift", "red_flag"} <= kinds
        assert any(c.get("deleted") for c in whole["changes"]) and any(c.get("needs_review") for c in whole["changes"])
        assert any(c["ward_id"] is None for c in whole["changes"])  # the trust's own
    finally:
        engine.dispose()


def test_a_ward_with_no_changes_pulls_an_empty_page(admin: Admin) -> None:
    st = admin.station(new_ward(admin, with_setup=False))
    pages = pull_pages(st, 0)
    assert pages[-1]["has_more"] is False
    cursor = pages[-1]["next_since"]
    again = pull_pages(st, cursor)
    assert again == [{**again[0], "changes": []}] and again[0]["next_since"] >= cursor


def test_keys_sent_to_postgresql_as_one_array_literal_come_back_as_they_were(admin: Admin) -> None:
    """``_records`` passes the page's keys as array literals (one text parameter each, not a list
    psycopg adapts value by value): quotes, backslashes, commas, braces and spaces survive."""
    from sqlalchemy import text

    odd = ['a"b', "c\\d", "e,f", "{g}", " h ", "", "NULL", "ünï", '\\"']
    engine = make_engine(str(admin.server.database_url))
    try:
        with engine.connect() as conn:
            back = conn.execute(text("SELECT CAST(:a AS text[])"), {"a": sync._pg_array(odd)}).scalar_one()
    finally:
        engine.dispose()
    assert back == odd
