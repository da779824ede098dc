"""Every table of the trust server, in one module (STYLE.md habit 9), plus its small data models.

Synced records of every entity live in one generic ``entity_record`` table: the flat field dict the
stations send (``data``), the per-field merge metadata (``field_meta``: ``{field: {tok, hlc,
device_id, seq}}`` in memory, stored packed since server migration 0021: ``trust_server.field_versions``),
the tombstone and the review flag. One merge path (``trust_server.apply``)
therefore covers every entity a station syncs, including ones added later.

Ids are UUID text (36 characters) on SQLite; on PostgreSQL record and ward ids are ``uuid`` (0018) and
other JSON columns are JSONB there (``entity_record.field_meta`` is ``json`` text since 0015b). Append-only tables: ``received_mutation`` (with
``received_batch``, the texts of its mutations, since 0015) and ``field_change`` (``applied_mutation``,
``mutation_log``, ``field_history`` and ``received_raw`` are views of them since 0009). ``change_log`` is
the pull's stream, not a history: since 0019 a push deletes a record's earlier row that no station
would be sent any more (``trust_server/stream.py``), and the nightly purge drops what every cursor has
passed; who changed what, when, from what stays in ``field_change`` and ``received_mutation``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class ServerTable(SQLModel, registry=registry()):
    """Base of the server's tables: its own registry and metadata, so the server's ``trust`` and
    ``ward`` never collide with the station's tables in one process (tests import both)."""


metadata = ServerTable.metadata
metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: JSON everywhere, JSONB on PostgreSQL.
JsonType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC_TS = sa.DateTime(timezone=True)

#: The author id of mutations written by the server itself (admin reference data).
SERVER_DEVICE_ID = "00000000-0000-0000-0000-000000000000"

#: Station schema versions whose payloads this server reads (no upcasters needed yet: versions
#: 1-9 share the flat payload shape; 9 adds incidents and the Safety Thermometer; 10 adds only a
#: local table on the station, feedback_head, so its payloads are 9's; 11 adds only the local
#: shift drafts, shift_draft; 12 a leaner outbox and audit, issue 13; 13 only how the station stores
#: field versions, payloads as 12's). Raise SCHEMA_MAX when the station's WIRE schema goes up
#: (``migrate.SCHEMA_VERSION``, which rises only when a payload changes); a storage-only station
#: migration (0014 on) leaves it alone, and needs no server upgrade.
SCHEMA_MIN = 1
SCHEMA_MAX = 13


def _json(nullable: bool = False) -> Any:
    return Field(sa_column=sa.Column(JsonType, nullable=nullable))


def _ts(nullable: bool = True) -> Any:
    return Field(default=None, sa_column=sa.Column(UTC_TS, nullable=nullable))


class ServerMeta(ServerTable, table=True):
    __tablename__ = "server_meta"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)
    id: int = Field(default=1, primary_key=True)
    epoch: str = Field(max_length=36)
    min_retained_seq: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False, server_default="0"))
    schema_min: int = SCHEMA_MIN
    schema_max: int = SCHEMA_MAX
    #: the last HLC the server issued for its own writes (``apply.server_hlc``; migration 0020b)
    server_hlc: str = Field(default="", sa_column=sa.Column(sa.String(40), nullable=False, server_default=""))


class SyncCounter(ServerTable, table=True):
    """SQLite's change sequence (PostgreSQL uses the ``change_id`` sequence since migration 0008)."""

    __tablename__ = "sync_counter"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)
    id: int = Field(default=1, primary_key=True)
    value: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False, server_default="0"))


class Trust(ServerTable, table=True):
    """A projection of the trust's ``entity_record`` (its one source of truth), written only by
    ``apply.Batch`` in the same transaction: devices and enrolment codes refer to these rows."""

    id: str = Field(primary_key=True, max_length=36)  # uuid5 of "TRUST/" + code, as the station
    code: str = Field(unique=True, max_length=16)
    name: str = Field(max_length=200)


class Ward(ServerTable, table=True):
    """A projection of the ward's ``entity_record``, like ``Trust``."""

    id: str = Field(primary_key=True, max_length=36)  # ids.ward_id(code): stations agree on it
    trust_id: str = Field(foreign_key="trust.id", max_length=36)
    code: str = Field(unique=True, max_length=16)
    name: str = Field(max_length=200)
    site: str = Field(default="", max_length=200)
    specialty: str = Field(default="", max_length=200)


