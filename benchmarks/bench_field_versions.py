"""The trust server's stored field versions, form by form (issue 13, server migration 0021): bytes as stored and
Python CPU to read them.

For a shift created (13 fields under one version) then edited once (one field under a second version), each
candidate form of ``entity_record.field_meta``:

- ``object``: ``{field: {tok, hlc, device_id, seq}}`` (before 0021);
- ``packed objects``: ``[[{tok, hlc, device_id, seq}, field numbers...], ...]`` (the station's form);
- ``packed arrays``: ``[[tok, hlc, device_id, seq, field numbers...], ...]``;
- ``packed arrays, short ids`` (0021): as above, the two UUIDs in 22 characters of base64.

Per form: the text's length; ``pg_column_size`` of the column and of the whole row in a real PostgreSQL table set up
as ``entity_record`` is (lz4 where available, ``toast_tuple_target`` 128, storage MAIN, a realistic shift's
``data`` beside it: PostgreSQL compresses a row's columns only once the row passes ~2 KB); and the microseconds to
read it as the pull does (parse, protocol 2's ``versions``) and as the push's load does (parse, ``{field: version}``).

Run: .venv/bin/python benchmarks/bench_field_versions.py [--n 2000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from support.postgres import PostgresCluster

from hardtruths_desktop.domain import field_meta as station_meta
from trust_server import field_versions

FIELDS = ("ward_id", "shift_date", "shift_code", "nurse_in_charge_id", "notes", "on_duty", "staffing_recorded",
          "groups.rn.planned", "groups.rn.actual", "groups.rn.planned_hours", "groups.rn.actual_hours",
          "groups.care.planned", "groups.care.actual")


def shift(k: int, device: str) -> tuple[dict[str, Any], dict[str, Any]]:
    ward = str(uuid.UUID(int=42))
    data = {"ward_id": ward, "shift_date": "2026-11-24", "shift_code": "early", "nurse_in_charge_id": None, "notes": "",
            "on_duty": [], "staffing_recorded": False, "groups.rn.planned": 4, "groups.rn.actual": 5,
            "groups.rn.planned_hours": 30.0, "groups.rn.actual_hours": 30.0, "groups.care.planned": 2, "groups.care.actual": 2,
            "day": "2026-11-24"}
    v1 = {"tok": str(uuid.uuid4()), "hlc": f"{1795000000000 + k}-00000-{device[:8]}", "device_id": device, "seq": 2 * k + 10}
    v2 = {"tok": str(uuid.uuid4()), "hlc": f"{1795000060000 + k}-00000-{device[:8]}", "device_id": device, "seq": 2 * k + 11}
    meta = dict.fromkeys(FIELDS, v1)
    meta["groups.rn.actual"] = v2
    return data, meta


def forms(meta: dict[str, Any]) -> dict[str, str]:
    arrays = [[v["tok"], v["hlc"], v["device_id"], v["seq"], *fields] for v, fields in station_meta.pack(meta)]
    return {"object": orjson.dumps(meta).decode(),
            "packed objects": orjson.dumps(station_meta.pack(meta)).decode(),
            "packed arrays": orjson.dumps(arrays).decode(),
            "packed arrays, short ids": orjson.dumps(field_versions.pack(meta)).decode()}


def _plain_wire(value: list[list[Any]]) -> list[tuple[str, str, list[str]]]:
    """``field_versions.wire_versions`` of packed arrays whose ids are as they are (no base64)."""
    names = station_meta.FIELD_NAMES
    named = [(g[0], g[1], [names[f] if type(f) is int else f for f in g[4:]]) for g in value]
    seen: set[str] = set()
    for i in range(len(named) - 1, -1, -1):
        tok, hlc, fields = named[i]
        named[i] = (tok, hlc, [f for f in fields if f not in seen])
        seen.update(fields)
    out: dict[tuple[str, str], list[str]] = {}
    for tok, hlc, fields in named:
        if fields:
            out.setdefault((tok, hlc), []).extend(fields)
    return [(tok, hlc, fields) for (tok, hlc), fields in out.items()]


def _plain_unpack(value: list[list[Any]]) -> dict[str, Any]:
    names = station_meta.FIELD_NAMES
    meta: dict[str, Any] = {}
    for g in value:
        version = {"tok": g[0], "hlc": g[1], "device_id": g[2], "seq": g[3]}
        for f in g[4:]:
            meta[names[f] if type(f) is int else f] = version
    return meta


def read_pull(form: str, text: str) -> Any:
    """What the pull does with the stored text: protocol 2's versions."""
    value = orjson.loads(text)
    if form == "packed objects":
        return field_versions.wire_versions(station_meta.unpack(value))
    if form == "packed arrays":
        return _plain_wire(value)
    return field_versions.wire_versions(value)  # the object (as ``compact_versions`` did), or 0021's form


