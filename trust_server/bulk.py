"""Many rows in one statement (issue 13: a push of 2,000 changes spent most of its database time in
one round trip per row).

* ``insert_rows``: on PostgreSQL one ``COPY ... FROM STDIN`` on the session's own connection (so
  inside its transaction), JSON columns sent as JSON text; elsewhere (SQLite) ``executemany``.
* ``update_records``: the changed ``entity_record`` rows of a batch in one ``UPDATE ... FROM
  jsonb_to_recordset(...)`` on PostgreSQL (the rows sent as one JSON document); ``executemany`` elsewhere.

JSON text is written with ``orjson`` when it can (it refuses text that is not valid Unicode; the
standard library's ASCII-escaped form is the fallback). A Python ``None`` in a JSON column is the
JSON ``null``, as SQLAlchemy's JSON type stores it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson
import psycopg
from sqlalchemy import JSON, Connection, Table, bindparam, insert, text, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

_dumps = orjson.dumps


def json_text(value: Any) -> str:
    """``value`` as compact JSON text (for a JSON column or a response)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # broken Unicode (a lone surrogate) or a type orjson does not know
        return json.dumps(value, ensure_ascii=True, separators=(",", ":"), default=str)


def json_value(text_or_bytes: str | bytes) -> Any:
    """JSON text read back (``orjson``; the standard library for what it refuses, such as an integer
    wider than 64 bits that an old version may have stored)."""
    try:
        return orjson.loads(text_or_bytes)
    except orjson.JSONDecodeError:
        return json.loads(text_or_bytes)


def pg_array(values: Sequence[str]) -> str:
    """A PostgreSQL array literal of text values, for one parameter (psycopg's list adapter costs ~5 ms a
    thousand values)."""
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


