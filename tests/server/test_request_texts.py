"""Server migration 0015 (issue 13, bytes): the texts of the mutations one request brought are kept once,
together, in ``received_batch`` (compressed by PostgreSQL), not one a ``received_mutation`` row. The
audit reads the same (the exact text, the log, the history), a re-sent mutation is answered the same,
and rows written before 0015 are converted (PostgreSQL) and read the same, before and after a downgrade."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic import command
from server_support import Admin, new_ward, stored_versions
from sqlalchemy import Engine, text
from support.clocks import SUITE_TODAY
from support.live_server import LiveServer

from trust_server.apply import full_raw, raw_json, station_raw
from trust_server.db import alembic_config, make_engine, migrate

TODAY = SUITE_TODAY
DEV_A = "0f3c9a3e-1111-4a2b-9c3d-5e6f7a8b9c0d"
DEV_B = "1a2b3c4d-2222-4a2b-9c3d-5e6f7a8b9c0d"
SERVER = "00000000-0000-0000-0000-000000000000"
SHIFT = "5c2d0000-0000-5000-8000-000000000015"
T1 = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
T2 = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def _sql(admin: Admin, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(admin.server.database_url.replace("postgresql+psycopg://", "postgresql://")) as con:
        return list(con.execute(query, params).fetchall())


def test_a_push_keeps_its_texts_once_and_the_audit_and_a_resend_read_as_before(admin: Admin, ward: str) -> None:
    a = admin.station(ward)
    creates = [a.create_shift(TODAY, code, notes=f"Si\u00e2n \u2013 {code}") for code in ("early", "late", "night")]
    a.push(creates)
    sid = a.shift_id(TODAY, "early")
    edit = a.mutation("shift", sid, "patch", {"groups.rn.actual": 5}, base={"groups.rn.actual": creates[0]["mutation_id"]})
    [verdict] = a.push([edit])["results"]
    assert verdict["status"] == "applied"
    sent = {m["mutation_id"]: m for m in (*creates, edit)}

    # one row of texts per request, in the request's order; the mutation rows keep none of their own
    rows = _sql(admin, "SELECT mutation_id::text, raw, batch_id, batch_index FROM received_mutation"
                       " WHERE mutation_id::text = ANY(%s) ORDER BY client_seq", (list(sent),))
    assert [r[1] for r in rows] == [None] * 4
    assert [r[3] for r in rows] == [1, 2, 3, 1]
    assert rows[0][2] == rows[1][2] == rows[2][2] != rows[3][2]
    [(n_texts,)] = _sql(admin, "SELECT cardinality(raws) FROM received_batch WHERE id = %s", (rows[0][2],))
    assert n_texts == 3

    # the stored text of each, exactly as before 0015 (slim), and the station's bytes from it
    stored = {mid: (seq, by, raw) for mid, seq, by, raw in _sql(
        admin, "SELECT mutation_id::text, client_seq, recorded_by, raw FROM received_raw WHERE mutation_id::text = ANY(%s)",
        (list(sent),))}
    assert stored.keys() == sent.keys()
    for mid, (seq, by, raw) in stored.items():
        assert raw == station_raw(sent[mid])
        assert full_raw(raw, mid, seq, by) == raw_json(sent[mid])  # what the payload hash is over
    logged = dict(_sql(admin, "SELECT mutation_id::text, raw FROM mutation_log WHERE mutation_id::text = ANY(%s)", (list(sent),)))
    assert {mid: json.loads(raw) for mid, raw in logged.items()} == sent
    # the history's clock is the mutation's, read from its request's texts
    assert _sql(admin, "SELECT field, incoming_hlc, device_id::text, recorded_by FROM field_history WHERE mutation_id = %s",
                (edit["mutation_id"],)) == [("groups.rn.actual", edit["hlc"], a.device_id, edit["recorded_by"])]

    # idempotency: the same changes sent again are answered as the first time; another change under a used id is not
    again = a.push_raw([*creates, edit], acked_through=0).json()["results"]
    assert [r["status"] for r in again] == ["duplicate"] * 4
    assert again[3]["server_seq"] == verdict["server_seq"]
    forged = {**edit, "payload": {"groups.rn.actual": 9}}
    [r] = a.push_raw([forged], acked_through=0).json()["results"]
    assert r["status"] == "rejected" and "mutation_id_conflict" in r["flags"]


def test_a_big_push_is_kept_100_texts_a_row_compressed(admin: Admin, ward: str) -> None:
    a = admin.station(ward)
    creates = [a.create_shift(date(2026, 10, 1) + timedelta(days=i // 2), ("early", "late")[i % 2]) for i in range(120)]
    a.push(creates)
    places = _sql(admin, "SELECT batch_id, batch_index FROM received_mutation WHERE mutation_id::text = ANY(%s) ORDER BY client_seq",
                  ([m["mutation_id"] for m in creates],))
    first, second = places[0][0], places[100][0]
    assert places == [(first, i) for i in range(1, 101)] + [(second, i) for i in range(1, 21)] and first != second
    [(compression, stored, plain)] = _sql(
        admin, "SELECT pg_column_compression(raws), pg_column_size(raws), octet_length(array_to_string(raws, ''))"
               " FROM received_batch WHERE id = %s", (first,))
    # lz4 where PostgreSQL has it (server migration 0022: smaller than pglz here, and faster), else pglz
    [(lz4,)] = _sql(admin, "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
    assert compression == ("lz4" if lz4 else "pglz") and stored * 3 < plain  # 100 shifts' texts in under a third of their length
    stored_texts = dict(_sql(admin, "SELECT mutation_id::text, raw FROM received_raw WHERE mutation_id::text = ANY(%s)",
                             ([m["mutation_id"] for m in creates],)))
    assert stored_texts == {m["mutation_id"]: station_raw(m) for m in creates}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_each_row_of_texts_is_paired_with_its_own_part_of_the_request(
        backend: str, live_server_factory: Callable[..., LiveServer], request: pytest.FixtureRequest) -> None:
    """``log_texts`` pairs each ``received_batch`` row with its part of the request explicitly (reviewer, issue
    13: it relied on the sequence handing out ids in the INSERT ... SELECT's order). On PostgreSQL the test's
    sequence counts DOWN, so ids come in the reverse of the rows' order: each text must still be its own."""
    srv = live_server_factory(request.getfixturevalue("fresh_postgres_url") if backend == "postgresql" else None)
    try:
        admin = Admin(srv)
        a = admin.station(new_ward(admin))
        engine = make_engine(srv.database_url)
        if backend == "postgresql":
            with engine.begin() as c:
                seq = c.execute(text("SELECT pg_get_serial_sequence('received_batch', 'id')")).scalar_one()
                c.execute(text(f"ALTER SEQUENCE {seq} INCREMENT BY -1 MINVALUE 1 MAXVALUE 9000000 RESTART 9000000"))
        creates = [a.create_shift(date(2026, 9, 1) + timedelta(days=i // 3), ("early", "late", "night")[i % 3],
                                  notes=f"part {i // 100} text {i}") for i in range(210)]  # three rows: 100, 100, 10
        assert {r["status"] for r in a.push(creates)["results"]} == {"applied"}
        mids = [m["mutation_id"] for m in creates]
        cast = "::text" if backend == "postgresql" else ""
        with engine.connect() as c:
            texts = {str(mid): raw for mid, raw in c.execute(text(f"SELECT mutation_id{cast}, raw FROM received_raw"))}
            places = [tuple(r) for r in c.execute(text(f"SELECT mutation_id{cast}, batch_id, batch_index FROM received_mutation"))
                      if str(r[0]) in set(mids)]
        engine.dispose()
        assert {mid: texts.get(mid) for mid in mids} == {m["mutation_id"]: station_raw(m) for m in creates}
        rows = {mid: (b, i) for mid, b, i in places}
        assert [rows[mid][1] for mid in mids] == [*range(1, 101), *range(1, 101), *range(1, 11)]
        assert len({rows[mid][0] for mid in mids}) == 3
    finally:
        srv.stop()


# --- rows written before 0015 -------------------------------------------------------------------------

def _at(engine: Engine, revision: str) -> None:
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def _mutation(seq: int | None, mid: str, hlc: str, payload: dict[str, Any]) -> dict[str, Any]:
    m: dict[str, Any] = {"base": {}, "entity": "shift", "entity_id": SHIFT, "hlc": hlc, "op": "patch", "payload": payload,
                         "schema_version": 12, "wall_time": "2026-10-25T00:30:00Z"}
    if seq is None:  # the server's own: kept whole, no station order
        m["mutation_id"] = mid
    return m


#: (mutation id, device, client_seq, received at, text): two requests of station A (the first of two
#: mutations), one of station B at the same moment, one of the server's own
OLD = [
    ("01a23000-0000-7000-8000-000000001501", DEV_A, 1, T1, _mutation(1, "", "1792888200000-00000-0f3c9a3e", {"notes": "a\u00e2"})),
    ("01a23000-0000-7000-8000-000000001502", DEV_A, 2, T1, _mutation(2, "", "1792888200001-00000-0f3c9a3e", {"notes": "b"})),
    ("01a23000-0000-7000-8000-000000001503", DEV_A, 3, T2, _mutation(3, "", "1792891800000-00000-0f3c9a3e", {"notes": "c"})),
    ("01a23000-0000-7000-8000-000000001504", DEV_B, 1, T1, _mutation(1, "", "1792888200000-00000-1a2b3c4d", {"notes": "d"})),
    ("01a23000-0000-7000-8000-000000001505", SERVER, None, T2,
     _mutation(None, "01a23000-0000-7000-8000-000000001505", "1792891800000-00001-00000000", {"notes": "e"})),
]


def _write_as_0014(engine: Engine) -> dict[str, str]:
    texts = {}
    with engine.begin() as c:
        for mid, dev, seq, at, m in OLD:
            texts[mid] = json.dumps(m, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
            c.execute(text("INSERT INTO received_mutation (mutation_id, device_id, client_seq, server_seq, received_at, status,"
                           " recorded_by, result, raw) VALUES (:m, :d, :s, :q, :at, 'applied', 'staff:mary', '{}', :raw)"),
                      {"m": mid, "d": dev, "s": seq, "q": 20 + int(mid[-1]), "at": at, "raw": texts[mid]})
        c.execute(text("INSERT INTO field_change (mutation_id, entity, entity_id, field, outcome, stored_hlc, old_value, new_value)"
                       " VALUES (:m, 'shift', :e, 'notes', 'applied', NULL, '\"a\"', '\"c\"')"), {"m": OLD[2][0], "e": SHIFT})
    return texts


def _read(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    txt = "::text" if engine.dialect.name == "postgresql" else ""
    reads = {
        "log": f"SELECT mutation_id{txt}, raw, recorded_by, received_at FROM mutation_log ORDER BY 1",
        "history": f"SELECT id, entity_id, incoming_hlc, server_seq, recorded_by, device_id{txt}, at FROM field_history",
        "applied": f"SELECT mutation_id{txt}, client_seq, payload_sha256, status, server_seq FROM applied_mutation ORDER BY 1",
    }
    with engine.connect() as c:
        return {k: [tuple(v.astimezone(UTC) if isinstance(v, datetime) else v for v in r) for r in c.execute(text(q))]
                for k, q in reads.items()}


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_rows_written_before_0015_are_converted_and_read_the_same_after_it_and_after_a_downgrade(
        backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = f"sqlite:///{tmp_path / 'server.sqlite'}" if backend == "sqlite" else request.getfixturevalue("fresh_postgres_url")
    engine = make_engine(url)
    pg = backend == "postgresql"
    txt = "::text" if pg else ""
    try:
        _at(engine, "0014")
        texts = _write_as_0014(engine)
        before = _read(engine)
        assert len(before["log"]) == 5 and before["history"][0][2] == "1792891800000-00000-0f3c9a3e"
        migrate(engine)
        assert _read(engine) == before
        with engine.connect() as c:
            assert dict(c.execute(text(f"SELECT mutation_id{txt}, raw FROM received_raw")).all()) == texts  # the same strings
            rows = c.execute(text(f"SELECT mutation_id{txt}, raw IS NULL, batch_id, batch_index FROM received_mutation"
                                  " ORDER BY 1")).all()
        if pg:  # converted: one batch per request (device and arrival time), in the station's order
            assert all(r[1] for r in rows)
            batch = {r[0][-1]: (r[2], r[3]) for r in rows}
            assert batch["1"][0] == batch["2"][0] and len({batch[k][0] for k in "1345"}) == 4
            assert (batch["1"][1], batch["2"][1], batch["3"][1], batch["4"][1], batch["5"][1]) == (1, 2, 1, 1, 1)
        else:  # SQLite keeps them in their rows, read the same way
            assert not any(r[1] for r in rows)
        with engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0014")
        assert _read(engine) == before
        with engine.connect() as c:
            assert dict(c.execute(text(f"SELECT mutation_id{txt}, raw FROM received_mutation")).all()) == texts  # byte for byte
    finally:
        engine.dispose()


def test_a_row_written_after_0015_goes_back_into_its_row_on_a_downgrade_in_sqlite(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'server.sqlite'}")
    try:
        migrate(engine)
        mid, dev, seq, at, m = OLD[0]
        raw = json.dumps(m, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        with engine.begin() as c:
            bid = c.execute(text("INSERT INTO received_batch (raws) VALUES (:r) RETURNING id"), {"r": json.dumps(["x", raw])}).scalar_one()
            c.execute(text("INSERT INTO received_mutation (mutation_id, device_id, client_seq, server_seq, received_at, status_code,"
                           " recorded_by, result, batch_id, batch_index) VALUES (:m, :d, :s, 21, :at, 1, 'staff:mary', NULL,"
                           " :b, 2)"), {"m": mid, "d": dev, "s": seq, "at": at, "b": bid})
        with engine.connect() as c:
            assert c.execute(text("SELECT raw FROM received_raw")).scalar_one() == raw
        with engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0014")
        with engine.connect() as c:
            assert c.execute(text("SELECT raw FROM received_mutation")).scalar_one() == raw
    finally:
        engine.dispose()


# --- migration 0015b: field versions as json text, a change's echo device as uuid ---------------------

def _write_as_0015(engine: Engine, echo: str) -> dict[str, Any]:
    meta = {f: {"tok": OLD[0][0], "hlc": "1792888200000-00000-0f3c9a3e", "device_id": DEV_A, "seq": 21}
            for f in ("ward_id", "shift_date", "shift_code", "groups.rn.actual", "notes")}
    with engine.begin() as c:
        c.execute(text("INSERT INTO entity_record (entity, id, ward_id, data, field_meta, deleted, last_seq, needs_review)"
                       " VALUES ('shift', :id, NULL, '{\"notes\": \"Si\\u00e2n\"}'::jsonb, CAST(:meta AS jsonb), false, 21, false)"),
                  {"id": SHIFT, "meta": json.dumps(meta)})
        c.execute(text("INSERT INTO change_log (seq, ward_id, entity, entity_id, deleted, echo_of) VALUES (21, NULL, 'shift', :id,"
                       " false, :echo)"), {"id": SHIFT, "echo": echo})
    return meta


def test_0015b_keeps_field_versions_as_text_and_echoes_as_uuid_and_back(fresh_postgres_url: str) -> None:
    engine = make_engine(fresh_postgres_url)
    try:
        _at(engine, "0015")
        meta = _write_as_0015(engine, DEV_A)
        migrate(engine)
        with engine.connect() as c:
            kind, stored, *echo = c.execute(text("SELECT pg_typeof(field_meta)::text, field_meta::text,"
                                                 " pg_typeof(echo_of)::text, echo_of::text FROM entity_record, change_log")).one()
            assert (kind, stored_versions(stored), *echo) == ("json", meta, "uuid", DEV_A)  # packed since 0021
            assert c.execute(text("SELECT attstorage FROM pg_attribute WHERE attrelid = 'entity_record'::regclass"
                                  " AND attname = 'field_meta'")).scalar_one() == "m"
        with engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0015")
        with engine.connect() as c:
            assert c.execute(text("SELECT pg_typeof(field_meta)::text, field_meta = CAST(:m AS jsonb), pg_typeof(echo_of)::text,"
                                  " echo_of FROM entity_record, change_log"), {"m": json.dumps(meta)}).one() == (
                "jsonb", True, "character varying", DEV_A)
    finally:
        engine.dispose()


def test_0015b_refuses_an_echo_device_uuid_would_change(fresh_postgres_url: str) -> None:
    engine = make_engine(fresh_postgres_url)
    try:
        _at(engine, "0015")
        _write_as_0015(engine, DEV_A.upper())
        with pytest.raises(RuntimeError, match="echo device"):
            migrate(engine)
    finally:
        engine.dispose()


def test_the_nightly_purge_packs_small_requests_texts_and_every_view_reads_them_as_before(admin: Admin, ward: str) -> None:
    """A ward's looping sync pushes 1-3 changes a request: each request's texts a row of under 2 KB, which PostgreSQL
    never compresses. The nightly purge writes a device's such texts again 100 to a row in the order they came
    (compressed), points their mutations there and deletes the small rows; every view reads the same, a re-sent
    change is answered as the first time."""
    from sqlmodel import Session

    from trust_server.db import make_engine
    from trust_server.retention import pack_texts

    a, b = admin.station(ward), admin.station(ward, "b")
    sent_a: list[dict[str, Any]] = []
    sent_b: list[dict[str, Any]] = []
    verdicts: dict[str, dict[str, Any]] = {}
    for i in range(52):  # 104 texts of a, two a request, with b's requests between
        day = date(2026, 9, 1) + timedelta(days=i)
        pair = [a.create_shift(day, "early"), a.create_shift(day, "late")]
        for m, r in zip(pair, a.push(pair)["results"], strict=True):
            verdicts[m["mutation_id"]] = r
        sent_a += pair
        if i % 10 == 0:
            one = b.create_shift(day, "night")
            verdicts[one["mutation_id"]] = b.push([one])["results"][0]
            sent_b.append(one)
    every = [m["mutation_id"] for m in (*sent_a, *sent_b)]
    views = ("SELECT mutation_id::text, raw FROM received_raw WHERE mutation_id::text = ANY(%s) ORDER BY 1",
             "SELECT mutation_id::text, raw FROM mutation_log WHERE mutation_id::text = ANY(%s) ORDER BY 1",
             "SELECT mutation_id::text, status_code, result::text, server_seq, client_seq FROM received_mutation"
             " WHERE mutation_id::text = ANY(%s) ORDER BY 1")
    before = [_sql(admin, q, (every,)) for q in views]
    small_rows = {r for (r,) in _sql(admin, "SELECT DISTINCT batch_id FROM received_mutation WHERE mutation_id::text = ANY(%s)",
                                     (every,))}
    engine = make_engine(admin.server.database_url)
    try:
        with Session(engine) as session:
            assert pack_texts(session) >= len(every)
            session.commit()
        with Session(engine) as session:  # nothing small is left to pack
            assert pack_texts(session) == 0
            session.commit()
    finally:
        engine.dispose()
    assert [_sql(admin, q, (every,)) for q in views] == before
    places = {mid: (row, i) for mid, row, i in _sql(
        admin, "SELECT mutation_id::text, batch_id, batch_index FROM received_mutation WHERE mutation_id::text = ANY(%s)",
        (every,))}
    rows_a = [places[m["mutation_id"]] for m in sent_a]
    assert rows_a == [(rows_a[0][0], i) for i in range(1, 101)] + [(rows_a[100][0], i) for i in range(1, 5)]
    rows_b = [places[m["mutation_id"]] for m in sent_b]
    assert rows_b == [(rows_b[0][0], i) for i in range(1, len(sent_b) + 1)]
    assert not {r for r, _i in places.values()} & small_rows  # the small rows went
    assert _sql(admin, "SELECT count(*) FROM received_batch WHERE id = ANY(%s)", (sorted(small_rows),)) == [(0,)]
    [(compression, stored, plain)] = _sql(
        admin, "SELECT pg_column_compression(raws), pg_column_size(raws), octet_length(array_to_string(raws, ''))"
               " FROM received_batch WHERE id = %s", (rows_a[0][0],))
    assert compression is not None and stored * 3 < plain  # compressed, as a big request's texts
    again = a.push_raw(sent_a[-2:], acked_through=0).json()["results"]  # a re-sent request: answered as the first time
    assert [(r["status"], r["server_seq"]) for r in again] == [("duplicate", verdicts[m["mutation_id"]]["server_seq"])
                                                               for m in sent_a[-2:]]
    forged = {**sent_a[-1], "payload": {**sent_a[-1]["payload"], "notes": "changed"}}
    [r] = a.push_raw([forged], acked_through=0).json()["results"]
    assert r["status"] == "rejected" and "mutation_id_conflict" in r["flags"]
