"""Retention (SYNC.md 3.8): what the server may forget, and the cursor below which it has forgotten.

Run nightly by IT (``hardtruths-server admin purge``; docs/DEPLOYMENT.md has a systemd timer). Two
things go, nothing else (``received_mutation`` and ``field_change``, the audit trail, are kept whole):

* **Superseded change-log rows.** A pull answers each record's *current* state once, at its newest
  ``change_log`` row; an older row of the same record is never needed by any cursor, so it goes at
  once.
* **Old tombstones.** A record deleted more than 180 days ago whose deletion every active station
  has already pulled (its ``change_log`` row is below the lowest ``last_pull_seq`` of the active,
  non-revoked devices) loses its ``change_log`` row and its payload; its ``entity_record`` row stays
  as the permanent marker ``(entity, id, deleted, the delete's field version, last_seq)``, so a late
  create or patch for that id is merged against the delete (the record stays deleted, the values go
  to ``field_history``): no resurrection. ``server_meta.min_retained_seq`` moves past the purged
  rows; a station whose cursor is below it (only a device that was revoked or never pulled could be)
  gets 410 and pulls everything again, which is non-destructive.

The newest ``change_log`` row is never purged (a pull compares cursors with it to detect a restore).

Nothing of the audit goes, but on PostgreSQL the texts of small requests are **packed** (``pack_texts``):
a ward's looping sync pushes 1-3 changes a request, each request's texts one ``received_batch`` row of under
2 KB, which PostgreSQL never compresses (~470 B a change). Each night a device's texts kept in such rows are
written again 100 to a row, in the order they came (compressed, as a big request's: ~75 B a change), their
mutations pointed at their new places, the small rows deleted (their space is reused by the next day's).
Every text reads back the same through ``received_raw``, ``mutation_log`` and ``field_history``.
Devices not seen for 30 days hold the watermark back and are named in the report, for IT.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, func, select, text, update
from sqlmodel import Session, col

from hardtruths_desktop.sync.protocol import SCHEMAS
from trust_server import field_versions
from trust_server.apply import STREAM_TRUST_LOCK, lock_server_clock
from trust_server.db import server_meta
from trust_server.models import ChangeLog, Device, EntityRecord, ServerMeta, ServerTable

TOMBSTONE_AGE = timedelta(days=180)
UNSEEN_AFTER = timedelta(days=30)


#: texts a packed ``received_batch`` row holds at most (as ``apply.TEXTS_PER_ROW``: reading one decompresses its row)
TEXTS_PER_ROW = 100


@dataclass
class PurgeReport:
    texts_packed: int = 0
    superseded_rows: int = 0
    tombstones_purged: int = 0
    watermark: int = 0  # the lowest last_pull_seq of the active devices
    min_retained_seq: int = 0
    unseen_devices: list[str] = field(default_factory=list)  # active devices not seen for 30 days

    def describe(self) -> str:
        lines = [f"Purged {self.superseded_rows} superseded change-log row(s) and {self.tombstones_purged} tombstone(s) "
                 f"deleted more than {TOMBSTONE_AGE.days} days ago; stations below change {self.min_retained_seq} "
                 "pull everything again."]
        if self.texts_packed:
            lines.append(f"Packed the texts of {self.texts_packed} change(s) received in small requests, {TEXTS_PER_ROW} a row.")
        if self.unseen_devices:
            lines.append(f"{len(self.unseen_devices)} active station(s) not seen for {UNSEEN_AFTER.days} days hold "
                         f"tombstones back (they may also hold unsent changes): {', '.join(self.unseen_devices)}")
        return "\n".join(lines)


def _aware(dt: datetime) -> datetime:
    from datetime import UTC

    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def purge(session: Session, now: datetime) -> PurgeReport:
    """One retention pass in the caller's transaction (see the module's docstring).

    PostgreSQL: its locks in the order every writer takes them (``apply.lock_server_clock``): ``server_meta``'s
    row first (an admin write holds it to commit: the purge waits for it holding nothing), the old tombstones'
    records (key order, as a push's), then the trust's stream exclusively (pushes that have logged their
    changes commit first; later ones wait to log theirs, holding only their records, which the purge no longer
    wants), and only then change-log rows: no deadlock with a push or an admin write."""
    report = PurgeReport()
    is_pg = session.get_bind().dialect.name == "postgresql"
    lock_server_clock(session)
    meta: ServerMeta = server_meta(session)
    high = session.execute(select(func.max(ChangeLog.seq))).scalar_one_or_none() or 0
    active = session.execute(select(Device).where(col(Device.revoked_at).is_(None))).scalars().all()
    report.watermark = min((d.last_pull_seq for d in active), default=high)
    report.unseen_devices = sorted(d.device_id for d in active
                                   if d.last_seen_at is None or _aware(d.last_seen_at) < now - UNSEEN_AFTER)
    cutoff = now - TOMBSTONE_AGE
    old = session.execute(
        select(EntityRecord).where(col(EntityRecord.deleted).is_(True), col(EntityRecord.updated_at) < cutoff,
                                   col(EntityRecord.last_seq) < report.watermark, col(EntityRecord.last_seq) < high)
        .order_by(col(EntityRecord.entity), col(EntityRecord.id)).with_for_update(of=EntityRecord)
    ).scalars().all()
    if is_pg:
        report.texts_packed = pack_texts(session)  # rows no push locks (a push only adds its own)
        session.execute(text("SELECT pg_advisory_xact_lock(:c, 0)"), {"c": STREAM_TRUST_LOCK})

    log = ServerTable.metadata.tables["change_log"]
    # A row a station skips as its own change (``echo_of``) delivers nothing to that station; once
    # the older rows of its record go, it must carry the record to every station, its author too.
    older = log.alias("older")
    has_older = exists().where(older.c.entity == log.c.entity, older.c.entity_id == log.c.entity_id, older.c.seq < log.c.seq)
    session.connection().execute(update(log).where(log.c.echo_of.is_not(None), has_older).values(echo_of=None))
    newer = log.alias("newer")
    superseded = exists().where(newer.c.entity == log.c.entity, newer.c.entity_id == log.c.entity_id,
                                newer.c.seq > log.c.seq)
    report.superseded_rows = session.connection().execute(delete(log).where(superseded)).rowcount

    purged_high = 0
    for rec in old:
        gone = session.connection().execute(delete(log).where(log.c.entity == rec.entity, log.c.entity_id == rec.id)).rowcount
        schema = SCHEMAS.get(rec.entity)
        keys = (schema.ward_field, *schema.identity_key) if schema is not None else ()
        marker = {k: rec.data[k] for k in keys if k and k in (rec.data or {})}
        rec.data = {**marker, "deleted": True}
        rec.field_meta = field_versions.pack({k: v for k, v in field_versions.unpack(rec.field_meta).items() if k == "deleted"})
        if gone:
            report.tombstones_purged += 1
            purged_high = max(purged_high, rec.last_seq)
    if purged_high >= meta.min_retained_seq:
        session.execute(update(ServerMeta).where(col(ServerMeta.id) == 1).values(min_retained_seq=purged_high + 1))
    report.min_retained_seq = max(meta.min_retained_seq, purged_high + 1 if purged_high else 0)
    return report


#: the texts kept in rows PostgreSQL did not compress (a request's of under 2 KB), each with its device and place
_SMALL_TEXTS = """
CREATE TEMPORARY TABLE packing AS
SELECT m.mutation_id, m.device_id, b.raws[m.batch_index] AS raw, b.id AS old_batch,
       row_number() OVER (PARTITION BY m.device_id ORDER BY b.id, m.batch_index) - 1 AS k
FROM received_batch b JOIN received_mutation m ON m.batch_id = b.id
WHERE pg_column_compression(b.raws) IS NULL AND pg_column_size(b.raws) < 2000
"""


def pack_texts(session: Session) -> int:
    """PostgreSQL: a device's texts kept in small ``received_batch`` rows, written again ``TEXTS_PER_ROW`` to a row in
    the order they came; their mutations point at their new places; the small rows go. Set-based (one statement a
    step); returns the number of texts moved."""
    conn = session.connection()
    conn.exec_driver_sql(_SMALL_TEXTS)
    # a device whose small texts are in one row already gains nothing (a pack under 2 KB is such a row)
    conn.exec_driver_sql("DELETE FROM packing WHERE device_id IN (SELECT device_id FROM packing GROUP BY device_id"
                         " HAVING count(DISTINCT old_batch) < 2)")
    moved = int(conn.exec_driver_sql("SELECT count(*) FROM packing").scalar_one())
    if moved:
        conn.exec_driver_sql(
            "CREATE TEMPORARY TABLE packs AS SELECT device_id, g, nextval(pg_get_serial_sequence('received_batch', 'id'))"
            f" AS id FROM (SELECT DISTINCT device_id, k / {TEXTS_PER_ROW} AS g FROM packing) d ORDER BY device_id, g")
        conn.exec_driver_sql(
            "INSERT INTO received_batch (id, raws) SELECT p.id, array_agg(t.raw ORDER BY t.k) FROM packing t"
            f" JOIN packs p ON p.device_id = t.device_id AND p.g = t.k / {TEXTS_PER_ROW} GROUP BY p.id ORDER BY p.id")
        conn.exec_driver_sql(
            f"UPDATE received_mutation m SET batch_id = p.id, batch_index = mod(t.k, {TEXTS_PER_ROW}) + 1 FROM packing t"
            f" JOIN packs p ON p.device_id = t.device_id AND p.g = t.k / {TEXTS_PER_ROW} WHERE m.mutation_id = t.mutation_id")
        # a small row goes only once no mutation points at it (a row holding another device's text, or a text no
        # mutation row was moved for, is kept: never a text dropped on an assumption; reviewer)
        conn.exec_driver_sql("DELETE FROM received_batch b WHERE b.id IN (SELECT old_batch FROM packing)"
                             " AND NOT EXISTS (SELECT 1 FROM received_mutation m WHERE m.batch_id = b.id)")
    conn.exec_driver_sql("DROP TABLE packing")
    conn.exec_driver_sql("DROP TABLE IF EXISTS packs")
    return moved


__all__ = ["TOMBSTONE_AGE", "PurgeReport", "pack_texts", "purge"]