class Device(ServerTable, table=True):
    device_id: str = Field(primary_key=True, max_length=36)
    ward_id: str = Field(foreign_key="ward.id", max_length=36, index=True)
    secret_hash: str = Field(max_length=64)  # sha256 hex of a 256-bit random secret
    incarnation: str = Field(max_length=36)
    name: str = Field(default="", max_length=80)
    last_client_seq: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False, server_default="0"))
    last_pull_seq: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False, server_default="0"))
    enrolled_at: datetime | None = _ts()
    revoked_at: datetime | None = _ts()
    last_seen_at: datetime | None = _ts()
    app_version: str | None = Field(default=None, max_length=40)
    schema_version: int | None = None
    clock_offset_ms: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, nullable=True))
    pending_reported: int | None = None
    oldest_pending_s: int | None = None


class EnrolmentCode(ServerTable, table=True):
    __tablename__ = "enrolment_code"
    code_hash: str = Field(primary_key=True, max_length=64)  # HMAC-SHA256 hex with the server secret
    ward_id: str = Field(foreign_key="ward.id", max_length=36)
    created_at: datetime = _ts(nullable=False)
    expires_at: datetime = _ts(nullable=False)
    used_at: datetime | None = _ts()
    device_id: str | None = Field(default=None, max_length=36)


#: the bytes of a mutation's SHA-256 payload hash ``received_mutation`` keeps (migration 0022: 17 B a row, not 33)
PAYLOAD_HASH_BYTES = 16

#: A UUID: 16 bytes on PostgreSQL (``uuid``, read back as lower-case text), text elsewhere (SQLite)
UuidText = sa.String(36).with_variant(postgresql.UUID(as_uuid=False), "postgresql")


class ReceivedMutation(ServerTable, table=True):
    """Append-only: every mutation received, as sent (``raw``, JSON text, so any bytes a station sent
    fit), with its verdict, in ONE row (issue 13; migration 0009 joined ``applied_mutation`` and
    ``mutation_log``, which held the same ids twice; views of those names remain for reading).

    ``client_seq`` and ``payload_sha256`` (the SHA-256 of ``apply.raw_json`` of the entity, id, op,
    payload and base: a mutation id received again with another payload is a conflict) are a
    station's; a mutation the server wrote itself (trust IT's records, a void) has neither.
    ``status_code`` 1 applied | 2 rejected (``STATUS_CODES``; NULL: the server's own, logged before 0009 without
    its verdict); ``result`` the verdict's flags, error and effective values where they differ from what was
    sent, NULL when there is none of these (migration 0022).
    ``raw`` of a station's mutation leaves out what the columns hold (``apply.station_raw``, migration
    0010; ``apply.full_raw`` and the view ``mutation_log`` give the mutation whole). Since migration 0015
    ``raw`` is NULL and the text is kept once per request, with the other mutations received with it, in
    ``received_batch`` (element ``batch_index``, from 1, of ``raws`` of row ``batch_id``): PostgreSQL
    compresses a request's texts together (~70 B a mutation, not ~430); the view ``received_raw`` gives
    every row's text, whichever way it is kept."""

    __tablename__ = "received_mutation"
    __table_args__ = (sa.UniqueConstraint("device_id", "client_seq"),)
    # fixed-width columns first (no alignment padding between them on PostgreSQL)
    mutation_id: str = Field(sa_column=sa.Column(UuidText, primary_key=True))  # lower case
    device_id: str = Field(sa_column=sa.Column(UuidText, nullable=False))
    client_seq: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, nullable=True))
    server_seq: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, nullable=True))
    received_at: datetime = _ts(nullable=False)
    #: its first ``PAYLOAD_HASH_BYTES`` bytes since migration 0022 (a re-sent change is told from another by 128 bits)
    payload_sha256: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True))
    #: ``STATUS_CODES`` (migration 0022: a ``smallint``, not the text; the view ``applied_mutation`` shows the text)
    status_code: int | None = Field(default=None, sa_column=sa.Column(sa.SmallInteger, nullable=True))
    recorded_by: str = Field(default="", max_length=120)
    #: NULL for a verdict with nothing to keep (migration 0022; the view ``applied_mutation`` shows ``{}``)
    result: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(
        sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql"), nullable=True))
    #: NULL since migration 0015: the text is ``received_batch.raws[batch_index]``
    raw: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    batch_id: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, nullable=True))
    batch_index: int | None = Field(default=None, sa_column=sa.Column(sa.Integer, nullable=True))


