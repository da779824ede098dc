"""A record's field versions stored packed: each version once, with its fields by number (issue 13: size and CPU).

``entity_record.field_meta`` held ``{field: {"tok", "hlc", "device_id", "seq"}}``: a new shift's ~13 fields
each with a copy of the one version its create wrote (~1,970 characters for a shift created then edited once,
339 B compressed, half of its 701 B row), decompressed, parsed, merged and compressed again by every edit
and parsed and regrouped by every pull. Now (``trust_server.field_versions``)::

    [[tok, hlc, device_id, seq, field, field, ...], ...]

each distinct version once as an array (no key names), its token and device id (UUIDs) as 22 characters of
base64 (not 36), a field by its number in the station's append-only ``FIELD_NAMES`` (else by name), a LATER
group winning for a field: an edit appends its group (one text append, nothing parsed) until the stored text
passes ``field_versions.TEXT_MAX`` characters, when the server, which holds the record's versions after its
load, writes them whole and deduplicated again.

Chosen by measurement (``benchmarks/bench_field_versions.py``: 2,000 shifts each created then edited once, in a
table set up as ``entity_record`` on PostgreSQL 15 with lz4; characters of text, ``pg_column_size`` of the
column and of the row, and microseconds of Python CPU a record to read it as the pull does, protocol 2's
``versions``, and as the push's load does, ``{field: version}``):

    form                                     text  stored  row   pull read  push read
    the object form (before 0021)            2123   367    760    7.1 us     3.0 us
    versions as objects, fields by number     330   334    856    5.9 us     2.6 us
    versions as arrays, fields by number      262   266    784    3.4 us     1.5 us
    as arrays, ids in base64 (this one)       206   210    728    5.2 us     3.1 us

PostgreSQL compresses a row's columns only once the row passes ~2 KB: the object form's 2,123 characters took the
row over it (the versions and ``data`` compressed, ~255 B for ~350), a packed form does not (``data`` stored as
it is). So only the smallest form makes the row smaller than before; its ids cost ~1.8 us a record to read
back (the ids as they are would add ~56 B to every row version). In the server as a whole
(``benchmarks/bench_size.py``, 20,000 shifts): 3,328 -> 3,166 B a shift with one edit (``benchmarks/RESULTS.md``,
section "versions"). A version that is not exactly those four parts (an odd row of an older release) is kept
whole: ``[version_object, field, ...]``.

Rows are converted in batches of ``BATCH`` in key order (never the whole table in memory), in Python, both
ways, on PostgreSQL and SQLite. The conversion is written out here (not imported from the server's code) so
this migration keeps meaning what it says. Downgrade: back to ``{field: version}`` (a field under its
last group's version). The readers accept both forms either way. PostgreSQL keeps the old row versions
until VACUUM (autovacuum, or ``VACUUM entity_record`` after the upgrade). 20,000 records: 3.5 s up, 6.9 s down
(``benchmarks/bench_migrate_versions.py``, fsync on, load 5).

Revision ID: 0021
Revises: 0022
Create Date: 2026-12-02 11:30:00
"""

import binascii
import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

import orjson
import sqlalchemy as sa
from alembic import op

from hardtruths_desktop.domain.field_meta import FIELD_NAMES

revision: str = '0021'
down_revision: str | None = '0022'  # after i13-pg7's 0022, which landed first
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 2000
_NUMBER = {name: i for i, name in enumerate(FIELD_NAMES)}
_CANONICAL = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def short_id(value: str) -> str:
    """A UUID in its usual form as its 16 bytes in base64, unpadded (22 characters); other text as it
    is, behind a ``~`` when it is 22 characters long or starts with one."""
    if len(value) == 36 and _CANONICAL.fullmatch(value):
        return binascii.b2a_base64(bytes.fromhex(value.replace("-", "")), newline=False)[:22].decode()
    if len(value) == 22 or value[:1] == "~":
        return "~" + value
    return value


def long_id(stored: str) -> str:
    if len(stored) == 22:
        try:
            h = binascii.a2b_base64(stored + "==").hex()
        except (binascii.Error, ValueError):
            return stored
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}" if len(h) == 32 else stored
    return stored[1:] if stored[:1] == "~" else stored


