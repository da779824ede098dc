"""The change-log rows a push's changes make unnecessary (issue 13, i13-hot6; server migration 0019).

A pull sends each record once, at its latest change-log row in the stream (``sync.page_rows_query``), except
to the station whose own echo that row is (``echo_of``): that station is sent the record at the older rows
after its cursor that are not its own echoes. When a change ``L`` of a record is logged, the record's
previous row ``P`` (same stream) is deleted if no station is then sent ``P``:

* ``L`` is no station's echo (every station is sent ``L``; trust IT's writes are the server's own, no station's), or
* ``L`` and ``P`` are the same station's echo (that station skips both; every other one is sent ``L``).

Should a later change make the older rows sendable again (it is some station's own echo), that station is
still sent the record at ``L`` (not its echo, unless ``P`` was its own too): every row brings the record's
current state, so each station is sent the same records as before, only not a second time at ``P``
(``tests/server/test_hot_edits.py`` checks it from every cursor). The nightly purge (``retention``) deletes
every superseded row, these and the others.

So a station that records and then edits a shift leaves one row, not two, and a pull that walks the log from
far behind (``sync.record_rows_query``) reads about one row per record it sends, as it read one record by the
index ``(ward_id, last_seq)`` that made every edit a non-HOT update before 0019.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from trust_server.models import SERVER_DEVICE_ID

#: each row found by its primary key in a LATERAL subquery (``OFFSET 0``: never flattened into a join; a nested
#: loop of index probes by the query's shape), then deleted where it lies (``ctid``, within the one statement:
#: pushes and the purge only insert and delete change-log rows; a row updated meanwhile would be left, never
#: another deleted). As a join to the unnested keys PostgreSQL hashed the WHOLE change_log for every batch of 500
#: while it had no statistics (a burst outruns autovacuum's): i13-growth8, 300 ms of PostgreSQL's time in a push
#: of 20,000 edits
_DELETE_PG = text(
    "DELETE FROM change_log WHERE ctid = ANY(ARRAY(SELECT c.ctid FROM unnest(CAST(:seqs AS bigint[]), CAST(:ents AS text[]),"
    " CAST(:ids AS uuid[]), CAST(:wards AS uuid[]), CAST(:echoes AS uuid[])) AS k(seq, entity, id, ward_id, echo_of)"
    " CROSS JOIN LATERAL (SELECT c.ctid FROM change_log c WHERE c.seq = k.seq AND c.entity = k.entity AND c.entity_id = k.id"
    " AND c.ward_id IS NOT DISTINCT FROM k.ward_id AND (k.echo_of IS NULL OR c.echo_of = k.echo_of) OFFSET 0) AS c))")
_DELETE_SQLITE = text(
    "DELETE FROM change_log WHERE seq = :seq AND entity = :entity AND entity_id = :id AND ward_id IS :ward_id"
    " AND (:echo_of IS NULL OR echo_of = :echo_of)")


def _skipped_by(row: dict[str, Any]) -> str | None:
    """The station that skips ``row`` as its own echo; None if every station is sent it: nobody's echo, or the
    server's own (trust IT's writes: ``SERVER_DEVICE_ID``, no station's id)."""
    echo: str | None = row["echo_of"]
    return None if echo == SERVER_DEVICE_ID else echo


def _never_sent(older: dict[str, Any], latest: dict[str, Any]) -> bool:
    """Whether no station is sent ``older`` (a change-log row of the record) while ``latest`` is its latest row."""
    return older["ward_id"] == latest["ward_id"] and (_skipped_by(latest) is None or older["echo_of"] == latest["echo_of"])


def drop_unsent(session: Session, changes: list[dict[str, Any]], is_pg: bool) -> list[dict[str, Any]]:
    """``changes``: the change-log rows this transaction logs, in seq order, each with ``prev``, its record's
    ``last_seq`` before the change (0: a new record). Deletes each record's previous row when its last row
    here makes it so (see the module), and returns the rows to insert (without ``prev``), less those its
    last row supersedes the same way within the batch."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    first_prev: dict[tuple[str, str], int] = {}
    for c in changes:
        key = (c["entity"], c["entity_id"])
        first_prev.setdefault(key, int(c["prev"] or 0))
        latest[key] = c
    rows = []
    for c in changes:
        last = latest[(c["entity"], c["entity_id"])]
        del c["prev"]
        if c is last or not _never_sent(c, last):
            rows.append(c)
    gone = [(prev, latest[key]) for key, prev in first_prev.items() if prev > 0]
    if gone:
        if is_pg:
            session.execute(_DELETE_PG, {
                "seqs": "{" + ",".join(str(p) for p, _l in gone) + "}",
                "ents": _array([l_["entity"] for _p, l_ in gone]), "ids": _array([l_["entity_id"] for _p, l_ in gone]),
                "wards": _array([l_["ward_id"] for _p, l_ in gone]), "echoes": _array([_skipped_by(l_) for _p, l_ in gone])})
        else:
            session.execute(_DELETE_SQLITE, [{"seq": p, "entity": l_["entity"], "id": l_["entity_id"], "ward_id": l_["ward_id"],
                                              "echo_of": _skipped_by(l_)} for p, l_ in gone])
    return rows


def _array(values: list[str | None]) -> str:
    """A PostgreSQL array literal (NULL for None; the values are entity names and UUIDs: no quoting needed
    beyond the double quotes)."""
    return "{" + ",".join("NULL" if v is None else '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"
