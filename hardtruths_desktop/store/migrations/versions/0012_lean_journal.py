"""A leaner journal (issue 13): the audit row of a synced change names its outbox row instead of
repeating its payload, and the outbox loses the indexes only acked rows paid for.

- ``audit_log`` gains ``client_seq`` (the outbox row that holds what was sent: who, when, what)
  and ``before`` (the values the change replaced, where the save knew them); ``at``, ``entity``,
  ``entity_id`` may be NULL while the outbox row is there (they are its ``wall_time``, ``entity``,
  ``entity_id``); ``changes`` holds only what the outbox does not (labels such as the ward code).
  When the janitor prunes an acknowledged outbox row (30 days) it first folds it back into its
  audit row (``sync_store.janitor``), so the audit trail stays whole on its own.
- Existing audit rows that repeat their outbox row's payload are converted the same way (matched
  on entity, record, time and payload, in order); the others are left as they are.
- ``outbox``: the unique index on ``mutation_id`` goes (verdicts are matched by ``client_seq``, the
  primary key; the server de-duplicates by mutation id), and ``outbox_pending`` covers only
  pending rows (a partial index), with a second one for rejected rows. The table is rebuilt
  (SQLite cannot drop a UNIQUE constraint) with ``sqlite_sequence`` carried over, so a client_seq
  is never handed out twice.
- ``shift_staffing`` becomes a WITHOUT ROWID table: its primary key (shift, staff group) is the
  table, not a second copy of every key beside it (one page less per save, ~110 B less per shift).

Revision ID: 0012
Revises: 0011
"""

import json
from collections.abc import Sequence
from typing import Any

from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OUTBOX_DDL = """CREATE TABLE outbox_new (
	client_seq INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
	mutation_id VARCHAR NOT NULL,
	entity VARCHAR NOT NULL,
	entity_id VARCHAR NOT NULL,
	op VARCHAR NOT NULL,
	payload VARCHAR NOT NULL,
	base VARCHAR NOT NULL,
	hlc VARCHAR NOT NULL,
	schema_version INTEGER NOT NULL,
	recorded_by VARCHAR NOT NULL,
	wall_time VARCHAR NOT NULL,
	state VARCHAR NOT NULL,
	attempts INTEGER NOT NULL,
	last_error VARCHAR,
	result VARCHAR,
	acked_seq INTEGER,
	acked_at VARCHAR,
	CONSTRAINT ck_outbox_op CHECK (op IN ('create','patch','delete','amend')),
	CONSTRAINT ck_outbox_state CHECK (state IN ('pending','acked','rejected'))
)"""

AUDIT_DDL = """CREATE TABLE audit_log_new (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
	at VARCHAR,
	station_id VARCHAR NOT NULL,
	actor_id VARCHAR,
	actor_name VARCHAR NOT NULL,
	action VARCHAR NOT NULL,
	entity VARCHAR,
	entity_id VARCHAR,
	changes VARCHAR NOT NULL,
	client_seq INTEGER,
	before VARCHAR
)"""

STAFFING_DDL = """CREATE TABLE shift_staffing_new (
	shift_id VARCHAR NOT NULL,
	staff_group VARCHAR NOT NULL,
	planned INTEGER NOT NULL,
	actual INTEGER NOT NULL,
	planned_hours FLOAT NOT NULL,
	actual_hours FLOAT NOT NULL,
	bank_agency INTEGER NOT NULL,
	CONSTRAINT pk_shift_staffing PRIMARY KEY (shift_id, staff_group),
	CONSTRAINT fk_shift_staffing_shift_id_shift FOREIGN KEY(shift_id) REFERENCES shift (id)
) WITHOUT ROWID"""

OUTBOX_COLS = ("client_seq, mutation_id, entity, entity_id, op, payload, base, hlc, schema_version, recorded_by, wall_time,"
               " state, attempts, last_error, result, acked_seq, acked_at")


