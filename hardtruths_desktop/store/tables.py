"""Every table of the ward station's local store, in one module (STYLE.md habit 9).

Synced tables carry ``field_meta`` (JSON ``{field: {"tok": mutation_id, "hlc": ...}}``) as SYNC.md 3.3
describes, and are written only by ``store.repository`` functions, which add the outbox and audit
rows in the same transaction. ``staff_credential`` is local-only: PIN hashes never leave the PC.

Times are UTC ISO-8601 text (``...Z``); ward dates are ISO dates.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Column, Index, Integer, LargeBinary, MetaData, UniqueConstraint, text
from sqlmodel import Field, SQLModel

# Alembic's batch mode needs named constraints to alter SQLite tables (STYLE.md habit 10).
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata

SYNCED_TABLES = (
    "trust",
    "ward",
    "shift_pattern",
    "staff",
    "establishment",
    "shift",
    "shift_staffing",
    "ward_day",
    "red_flag",
    "bed",
    "bed_nurse",
    "ward_board",
    "trust_contacts",
    "feedback",
    "you_said_we_did",
    "incident",
    "incident_amendment",
    "incident_reporter",
    "safety_thermometer",
)
#: Trust-wide records: a station keeps its own copy (a station before enrolment prints its poster from
#: it) but never sends it; the trust's administrators write them on the server and stations pull them
#: (SYNC.md decision 9). ``sync.protocol.TRUST_WIDE_ENTITIES`` names the same entities.
TRUST_TABLES = ("trust", "trust_contacts")
#: Local-only tables that are derived from synced ones or private to one person (issue 10).
LOCAL_DERIVED_TABLES = ("incident_state", "incident_draft", "feedback_head", "shift_draft")


class Trust(SQLModel, table=True):
    id: str = Field(primary_key=True)
    code: str = Field(unique=True)
    name: str
    field_meta: str = "{}"


class Ward(SQLModel, table=True):
    id: str = Field(primary_key=True)  # uuid5 of the code
    trust_id: str = Field(foreign_key="trust.id")
    code: str = Field(unique=True)
    name: str
    site: str = ""
    specialty: str = ""
    beds: int = 28
    field_meta: str = "{}"


class ShiftPattern(SQLModel, table=True):
    __tablename__ = "shift_pattern"
    __table_args__ = (
        UniqueConstraint("ward_id", "code"),
        CheckConstraint("period IN ('day','night')", name="period"),
    )
    id: str = Field(primary_key=True)
    ward_id: str = Field(foreign_key="ward.id", index=True)
    code: str
    name: str
    start_time: str  # HH:MM local ward time
    end_time: str
    period: str
    sort_order: int = 0
    active: bool = True
    field_meta: str = "{}"


class Staff(SQLModel, table=True):
    id: str = Field(primary_key=True)  # uuid7
    ward_id: str = Field(foreign_key="ward.id", index=True)
    name: str
    role: str  # staff group code (valuesets)
    title: str = ""  # e.g. "Ward sister", "Matron": shown on the board
    is_manager: bool = False  # may use Ward setup and issue one-time codes
    active: bool = True
    field_meta: str = "{}"


class Establishment(SQLModel, table=True):
    """Planned heads and hours per ward, shift and staff group, from ``effective_from`` on."""

    __table_args__ = (UniqueConstraint("ward_id", "shift_code", "staff_group", "effective_from"),)
    id: str = Field(primary_key=True)
    ward_id: str = Field(foreign_key="ward.id", index=True)
    shift_code: str
    staff_group: str
    effective_from: date
    planned_heads: int
    planned_hours: float
    field_meta: str = "{}"


class Shift(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("ward_id", "shift_date", "shift_code"),)
    id: str = Field(primary_key=True)  # uuid5(ward/date/code)
    ward_id: str = Field(foreign_key="ward.id")
    shift_date: date
    shift_code: str
    nurse_in_charge_id: str | None = Field(default=None, foreign_key="staff.id")
    notes: str = ""
    deleted: bool = False
    field_meta: str = "{}"
    server_seq: int | None = None
    needs_review: bool = False
    # False until someone enters who actually came on duty: a shift row made only to hang a red flag
    # or a note on must not count as "nobody came" (no computed flags, not in fill rates)
    staffing_recorded: bool = Field(default=False, sa_column_kwargs={"server_default": "1"})
    on_duty: str = Field(default="[]", sa_column_kwargs={"server_default": "[]"})  # JSON list of staff ids on duty this shift (team sheet, named nurses)
    updated_at: str = ""
    updated_by: str = ""


class ShiftStaffing(SQLModel, table=True):
    """One staff group's planned/actual figures on one shift (staff groups are an open value set)."""

    __tablename__ = "shift_staffing"
    __table_args__ = {"sqlite_with_rowid": False}  # the key is the table (station migration 0012)
    shift_id: str = Field(foreign_key="shift.id", primary_key=True)
    staff_group: str = Field(primary_key=True)
    planned: int = 0
    actual: int = 0
    planned_hours: float = 0.0
    actual_hours: float = 0.0
    bank_agency: int = 0


