"""The audit trail of one record: who changed what, when, on which station, from what to what.

Read through the view ``audit_trail`` (station migration 0012), which joins each audit row to the
outbox row it names while that row is kept (the outbox holds the change as sent: who, when, what;
the audit row adds the action, the person's name, the station and the replaced values), and reads
the audit row alone once the outbox row was folded into it (by the janitor after 30 days, or when the
sync archived it, station migration 0014: the trail never reads the compressed archive). No screen or CLI
command shows the trail yet; the tests read it through this function, and IT can read the view
with any SQLite tool.

"From what": the audit row's ``before`` where the save knew the replaced values (shifts, the
23:59 count); otherwise the value this station's previous change of that field set (a value
pulled from another station in between is not in this station's trail: the server's
``field_history`` has it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hardtruths_desktop.store.session import Store

#: what a record's trail reads: oldest first
TRAIL_SQL = (
    "SELECT id, at, station_id, actor_id, actor_name, action, changes, before FROM audit_trail"
    " WHERE entity = ? AND entity_id = ? ORDER BY id"
)
#: labels the repositories add to an audit row (not fields of the record)
LABELS = frozenset({"ward", "date", "shift", "reason"})


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any  # None for a field that had no value before (a new record), or one this station never saw
    new: Any
    old_known: bool  # False: no earlier value on this station (a new record, or a value from elsewhere)


@dataclass(frozen=True)
class AuditEntry:
    at: str  # UTC, ISO-8601
    station_id: str
    actor_id: str | None
    actor_name: str
    action: str
    changes: tuple[FieldChange, ...]
    labels: tuple[tuple[str, Any], ...]  # e.g. (("date", "2026-11-30"), ("shift", "early"), ("ward", "W7"))


def load_audit(store: Store, entity: str, entity_id: str) -> tuple[AuditEntry, ...]:
    """Every audited change of one record, oldest first."""
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(TRAIL_SQL, (entity, entity_id)).all()
    seen: dict[str, Any] = {}
    out = []
    for _id, at, station_id, actor_id, actor_name, action, changes, before in rows:
        values: dict[str, Any] = json.loads(changes) if changes else {}
        old_values: dict[str, Any] = json.loads(before) if before else {}
        fields = []
        for f, v in values.items():
            if f in LABELS:
                continue
            if f in old_values:
                fields.append(FieldChange(f, old_values[f], v, True))
            else:
                fields.append(FieldChange(f, seen.get(f), v, f in seen))
            seen[f] = v
        labels = tuple(sorted((k, v) for k, v in values.items() if k in LABELS))
        out.append(AuditEntry(str(at), str(station_id), actor_id, str(actor_name), str(action), tuple(fields), labels))
    return tuple(out)