def _rebuild(conn: Any, table: str, ddl: str, cols: str) -> None:
    seq = conn.exec_driver_sql("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)).scalar()
    conn.exec_driver_sql(ddl)
    conn.exec_driver_sql(f"INSERT INTO {table}_new ({cols}) SELECT {cols} FROM {table}")
    if seq is not None:  # numbers already handed out are never handed out again (rows the janitor pruned)
        conn.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name = ?", (f"{table}_new",))
        conn.exec_driver_sql("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (f"{table}_new", seq))
    conn.exec_driver_sql(f"DROP TABLE {table}")
    conn.exec_driver_sql(f"ALTER TABLE {table}_new RENAME TO {table}")


def _slim_audit_rows(conn: Any) -> None:
    """Audit rows that repeat an outbox row's payload name it instead (greedy, in order)."""
    outbox: dict[tuple[str, str, str], list[tuple[int, dict[str, Any], str]]] = {}
    for seq, entity, entity_id, wall, payload, recorded_by in conn.exec_driver_sql(
            "SELECT client_seq, entity, entity_id, wall_time, payload, recorded_by FROM outbox ORDER BY client_seq"):
        outbox.setdefault((entity, entity_id, wall), []).append((seq, json.loads(payload), recorded_by))
    updates = []
    for aid, at, entity, entity_id, actor_id, changes in conn.exec_driver_sql(
            "SELECT id, at, entity, entity_id, actor_id, changes FROM audit_log ORDER BY id").fetchall():
        candidates = outbox.get((entity, entity_id, at))
        if not candidates:
            continue
        try:
            logged = json.loads(changes)
        except ValueError:
            continue
        if not isinstance(logged, dict):
            continue
        for i, (seq, payload, recorded_by) in enumerate(candidates):
            by_staff = recorded_by.startswith("staff:")
            if (recorded_by != f"staff:{actor_id}" if actor_id else by_staff) or not all(
                    k in logged and logged[k] == v for k, v in payload.items()):
                continue
            extras = {k: v for k, v in logged.items() if k not in payload}
            # an extra that shadowed a payload key, or a NULL one, keeps the row whole (exactness first)
            if {**payload, **extras} != logged or any(v is None for v in extras.values()):
                break
            del candidates[i]
            updates.append((json.dumps(extras, ensure_ascii=False, separators=(",", ":")), seq, aid))
            break
    for extras, seq, aid in updates:
        conn.exec_driver_sql(
            "UPDATE audit_log SET changes = ?, client_seq = ?, at = NULL, entity = NULL, entity_id = NULL,"
            " actor_id = NULL WHERE id = ?", (extras, seq, aid))


#: frozen copy of ``store.audit.TRAIL_SQL`` as of this revision
TRAIL_VIEW = """CREATE VIEW audit_trail AS SELECT a.id AS id,
 coalesce(a.at, o.wall_time) AS at, a.station_id AS station_id,
 CASE WHEN a.client_seq IS NULL OR o.client_seq IS NULL THEN a.actor_id
      WHEN o.recorded_by LIKE 'staff:%' THEN substr(o.recorded_by, 7) END AS actor_id,
 a.actor_name AS actor_name, a.action AS action,
 coalesce(a.entity, o.entity) AS entity, coalesce(a.entity_id, o.entity_id) AS entity_id,
 CASE WHEN a.client_seq IS NULL OR o.client_seq IS NULL THEN a.changes
      WHEN a.changes = '{}' THEN o.payload ELSE json_patch(o.payload, a.changes) END AS changes,
 a.before AS before, a.client_seq AS client_seq
 FROM audit_log a LEFT JOIN outbox o ON o.client_seq = a.client_seq"""


def upgrade() -> None:
    conn = op.get_bind()
    _rebuild(conn, "outbox", OUTBOX_DDL, OUTBOX_COLS)
    conn.exec_driver_sql("CREATE INDEX outbox_pending ON outbox (client_seq) WHERE state = 'pending'")
    conn.exec_driver_sql("CREATE INDEX outbox_rejected ON outbox (client_seq) WHERE state = 'rejected'")
    _rebuild(conn, "audit_log", AUDIT_DDL, "id, at, station_id, actor_id, actor_name, action, entity, entity_id, changes")
    conn.exec_driver_sql("CREATE INDEX audit_log_outbox ON audit_log (client_seq) WHERE client_seq IS NOT NULL")
    _slim_audit_rows(conn)
    conn.exec_driver_sql(TRAIL_VIEW)
    _rebuild(conn, "shift_staffing", STAFFING_DDL,
             "shift_id, staff_group, planned, actual, planned_hours, actual_hours, bank_agency")


def downgrade() -> None:
    raise NotImplementedError("the station's store is never downgraded (a newer store is refused, not rewritten)")