#: a request's mutation texts: ``text[]`` on PostgreSQL (one value, compressed whole once over 2 KB), a JSON
#: array of strings elsewhere (SQLite)
RawsType = sa.JSON().with_variant(postgresql.ARRAY(sa.Text), "postgresql")


class ReceivedBatch(ServerTable, table=True):
    """Append-only (migration 0015): the texts of the mutations one request (a push, an admin write)
    brought, as ``received_mutation.raw`` held them one a row: kept together, so PostgreSQL compresses
    what they share (field names, ids, clocks) once. Read through the view ``received_raw``."""

    __tablename__ = "received_batch"
    id: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                                                             primary_key=True, autoincrement=True))
    raws: list[str] = Field(sa_column=sa.Column(RawsType, nullable=False))


#: a change's place in its ward's stream (or the trust's: ward_id NULL), indexed with the ward as
#: ``ix_change_log_ward_stream`` (migration 0012). The pull's ranges are written on this expression, not
#: on ``seq``, so the primary key cannot serve them: PostgreSQL reads a ward's rows by that index,
#: whatever its statistics (with stale ones, or a generic plan, it walked the primary key from the
#: cursor through every other ward's newer rows)
WARD_STREAM_SQL = "seq + 0"


class ChangeLog(ServerTable, table=True):
    """One row per server change; within a ward's changes and the trust-wide ones, ``seq`` order is
    commit order (PostgreSQL: a sequence taken under a per-ward advisory lock held until commit;
    SQLite: the ``sync_counter`` row). Seqs have gaps where a transaction rolled back.

    ``echo_of``: the device whose mutation made this change when the record's state after it is
    exactly what that device already holds (applied as sent: no conflict, no agreement, no value
    normalised, no clock clamped); its pulls skip the change (a station never downloads its own
    changes). NULL for every other change."""

    __tablename__ = "change_log"
    __table_args__ = (sa.Index("ix_change_log_ward_stream", "ward_id", sa.text(f"({WARD_STREAM_SQL})")),)
    seq: int = Field(sa_column=sa.Column(sa.BigInteger, primary_key=True, autoincrement=False))
    ward_id: str | None = Field(default=None, sa_column=sa.Column(UuidText, nullable=True))  # None: trust-wide record
    entity: str = Field(max_length=40)
    #: ``uuid`` on PostgreSQL since migration 0018 (16 bytes, not 37), as ``ward_id``
    entity_id: str = Field(sa_column=sa.Column(UuidText, nullable=False))
    deleted: bool = False
    #: a device id: ``uuid`` on PostgreSQL since migration 0015b (16 bytes, not 37)
    echo_of: str | None = Field(default=None, sa_column=sa.Column(UuidText, nullable=True))


#: the day a dated record belongs to (a shift's date, a 23:59 count's day): the same text on PostgreSQL
#: and SQLite 3.38+ (``->>``), so one expression serves the index and ``staffing._month_records``
RECORD_DAY_SQL = "coalesce(data->>'shift_date', data->>'day')"


