"""How the audit rows are kept narrow (server migration 0022): the codes of a verdict's status and a history row's
outcome, the payload hash's width, and the numbers ``field_change`` names its fields by (a history row's field name,
~20 B of text, became a 2-byte ``field_id`` naming a row of ``field_name``).

``field_ids`` gives a push's names their numbers in its own transaction: one look-up of the names it uses, and, for a
name the server has never met (a field a newer station version added), an insert first. Nothing is cached across
transactions: a database restored from a dump, or a name whose insert rolled back with its push, can never leave
a process holding a number the database does not have. Names are inserted in sorted order, so two pushes
meeting the same new names never wait on each other in opposite orders; a push waits for another's insert of
the same name only until that push ends (a name is new once per server).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, text
from sqlmodel import Session, col

from trust_server.bulk import driver_rows
from trust_server.models import OUTCOME_CODES, PAYLOAD_HASH_BYTES, STATUS_CODES, FieldName

__all__ = ["OUTCOME_CODES", "PAYLOAD_HASH_BYTES", "STATUS_CODES", "field_ids", "field_names", "known_field_ids"]

_INSERT = text("INSERT INTO field_name (name) VALUES (:name) ON CONFLICT (name) DO NOTHING")


def field_ids(session: Session, names: Iterable[str]) -> dict[str, int]:
    """Each of ``names`` with its ``field_name.id``, adding the names not there yet.

    A number can be used up without naming anything (an insert that met a concurrent one's name, ``ON CONFLICT DO
    NOTHING``, or a rolled-back push each take one from the sequence: reviewer, issue 13). Harmless: the names
    are the schemas' field names (about 200, the staff groups a fixed set; a hostile station cannot add one:
    every field is checked against its schema first), far inside a smallint."""
    wanted = sorted(set(names))
    if not wanted:
        return {}
    found = _lookup(session, wanted)
    missing = [n for n in wanted if n not in found]
    if missing:
        session.execute(_INSERT, [{"name": n} for n in missing])
        found.update(_lookup(session, missing))
    return found


def known_field_ids(session: Session, names: Iterable[str]) -> dict[str, int] | None:
    """``field_ids`` when every one of ``names`` is numbered already (a read only: a push merged ahead of its turn
    asks outside its transaction; a number, once given, names its field for good), else None."""
    wanted = sorted(set(names))
    found = _lookup(session, wanted) if wanted else {}
    return found if len(found) == len(wanted) else None


def _lookup(session: Session, names: list[str]) -> dict[str, int]:
    if session.get_bind().dialect.name == "postgresql":  # on the driver: the ORM's expanding IN cost ~1 ms of CPU a push
        rows = driver_rows(session, "SELECT id, name FROM field_name WHERE name = ANY(%s)", (names,))
    else:
        rows = list(session.execute(select(col(FieldName.id), col(FieldName.name)).where(col(FieldName.name).in_(names))))
    return {str(n): int(i) for i, n in rows}


def field_names(session: Session) -> dict[int, str]:
    """Every number with its name (for readers of ``field_change`` itself; the view ``field_history`` shows names)."""
    return {int(i): str(n) for i, n in session.execute(select(col(FieldName.id), col(FieldName.name)))}
