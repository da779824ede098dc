"""The reason each record migration 0018 set aside gives says what was odd about it (reviewer).

0018 wrote one reason for every record it moved to ``record_set_aside``: "id or ward not a UUID in its
usual form (another record has it)". That is untrue for a record set aside for its WARD id alone
(no other record holds anything of it), and for an id that is no UUID at all. This revision writes,
for each row still carrying 0018's text, what was odd: its id (no UUID; or a UUID in an odd form, with
the usual form and whether another record, kept or also set aside, has it) and/or its ward id (with its
usual form when it has one). Nothing else changes: the rows, their data and change-log positions stay.

Downgrade: puts 0018's text back on the rows this revision rewrote (0018's own downgrade then brings
each record back, see docs/DEPLOYMENT.md "Rolling the trust server back past 0018" for what it cannot
restore: the record's earlier change-log rows and the device its latest change came from).

SQLite: nothing (ids are text there; 0018 set nothing aside).

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-02 08:30:00
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0020'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: the one reason 0018 wrote on every row it set aside
OLD_REASON = "migration 0018: id or ward not a UUID in its usual form (another record has it)"


def _usual(value: str | None) -> str | None:
    """``value``'s usual UUID form, or None when it is no UUID (as ``record_ids.usual_form``, frozen here)."""
    if value is None or len(value) > 45:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def reason(entity: str, rid: str, ward_id: str | None, kept: set[tuple[str, str]],
           aside: list[tuple[str, str]]) -> str:
    """What was odd about one record 0018 set aside. ``kept``: (entity, usual id) of the records in
    ``entity_record`` among this one's candidates; ``aside``: (entity, id) of every record set aside."""
    parts = []
    usual = _usual(rid)
    if usual is None:
        parts.append("its id is not a UUID")
    elif usual != rid:
        if (entity, usual) in kept:
            parts.append(f"its id is a UUID in an odd form and another {entity} record has its usual form {usual}")
        elif any(e == entity and i != rid and _usual(i) == usual for e, i in aside):
            parts.append(f"its id is a UUID in an odd form and another {entity} record set aside here reads the same ({usual})")
        else:
            parts.append(f"its id is a UUID in an odd form (usual form {usual})")
    if ward_id is not None and _usual(ward_id) != ward_id:
        ward_usual = _usual(ward_id)
        parts.append("its ward id is not a UUID" if ward_usual is None
                     else f"its ward id is a UUID in an odd form (usual form {ward_usual})")
    return "migration 0018: " + ("; ".join(parts) if parts else "id or ward not a UUID in its usual form")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql' or not sa.inspect(bind).has_table("record_set_aside"):
        return
    rows = [(e, i, w) for e, i, w in bind.execute(sa.text(
        "SELECT entity, id, ward_id FROM record_set_aside WHERE reason = :old"), {"old": OLD_REASON})]
    if not rows:
        return
    aside = [(e, i) for e, i in bind.execute(sa.text("SELECT entity, id FROM record_set_aside"))]
    wanted = sorted({(e, u) for e, i, _w in rows if (u := _usual(i)) is not None and u != i})
    kept: set[tuple[str, str]] = set()
    if wanted:
        kept = {(e, i) for e, i in bind.execute(sa.text(
            "SELECT r.entity, r.id::text FROM unnest(CAST(:ents AS text[]), CAST(:ids AS uuid[])) AS k(entity, id)"
            " JOIN entity_record r ON r.entity = k.entity AND r.id = k.id"),
            {"ents": [e for e, _u in wanted], "ids": [u for _e, u in wanted]})}
    bind.execute(sa.text("UPDATE record_set_aside SET reason = :reason WHERE entity = :e AND id = :i AND reason = :old"),
                 [{"reason": reason(e, i, w, kept, aside), "e": e, "i": i, "old": OLD_REASON} for e, i, w in rows])


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql' or not sa.inspect(bind).has_table("record_set_aside"):
        return
    bind.execute(sa.text("UPDATE record_set_aside SET reason = :old WHERE reason LIKE 'migration 0018: %'"),
                 {"old": OLD_REASON})