class EntityRecord(ServerTable, table=True):
    """One synced record, current state. On PostgreSQL (migration 0013, not expressible here) the table
    has ``toast_tuple_target = 128`` and storage ``MAIN`` on its text and JSON columns: a row over 2 KB
    (a shift with its field versions) is stored compressed whole, ``data`` too, and nothing leaves the row."""

    __tablename__ = "entity_record"
    # no index holds a column an edit changes (migration 0019: ``day`` not ``data``; no ``last_seq`` index):
    # a one-field edit is a HOT update on PostgreSQL wherever its page has room
    __table_args__ = (sa.Index("ix_entity_record_ward_day", "ward_id", "entity", "day"),)
    entity: str = Field(primary_key=True, max_length=40)
    #: ids and wards are ``uuid`` on PostgreSQL since migration 0018 (16 bytes, not 37, in the row and every index)
    id: str = Field(sa_column=sa.Column(UuidText, primary_key=True))
    #: by ward: ``ix_entity_record_ward_day`` starts with it (its own index went in migration 0010)
    ward_id: str | None = Field(default=None, sa_column=sa.Column(UuidText, nullable=True))
    data: dict[str, Any] = _json()
    #: ``json`` (text) on PostgreSQL, not ``jsonb`` (migration 0015b): read whole (the pull sends its text, a push
    #: loads it), never searched inside. Packed since migration 0021 (``[[tok, hlc, device_id, seq, field...], ...]``,
    #: each version once, a later group winning for a field): read it with ``field_versions.unpack``
    field_meta: Any = Field(sa_column=sa.Column(sa.JSON, nullable=False))
    deleted: bool = False
    last_seq: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False))
    needs_review: bool = False
    updated_at: datetime | None = _ts()
    #: ``RECORD_DAY_SQL``, generated by the database (migration 0019: stored on PostgreSQL, virtual on SQLite);
    #: never written by the server
    day: str | None = Field(default=None, sa_column=sa.Column(sa.Text, sa.Computed(RECORD_DAY_SQL), nullable=True))


class DeclaredGap(ServerTable, table=True):
    """A range of a station's changes that can never reach the server (SYNC.md 3.9 ``gap_declared``):
    recorded as an incident for IT and clinical safety (``admin gaps``), never silently assumed."""

    __tablename__ = "declared_gap"
    __table_args__ = (sa.UniqueConstraint("device_id", "from_seq"),)
    id: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                                                             primary_key=True, autoincrement=True))
    device_id: str = Field(max_length=36)
    ward_id: str = Field(max_length=36)
    from_seq: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    to_seq: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    oldest_retained_wall_time: str | None = Field(default=None, max_length=40)
    declared_at: datetime = _ts(nullable=False)


#: ``received_mutation.status_code`` and ``field_change.outcome_code`` (migration 0022), and back
STATUS_CODES: dict[str, int] = {"applied": 1, "rejected": 2}
OUTCOME_CODES: dict[str, int] = {"applied": 1, "concurrent_won": 2, "concurrent_lost": 3}
STATUS_NAMES = {v: k for k, v in STATUS_CODES.items()}
OUTCOME_NAMES = {v: k for k, v in OUTCOME_CODES.items()}


class FieldName(ServerTable, table=True):
    """The name of a field a ``field_change`` row names by number (migration 0022: ~20 B of text a history row
    became a 2-byte ``field_id``). Added as a push first meets a name (``trust_server.audit_codes``); the names
    are the entity schemas' fields, a bounded set."""

    __tablename__ = "field_name"
    id: int | None = Field(default=None, sa_column=sa.Column(sa.SmallInteger().with_variant(sa.Integer, "sqlite"),
                                                             primary_key=True, autoincrement=True))
    name: str = Field(max_length=80, unique=True)


class FieldChange(ServerTable, table=True):
    """Append-only: every field value a mutation offered to a record already there, and what became of
    it (SYNC.md 3.6); a new record's history is its create, whole, in ``received_mutation``. Who, from
    which device and when are the mutation's (``received_mutation``, by ``mutation_id``), so not
    repeated here: ``device_id``, ``recorded_by`` and ``at`` are set only where an older server's
    ``field_history`` row differed from its mutation (migration 0009). The view ``field_history``
    shows each row with them filled in, as before."""

    __tablename__ = "field_change"
    __table_args__ = (
        sa.CheckConstraint("outcome_code IN (1, 2, 3)", name="outcome"),
        sa.Index("ix_field_change_entity_id", "entity_id"),  # a record's history (0013: the uuid alone)
    )
    id: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                                                             primary_key=True, autoincrement=True))
    #: None: its mutation's (``received_mutation.server_seq``; migration 0013), as the view shows it
    server_seq: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, nullable=True))
    mutation_id: str = Field(sa_column=sa.Column(UuidText, nullable=False))
    entity: str = Field(max_length=40)
    entity_id: str = Field(sa_column=sa.Column(UuidText, nullable=False))  # uuid on PostgreSQL since 0013
    #: ``field_name.id`` and ``OUTCOME_CODES`` (migration 0022: 2 bytes each, in the places the texts had; the view
    #: ``field_history`` shows the name and the outcome's text)
    field_id: int = Field(sa_column=sa.Column(sa.SmallInteger, nullable=False))
    outcome_code: int = Field(sa_column=sa.Column(sa.SmallInteger, nullable=False))
    #: None: the clock its mutation was sent with (``received_mutation.raw``; migration 0010)
    incoming_hlc: str | None = Field(default=None, max_length=40)
    stored_hlc: str | None = Field(default=None, max_length=40)
    #: ``json`` on PostgreSQL, not ``jsonb`` (migration 0013): a history value is only ever read whole, and a
    #: figure is 2 bytes as text, 17 as jsonb
    old_value: Any = Field(sa_column=sa.Column(sa.JSON, nullable=True))
    new_value: Any = Field(sa_column=sa.Column(sa.JSON, nullable=True))
    device_id: str | None = Field(default=None, sa_column=sa.Column(UuidText, nullable=True))
    recorded_by: str | None = Field(default=None, max_length=120)
    at: datetime | None = _ts()