class WardDay(SQLModel, table=True):
    """Per ward and date: the 23:59 patient census."""

    __tablename__ = "ward_day"
    __table_args__ = (UniqueConstraint("ward_id", "day"),)
    id: str = Field(primary_key=True)  # uuid5(ward/date)
    ward_id: str = Field(foreign_key="ward.id")
    day: date
    patients_at_midnight: int | None = None
    field_meta: str = "{}"


class RedFlag(SQLModel, table=True):
    __tablename__ = "red_flag"
    id: str = Field(primary_key=True)  # uuid7
    ward_id: str = Field(foreign_key="ward.id")
    shift_id: str = Field(foreign_key="shift.id", index=True)
    flag_type: str
    raised_at: str
    raised_by: str
    detail: str = ""
    escalated_to: str = ""
    escalated_at: str | None = None
    response: str = ""
    resolved_at: str | None = None
    resolved_by: str = ""
    field_meta: str = "{}"


class StaffCredential(SQLModel, table=True):
    """Local only, never synced: a staff member's PIN hash and lock-out state."""

    __tablename__ = "staff_credential"
    staff_id: str = Field(foreign_key="staff.id", primary_key=True)
    pin_hash: str | None = None
    failed_attempts: int = 0
    locked_until: str | None = None
    onetime_code_hash: str | None = None
    onetime_expires: str | None = None


class SetAside(SQLModel, table=True):
    """Local only: a pulled record this station cannot store (SYNC.md decision 10), kept whole (the
    change as JSON text, every character escaped) and listed under Review; the pull goes on without it."""

    __tablename__ = "set_aside"
    entity: str = Field(primary_key=True)
    entity_id: str = Field(primary_key=True)
    seq: int
    reason: str
    change: str
    at: str


