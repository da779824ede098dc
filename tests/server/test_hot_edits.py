"""Server migration 0019 (issue 13, i13-hot6): a one-field edit pushed to PostgreSQL is a HOT update of its
``entity_record`` row (no index holds a column an edit changes), and the change-log rows a push deletes
(``stream.drop_unsent``) leave every pull the same records.

Real PostgreSQL and the real server over HTTP (``own_admin``: its own database, so a trigger may record
what the push deletes); the pull's rule is checked by running the server's own page queries."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from server_support import Admin, new_ward
from sqlalchemy import Engine
from support.clocks import SUITE_TODAY

from trust_server.db import make_engine
from trust_server.sync import page_rows_params, page_rows_query, record_rows_query

TODAY = SUITE_TODAY
HEAP_ONLY_TUPLE = 0x8000  # t_infomask2: a row version written by a HOT update (PostgreSQL's htup_details.h)
OTHER_DEVICE = "0f3c9a3e-2222-4a2b-9c3d-5e6f7a8b9c0d"  # a device that never pushed


def _con(admin: Admin) -> psycopg.Connection[Any]:
    return psycopg.connect(admin.server.database_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)


@pytest.fixture
def engine(own_admin: Admin) -> Iterator[Engine]:
    eng = make_engine(own_admin.server.database_url)
    yield eng
    eng.dispose()


def _heap_only(con: psycopg.Connection[Any], ids: list[str]) -> list[bool]:
    """For each record: whether its current row version was written by a HOT update (read from the page)."""
    out = []
    for rid in ids:
        row = con.execute("SELECT ctid::text FROM entity_record WHERE entity = 'shift' AND id = %s", (rid,)).fetchone()
        assert row is not None
        block, item = (int(x) for x in row[0].strip("()").split(","))
        flags = con.execute("SELECT t_infomask2 FROM heap_page_items(get_raw_page('entity_record', %s)) WHERE lp = %s",
                            (block, item)).fetchone()
        assert flags is not None
        out.append(bool(flags[0] & HEAP_ONLY_TUPLE))
    return out


def test_a_one_field_edit_is_a_hot_update_and_leaves_one_change_log_row(own_admin: Admin) -> None:
    ward = new_ward(own_admin)
    a = own_admin.station(ward, "a")
    codes = ("early", "late", "night")
    # a real shift's row is over 2 KB before compression (13 fields and their versions), so PostgreSQL stores it
    # compressed (~700 B, migration 0013): long notes make these three so
    a.push([a.create_shift(TODAY, c, notes="handover: " + "all well, " * 150) for c in codes])
    ids = [a.shift_id(TODAY, c) for c in codes]
    metas = {c["id"]: c["field_meta"] for c in a.pull_all()}
    with _con(own_admin) as con:
        con.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
        day_index = con.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_entity_record_ward_day'").fetchone()
        assert day_index is not None and "(ward_id, entity, day)" in day_index[0]
        assert con.execute("SELECT day FROM entity_record WHERE id = %s", (ids[0],)).fetchone() == (TODAY.isoformat(),)
        assert _heap_only(con, ids) == [False, False, False]  # as created
        # the first edits: the page the creates filled (after the ward's set-up) has no room, so the new versions
        # go to another page (that one has room for the next ones)
        first = [a.mutation("shift", i, "patch", {"groups.rn.actual": 5}, base={"groups.rn.actual": metas[i]["groups.rn.actual"]["tok"]})
                 for i in ids]
        a.push(first)
        a.push([a.mutation("shift", i, "patch", {"groups.rn.planned": 5}, base={"groups.rn.planned": metas[i]["groups.rn.planned"]["tok"]})
                for i in ids])
        assert _heap_only(con, ids) == [True, True, True]  # before 0019 never (the walk index changed with each edit)
        # each shift's first edit's change-log row went with its second edit (both a's own echo: no station is
        # ever sent it); its create's stays (the server filled in defaults, so it is nobody's echo: a, which skips
        # its own echo, is sent the shift at the create's row)
        rows = con.execute("SELECT entity_id::text, echo_of::text FROM change_log WHERE entity = 'shift' ORDER BY seq").fetchall()
        assert sorted(rows, key=str) == sorted([(i, None) for i in ids] + [(i, a.device_id) for i in ids], key=str)
        data = con.execute("SELECT data->>'groups.rn.actual', day FROM entity_record WHERE id = %s", (ids[1],)).fetchone()
        assert data == ("5", TODAY.isoformat())


def _answers(engine: Engine, ward_id: str, devices: list[str], seqs: list[int]) -> dict[tuple[str, bool, int], list[tuple[Any, ...]]]:
    """Every page the server would answer: each device, with and without its own changes skipped, and the
    walk of the records, from every cursor."""
    out: dict[tuple[str, bool, int], list[tuple[Any, ...]]] = {}
    with engine.connect() as c:
        for dev in devices:
            for since in [0, *seqs]:
                for skip_own in (False, True):
                    out[(dev, skip_own, since)] = [tuple(r) for r in c.execute(
                        page_rows_query(skip_own), page_rows_params(ward_id, dev, since, 1000)).all()]
                out[(dev, None, since)] = [tuple(r) for r in c.execute(  # type: ignore[index]
                    record_rows_query(), page_rows_params(ward_id, dev, since, 1000)).all()]
    return out


def test_change_log_rows_a_push_deletes_leave_every_pull_the_same_records(own_admin: Admin, engine: Engine) -> None:
    """Two stations edit each other's shifts (own echoes, another's, a concurrent edit, two edits of one shift
    in one push). Each row the pushes deleted is put back; from every cursor, for each station (its own
    changes skipped or not) and a new one, the server's answer from the log the pushes left sends the same
    records as from the whole log, each at a row the whole log sends it at."""
    ward = new_ward(own_admin)
    a, b = own_admin.station(ward, "a"), own_admin.station(ward, "b")
    s1, s2, s3 = (a.shift_id(TODAY, c) for c in ("early", "late", "night"))
    with _con(own_admin) as con:
        con.execute("CREATE TABLE log_gone (LIKE change_log)")
        con.execute("CREATE FUNCTION keep_gone() RETURNS trigger LANGUAGE plpgsql AS"
                    " $$BEGIN INSERT INTO log_gone SELECT OLD.*; RETURN OLD; END$$")
        con.execute("CREATE TRIGGER keep_gone BEFORE DELETE ON change_log FOR EACH ROW EXECUTE FUNCTION keep_gone()")
    a.push([a.create_shift(TODAY, c) for c in ("early", "late", "night")])
    toks = {c["id"]: c["field_meta"] for c in a.pull_all()}
    tok = {i: toks[i]["groups.rn.actual"]["tok"] for i in (s1, s2, s3)}
    a1 = a.mutation("shift", s1, "patch", {"groups.rn.actual": 5}, base={"groups.rn.actual": tok[s1]})
    a.push([a1])  # a's echo over the create (nobody's echo: the server filled in defaults): kept
    a.push([a.mutation("shift", s1, "patch", {"groups.rn.actual": 6}, base={"groups.rn.actual": a1["mutation_id"]})])  # a's over a's: goes
    b.pull_all()
    b_edit = b.mutation("shift", s2, "patch", {"groups.rn.actual": 6}, base={"groups.rn.actual": tok[s2]})
    b.push([b_edit])  # b's echo over a's create: a's row is kept (b skips its own echo, so is sent the record at a's row)
    a.push([a.mutation("shift", s2, "patch", {"groups.rn.actual": 7}, base={"groups.rn.actual": tok[s2]})])  # concurrent
    first = a.mutation("shift", s3, "patch", {"groups.rn.actual": 2}, base={"groups.rn.actual": tok[s3]})
    a.push([first, a.mutation("shift", s3, "patch", {"groups.rn.actual": 3}, base={"groups.rn.actual": first["mutation_id"]})])
    b.push([b.mutation("shift", s1, "patch", {"notes": "b"}, base={"notes": toks[s1]["notes"]["tok"]})])  # b's echo over a's

    with _con(own_admin) as con:
        gone = con.execute("SELECT count(*) FROM log_gone").fetchone()
        assert gone is not None and gone[0] == 2  # a's first edit of s1 under its second; b's edit of s2 under a's concurrent one
        ward_id = con.execute("SELECT ward_id::text FROM change_log WHERE entity = 'shift' LIMIT 1").fetchone()
        assert ward_id is not None
        seqs = [int(r[0]) for r in con.execute("SELECT seq FROM change_log UNION SELECT seq FROM log_gone ORDER BY 1")]
        seqs += [q - 1 for q in seqs]  # cursors between rows too
        devices = [a.device_id, b.device_id, OTHER_DEVICE]
        left = _answers(engine, ward_id[0], devices, seqs)
        con.execute("DROP TRIGGER keep_gone ON change_log")
        con.execute("INSERT INTO change_log SELECT * FROM log_gone")  # the whole log, as a push that deleted nothing leaves it
        # ... and the row of s3's first edit, which its push never wrote (superseded in the same push by a's own
        # second edit): the seq just before the second's (one push, nothing else running: consecutive seqs)
        last = con.execute("SELECT max(seq) FROM change_log WHERE entity_id = %s", (s3,)).fetchone()
        assert last is not None and con.execute("SELECT count(*) FROM change_log WHERE seq = %s", (last[0] - 1,)).fetchone() == (0,)
        con.execute("INSERT INTO change_log SELECT seq - 1, ward_id, entity, entity_id, deleted, echo_of FROM change_log"
                    " WHERE seq = %s", (last[0],))
        whole = _answers(engine, ward_id[0], devices, seqs)
    for key, rows in whole.items():
        # the same records, each still sent at one of the rows the whole log sends it at (every row brings the
        # record's current state); a row the whole log sends besides a later one of the same record may be gone
        assert {r[1:] for r in left[key]} == {r[1:] for r in rows} and set(left[key]) <= set(rows), key
    assert left != whole  # (the case exists: b, pulling past its own echo, was sent s1 at a's two edits)
    assert any(rows for rows in left.values())


def _keep_deleted_rows(con: psycopg.Connection[Any]) -> None:
    """Each change-log row deleted from now on is kept in ``log_gone`` (to put the whole log back)."""
    con.execute("CREATE TABLE log_gone (LIKE change_log)")
    con.execute("CREATE FUNCTION keep_gone() RETURNS trigger LANGUAGE plpgsql AS"
                " $$BEGIN INSERT INTO log_gone SELECT OLD.*; RETURN OLD; END$$")
    con.execute("CREATE TRIGGER keep_gone BEFORE DELETE ON change_log FOR EACH ROW EXECUTE FUNCTION keep_gone()")


def _notes_tokens(st: Any) -> dict[str, str]:
    """Each shift's notes' current token, as the station pulls it."""
    return {c["id"]: c["field_meta"]["notes"]["tok"] for c in st.pull_all() if c["entity"] == "shift"}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_change_log_rows_an_admin_write_supersedes_go_and_every_pull_sends_the_same_records(
        own_admin: Admin, engine: Engine, seed: int) -> None:
    """Trust IT's writes are no station's echo (their ``echo_of``, the server's own id, is no station's), so the
    row an admin write supersedes is deleted as under a change nobody skips (it was kept under one: two PCs of a
    ward and trust IT editing the same shifts in turn left every row). Random turns of two stations (their own
    edits, and edits from a stale base: not their echo), trust IT's writes and a void, on three shifts; then,
    from every cursor, each station and a new one is sent the same records as from the whole log."""
    rnd = random.Random(seed)
    ward = new_ward(own_admin)
    stations = [own_admin.station(ward, "a"), own_admin.station(ward, "b")]
    a = stations[0]
    shifts = [a.shift_id(TODAY, c) for c in ("early", "late", "night")]
    with _con(own_admin) as con:
        _keep_deleted_rows(con)
    a.push([a.create_shift(TODAY, c) for c in ("early", "late", "night")])
    created = _notes_tokens(a)

    def admin_writes(sid: str, notes: str) -> None:
        out = own_admin.post("/v1/admin/records", {"records": [{"entity": "shift", "id": sid, "values": {"notes": notes}}]})
        assert out[0]["status"] == "applied", out

    # the case itself: a's own edit (its echo), then trust IT's: a's row goes
    tok = _notes_tokens(a)
    a.push([a.mutation("shift", shifts[0], "patch", {"notes": "a"}, base={"notes": tok[shifts[0]]})])
    admin_writes(shifts[0], "trust IT")
    with _con(own_admin) as con:
        gone = con.execute("SELECT echo_of::text FROM log_gone WHERE entity_id = %s", (shifts[0],)).fetchall()
        assert gone == [(a.device_id,)]
    for n in range(24):
        sid = rnd.choice(shifts)
        who = rnd.randrange(3)
        if who == 2:
            admin_writes(sid, f"IT {n}")
            continue
        st = stations[who]
        tok = _notes_tokens(st)
        base = created[sid] if rnd.random() < 0.3 else tok[sid]  # a stale base: a concurrent edit, nobody's echo
        st.push([st.mutation("shift", sid, "patch", {"notes": f"{who} {n}"}, base={"notes": base})])
    own_admin.post(f"/v1/admin/records/{shifts[2]}/void", {"reason": "entered in error"})

    with _con(own_admin) as con:
        ward_id = con.execute("SELECT ward_id::text FROM change_log WHERE entity = 'shift' LIMIT 1").fetchone()
        assert ward_id is not None
        seqs = [int(r[0]) for r in con.execute("SELECT seq FROM change_log UNION SELECT seq FROM log_gone ORDER BY 1")]
        seqs += [q - 1 for q in seqs]  # cursors between rows too
        devices = [*(st.device_id for st in stations), OTHER_DEVICE]
        left = _answers(engine, ward_id[0], devices, seqs)
        con.execute("DROP TRIGGER keep_gone ON change_log")
        con.execute("INSERT INTO change_log SELECT * FROM log_gone")  # the whole log, as pushes that deleted nothing leave it
        whole = _answers(engine, ward_id[0], devices, seqs)
    for key, rows in whole.items():
        assert {r[1:] for r in left[key]} == {r[1:] for r in rows} and set(left[key]) <= set(rows), key
    assert any(rows for rows in left.values())


W1, W2 = "00000000-0000-4000-8000-00000000aa01", "00000000-0000-4000-8000-00000000aa02"
X, Y = "00000000-0000-4000-8000-0000000000d1", "00000000-0000-4000-8000-0000000000d2"


def _rid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


#: (record, its entity and data, its change-log rows: (seq, ward, echo_of)); the last row is its latest
_HISTORY = [
    (1, "shift", {"shift_date": "2026-03-29", "shift_code": "early"}, [(1, W1, X), (2, W1, X)]),  # X's echo over X's: 1 goes
    (2, "shift", {"shift_date": "2026-03-30", "shift_code": "late"}, [(3, W1, X), (4, W1, Y)]),  # Y's over X's: kept
    (3, "ward_day", {"day": "2026-02-29", "patients_at_midnight": 20}, [(5, W1, None), (6, W1, None)]),  # nobody's: 5 goes
    (4, "shift", {"shift_date": "2026-01-01", "shift_code": "night"}, [(7, W1, X), (8, W2, None)]),  # moved ward: kept
    (5, "staff", {"name": "A"}, [(9, W1, None), (10, W1, X), (11, W1, X)]),  # X's latest: 9 kept (X is sent it), 10 goes
]


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_0019_converts_existing_rows_and_downgrades(backend: str, tmp_path: Any, request: pytest.FixtureRequest) -> None:
    from alembic import command
    from sqlalchemy import text

    from trust_server.db import alembic_config, migrate

    url = f"sqlite:///{tmp_path / 'server.sqlite'}" if backend == "sqlite" else request.getfixturevalue("fresh_postgres_url")
    eng = make_engine(url)

    def to(revision: str, down: bool = False) -> None:
        with eng.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            (command.downgrade if down else command.upgrade)(cfg, revision)

    def indexes() -> dict[str, str]:
        with eng.connect() as c:
            if backend == "postgresql":
                return {n: d.split(" USING ")[1] for n, d in c.execute(text(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'entity_record'")).all()}
            return {n: (d or "").split(" ON ")[-1] for n, d in c.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'entity_record'")).all()}

    try:
        to("0020b")
        with eng.begin() as c:
            for rid, entity, data, rows in _HISTORY:
                last = rows[-1]
                c.execute(text("INSERT INTO entity_record (entity, id, ward_id, data, field_meta, deleted, last_seq, needs_review)"
                               " VALUES (:e, :i, :w, :d, '{}', false, :s, false)"),
                          {"e": entity, "i": _rid(rid), "w": last[1], "d": json.dumps(data), "s": last[0]})
                for seq, ward, echo in rows:
                    c.execute(text("INSERT INTO change_log (seq, ward_id, entity, entity_id, deleted, echo_of)"
                                   " VALUES (:s, :w, :e, :i, false, :x)"), {"s": seq, "w": ward, "e": entity, "i": _rid(rid), "x": echo})
        before = indexes()
        assert "ix_entity_record_ward_last_seq" in before
        migrate(eng)
        with eng.connect() as c:
            days = dict(c.execute(text("SELECT entity, day FROM entity_record WHERE entity <> 'shift'")).all())
            shift_days = sorted(r[0] for r in c.execute(text("SELECT day FROM entity_record WHERE entity = 'shift'")))
            seqs = sorted(r[0] for r in c.execute(text("SELECT seq FROM change_log")))
        assert days == {"ward_day": "2026-02-29", "staff": None} and shift_days == ["2026-01-01", "2026-03-29", "2026-03-30"]
        assert seqs == [2, 3, 4, 6, 7, 8, 9, 11]
        after = indexes()
        assert "ix_entity_record_ward_last_seq" not in after and "(ward_id, entity, day)" in after["ix_entity_record_ward_day"]
        to("0020b", down=True)
        assert indexes() == before
        with eng.connect() as c:
            cols = {r[1] for r in c.execute(text("PRAGMA table_info(entity_record)"))} if backend == "sqlite" else set(
                c.execute(text("SELECT column_name FROM information_schema.columns WHERE table_name = 'entity_record'")).scalars())
            assert "day" not in cols
            assert c.execute(text("SELECT count(*) FROM entity_record")).scalar_one() == len(_HISTORY)
        migrate(eng)  # and up again
    finally:
        eng.dispose()


def test_patched_field_versions_are_appended_and_read_last_wins(fresh_postgres_url: str) -> None:
    """``bulk.patch_records`` appends a patch's packed field versions to the stored list as text (server migration
    0021: ``Batch._as_patch`` decides, ``,[...]]``): every reader (orjson, the cast to jsonb, the pull's text) sees
    each field's latest version; versions given whole replace them (each field once); a patch of data alone leaves
    the versions as they were. The bound that decides between the two is ``test_field_versions.py``'s."""
    from datetime import UTC, datetime

    import orjson
    from sqlalchemy import text
    from sqlmodel import Session

    from trust_server import bulk, field_versions
    from trust_server.bulk import json_text
    from trust_server.db import migrate

    eng = make_engine(fresh_postgres_url)
    rid = _rid(77)
    meta = {f"f{k}": {"tok": f"t{k}", "hlc": "1796180033226-00000-aaaaaaaa", "device_id": X, "seq": 1} for k in range(3)}
    try:
        migrate(eng)
        with eng.begin() as c:
            c.execute(text("INSERT INTO entity_record (entity, id, ward_id, data, field_meta, deleted, last_seq, needs_review)"
                           " VALUES ('shift', :i, :w, :d, :m, false, 1, false)"),
                      {"i": rid, "w": W1, "d": json.dumps({"shift_date": "2026-03-29", "f0": 1}),
                       "m": json_text(field_versions.pack(meta))})

        def patch(data: dict[str, Any], versions: str | None, seq: int) -> tuple[str, Any, Any]:
            with Session(eng) as s:
                bulk.patch_records(s, [{"entity": "shift", "id": rid, "ward_id": W1, "data": data, "field_meta": versions,
                                        "deleted": False, "last_seq": seq, "needs_review": False}], datetime(2026, 3, 29, tzinfo=UTC))
                s.commit()
            with eng.connect() as c:
                row = c.execute(text("SELECT field_meta::text, field_meta::jsonb, data FROM entity_record WHERE id = :i"),
                                {"i": rid}).one()
            return str(row[0]), row[1], row[2]

        first = json_text(field_versions.pack(meta))
        v1 = {"tok": "n1", "hlc": "1796180033227-00000-bbbbbbbb", "device_id": Y, "seq": 2}
        stored, as_jsonb, data = patch({"f0": 2}, "," + json_text(field_versions.pack({"f0": v1}))[1:], 2)
        assert stored == field_versions.append_text(first, json_text(field_versions.pack({"f0": v1})))  # appended as text
        assert field_versions.unpack(orjson.loads(stored)) == field_versions.unpack(as_jsonb) == {**meta, "f0": v1}
        assert data["f0"] == 2 and list(field_versions.unpack(orjson.loads(stored))) == ["f0", "f1", "f2"]  # a field keeps its place
        stored2, _j, data = patch({"notes": "x"}, None, 3)  # data alone: the versions as they were
        assert stored2 == stored and data["notes"] == "x"
        whole = json_text(field_versions.pack({**meta, "f0": v1}))
        stored3, _j, _d = patch({"f1": 5}, whole, 4)  # whole: as given, each version once
        assert stored3 == whole and len(orjson.loads(stored3)) == 3
    finally:
        eng.dispose()


def test_a_patch_of_several_records_writes_each_its_own_values_in_every_column(fresh_postgres_url: str) -> None:
    """``bulk.patch_records`` sends the batch's rows as arrays read by position (i13-pg9): each record gets its own
    values in each column, whatever their mix: a trust-wide record (no ward), a tombstone, a review flag, a seq past
    32 bits, text that needs escaping, versions appended, replaced or left; records not in the batch are untouched."""
    from datetime import UTC, datetime

    from sqlalchemy import text
    from sqlmodel import Session

    from trust_server import bulk, field_versions
    from trust_server.bulk import json_text
    from trust_server.db import migrate

    eng = make_engine(fresh_postgres_url)
    meta = {"f0": {"tok": "t0", "hlc": "1796180033226-00000-aaaaaaaa", "device_id": X, "seq": 1}}
    stored = json_text(field_versions.pack(meta))
    later = {"tok": "t1", "hlc": "1796180033227-00000-bbbbbbbb", "device_id": Y, "seq": 2}
    ids = [_rid(80 + k) for k in range(4)]
    try:
        migrate(eng)
        with eng.begin() as c:
            for k, rid in enumerate(ids):
                c.execute(text("INSERT INTO entity_record (entity, id, ward_id, data, field_meta, deleted, last_seq, needs_review)"
                               " VALUES (:e, :i, :w, :d, :m, false, 1, false)"),
                          {"e": "shift" if k % 2 else "staff", "i": rid, "w": None if k == 1 else W1,
                           "d": json.dumps({"shift_date": "2026-03-29", "f0": k}), "m": stored})
        appended = "," + json_text(field_versions.pack({"f0": later}))[1:]
        whole = json_text(field_versions.pack({"f0": later, "f1": meta["f0"]}))
        patches = [  # ids[3] is not patched
            {"entity": "staff", "id": ids[0], "ward_id": W2, "data": {"note": 'a "quoted" \\ back\nslash caf\u00e9'},
             "field_meta": appended, "deleted": True, "last_seq": 2**40 + 1, "needs_review": False},
            {"entity": "shift", "id": ids[1], "ward_id": None, "data": {"f0": None}, "field_meta": None,
             "deleted": False, "last_seq": 7, "needs_review": True},
            {"entity": "staff", "id": ids[2], "ward_id": W1, "data": {}, "field_meta": whole,
             "deleted": False, "last_seq": 2**62, "needs_review": False}]
        with Session(eng) as s:
            bulk.patch_records(s, patches, datetime(2026, 3, 29, 12, tzinfo=UTC))
            s.commit()
        with eng.connect() as c:
            got = {str(r[0]): r[1:] for r in c.execute(text(
                "SELECT id, entity, ward_id::text, data, field_meta::text, deleted, last_seq, needs_review, updated_at IS NOT NULL"
                " FROM entity_record ORDER BY id"))}
        assert got[ids[0]] == ("staff", W2, {"shift_date": "2026-03-29", "f0": 0, "note": 'a "quoted" \\ back\nslash caf\u00e9'},
                               field_versions.append_text(stored, json_text(field_versions.pack({"f0": later}))), True, 2**40 + 1,
                               False, True)
        assert got[ids[1]] == ("shift", None, {"shift_date": "2026-03-29", "f0": None}, stored, False, 7, True, True)
        assert got[ids[2]] == ("staff", W1, {"shift_date": "2026-03-29", "f0": 2}, whole, False, 2**62, False, True)
        assert got[ids[3]] == ("shift", W1, {"shift_date": "2026-03-29", "f0": 3}, stored, False, 1, False, False)
    finally:
        eng.dispose()