# --- data models for the admin API (not tables) ------------------------------------------------------

class TrustCreate(SQLModel):
    code: str = Field(min_length=1, max_length=16)
    name: str = Field(min_length=1, max_length=200)


class WardCreate(SQLModel):
    code: str = Field(min_length=1, max_length=16)
    name: str = Field(min_length=1, max_length=200)
    site: str = Field(default="", max_length=200)
    specialty: str = Field(default="", max_length=200)
    beds: int = Field(default=28, ge=1, le=120)
    trust_code: str | None = Field(default=None, max_length=16)


class WardPublic(SQLModel):
    id: str
    code: str
    name: str
    site: str
    specialty: str
    trust_id: str


class StaffCreate(SQLModel):
    name: str = Field(min_length=1, max_length=80)
    role: str = Field(max_length=20)
    title: str = Field(default="", max_length=200)
    is_manager: bool = False
    active: bool = True


class ShiftPatternSet(SQLModel):
    code: str = Field(min_length=1, max_length=16)
    name: str = Field(min_length=1, max_length=80)
    start_time: str = Field(regex=r"^\d{2}:\d{2}$")
    end_time: str = Field(regex=r"^\d{2}:\d{2}$")
    period: str = Field(regex=r"^(day|night)$")
    sort_order: int = Field(default=0, ge=0, le=1000)
    active: bool = True


class EstablishmentSet(SQLModel):
    shift_code: str = Field(min_length=1, max_length=16)
    staff_group: str = Field(max_length=20)
    effective_from: str = Field(regex=r"^\d{4}-\d{2}-\d{2}$")
    planned_heads: int = Field(ge=0, le=60)
    planned_hours: float = Field(ge=0, le=1000)


class RecordWritten(SQLModel):
    entity: str
    id: str
    status: str
    server_seq: int | None = None
    error: str | None = None


class RecordWrite(SQLModel):
    """One record trust IT writes as the trust: its entity, id and the fields to set."""

    entity: str = Field(max_length=40, regex=r"^[a-z][a-z_]{0,39}$")
    id: str = Field(min_length=36, max_length=36, regex=r"^[0-9a-fA-F-]{36}$")
    values: dict[str, Any]


class RecordWrites(SQLModel):
    records: list[RecordWrite] = Field(max_length=500)


class VoidRequest(SQLModel):
    reason: str = Field(min_length=1, max_length=200)


class RecordPublic(SQLModel):
    """A record as the server holds it (``admin records``); broken text shown as U+FFFD."""

    entity: str
    id: str
    ward_code: str | None
    deleted: bool
    needs_review: bool
    last_seq: int
    data: dict[str, Any]


class EnrolmentCodePublic(SQLModel):
    code: str
    ward_code: str
    expires_at: str


class GapPublic(SQLModel):
    """A declared gap as ``admin gaps`` lists it."""

    id: int
    device_id: str
    ward_code: str
    from_seq: int
    to_seq: int
    changes: int
    oldest_retained_wall_time: str | None
    declared_at: str


class DevicePublic(SQLModel):
    device_id: str
    ward_code: str
    name: str
    enrolled_at: str | None
    last_sync: str | None
    last_client_seq: int
    last_pull_seq: int
    pending_reported: int | None
    oldest_pending_s: int | None
    app_version: str | None
    schema_version: int | None
    clock_offset_ms: int | None
    revoked: bool