class AuditLog(SQLModel, table=True):
    """Who changed what, when, on which station. A synced change's row names its outbox row
    (``client_seq``) instead of repeating it: ``at``, ``entity``, ``entity_id`` and ``actor_id`` are
    NULL while that row is there (its ``wall_time``, ``entity``, ``entity_id``, ``recorded_by``), and
    ``changes`` holds only what the outbox row does not (labels). The janitor folds the outbox row
    back in before pruning it (station migration 0012, issue 13), and so does the archiving of
    acknowledged rows (0014, ``sync_store.archive_acked``). Read it through
    ``store.audit`` (the view ``audit_trail``), never column by column."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("audit_log_outbox", "client_seq", sqlite_where=text("client_seq IS NOT NULL")),
        {"sqlite_autoincrement": True},
    )
    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    at: str | None = None
    station_id: str
    actor_id: str | None = None
    actor_name: str
    action: str
    entity: str | None = None
    entity_id: str | None = None
    changes: str = "{}"
    client_seq: int | None = None
    #: the values the change replaced ({field: old value}), where the save knew them
    before: str | None = None


class Outbox(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("op IN ('create','patch','delete','amend')", name="op"),
        CheckConstraint("state IN ('pending','acked','rejected')", name="state"),
        # partial: acknowledged rows (kept 30 days) pay for no index entry (issue 13)
        Index("outbox_pending", "client_seq", sqlite_where=text("state = 'pending'")),
        Index("outbox_rejected", "client_seq", sqlite_where=text("state = 'rejected'")),
        {"sqlite_autoincrement": True},  # client_seq is never reused, even after the janitor deletes
    )
    client_seq: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    #: unique by construction (UUIDv7 / v4); not indexed: verdicts are matched by client_seq and the
    #: server de-duplicates by mutation id (station migration 0012)
    mutation_id: str
    entity: str
    entity_id: str
    op: str
    payload: str
    base: str = "{}"
    hlc: str
    schema_version: int
    recorded_by: str
    wall_time: str
    state: str = "pending"
    attempts: int = 0
    last_error: str | None = None
    result: str | None = None
    acked_seq: int | None = None
    acked_at: str | None = None


class OutboxArchive(SQLModel, table=True):
    """Acknowledged outbox rows, folded a batch at a time into one compressed row (station migration
    0014, issue 13): kept for the re-send after a server restore (SYNC.md 3.9, 30 days), not in their
    sending form. ``body``: zlib of the rows' columns as JSON (``sync_store.archive_acked``); they come
    back into ``outbox`` exactly as they were when a restore asks for them (``sync_store.unarchive``).
    The audit rows that named them were completed (folded) when they were archived."""

    __tablename__ = "outbox_archive"
    #: the lowest client_seq in it (an archive row is found by the range it covers)
    first_seq: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    last_seq: int
    n_rows: int
    #: the newest ``acked_at`` of its rows: the janitor drops it whole once that is past the 30 days
    acked_to: str
    body: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class SyncState(SQLModel, table=True):
    __tablename__ = "sync_state"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)
    id: int = Field(default=1, primary_key=True)
    device_id: str | None = None
    device_incarnation: str
    station_name: str = ""
    home_ward_id: str | None = None
    machine_fingerprint: str | None = None
    server_epoch: str | None = None
    pull_cursor: int = 0
    hlc_last: str
    server_offset_ms: int = 0
    schema_version: int
    last_push_ok: str | None = None
    last_pull_ok: str | None = None
    # enrolment with the trust server (issue 3); the device secret itself is in the OS keyring
    server_url: str | None = None
    ca_bundle: str | None = None  # a trust's own CA bundle, when the OS store lacks its CA
    ward_code: str | None = None  # the ward this station syncs
    sync_status: str = Field(default="not_enrolled", sa_column_kwargs={"server_default": "not_enrolled"})
    last_error: str | None = None
    last_attempt: str | None = None


# --- print centre (issue 4): bed board, board details, trust contacts ------------------------------


class Bed(SQLModel, table=True):
    """One bed on the ward's bed board. Only what may go on the public card above the bed:
    no NHS number, diagnosis or date of birth is ever stored here."""

    __table_args__ = (UniqueConstraint("ward_id", "label"),)
    id: str = Field(primary_key=True)  # uuid5(ward/label)
    ward_id: str = Field(foreign_key="ward.id", index=True)
    label: str  # "1", "2", "Side room 3"
    sort_order: int = 0
    occupied: bool = False
    preferred_name: str = ""
    consultant: str = ""
    expected_discharge: date | None = None
    instructions: str = ""
    # The patient asked for their name not to be shown: the card above the bed says so instead.
    name_hidden: bool = False
    field_meta: str = "{}"


class BedNurse(SQLModel, table=True):
    """The named nurse for a bed on one shift (changes every shift)."""

    __tablename__ = "bed_nurse"
    __table_args__ = (UniqueConstraint("bed_id", "shift_date", "shift_code"),)
    id: str = Field(primary_key=True)  # uuid5(bed/date/shift)
    ward_id: str = Field(foreign_key="ward.id")
    bed_id: str = Field(foreign_key="bed.id", index=True)
    shift_date: date
    shift_code: str
    staff_id: str | None = Field(default=None, foreign_key="staff.id")
    field_meta: str = "{}"


class WardBoard(SQLModel, table=True):
    """What the ward board shows beyond staffing: who manages the ward, the matron, and who is on
    duty each shift is kept on ``shift.on_duty``."""

    __tablename__ = "ward_board"
    ward_id: str = Field(foreign_key="ward.id", primary_key=True)
    ward_manager: str = ""
    matron: str = ""
    field_meta: str = "{}"


class TrustContacts(SQLModel, table=True):
    """The trust's complaints and advice contacts for the poster, and its uniform key."""

    __tablename__ = "trust_contacts"
    trust_id: str = Field(foreign_key="trust.id", primary_key=True)
    pals_phone: str = ""
    pals_email: str = ""
    pals_location: str = ""
    pals_hours: str = ""
    complaints_phone: str = ""
    complaints_email: str = ""
    complaints_address: str = ""
    complaints_web_page: str = ""
    commissioner: str = ""
    advocacy_provider: str = ""
    advocacy_phone: str = ""
    advocacy_web: str = ""
    healthwatch_name: str = ""
    healthwatch_phone: str = ""
    healthwatch_web: str = ""
    details_checked_on: date | None = None
    uniform_key: str = "[]"  # JSON list of {"colour_name", "colour_hex", "role"}
    field_meta: str = "{}"