def driver_rows(session: Session, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[tuple[Any, ...]]:
    """PostgreSQL: ``sql`` (``%s`` placeholders) on the session's own psycopg connection, inside its transaction, and
    its rows (none for a statement that returns none). SQLAlchemy's statement path costs ~0.2-0.5 ms of CPU a
    statement (issue 13, i13-cpu7; ~20 statements a push); a database error is raised as SQLAlchemy raises it (the
    push's retry and 409 read its SQLSTATE)."""
    return connection_rows(session.connection(), sql, params)


def connection_rows(conn: Connection, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[tuple[Any, ...]]:
    """``driver_rows`` on a SQLAlchemy connection (PostgreSQL)."""
    raw = conn.connection.driver_connection
    assert raw is not None
    try:
        with raw.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description is not None else []
    except psycopg.Error as e:
        if raw.broken:  # the server went away (restart, failover): the pool must not hand this connection out again,
            conn.invalidate(e)  # as SQLAlchemy's own statement path does (review of i13-edits8)
        raise DBAPIError.instance(sql, None, e, psycopg.Error, hide_parameters=True, dialect=conn.dialect,
                                  connection_invalidated=raw.broken) from None


def _is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table``."""
    if not rows:
        return
    if not _is_pg(session):
        session.execute(insert(table), list(rows))
        return
    cols = list(rows[0])
    _copy_in(session, table, cols, lambda is_json: copy_text(rows, cols, is_json))


def insert_columns(session: Session, table: Table, columns: dict[str, list[Any]]) -> None:
    """``insert_rows`` of rows given column by column (``columns``: each column's values, all of one length):
    no dict made per row only to be taken apart again into columns (issue 13, i13-merge6)."""
    values = list(columns.values())
    if not values or not values[0]:
        return
    if not _is_pg(session):
        names = list(columns)
        session.execute(insert(table), [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)])
        return
    cols = list(columns)
    _copy_in(session, table, cols, lambda is_json: copy_columns_text(values, is_json))


def copy_ready(table: Table, columns: dict[str, list[Any]]) -> tuple[list[str], str]:
    """``insert_columns``' COPY text made now, for ``copy_written`` to send later (a push merged ahead builds its
    history's rows before its turn): the columns' names and the text."""
    cols = list(columns)
    return cols, copy_columns_text(list(columns.values()), _json_kinds(table, cols))


def copy_written(session: Session, table: Table, ready: tuple[list[str], str]) -> None:
    """PostgreSQL: ``COPY`` of what ``copy_ready`` made into ``table``."""
    cols, written = ready
    if written:
        _copy_in(session, table, cols, lambda _is_json: written)


def _json_kinds(table: Table, cols: list[str]) -> list[bool | str]:
    """Each column's ``is_json`` for ``copy_columns_text``: a JSON column declared ``none_as_null`` takes None as SQL
    NULL (``received_mutation.result``, migration 0022)."""
    return [(NONE_AS_NULL if getattr(table.c[c].type, "none_as_null", False) else True)
            if isinstance(table.c[c].type, JSON) else False for c in cols]


def _copy_in(session: Session, table: Table, cols: list[str], text_of: Any) -> None:
    """``COPY`` into ``table``'s ``cols`` the text ``text_of(is_json)`` writes, on the session's own connection."""
    is_json = _json_kinds(table, cols)
    raw = session.connection().connection.driver_connection
    assert raw is not None
    names = ", ".join(f'"{c}"' for c in cols)
    statement = f'COPY "{table.name}" ({names}) FROM STDIN'
    try:
        with raw.cursor() as cur, cur.copy(statement) as copy:
            copy.write(text_of(is_json))
    except psycopg.Error as e:
        # as SQLAlchemy raises it for any other statement (IntegrityError, OperationalError ...), so the
        # push's retry on a unique violation and the error logging see the same exception
        raise DBAPIError.instance(statement, None, e, psycopg.Error, hide_parameters=True,
                                  dialect=session.get_bind().dialect) from None


def _copy_escape(value: str) -> str:
    """Text as a field of ``COPY ... FROM STDIN`` (text format): backslash, newline, carriage return and
    tab escaped (a NUL or broken Unicode is refused by the database or the encoder, as psycopg's own
    ``write_row`` refuses them)."""
    if "\\" in value:
        value = value.replace("\\", "\\\\")
    if "\n" in value or "\r" in value or "\t" in value:
        value = value.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return value


def _copy_bool(value: bool) -> str:
    return "t" if value else "f"


def _copy_bytes(value: bytes) -> str:
    return "\\\\x" + value.hex()  # bytea's hex form, its backslash escaped for COPY


def _copy_datetime(value: datetime) -> str:
    return value.isoformat()


_COPY_FORMAT: dict[type, Any] = {str: _copy_escape, int: str, bool: _copy_bool, float: repr, bytes: _copy_bytes,
                                 datetime: _copy_datetime}


#: ``is_json`` of a JSON column whose None is SQL NULL, not the JSON ``null`` (``sa.JSON(none_as_null=True)``)
NONE_AS_NULL = "none_as_null"


def _copy_column(values: list[Any], is_json: bool | str) -> list[str]:
    """One column's values as COPY text fields (see ``copy_text``)."""
    if is_json:
        try:  # ``json_text`` of each, its call left out (orjson writes each the same either way)
            texts = [_dumps(v).decode() for v in values]
        except TypeError:
            texts = [json_text(v) for v in values]
        if is_json == NONE_AS_NULL:
            return ["\\N" if v is None else t.replace("\\", "\\\\") if "\\" in t else t for v, t in zip(values, texts, strict=True)]
        return [t.replace("\\", "\\\\") if "\\" in t else t for t in texts]
    kinds = set(map(type, values))  # map: the loops in C (issue 13, i13-cpu9: ~2x a comprehension)
    if kinds == {int}:
        return list(map(str, values))
    if kinds == {type(None)}:  # a column a batch leaves empty (``field_change.server_seq``)
        return ["\\N"] * len(values)
    if kinds == {str}:  # ids, names: none needs escaping, as a rule (looked for once in the whole column)
        whole = "".join(values)
        if "\\" not in whole and "\n" not in whole and "\r" not in whole and "\t" not in whole:
            return values
    if kinds == {bool}:
        return ["t" if v else "f" for v in values]
    if kinds == {datetime}:  # a batch's rows share their time (``received_at``, ``updated_at``): written once each
        written: dict[tuple[datetime, Any], str] = {}  # keyed with the zone too: equal instants may be written apart
        return [written.get((v, v.tzinfo)) or written.setdefault((v, v.tzinfo), _copy_datetime(v)) for v in values]
    fmt = _COPY_FORMAT
    out: list[str] = []
    for v in values:
        if v is None:
            out.append("\\N")
        else:
            f = fmt.get(type(v))
            out.append(f(v) if f is not None else _copy_escape(str(v)))
    return out


def copy_text(rows: Sequence[dict[str, Any]], cols: Sequence[str], is_json: Sequence[bool | str]) -> str:
    """``rows`` as the text of one ``COPY ... FROM STDIN`` (text format), written in one piece, column by
    column (issue 13: psycopg's ``write_row`` dispatched a dumper per value, ~10 us a row): None is NULL, a
    JSON column's value its JSON text (``json_text``; JSON has no raw newline or tab, so only its backslashes
    are escaped)."""
    if not rows:
        return ""
    return copy_columns_text([[r[c] for r in rows] for c in cols], is_json)


def copy_columns_text(columns: Sequence[list[Any]], is_json: Sequence[bool | str]) -> str:
    """``copy_text`` of rows given column by column (each column's values in row order)."""
    if not columns or not columns[0]:
        return ""
    fields = [_copy_column(values, j) for values, j in zip(columns, is_json, strict=True)]
    return "\n".join(map("\t".join, zip(*fields, strict=True))) + "\n"


_UPDATE_RECORDS = text(
    "UPDATE entity_record AS e SET ward_id = v.ward_id, data = v.data, field_meta = v.field_meta::json, deleted = v.deleted,"
    " last_seq = v.last_seq, needs_review = v.needs_review, updated_at = :updated_at"
    " FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS v(entity text, id uuid, ward_id uuid, data jsonb, field_meta text,"
    " deleted boolean, last_seq bigint, needs_review boolean)"
    " WHERE e.entity = v.entity AND e.id = v.id")


def update_records(session: Session, table: Table, rows: Sequence[dict[str, Any]], now: datetime) -> None:
    """Write the current state of records already in ``entity_record`` (keys: entity, id, ward_id,
    data, field_meta, deleted, last_seq, needs_review)."""
    if not rows:
        return
    if _is_pg(session):
        # the rows as ONE JSON document (parameters as arrays of JSON text cost more to send than the
        # update itself: measured 0.9 s against 0.2-0.3 s for 500 shifts)
        # the versions as their own JSON text (a string in the document): stored as written (as a json value
        # of the document, PostgreSQL would write it out again with a space after every comma)
        doc = json_text([{"entity": r["entity"], "id": r["id"], "ward_id": r["ward_id"], "data": r["data"],
                          "field_meta": json_text(r["field_meta"]), "deleted": bool(r["deleted"]), "last_seq": int(r["last_seq"]),
                          "needs_review": bool(r["needs_review"])} for r in rows])
        session.execute(_UPDATE_RECORDS, {"rows": doc, "updated_at": now})
        return
    stmt = (
        update(table)
        .where(table.c.entity == bindparam("k_entity"), table.c.id == bindparam("k_id"))
        .values(ward_id=bindparam("ward_id"), data=bindparam("data"), field_meta=bindparam("field_meta"),
                deleted=bindparam("deleted"), last_seq=bindparam("last_seq"),
                needs_review=bindparam("needs_review"), updated_at=bindparam("updated_at"))
    )
    session.execute(stmt, [{"ward_id": r["ward_id"], "data": r["data"], "field_meta": r["field_meta"], "deleted": r["deleted"],
                            "last_seq": r["last_seq"], "needs_review": r["needs_review"], "updated_at": now,
                            "k_entity": r["entity"], "k_id": r["id"]} for r in rows])


_PATCH_RECORDS = (
    "UPDATE entity_record AS e SET ward_id = v.ward_id, data = e.data || v.data,"
    # json since server migration 0015b, packed since 0021: None keeps it, ",[...]]" is appended to the stored list
    " field_meta = CASE WHEN v.field_meta IS NULL THEN e.field_meta"
    "  WHEN left(v.field_meta, 1) = ',' THEN (left(e.field_meta::text, -1) || v.field_meta)::json"
    "  ELSE v.field_meta::json END,"
    " deleted = v.deleted, last_seq = v.last_seq, needs_review = v.needs_review, updated_at = %(updated_at)s"
    # each row a JSON array, its values by position (``patch_records``): no key names to parse 500 times
    " FROM (SELECT r->>0 AS entity, CAST(r->>1 AS uuid) AS id, CAST(r->>2 AS uuid) AS ward_id, r->3 AS data, r->>4 AS field_meta,"
    " CAST(r->>5 AS boolean) AS deleted, CAST(r->>6 AS bigint) AS last_seq, CAST(r->>7 AS boolean) AS needs_review"
    " FROM jsonb_array_elements(CAST(%(rows)s AS jsonb)) AS r) AS v"
    " WHERE e.entity = v.entity AND e.id = v.id")


def patch_records(session: Session, rows: Sequence[dict[str, Any]], now: datetime) -> None:
    """PostgreSQL: like ``update_records``, but ``data`` and ``field_meta`` hold only the top-level keys
    that changed (none removed), merged into the stored ones by ``||`` (issue 13: a one-field edit of
    2,000 shifts sent and parsed every shift's whole record and versions again, ~1.5 MB a batch).

    The field versions (``json`` text, packed: ``trust_server.field_versions``, server migration 0021) come as
    ``Batch._as_patch`` decided, as text: None leaves them as stored; text starting with ``,`` holds the changed
    fields' versions (``,[...],...]``), APPENDED to the stored list (a later group wins for a field, so no reader
    needs the stored text parsed and written again: parsing it into ``jsonb`` for ``||`` was most of the database's
    CPU for the update, i13-hot6); any other text replaces them whole (past ``field_versions.TEXT_MAX`` characters
    stored, each version once again, so a record edited 200 times does not grow without bound)."""
    if not rows:
        return
    # the versions as their own JSON text (a string in the document): appended or stored as written. Each row an
    # array, not an object: a quarter less text for PostgreSQL to parse and no key to look up (i13-pg9: PostgreSQL's
    # CPU to read the rows of a batch of 500 one-field edits 3.8 -> 2.4 ms, medians of 40 alternated)
    doc = json_text([[r["entity"], r["id"], r["ward_id"], r["data"], r["field_meta"], bool(r["deleted"]), int(r["last_seq"]),
                      bool(r["needs_review"])] for r in rows])
    driver_rows(session, _PATCH_RECORDS, {"rows": doc, "updated_at": now})