def _loads(text: Any) -> Any:
    if text is None or not isinstance(text, str | bytes):
        return text
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        try:
            return json.loads(text)
        except ValueError:
            return None  # unreadable: left as it is


def _dumps(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # a lone surrogate: escaped
        return json.dumps(value, ensure_ascii=True, separators=(",", ":"), default=str)


def pack(meta: dict[str, Any]) -> list[list[Any]]:
    """``{field: version}`` -> ``[[tok, hlc, device_id, seq, field...], ...]``, equal versions once, first-seen order."""
    groups: dict[str, list[Any]] = {}
    for f, v in meta.items():
        if not isinstance(v, dict):
            continue
        seq = v.get("seq", ())
        if len(v) == 4 and all(isinstance(v.get(k), str) for k in ("tok", "hlc", "device_id")) \
                and (seq is None or type(seq) is int):
            head: list[Any] = [short_id(v["tok"]), v["hlc"], short_id(v["device_id"]), seq]
        else:
            head = [v]
        key = _dumps(head)
        group = groups.get(key)
        if group is None:
            group = groups[key] = head
        group.append(_NUMBER.get(f, f))
    return list(groups.values())


def unpack(stored: list[Any]) -> dict[str, Any]:
    """The packed list -> ``{field: version}``, a later group winning for a field."""
    meta: dict[str, Any] = {}
    for g in stored:
        if not isinstance(g, list) or not g:
            continue
        if isinstance(g[0], str) and len(g) >= 4:
            version: Any = {"tok": long_id(g[0]), "hlc": g[1], "device_id": long_id(g[2]) if isinstance(g[2], str) else g[2],
                            "seq": g[3]}
            fields = g[4:]
        elif isinstance(g[0], dict):
            version, fields = g[0], g[1:]
        else:
            continue
        for f in fields:
            if type(f) is int and 0 <= f < len(FIELD_NAMES):
                meta[FIELD_NAMES[f]] = version
            elif isinstance(f, str):
                meta[f] = version
    return meta


def _rows(conn: sa.Connection, pg: bool) -> Iterator[list[tuple[str, str, Any]]]:
    """Every record's key and stored versions' text, ``BATCH`` rows at a time in key order."""
    key = "id::text" if pg else "id"
    meta = "field_meta::text" if pg else "field_meta"
    last: tuple[str, str] | None = None
    while True:
        after = "" if last is None else (" WHERE (entity, id) > (:e, CAST(:i AS uuid))" if pg else " WHERE (entity, id) > (:e, :i)")
        rows = conn.execute(sa.text(f"SELECT entity, {key}, {meta} FROM entity_record{after} ORDER BY entity, id LIMIT {BATCH}"),
                            {} if last is None else {"e": last[0], "i": last[1]}).all()
        if not rows:
            return
        yield [(r[0], r[1], r[2]) for r in rows]
        last = (rows[-1][0], rows[-1][1])


def _convert(upgrade: bool) -> None:
    conn = op.get_bind()
    pg = conn.dialect.name == "postgresql"
    for rows in _rows(conn, pg):
        changed: list[tuple[str, str, str]] = []
        for entity, entity_id, text in rows:
            value = _loads(text)
            if upgrade and isinstance(value, dict):
                changed.append((entity, entity_id, _dumps(pack(value))))
            elif not upgrade and isinstance(value, list):
                changed.append((entity, entity_id, _dumps(unpack(value))))
        if not changed:
            continue
        if pg:
            conn.execute(sa.text(
                "UPDATE entity_record AS e SET field_meta = v.m::json"
                " FROM unnest(CAST(:ents AS text[]), CAST(:ids AS uuid[]), CAST(:ms AS text[])) AS v(entity, id, m)"
                " WHERE e.entity = v.entity AND e.id = v.id"),
                {"ents": [c[0] for c in changed], "ids": [c[1] for c in changed], "ms": [c[2] for c in changed]})
        else:
            conn.execute(sa.text("UPDATE entity_record SET field_meta = :m WHERE entity = :e AND id = :i"),
                         [{"e": e, "i": i, "m": m} for e, i, m in changed])


def upgrade() -> None:
    _convert(True)


def downgrade() -> None:
    _convert(False)