# --- bedside feedback (issue 9): the Friends and Family Test ----------------------------------------

class Feedback(SQLModel, table=True):
    """One FFT response, or an amendment of one (``amends_id`` set): immutable events (SYNC.md 3.6).

    Anonymous by construction: the ward and the DAY only (no time, bed, name or device column; the
    id of a response is random, not time-ordered). An amendment carries the response's full new
    content, its status (approved, redacted, withdrawn, corrected), who decided and why; the
    current view of a response is the head of its chain, chosen by HLC (``field_meta``)."""

    __table_args__ = (
        Index("ix_feedback_ward_day", "ward_id", "response_date", "answer"),
        Index("ix_feedback_held", "ward_id", sqlite_where=text("status = 'held' AND amends_id IS NULL")),
        CheckConstraint("status IN ('published','held','approved','redacted','withdrawn','corrected')", name="status"),
    )
    id: str = Field(primary_key=True)
    ward_id: str = Field(foreign_key="ward.id")
    response_date: date
    question: str = "2020"
    answer: str
    channel: str = "kiosk"
    comment_good: str = ""
    comment_better: str = ""
    status: str = "published"
    findings: str = "[]"  # JSON list of what may identify someone: name, phone, nhs_number, email, number
    amends_id: str | None = Field(default=None, foreign_key="feedback.id", index=True)
    reason: str = ""
    amended_by: str = ""
    field_meta: str = "{}"


class FeedbackHead(SQLModel, table=True):
    """Local only, derived: each response as it stands now (the response folded with its newest
    amendment by HLC), one row per response, kept up to date in the same transaction as every save,
    amendment and pulled page (``store.feedback.refresh_heads``); migration 0010 built it from the
    events. The events in ``feedback`` stay as written (SYNC.md 3.6); this is only a projection, so
    the results screen counts months with one indexed GROUP BY. No foreign key: a response the
    trust voids takes its head row with it in the same pulled page (``refresh_heads`` deletes it)."""

    __tablename__ = "feedback_head"
    __table_args__ = (
        Index("feedback_head_months", "ward_id", "response_date", "status", "answer", "channel"),
        Index("feedback_head_held", "ward_id", "status", "response_date", "seq", sqlite_where=text("status = 'held'")),
    )
    response_id: str = Field(primary_key=True)
    ward_id: str
    response_date: date
    seq: int  # the response's rowid in ``feedback``: the order it was entered, within a day
    answer: str  # the current answer (a correction changes it)
    channel: str
    comment_good: str  # the current words (a redaction replaces them)
    comment_better: str
    status: str  # the current status: published, held, approved, redacted, withdrawn, corrected
    original_status: str  # the response's own status at capture
    findings: str = "[]"
    amendments: int = 0
    head_id: str | None = None  # the amendment in force, None when never amended


class YouSaidWeDid(SQLModel, table=True):
    """A "You said, we did" entry the ward sister writes against the month's comments."""

    __tablename__ = "you_said_we_did"
    __table_args__ = (Index("ix_you_said_we_did_ward_month", "ward_id", "month"),)
    id: str = Field(primary_key=True)  # uuid7
    ward_id: str = Field(foreign_key="ward.id")
    month: str  # YYYY-MM
    you_said: str
    we_did: str
    feedback_id: str | None = Field(default=None, foreign_key="feedback.id")
    written_by: str = ""
    deleted: bool = False
    field_meta: str = "{}"
# --- incidents and the duty of candour (issue 10) ------------------------------------------------