def read_push(form: str, text: str) -> Any:
    """What the push's load does with it: ``{field: version}``."""
    value = orjson.loads(text)
    if form == "object":
        return value
    if form == "packed objects":
        return station_meta.unpack(value)
    if form == "packed arrays":
        return _plain_unpack(value)
    return field_versions.unpack(value)


def per_record_us(fn: Any, texts: list[str], form: str) -> float:
    runs = []
    for _ in range(5):
        t0 = time.process_time()
        for t in texts:
            fn(form, t)
        runs.append((time.process_time() - t0) / len(texts) * 1e6)
    return statistics.median(runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000)
    args = ap.parse_args()
    device = str(uuid.uuid4())
    records = [shift(k, device) for k in range(args.n)]
    by_form: dict[str, list[str]] = {}
    for _data, meta in records:
        for name, text in forms(meta).items():
            by_form.setdefault(name, []).append(text)
    pg = PostgresCluster()
    pg.start()
    try:
        import psycopg

        url = pg.create_database().replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url, autocommit=True) as con:
            lz4 = con.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'").fetchone()
            method = "lz4" if lz4 and lz4[0] else "pglz"
            print(f"{args.n} shifts, each created (13 fields) then edited once (1 field); {con.execute('SHOW server_version').fetchone()[0]}"  # type: ignore[index]
                  f", {method}")
            print(f"{'form':26} {'text':>6} {'stored':>7} {'row':>5} {'pull read':>10} {'push read':>10}")
            for name, texts in by_form.items():
                con.execute("DROP TABLE IF EXISTS t")
                con.execute("CREATE TABLE t (entity varchar(40), id uuid, ward_id uuid, data jsonb, field_meta json, deleted boolean,"
                            " last_seq bigint, needs_review boolean, updated_at timestamptz)"
                            " WITH (toast_tuple_target = 128)")
                con.execute(f"ALTER TABLE t ALTER COLUMN data SET STORAGE MAIN, ALTER COLUMN field_meta SET STORAGE MAIN,"
                            f" ALTER COLUMN data SET COMPRESSION {method}, ALTER COLUMN field_meta SET COMPRESSION {method}")
                with con.cursor() as cur, cur.copy("COPY t (entity, id, ward_id, data, field_meta, deleted, last_seq, needs_review,"
                                                   " updated_at) FROM STDIN") as copy:
                    for (data, _m), text in zip(records, texts, strict=True):
                        copy.write_row(("shift", uuid.uuid4(), data["ward_id"], json.dumps(data), text, False, 1, False,
                                        "2026-11-24T10:00:00Z"))
                stored, row = con.execute("SELECT avg(pg_column_size(field_meta)), avg(pg_column_size(t.*)) FROM t").fetchone()  # type: ignore[misc]
                pull_us = per_record_us(read_pull, texts, name)
                push_us = per_record_us(read_push, texts, name)
                print(f"{name:26} {statistics.mean(map(len, texts)):6.0f} {float(stored):7.0f} {float(row):5.0f}"
                      f" {pull_us:8.1f} us {push_us:7.1f} us")
    finally:
        pg.stop()


if __name__ == "__main__":
    main()
