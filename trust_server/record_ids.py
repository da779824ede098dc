"""Record ids in their usual form: ``hardtruths-server admin settle-record-ids`` (trust IT).

Before server migration 0013 a push kept any record id Python's ``uuid.UUID`` reads (braces, no
dashes, a ``urn:uuid:`` prefix; upper case was always lowered) as it was sent. No release of the ward
station ever sent one: its ids are ``str(uuid...)`` (``domain/ids.py`` since the first release; the
release fixtures in ``tests/migrations/fixtures`` hold none). A broken or hostile client could. Since
0013 the push refuses such an id, so a record kept under one could no longer be changed, and 0013
refuses to run while the history holds one.

``settle`` writes each such id in its usual form (``str(uuid.UUID(id))``): the record's key, its
change-log rows, its history rows while they are text (before 0013), and the references other records
hold to it. It runs on a database at any revision (it does not migrate it first), so IT can settle a
database that 0013 refuses, then start the server. An id whose usual form another record of the same
entity already has is left as it is and listed (two records are never merged silently: IT voids one).
Server migration 0016 does the same on every upgrade (its own frozen copy of this).

Set-based: one SELECT of the candidates per table and reference field, the new ids into a temporary
table, one UPDATE per table (and per reference field).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, inspect, text

_HEX = "[0-9a-f]"
#: the usual form, as PostgreSQL's regular expression and as SQLite's GLOB pattern
CANONICAL_RE = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
CANONICAL_GLOB = "-".join(_HEX * n for n in (8, 4, 4, 4, 12))
#: the fields that hold another record's id (every ``Ref.field`` of the protocol's schemas in December 2026)
REFERENCE_FIELDS = ("amends_id", "bed_id", "feedback_id", "incident_id", "nurse_in_charge_id", "red_flag_id", "shift_id",
                    "staff_id", "trust_id", "ward_id")


def usual_form(value: Any) -> str | None:
    """``str(uuid.UUID(value))`` for text Python reads as a UUID, else None."""
    if not isinstance(value, str) or len(value) > 45:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


@dataclass
class SettleReport:
    records: int = 0  # records whose id was rewritten
    references: int = 0  # reference values rewritten
    left: list[tuple[str, str, str]] = field(default_factory=list)  # (entity, id, usual form held by another record)
    #: records migration 0018 set aside whole in ``record_set_aside`` (entity, id, ward id, when)
    set_aside: list[tuple[str, str, str | None, str]] = field(default_factory=list)

    def describe(self) -> str:
        lines = [f"{self.records} record id(s) and {self.references} reference(s) written in their usual form."]
        lines += [f"Left as it is: {e} {i}: another {e} record has the id {new}; void one of them "
                  f"('hardtruths-server admin void --record ... --entity {e}')" for e, i, new in self.left]
        if self.set_aside:
            lines.append(f"{len(self.set_aside)} record(s) set aside by migration 0018 (an id or ward id not a UUID in its"
                         " usual form; the table's reason column says which): kept whole in the table record_set_aside,"
                         " in no pull, list or return until someone decides; compare each with the record that holds"
                         " its id, if one does:")
            lines += [f"  {e} {i} (ward {w or '-'}), set aside {at}" for e, i, w, at in self.set_aside]
        return "\n".join(lines)


def set_aside(conn: Connection) -> list[tuple[str, str, str | None, str]]:
    """(entity, id, ward id, when) of each record migration 0018 set aside (none where it set none aside:
    the table exists only then)."""
    if "record_set_aside" not in set(inspect(conn).get_table_names()):
        return []
    return [(e, i, w, str(at)) for e, i, w, at in conn.execute(text(
        "SELECT entity, id, ward_id, set_aside_at FROM record_set_aside ORDER BY set_aside_at, entity, id"))]


def _candidates(conn: Connection, value: str, where: str = "") -> list[Any]:
    """(entity, id, value) of the records whose ``value`` (an SQL expression) is text not in the usual form."""
    pg = conn.dialect.name == "postgresql"
    not_usual = f"({value}) !~ '{CANONICAL_RE}'" if pg else f"({value}) NOT GLOB '{CANONICAL_GLOB}'"
    cond = " AND ".join(c for c in (where, f"({value}) IS NOT NULL", not_usual) if c)
    return list(conn.execute(text(f"SELECT entity, id, {value} FROM entity_record WHERE {cond}")).all())


def settle(conn: Connection) -> SettleReport:
    """Rewrite odd record ids and references on ``conn`` (inside the caller's transaction)."""
    report = SettleReport(set_aside=set_aside(conn))
    pg = conn.dialect.name == "postgresql"
    tables = set(inspect(conn).get_table_names())
    if "entity_record" not in tables:
        return report
    by_new: dict[tuple[str, str], list[str]] = {}
    key_type = next((str(c["type"]) for c in inspect(conn).get_columns("entity_record") if c["name"] == "id"), "")
    odd_ids = [] if "uuid" in key_type.lower() else _candidates(conn, "id")  # uuid (migration 0018): every id is usual
    for entity, rid, _v in odd_ids:
        new = usual_form(rid)
        if new is not None:
            by_new.setdefault((entity, new), []).append(rid)
    if by_new:
        conn.execute(text("CREATE TEMPORARY TABLE settle_ids (entity text, old text, new text)"))
        conn.execute(text("INSERT INTO settle_ids (entity, old, new) VALUES (:entity, :old, :new)"),
                     [{"entity": e, "old": old, "new": new} for (e, new), olds in by_new.items() for old in olds])
        # never two records under one id: a usual form another record holds, or two odd ids that read alike
        clash = "EXISTS (SELECT 1 FROM entity_record r WHERE r.entity = settle_ids.entity AND r.id = settle_ids.new)"
        report.left = [(e, old, new) for e, old, new in conn.execute(text(
            f"SELECT entity, old, new FROM settle_ids WHERE {clash} OR (SELECT count(*) FROM settle_ids o"
            " WHERE o.entity = settle_ids.entity AND o.new = settle_ids.new) > 1 ORDER BY entity, old"))]
        conn.execute(text(f"DELETE FROM settle_ids WHERE {clash} OR (SELECT count(*) FROM settle_ids o"
                          " WHERE o.entity = settle_ids.entity AND o.new = settle_ids.new) > 1"))
        conn.execute(text("UPDATE change_log SET entity_id = m.new FROM settle_ids m"
                          " WHERE change_log.entity = m.entity AND change_log.entity_id = m.old"))
        history_type = next((str(c["type"]) for c in inspect(conn).get_columns("field_change") if c["name"] == "entity_id"),
                            "") if "field_change" in tables else "UUID"
        if "uuid" not in history_type.lower():  # text before 0013 (from it on the history holds uuids only)
            conn.execute(text("UPDATE field_change SET entity_id = m.new FROM settle_ids m"
                              " WHERE field_change.entity = m.entity AND field_change.entity_id = m.old"))
        report.records = int(conn.execute(text("SELECT count(*) FROM settle_ids")).scalar_one())
        conn.execute(text("UPDATE entity_record SET id = m.new FROM settle_ids m"
                          " WHERE entity_record.entity = m.entity AND entity_record.id = m.old"))
        conn.execute(text("DROP TABLE settle_ids"))
    for f in REFERENCE_FIELDS:
        value = f"data->>'{f}'" if pg else f"json_extract(data, '$.{f}')"
        typed = f"jsonb_typeof(data->'{f}') = 'string'" if pg else f"json_type(data, '$.{f}') = 'text'"
        fixes = [{"entity": e, "id": i, "new": new} for e, i, v in _candidates(conn, value, typed)
                 if (new := usual_form(v)) is not None]
        if not fixes:
            continue
        conn.execute(text("CREATE TEMPORARY TABLE settle_refs (entity text, id text, new text)"))
        conn.execute(text("INSERT INTO settle_refs (entity, id, new) VALUES (:entity, :id, :new)"), fixes)
        set_to = f"jsonb_set(data, '{{{f}}}', to_jsonb(m.new))" if pg else f"json_set(data, '$.{f}', m.new)"
        conn.execute(text(f"UPDATE entity_record SET data = {set_to} FROM settle_refs m"
                          " WHERE entity_record.entity = m.entity AND entity_record.id = m.id"))
        conn.execute(text("DROP TABLE settle_refs"))
        report.references += len(fixes)
    return report