class Incident(SQLModel, table=True):
    """A patient safety incident report: written once, never changed (SYNC.md 3.6); corrections,
    review and candour steps are ``incident_amendment`` rows. JSON text: ``involved``, ``patients``."""

    id: str = Field(primary_key=True)  # uuid7
    ward_id: str = Field(foreign_key="ward.id", index=True)
    reference: str
    occurred_on: str  # YYYY-MM-DD (ward date)
    occurred_time: str | None = None  # HH:MM ward time
    occurred_period: str | None = None  # day_shift | night_shift | morning_handover | evening_handover
    location: str = ""
    description: str  # required: what happened
    category: str
    involved: str = "[]"
    never_event: str | None = None
    immediate_actions: str = ""
    went_well: str = ""
    near_miss: bool = False
    patients: str = "[]"  # [{physical_harm, psychological_harm, prolonged_psychological, nhs_number, hospital_number}]
    anonymous: bool = False  # reporter kept only in incident_reporter
    reporter_id: str | None = None  # None when reported without a name shown to the ward
    reported_at: str
    shift_id: str | None = Field(default=None, foreign_key="shift.id", index=True)
    red_flag_id: str | None = Field(default=None, foreign_key="red_flag.id")
    red_flag_type: str | None = None  # a computed red flag has no row: its type links it
    field_meta: str = "{}"


class IncidentAmendment(SQLModel, table=True):
    __tablename__ = "incident_amendment"
    id: str = Field(primary_key=True)  # uuid7
    incident_id: str = Field(foreign_key="incident.id", index=True)
    ward_id: str = Field(foreign_key="ward.id")
    amends_id: str | None = None  # the head the author saw (the incident itself, or an amendment)
    kind: str
    data: str  # JSON object: what the change holds (its kind's fields)
    reason: str = ""
    by_id: str | None = None
    by_name: str = ""
    at: str
    field_meta: str = "{}"


class IncidentReporter(SQLModel, table=True):
    """The restricted record: who reported an incident "without my name shown to the ward".
    Sent to the trust server (the patient safety team) and never sent back to ward stations."""

    __tablename__ = "incident_reporter"
    incident_id: str = Field(foreign_key="incident.id", primary_key=True)
    ward_id: str = Field(foreign_key="ward.id")
    reporter_id: str | None = None
    reporter_name: str = ""
    field_meta: str = "{}"


class SafetyThermometer(SQLModel, table=True):
    """One month's point-prevalence survey on a ward."""

    __tablename__ = "safety_thermometer"
    __table_args__ = (UniqueConstraint("ward_id", "month"),)
    id: str = Field(primary_key=True)  # uuid5(ward/month)
    ward_id: str = Field(foreign_key="ward.id")
    month: str  # YYYY-MM
    survey_date: str | None = None
    surveyed: int = 0
    harm_free: int = 0
    pressure_ulcers: int = 0
    falls_with_harm: int = 0
    catheter_uti: int = 0
    new_vte: int = 0
    field_meta: str = "{}"


class IncidentState(SQLModel, table=True):
    """Local only, derived: an incident's current view (report + amendments folded), kept up to
    date in the same transaction as every write and pull, so the review queue reads one row."""

    __tablename__ = "incident_state"
    __table_args__ = (Index("incident_state_queue", "ward_id", "status"),)
    incident_id: str = Field(foreign_key="incident.id", primary_key=True)
    ward_id: str
    status: str
    occurred_on: str
    reported_at: str
    category: str
    harm: str
    reporter_id: str | None = None  # the restricted reporter too, so the reporter sees their own
    candour_status: str | None = None
    candour_next_due: str | None = None
    divergent: bool = False
    amendments: int = 0


class IncidentDraft(SQLModel, table=True):
    """Local only, private: a report being typed, saved as the author types; gone once submitted."""

    __tablename__ = "incident_draft"
    author_id: str = Field(primary_key=True)  # staff id, or "station:cli"
    ward_id: str = Field(foreign_key="ward.id")
    data: str = "{}"
    updated_at: str


class ShiftDraft(SQLModel, table=True):
    """Local only, private (issue 12): a shift's typed, unsaved figures, per ward, shift and the
    person who typed them; gone when that shift is saved or the draft discarded. Never synced."""

    __tablename__ = "shift_draft"
    ward_id: str = Field(foreign_key="ward.id", primary_key=True)
    shift_date: str = Field(primary_key=True)  # ISO date the shift starts on
    shift_code: str = Field(primary_key=True)
    author_id: str = Field(primary_key=True)  # staff id
    data: str = "{}"
    updated_at: str
