"""The one apply path for every synced record: per-field merge with audit (SYNC.md 3.6, 3.7).

Used by device pushes and by the server's own admin writes. A ``Batch`` works in three steps:

1. ``load`` the records the mutations touch (``FOR UPDATE`` on PostgreSQL, in key order, so two
   batches touching the same shift queue instead of losing an update);
2. ``apply`` each mutation in order, in memory and atomically: it works on a copy of the record
   and only replaces the batch's copy when every field has been checked and merged, so a rejected
   mutation leaves no trace (this is the per-mutation savepoint of SYNC.md 3.4);
3. ``finish``: write ``field_change`` (history) and ``received_mutation`` (each mutation as sent, with
   its verdict: one row) in bulk under change ids from a
   sequence, then (``sequence``, the transaction's last statements) place the changes in the pull
   stream: on PostgreSQL, a lock on the stream of each ward the changes belong to (shared on the
   trust's stream; exclusive on it for a trust-wide change), then their seqs from a database
   sequence, ``change_log`` and the records themselves (with their place in the stream). The locks
   are held until commit, so the changes a station reads (its ward's and the trust's) commit in seq
   order and a pull cursor never passes a change that commits late; pushes of different wards no
   longer queue on one counter row (issue 13). SQLite serialises writers and keeps the counter row.

Merge rule per field ``f``: ``base[f] == field_meta[f].tok`` (the writer saw the current value)
applies; otherwise the larger ``(hlc, device_id)`` wins, the loser is kept in ``field_history``
and the record is flagged ``needs_review`` unless both sides hold the same value (agreement).
"""

from __future__ import annotations

import json
import re
import threading
import uuid
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import chain, compress, islice
from operator import is_, is_not
from typing import Any

import orjson
from sqlalchemy import Engine, insert, text, tuple_
from sqlalchemy import select as sa_select
from sqlmodel import Session

from hardtruths_desktop.domain.hlc import Hlc
from hardtruths_desktop.domain.validation import ValidationError, is_valid_unicode, printable
from hardtruths_desktop.sync.protocol import REFERENCE_ENTITIES, SCHEMAS, EntitySchema, schema_of
from trust_server import audit_codes, field_versions
from trust_server.bulk import (
    connection_rows,
    copy_ready,
    copy_written,
    driver_rows,
    insert_columns,
    insert_rows,
    json_text,
    json_value,
    patch_records,
    pg_array,
    update_records,
)
from trust_server.models import ChangeLog, EntityRecord, FieldChange, ReceivedBatch, ReceivedMutation, Trust, Ward
from trust_server.stream import drop_unsent
from trust_server.validate import clean_payload

CLOCK_AHEAD_MS = 10 * 60 * 1000
#: PostgreSQL advisory lock classes (two-int keys, a space apart from the migration's one-bigint key):
#: the trust's stream (key 0) and each ward's stream (key ``hashtext(ward_id)``; two wards sharing a
#: hash only queue on each other)
STREAM_TRUST_LOCK = 0x48540001
STREAM_WARD_LOCK = 0x48540002
CLOCK_BEHIND_MS = 30 * 24 * 3600 * 1000

Key = tuple[str, str]
_ABSENT = object()


@dataclass(frozen=True)
class Author:
    """Who writes: a device (limited to its ward) or the server itself (``ward_id`` None: any ward)."""

    device_id: str
    ward_id: str | None


RECORDED_FIELD = re.compile(r"groups\.[a-z0-9_]+\.(actual|actual_hours|bank_agency)")
_RECORDED: dict[str, bool] = {}


def _records_staffing(values: Iterable[str]) -> bool:
    """Whether any of these field names is a figure of who came on duty (``RECORDED_FIELD``); each name's
    answer kept (bounded: names come from the wire), not matched again for every change."""
    for f in values:
        found = _RECORDED.get(f)
        if found is None:
            if len(_RECORDED) >= 4096:
                _RECORDED.clear()
            found = _RECORDED[f] = RECORDED_FIELD.fullmatch(f) is not None
        if found:
            return True
    return False


@dataclass(eq=False, slots=True)  # not frozen: made for every change of a push (a frozen init costs ~0.3 us a field)
class Cleaned:
    """A payload checked ahead (``clean_payload`` as of ``today``): its ``values``, or its ``refusal``."""

    today: date
    values: dict[str, Any] | None
    refusal: ValidationError | None = None
    #: a create's whole-record check made ahead (``created_record``), used when the server has no such record
    create: CheckedRecord | None = None


@dataclass(eq=False, slots=True)  # not frozen: made for every change of a push (a frozen init costs ~0.3 us a field)
class CheckedRecord:
    """``EntitySchema.check_record``'s answer: the record, or the refusal it raised."""

    record: dict[str, Any] | None
    refusal: ValidationError | None = None

    def result(self) -> dict[str, Any]:
        if self.refusal is not None:
            raise self.refusal
        assert self.record is not None
        return self.record


def created_record(entity: str, entity_id: str, values: dict[str, Any]) -> CheckedRecord | None:
    """The whole-record check ``Batch._merge`` makes of a create the server does not have (the record is the
    create's checked ``values``, with ``staffing_recorded`` derived as the merge derives it), made ahead of the
    push's transaction (issue 13, i13-push5). None: nothing to check (a tombstone) or not checkable here."""
    try:
        schema = schema_of(entity)
    except ValidationError:
        return None
    data = dict(values)
    if entity == "shift" and "staffing_recorded" not in values and _records_staffing(values) \
            and not data.get("staffing_recorded"):
        data["staffing_recorded"] = True
    if data.get("deleted", False):
        return None
    try:
        return CheckedRecord(schema.check_record(entity_id, data, values))
    except ValidationError as e:
        return CheckedRecord(None, e)


@dataclass(slots=True)  # made for every change of a push: slots halve an init of a dozen fields (~0.3 -> ~0.15 us)
class Incoming:
    """One mutation to apply (a device's, or one the server authored)."""

    mutation_id: str
    entity: str
    entity_id: str
    op: str
    payload: Mapping[str, Any]
    base: Mapping[str, str]
    hlc: str
    recorded_by: str
    raw: str  # the mutation as received, for received_mutation
    #: a station's: its place in the station's order and the payload hash (``sync._payload_sha``)
    client_seq: int | None = None
    payload_sha256: bytes | None = None
    #: the payload checked before the push's transaction (``sync._prepare``); None: checked in the merge
    cleaned: Cleaned | None = None


@dataclass(slots=True)  # made for every change of a push: slots halve an init of a dozen fields (~0.3 -> ~0.15 us)
class Record:
    entity: str
    id: str
    ward_id: str | None
    data: dict[str, Any]
    meta: dict[str, dict[str, Any]]
    needs_review: bool
    in_db: bool
    last_seq: int = 0
    touched: bool = False

    @property
    def deleted(self) -> bool:
        return bool(self.data.get("deleted", False))


@dataclass(slots=True)  # made for every change of a push: slots halve an init of a dozen fields (~0.3 -> ~0.15 us)
class Outcome:
    mutation_id: str
    status: str  # applied | rejected
    error: str | None = None
    flags: list[str] = field(default_factory=list)
    effective: dict[str, Any] = field(default_factory=dict)
    key: Key | None = None
    server_seq: int | None = None
    # filled in by ``apply``; seqs are stamped on them in ``finish``
    meta_entries: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    #: the record is now exactly what its author holds (applied as sent): its pull skips this change
    clean: bool = False


def _canonical_hlc(text_hlc: str) -> bool:
    """Whether ``str(Hlc.parse(text_hlc)) == text_hlc`` (13 and 5 ASCII digits, a node of at most 8 characters),
    checked without formatting it again (issue 13: ~1 us a change)."""
    return 20 < len(text_hlc) <= 28 and text_hlc.isascii() and text_hlc[13] == "-" and text_hlc[19] == "-" \
        and text_hlc[:13].isdigit() and text_hlc[14:19].isdigit()


def hlc_key(hlc: str, device_id: str) -> tuple[int, int, str]:
    h = Hlc.parse(hlc)
    return (h.pt, h.lc, device_id)


class ServerHlc:
    """The server's own HLC for ONE database (its engine: one an app or an admin command), monotonic there.
    Two apps in one process (tests, a harness) keep their own: moving one server's clock forward does not
    lift another's HLCs (reviewer, issue 13: it was one per process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = Hlc(0, 0, "00000000")

    def next(self, now_ms: int, floor: str = "") -> str:
        """The next HLC, above ``floor`` too (the one the database keeps: another process's, an earlier run's)."""
        with self._lock:
            last = max(self._last, Hlc.parse(floor)) if floor else self._last
            pt = max(last.pt, now_ms)
            self._last = Hlc(pt, last.lc + 1 if pt == last.pt else 0, "00000000")
            return str(self._last)


_server_hlcs: weakref.WeakKeyDictionary[Engine, ServerHlc] = weakref.WeakKeyDictionary()
_server_hlcs_lock = threading.Lock()


def lock_server_clock(session: Session) -> None:
    """PostgreSQL: lock ``server_meta``'s row to commit, the FIRST lock of a server-authored transaction (an
    admin write or void: ``reference.server_batch``; the nightly purge: ``retention.purge``), before any record,
    stream or change-log row. The server's HLC is then taken in the caller's transaction (``server_hlc``; no
    second pool connection, so a dozen admin writes at once cannot each wait for one the others hold), and
    the transactions that lock this row queue on it before they lock anything else: two of them never hold
    locks the other wants. A device's push never locks it (it only reads the row, unblocked). The locks'
    order, everywhere: ``server_meta`` -> records (sorted, ``Batch.load``) -> the streams
    (``Batch._lock_streams``) -> change-log rows. SQLite has one writer at a time: nothing to do."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT 1 FROM server_meta WHERE id = 1 FOR UPDATE"))


def server_hlc(now_ms: int, session: Session) -> str:
    """A fresh HLC from the server clock's ``now_ms`` (``wall_ms(clock)``), monotonic for ``session``'s
    database (only admin writes and voids ask, never a device's push): above the one kept in
    ``server_meta.server_hlc`` (migration 0020b), read and advanced in the caller's transaction under that
    row's lock (held to commit), so a restarted server, a second server process and the admin CLI never
    issue one lower than any issued before, and the server's writes commit in the order of their HLCs.
    The caller locks the row first (``lock_server_clock``), before any record: see there for the order."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    hlc = _server_hlcs.get(engine)
    if hlc is None:
        with _server_hlcs_lock:
            hlc = _server_hlcs.setdefault(engine, ServerHlc())
    kept = session.execute(text("UPDATE server_meta SET server_hlc = server_hlc WHERE id = 1 RETURNING server_hlc")).scalar()
    issued = hlc.next(now_ms, str(kept or ""))
    session.execute(text("UPDATE server_meta SET server_hlc = :h WHERE id = 1"), {"h": issued})
    return issued


class Batch:
    """Apply a list of mutations from one author inside the caller's transaction."""

    def __init__(self, session: Session, author: Author, now: datetime) -> None:
        self.session = session
        self.author = author
        self.now = now
        self.today = now.date()  # the day a payload is checked as of (asked once a change)
        self.now_ms = int(now.timestamp() * 1000)
        self.records: dict[Key, Record] = {}
        #: keys looked up and not in the database: a new record is not looked up again (one query
        #: per batch, not one ``SELECT ... FOR UPDATE`` round trip per new record)
        self.absent: set[Key] = set()
        self.applied: list[tuple[Incoming, Outcome]] = []
        #: every mutation received (applied or refused) with its verdict, for ``received_mutation``
        self.logged: list[tuple[Incoming, Outcome]] = []
        self.changes: list[dict[str, Any]] = []  # change_log rows waiting for their place in the stream
        #: PostgreSQL: entity_record rows (new, updated) written with their stream place in ``sequence``
        self.pending_rows: tuple[list[dict[str, Any]], list[dict[str, Any]]] = ([], [])
        #: PostgreSQL: each loaded record's ``data`` and ``field_meta`` as stored (never mutated: a merge
        #: works on shallow copies, so a value it did not change is the very same object): an update
        #: writes only the keys that differ (``bulk.patch_records``), not the whole record again; and the
        #: length of its stored versions' text when an edit may append to it (a packed list), else -1
        self.stored: dict[Key, tuple[dict[str, Any], dict[str, Any], int]] = {}
        self.is_pg = session.get_bind().dialect.name == "postgresql"
        self._by_ok: dict[str, bool] = {}
        #: merged ahead (``read_ahead``): each record read as its row's version (``xmin:ctid``), None for a key read
        #: and absent; ``adopt`` checks them under the locks. None: a batch read under its locks, as always
        self.versions: dict[Key, str | None] | None = None
        #: merged ahead, the merge read more than the batch's keys (a record it refers to late, a unique key
        #: looked up in the table): ``adopt`` refuses, the push merges again under its locks
        self.read_more = False
        self._runs: list[tuple[bool, list[Key]]] = []
        #: what ``stage`` built for ``write``: the new and updated records' rows, the history's rows, their clocks
        self._staged: tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]],
                            dict[tuple[str, str], str | None]] | None = None
        self._history_copy: tuple[list[str], str] | None = None  # merged ahead: the history's COPY text (``stage``)

    # --- 1. load ---------------------------------------------------------------------------
    def load(self, keys: Iterable[Key], share: Iterable[Key] = ()) -> None:
        """Load records (and remember which are absent). On PostgreSQL each row is locked to commit:
        ``FOR UPDATE`` (a record this batch may write), or ``FOR SHARE`` for the keys in ``share`` that
        it only refers to (a ward's trust, a shift's nurse): a void waits for the push, but pushes of
        many wards referring to one trust no longer queue on its row (issue 13, go-live). All rows are
        locked in one key order, whatever their mode, so two batches cannot deadlock."""
        wanted = sorted({k for k in (*keys, *share) if k not in self.records and k not in self.absent})
        runs = _lock_runs(wanted, set(share).difference(keys))
        table = EntityRecord.__table__  # type: ignore[attr-defined]
        if self.versions is not None:  # merged ahead: a read past the batch's keys is not checked by ``adopt``
            self.read_more = self.read_more or bool(wanted)
        for read_only, chunk in runs:
            if self.is_pg:  # ids are uuid (migration 0018): a key in another form is no record's
                self._load_pg([k for k in chunk if canonical_uuid(k[1])], read_only)
                continue
            q = sa_select(table).where(tuple_(table.c.entity, table.c.id).in_(chunk)).order_by(table.c.entity, table.c.id)
            for r in self.session.execute(q).mappings():
                loaded = Record(r["entity"], r["id"], r["ward_id"], dict(r["data"] or {}), field_versions.unpack(r["field_meta"]),
                                bool(r["needs_review"]), True, int(r["last_seq"]))
                self.records[(loaded.entity, loaded.id)] = loaded
        self.absent.update(k for k in wanted if k not in self.records)

    def read_ahead(self, keys: Iterable[Key], share: Iterable[Key] = ()) -> None:
        """PostgreSQL: ``load`` without locks, each row's version kept, so the batch can be merged before its
        push's turn (while the station's earlier push holds the device) and ``adopt``ed by the push's transaction."""
        wanted = sorted(set((*keys, *share)))
        self._runs = _lock_runs(wanted, set(share).difference(keys))
        self.versions = {}
        for read_only, chunk in self._runs:
            self._load_pg([k for k in chunk if canonical_uuid(k[1])], read_only, ahead=True)
        self.absent.update(k for k in wanted if k not in self.records)
        self.versions.update((k, None) for k in wanted if k not in self.records)

    def adopt(self, session: Session) -> bool:
        """In the push's transaction: lock the rows ``read_ahead`` read (the same runs, modes and order as ``load``)
        and keep the merge made ahead only if every one is the version it read, and every key absent then is absent
        now; the batch then writes in ``session``. False: the caller merges again from a new ``Batch``."""
        assert self.versions is not None and self.is_pg
        if self.read_more:
            return False
        now: dict[Key, str | None] = dict.fromkeys(self.versions)
        for read_only, chunk in self._runs:
            keys = [k for k in chunk if canonical_uuid(k[1])]
            if not keys:
                continue
            sql = _versions_sql(session, read_only)
            for entity, entity_id, version in _driver_fetch(session, sql, keys):
                now[(entity, entity_id)] = version
        if now != self.versions:
            return False
        self.session, self.versions = session, None
        return True

    def _load_pg(self, chunk: list[Key], read_only: bool, ahead: bool = False) -> None:
        """PostgreSQL: one run of ``load`` on the driver's own cursor, the JSON columns read as text and
        decoded by orjson (issue 13: SQLAlchemy's row and JSON processing was ~15% of a push of 2,000 edits).
        ``ahead``: unlocked, each row's version kept (``read_ahead``)."""
        if not chunk:
            return
        sql = _read_ahead_sql(self.session) if ahead else _load_sql(self.session, read_only)
        rows = _driver_fetch(self.session, sql, chunk)
        for entity, entity_id, ward_id, data_text, meta_text, needs_review, last_seq, *version in rows:
            if self.versions is not None and version:
                self.versions[(entity, entity_id)] = version[0]
            data = json_value(data_text) if data_text is not None else None
            # the versions packed (server migration 0021), read whatever their form; text neither JSON reader
            # takes is logged and read as no versions (every field of the record then applies)
            packed = field_versions.loads(meta_text, f"{entity} {entity_id}")
            # freshly decoded: copied only when not a dict (the merge works on its own copies)
            loaded = Record(entity, entity_id, ward_id, data if type(data) is dict else dict(data or {}),
                            field_versions.unpack(packed), bool(needs_review), True, int(last_seq))
            self.records[(entity, entity_id)] = loaded
            self.stored[(entity, entity_id)] = (loaded.data, loaded.meta,
                                                # an append needs the stored text to END with the list's "]": json
                                                # keeps text as written, so a trailing newline (a hand fix) is
                                                # rewritten whole, never made invalid (reviewer, issue 13)
                                                len(meta_text) if type(packed) is list and packed and meta_text.endswith("]") else -1)

    # --- 2. apply --------------------------------------------------------------------------
    def _valid_by(self, recorded_by: str) -> bool:
        """``is_valid_unicode(recorded_by)``, once per name a batch (its changes come from a few people)."""
        found = self._by_ok.get(recorded_by)
        if found is None:
            found = self._by_ok[recorded_by] = is_valid_unicode(recorded_by)
        return found

    def apply(self, m: Incoming) -> Outcome:
        """Validate and merge one mutation. Never raises for bad data: the outcome says ``rejected``."""
        out = Outcome(m.mutation_id, "applied")
        try:
            if not self._valid_by(m.recorded_by):
                raise ValidationError.single("recorded_by", "Who recorded the change contains a broken character")
            self._merge(m, out)
        except ValidationError as e:
            # the message may echo what was sent: make it safe for a JSON reply and a database column
            out = Outcome(m.mutation_id, "rejected", error=printable(str(e) or "The change was refused"))
            self.logged.append((m, out))
            return out
        self.logged.append((m, out))
        self.applied.append((m, out))
        return out

    def _merge(self, m: Incoming, out: Outcome) -> None:
        entity, entity_id = m.entity, m.entity_id.lower()
        if not canonical_uuid(entity_id):  # history keeps it as a PostgreSQL uuid (migration 0013): its text must match the record's
            raise odd_record_id(m.entity_id)
        key = (entity, entity_id)
        if key not in self.records and key not in self.absent:  # a new record the batch's load found absent: no query
            self.load([key])
        schema = schema_of(entity)
        if schema.trust_wide and self.author.ward_id is not None:
            raise ValidationError.single("entity", f"The trust's own records ({entity.replace('_', ' ')}) are set by the trust's "
                                         "administrators, not by a ward station")
        pre = m.cleaned
        if pre is not None and pre.today == self.today:  # checked ahead, as of the same day: the same values or refusal
            if pre.refusal is not None:
                raise pre.refusal
            assert pre.values is not None
            values = pre.values
        else:
            values = clean_payload(entity, entity_id, m.op, m.payload, self.today)
        # who came on duty was entered (stations before schema 5 never say so themselves)
        infer_recorded = entity == "shift" and "staffing_recorded" not in values and _records_staffing(values)
        current = self.records.get(key)
        if schema.kind == "immutable":
            self._check_immutable(schema, m, values, current)
        if current is None and m.op in ("patch", "delete"):
            raise ValidationError.single("entity_id", f"There is no {entity} record {entity_id} on the server to change")
        ward = self._ward_of(schema, entity_id, values, current)
        if self.author.ward_id is not None and ward is not None and ward != self.author.ward_id:
            raise ValidationError.single("ward_id", "This station may only write records of its own ward")
        rec = Record(entity, entity_id, ward, dict(current.data), dict(current.meta), current.needs_review, current.in_db,
                     current.last_seq) if current is not None else Record(entity, entity_id, ward, {}, {}, False, False)

        # the clock as ``Hlc.parse`` reads it (the same errors), no Hlc made unless it is moved (issue 13)
        pt_text, lc_text, node = m.hlc.split("-", 2)
        eff_pt, eff_lc = int(pt_text), int(lc_text)
        moved = False
        if eff_pt > self.now_ms + CLOCK_AHEAD_MS:
            eff_pt, eff_lc, moved = self.now_ms, 0, True
            out.flags.append("clock_ahead")
        elif eff_pt < self.now_ms - CLOCK_BEHIND_MS:
            out.flags.append("clock_behind")
        inc_key = (eff_pt, eff_lc, self.author.device_id)
        eff_text = m.hlc if not moved and _canonical_hlc(m.hlc) else str(Hlc(eff_pt, eff_lc, node))
        conflict = lost_any = agreed_any = False
        entry: dict[str, Any] | None = None  # the version this mutation writes: one object shared by its fields
        if current is None:
            # a new record: every field applies, under one version shared by its fields (the same entry
            # the loop below would write once per field; its seq is stamped once in ``finish``), and no
            # per-field history (its create is kept whole in received_mutation)
            entry = {"tok": m.mutation_id, "hlc": eff_text, "device_id": self.author.device_id, "seq": None}
            rec.data.update(values)
            rec.meta.update(dict.fromkeys(values, entry))
            out.meta_entries.append(entry)
            out.effective.update(values)
            values_merged: Mapping[str, Any] = {}
        else:
            values_merged = values  # ``entry`` made as the first field applies
        for f, value in values_merged.items():
            stored = rec.meta.get(f)
            old = rec.data.get(f, False if f == "deleted" else None)
            stored_hlc: str | None = stored.get("hlc") if stored else None
            agreed = False
            if stored is None or m.base.get(f) == stored.get("tok"):
                outcome = "applied"
            elif old == value:  # both sides entered the same value: agreement, not conflict (SYNC.md 3.6)
                outcome, agreed = "applied", True
            else:
                try:
                    stored_key = hlc_key(str(stored_hlc), str(stored.get("device_id", "")))
                except ValueError:
                    stored_key = (0, 0, "")
                outcome = "concurrent_won" if inc_key > stored_key else "concurrent_lost"
                if entity in REFERENCE_ENTITIES and self.author.ward_id is not None and old != value:
                    # Ward setup is the server's once it has one (issue 3): a station's concurrent
                    # difference never overwrites it; it is kept in field_history and flagged for
                    # the ward sister to settle.
                    outcome = "concurrent_lost"
                if old != value:
                    conflict = True
            agreed_any = agreed_any or agreed
            if outcome == "concurrent_lost":
                lost_any = True
            elif not agreed:  # an agreeing value keeps the stored token, so the first writer's next edit is still causal
                if entry is None:  # one version object for the mutation's fields, as a create's (and as stored: one group)
                    entry = {"tok": m.mutation_id, "hlc": eff_text, "device_id": self.author.device_id, "seq": None}
                    out.meta_entries.append(entry)
                rec.data[f] = value
                rec.meta[f] = entry
            out.effective[f] = rec.data.get(f)
            if schema.kind == "immutable":
                continue  # nothing merges on an immutable record: no per-field history (no second copy of a patient's words)
            if current is None:
                # the history of a new record is its create, kept whole in received_mutation (who, when, the
                # values, the HLC): a field_history row per field would only copy it. A create that
                # meets an existing record (two stations made the same shift) merges, with history.
                continue
            # what ``finish`` writes of it to ``field_change`` (who, from which device and when are the mutation's)
            out.history.append({
                "entity": entity, "entity_id": entity_id, "field": f, "old_value": old, "new_value": value,
                "incoming_hlc": m.hlc, "stored_hlc": stored_hlc, "outcome": outcome, "mutation_id": m.mutation_id,
            })
        derived = False
        if infer_recorded and not rec.data.get("staffing_recorded"):
            rec.data["staffing_recorded"] = True  # derived, so no token of its own: a station's own flag still merges
            derived = True
        if not rec.deleted:
            # the record as every station will store it: whole, unique and with its references in place
            # the payload's values are clean_payload's output: not checked again (a new record's are all of them)
            pre_record = m.cleaned.create if m.cleaned is not None and m.cleaned.values is values else None
            if current is None and pre_record is not None:  # a create checked ahead, from the same values
                record = pre_record.result()
            else:
                if current is None:
                    known, shape = rec.data, None
                else:  # the record's fields the schema knows (records of one entity come in a handful of shapes)
                    shape = tuple(rec.data)
                    names = _known_names(schema, shape)
                    known = rec.data if names is None else {f: rec.data[f] for f in names}
                    shape = shape if names is None else names  # ``tuple(known)``, made once
                record = schema.check_record(entity_id, known, values, shape)
            if current is None:
                self.check_links(schema, rec, record, None)
            elif _links_of(schema, tuple(values)):  # an edit's: only the constraints its fields are in (often none)
                self.check_links(schema, rec, record, set(values))
        if conflict:
            rec.needs_review = True
            out.flags.append("needs_review")
        if lost_any:
            out.flags.append("concurrent_lost")
        # what the author holds after its own save: the values as sent, its own token and clock on each
        out.clean = (not (conflict or lost_any or agreed_any or derived or out.flags) and not moved
                     and schema.kind != "immutable"
                     and (values if type(values) is dict else dict(values)) == (m.payload if type(m.payload) is dict else dict(m.payload)))
        rec.touched = True
        out.key = key
        self.records[key] = rec

    def _check_immutable(self, schema: EntitySchema, m: Incoming, values: Mapping[str, Any], current: Record | None) -> None:
        """Create-only records (SYNC.md 3.6): a second create of the same id is refused unless it says
        exactly the same. Amended in place (feedback): an amendment (``amends_id``) amends an original of
        the same entity keeping ``schema.amend_keeps``. Otherwise (``incident_amendment``) the amendment is
        its own record, sent once with op ``amend``; its references say what it amends."""
        if current is not None and current.data != dict(values):
            raise ValidationError.single("entity_id", f"This {m.entity.replace('_', ' ')} record already exists and is never "
                                         "changed: send an amendment")
        if not schema.amended_in_place:
            return
        parent_id = values.get("amends_id")
        if m.op == "amend" and not isinstance(parent_id, str):
            raise ValidationError.single("amends_id", "An amendment must say which response it amends")
        if m.op == "create" and parent_id is not None:
            raise ValidationError.single("amends_id", "A correction is sent as an amendment, not as a new record")
        if isinstance(parent_id, str):
            key = (m.entity, parent_id.lower())
            if key not in self.records:
                self.load([], share=[key])  # the amended response is read, never written
            parent = self.records.get(key)
            if parent is None:
                raise ValidationError.single("amends_id", "It refers to a response the trust server does not have")
            if parent.data.get("amends_id") is not None:
                raise ValidationError.single("amends_id", "An amendment amends the response itself, not another amendment")
            if any((parent.ward_id if f == "ward_id" else parent.data.get(f)) != values.get(f) for f in schema.amend_keeps):
                raise ValidationError.single("amends_id", "An amendment must keep the response's ward and day")

    def _ward_of(self, schema: EntitySchema, entity_id: str, values: Mapping[str, Any], current: Record | None) -> str | None:
        if schema.trust_wide or schema.ward_field is None:
            return None
        if schema.ward_field in ("id", schema.key):
            return entity_id
        given = values.get(schema.ward_field)
        if current is not None:
            if given is not None and given != current.ward_id:
                raise ValidationError.single(schema.ward_field, "A record cannot move to another ward")
            return current.ward_id
        if not isinstance(given, str):
            raise ValidationError.single(schema.ward_field, f"A new {schema.name.replace('_', ' ')} record must say which ward it belongs to")
        return given

    def check_links(self, schema: EntitySchema, rec: Record, record: Mapping[str, Any], fields: set[str] | None) -> None:
        """References and uniqueness of the merged record (``fields``: only the constraints that
        involve these fields; None: all, for a new record), against this batch and the database."""
        for ref in schema.references:
            target_id = record.get(ref.field)
            if (fields is not None and ref.field not in fields) or not isinstance(target_id, str):
                continue
            target_key = (ref.target, target_id.lower())
            if target_key not in self.records:
                self.load([], share=[target_key])  # referred to, not written: a shared lock
            target = self.records.get(target_key)
            what = ref.target.replace("_", " ")
            if target is None or target.deleted:  # a station would fail to apply it: refuse it here instead
                raise ValidationError.single(ref.field, f"It refers to a {what} the trust server does not have")
            if ref.same_ward and rec.ward_id is not None and target.ward_id != rec.ward_id:
                raise ValidationError.single(ref.field, f"It refers to a {what} of another ward")
        for unique in _uniques_to_look_up(schema):
            if fields is not None and not fields.intersection(unique):
                continue
            wanted = tuple(record.get(f) for f in unique)
            if any(v is None for v in wanted):
                continue
            if self._same_key_exists(schema, rec, unique, wanted):
                shown = ", ".join(f for f in unique if f != schema.ward_field)
                where = "the trust" if rec.ward_id is None else "this ward"
                raise ValidationError.single(unique[-1], f"Another {schema.name.replace('_', ' ')} of {where} already has "
                                             f"the same {shown}")

    def _same_key_exists(self, schema: EntitySchema, rec: Record, unique: tuple[str, ...], wanted: tuple[Any, ...]) -> bool:
        def same(other: Record) -> bool:
            data = {**other.data, schema.key: other.id} if schema.key != "id" else other.data
            return tuple(data.get(f) for f in unique) == wanted

        for other in self.records.values():  # this batch's view of records supersedes the database's
            if other.entity == schema.name and other.id != rec.id and not other.deleted and other.ward_id == rec.ward_id \
                    and same(other):
                return True
        table = EntityRecord.__table__  # type: ignore[attr-defined]
        q = sa_select(table.c.entity, table.c.id, table.c.ward_id, table.c.data).where(
            table.c.entity == schema.name, table.c.id != rec.id, table.c.deleted == False)  # noqa: E712
        q = q.where(table.c.ward_id.is_(None) if rec.ward_id is None else table.c.ward_id == rec.ward_id)
        for f, v in zip(unique, wanted, strict=True):
            if isinstance(v, str) and f not in (schema.ward_field, schema.key):
                q = q.where(table.c.data[f].as_string() == v)
        self.read_more = self.read_more or self.versions is not None  # merged ahead: the table's rows are not checked
        for r in self.session.execute(q.limit(50)).mappings():
            if (r["entity"], r["id"]) in self.records:
                continue
            if same(Record(r["entity"], r["id"], r["ward_id"], dict(r["data"] or {}), {}, False, True)):
                return True
        return False

    # --- trust IT: void a record -------------------------------------------------------------
    def void(self, entity: str, entity_id: str, reason: str, recorded_by: str) -> Outcome:
        """An audited tombstone: the record is marked deleted and stripped to what identifies it
        (its ward, its key), so every station can apply it whatever it held; what it held stays in
        ``received_mutation`` (JSON text with every character escaped) with the reason and who voided it.
        Raises ValidationError when there is no such record or live records still refer to it."""
        entity_id = entity_id.lower()
        if not canonical_uuid(entity_id):  # no record has such an id (the push refuses it; migration 0016 converted older ones)
            raise odd_record_id(entity_id, "record")
        key = (entity, entity_id)
        if key not in self.records:
            self.load([key])
        current = self.records.get(key)
        if current is None:
            raise ValidationError.single("record", f"There is no {entity} record {entity_id} on this server")
        if current.deleted:
            raise ValidationError.single("record", f"The {entity.replace('_', ' ')} record {entity_id} is already void")
        users = self.referring(entity, entity_id)
        if users:
            shown = ", ".join(f"{e} {i}" for e, i in users[:5])
            raise ValidationError.single("record", f"{len(users)} live record(s) refer to it ({shown}): void those first")
        schema = schema_of(entity)
        keep = {f: current.data[f] for f in (schema.ward_field, *schema.identity_key)
                if f and f in current.data and isinstance(current.data[f], str) and is_valid_unicode(current.data[f])}
        mid = str(uuid.uuid4())
        hlc = server_hlc(self.now_ms, self.session)
        out = Outcome(mid, "applied", key=key, effective={"deleted": True})
        entry = {"tok": mid, "hlc": hlc, "device_id": self.author.device_id, "seq": None}
        out.meta_entries.append(entry)
        out.history.append({
            "entity": entity, "entity_id": entity_id, "field": "deleted", "old_value": False, "new_value": True,
            "incoming_hlc": hlc, "stored_hlc": None, "outcome": "applied", "mutation_id": mid,
        })
        self.records[key] = Record(entity, entity_id, current.ward_id, {**keep, "deleted": True}, {"deleted": entry},
                                   False, current.in_db, current.last_seq, touched=True)
        raw = raw_json({"void": {"entity": entity, "entity_id": entity_id, "reason": reason, "by": recorded_by},
                        "previous": current.data})
        self.logged.append((Incoming(mid, entity, entity_id, "delete", {"deleted": True}, {}, hlc, printable(recorded_by, 120), raw), out))
        self.applied.append(self.logged[-1])
        return out

    def referring(self, entity: str, entity_id: str) -> list[Key]:
        """Live records whose references point at this one."""
        table = EntityRecord.__table__  # type: ignore[attr-defined]
        found: list[Key] = []
        for schema in SCHEMAS.values():
            for ref in schema.references:
                if ref.target != entity or ref.field == schema.key:
                    continue
                q = sa_select(table.c.entity, table.c.id).where(
                    table.c.entity == schema.name, table.c.deleted == False,  # noqa: E712
                    table.c.data[ref.field].as_string() == entity_id).limit(10)
                found += [(r[0], r[1]) for r in self.session.execute(q)]
        return found

    def _project(self, touched: list[Record]) -> None:
        """The typed ``trust`` and ``ward`` rows (what devices and enrolment codes refer to) are a
        projection of their ``entity_record``, the one source of truth, kept in step here in the same
        transaction whoever wrote the record (trust IT or a station)."""
        for rec in sorted(touched, key=lambda r: r.entity != "trust"):  # a ward's trust first
            if rec.deleted:
                continue
            model: Any = Trust if rec.entity == "trust" else Ward
            values = _projection(rec)
            row = self.session.get(model, rec.id)
            if row is None:
                self.session.add(model(**values))
            else:
                for k, v in values.items():
                    setattr(row, k, v)
                self.session.add(row)
        if touched:
            self.session.flush()

    # --- 3. finish ---------------------------------------------------------------------------
    def finish(self, sequence: bool = True) -> int:
        """Write everything; returns the stream's high seq (``server_seq_high``).

        Each applied change gets a change id (``server_seq`` in verdicts, field versions, history):
        on PostgreSQL from the ``change_id`` sequence, which locks nothing. Its place in the pull
        stream (``change_log.seq``, a record's ``last_seq``) comes in ``sequence``, the
        transaction's LAST statements (see the module's step 3).
        ``sequence=False``: the caller writes more rows first, then calls ``sequence`` itself."""
        self.stage()
        return self.write(sequence)

    def stage(self) -> None:
        """``finish``'s part that takes no lock and writes nothing in the transaction (a batch merged ahead does it
        before its push's turn too): each applied change's id drawn and stamped, the records' rows and the
        history's rows built. On SQLite the ids come from the counter, written: there it runs in the transaction."""
        n = len(self.applied)
        if n and self.is_pg:
            ids = _next_ids(self.session, n)
        elif n:  # SQLite serialises writers anyway: the counter gives both (change id = its seq)
            high = int(self.session.execute(
                text("UPDATE sync_counter SET value = value + :n WHERE id = 1 RETURNING value"), {"n": n}).scalar_one())
            ids = list(range(high - n + 1, high + 1))
        else:
            ids = []
        history: list[dict[str, Any]] = []
        for (_m, out), seq in zip(self.applied, ids, strict=True):
            out.server_seq = seq
            for entry in out.meta_entries:
                entry["seq"] = seq
            history.extend(out.history)  # its rows name their change by ``mutation_id`` (``server_seq`` is NULL)
            assert out.key is not None
            rec = self.records[out.key]
            prev, rec.last_seq = rec.last_seq, seq  # prev: the change-log row this change may supersede (stream.drop_unsent)
            self.changes.append({"id": seq, "ward_id": rec.ward_id, "entity": rec.entity, "entity_id": rec.id,
                                 "deleted": rec.deleted, "echo_of": self.author.device_id if out.clean else None, "prev": prev})
        new_rows: list[dict[str, Any]] = []
        updated_rows: list[dict[str, Any]] = []
        for rec in self.records.values():
            if not rec.touched:
                continue
            row: dict[str, Any] = {"entity": rec.entity, "id": rec.id, "ward_id": rec.ward_id, "data": rec.data, "field_meta": None,
                   "deleted": rec.deleted, "last_seq": rec.last_seq, "needs_review": rec.needs_review,
                   "updated_at": self.now}
            if not (rec.in_db and self.is_pg and self._as_patch(row, rec)):
                row["field_meta"] = field_versions.pack(rec.meta)  # each version once (server migration 0021)
            (updated_rows if rec.in_db else new_rows).append(row)
        # who, from which device and when are the mutation's (received_mutation): not repeated per field,
        # nor the clock it was sent with (migration 0010: ``history_hlc``)
        raws = {m.mutation_id: m.raw for m, _out in self.logged} if history else {}
        hlcs: dict[tuple[str, str], str | None] = {}  # ``history_hlc`` once per mutation, not once per field
        for h in history:
            key = (h["mutation_id"], h["incoming_hlc"])
            if key not in hlcs:
                hlcs[key] = history_hlc(h["incoming_hlc"], raws.get(h["mutation_id"], ""))
        self._staged = (new_rows, updated_rows, history, hlcs)
        if self.versions is not None and history:  # merged ahead: the history's COPY text too, if its fields are numbered
            found = audit_codes.known_field_ids(self.session, {h["field"] for h in history})
            if found is not None:
                self._history_copy = copy_ready(FieldChange.__table__, _history_columns(history, hlcs, found))  # type: ignore[attr-defined]

    def write(self, sequence: bool = True) -> int:
        """``finish``'s writes, of what ``stage`` built; returns the stream's high seq as ``finish`` does."""
        staged, self._staged = self._staged, None
        new_rows, updated_rows, history, hlcs = staged if staged is not None else ([], [], [], {})
        table = EntityRecord.__table__  # type: ignore[attr-defined]
        # one COPY / one UPDATE per table on PostgreSQL, not a round trip per row (trust_server.bulk)
        if self.is_pg:  # written once, with their place in the stream, by ``sequence``
            self.pending_rows[0].extend(new_rows)
            self.pending_rows[1].extend(updated_rows)
        else:
            insert_rows(self.session, table, new_rows)
            update_records(self.session, table, updated_rows, self.now)
        ready, self._history_copy = self._history_copy, None
        if ready is not None:  # made ahead (``stage``)
            copy_written(self.session, FieldChange.__table__, ready)  # type: ignore[attr-defined]
        elif history:
            numbers = audit_codes.field_ids(self.session, {h["field"] for h in history})
            insert_columns(self.session, FieldChange.__table__, _history_columns(history, hlcs, numbers))  # type: ignore[attr-defined]
        # the mutations' texts once for the request, compressed together (migration 0015: ``log_texts``)
        logged = self.logged
        places = log_texts(self.session, [m.raw for m, _out in logged])
        if len(places) != len(logged):  # pragma: no cover - one place per text, always
            raise AssertionError(f"{len(places)} places for {len(logged)} mutations")
        insert_columns(self.session, ReceivedMutation.__table__, {  # type: ignore[attr-defined]
            "mutation_id": [m.mutation_id.lower() for m, _out in logged], "device_id": [self.author.device_id] * len(logged),
            "client_seq": [m.client_seq for m, _out in logged], "server_seq": [out.server_seq for _m, out in logged],
            "received_at": [self.now] * len(logged),
            # narrowed by migration 0022: the hash's first 16 bytes, the status a code, an empty verdict NULL
            "payload_sha256": [m.payload_sha256 and m.payload_sha256[:audit_codes.PAYLOAD_HASH_BYTES] for m, _out in logged],
            "status_code": [audit_codes.STATUS_CODES[out.status] for _m, out in logged],
            "recorded_by": [m.recorded_by[:120].replace("\x00", "") for m, _out in logged],
            "result": [recorded_result(out) or None for _m, out in logged],
            "batch_id": [batch_id for batch_id, _i in places], "batch_index": [i for _b, i in places]})
        self._project([rec for rec in self.records.values() if rec.touched and rec.entity in ("trust", "ward")])
        for rec in self.records.values():
            rec.in_db = rec.in_db or rec.touched
            rec.touched = False
        self.applied = []
        self.logged = []
        return self.sequence() if sequence else 0

    def _as_patch(self, row: dict[str, Any], rec: Record) -> bool:
        """An updated record's row carries only its changed keys (``row["patch"]``) when none was removed:
        a one-field edit sends and rewrites a few keys, not the record and its versions whole (issue 13).

        Its versions (``row["field_meta"]``, text for ``bulk.patch_records``): None when none changed; the
        changed fields' versions packed, to be APPENDED to the stored list (the text starts with ``,``), while the
        stored text is under ``field_versions.TEXT_MAX``; past it, or when what is stored cannot take an append
        (the older object form), the record's versions whole, each distinct version once (server migration 0021).
        False: the row is written whole (``row["field_meta"]`` left for the caller)."""
        key = (rec.entity, rec.id)
        stored = self.stored.get(key)
        if stored is None:
            self.stored[key] = (rec.data, rec.meta, -1)  # what the database holds once this row is written
            return False
        old_data, old_meta, old_len = stored
        data, meta = rec.data, rec.meta
        data_patch, changed = _changed(old_data, data), _changed(old_meta, meta)
        if data_patch is None or changed is None:
            self.stored[key] = (data, meta, -1)
            return False  # a key went (a void strips the record): written whole
        row["data"] = data_patch
        if not changed:
            row["field_meta"], new_len = None, old_len
        elif 0 < old_len < field_versions.TEXT_MAX:
            part = json_text(field_versions.pack(changed))
            row["field_meta"], new_len = "," + part[1:], old_len + len(part) - 1
        else:
            whole = json_text(field_versions.pack(rec.meta))
            row["field_meta"], new_len = whole, len(whole)
        self.stored[key] = (rec.data, rec.meta, new_len)
        row["patch"] = True
        return True

    def sequence(self) -> int:
        """Place this transaction's changes in the pull stream: the last statements before commit
        (see the module's step 3). Returns the stream's high seq."""
        changes, self.changes = self.changes, []
        self.session.flush()  # anything the ORM still holds goes now, not while the stream is locked
        if not self.is_pg:
            if changes:
                for c in changes:
                    c["seq"] = c.pop("id")
                changes = drop_unsent(self.session, changes, False)
                self.session.execute(insert(ChangeLog.__table__), changes)  # type: ignore[attr-defined]
            return int(self.session.execute(text("SELECT value FROM sync_counter WHERE id = 1")).scalar_one())
        last: dict[tuple[str, str], int] = {}
        high = 0
        if changes:
            self._lock_streams({c["ward_id"] for c in changes})
            # taken under the locks: within a ward's (and the trust's) stream, seq order is commit order
            seqs = sorted(_next_ids(self.session, len(changes)))
            for seq, c in zip(seqs, changes, strict=True):
                del c["id"]
                c["seq"] = seq
                last[(c["entity"], c["entity_id"])] = seq
            insert_rows(self.session, ChangeLog.__table__, drop_unsent(self.session, changes, True))  # type: ignore[attr-defined]
            high = seqs[-1]
        # the records, once, with their place in the stream as last_seq (retention compares it with cursors)
        (new_rows, updated_rows), self.pending_rows = self.pending_rows, ([], [])
        for row in (*new_rows, *updated_rows):
            row["last_seq"] = last.get((row["entity"], row["id"]), row["last_seq"])
        table = EntityRecord.__table__  # type: ignore[attr-defined]
        insert_rows(self.session, table, new_rows)
        update_records(self.session, table, [r for r in updated_rows if not r.get("patch")], self.now)
        patch_records(self.session, [r for r in updated_rows if r.get("patch")], self.now)
        for key, q in last.items():
            if key in self.records:
                self.records[key].last_seq = q
        if not changes:
            high = int(self.session.execute(text("SELECT coalesce(max(seq), 0) FROM change_log")).scalar_one())
        return high

    def _lock_streams(self, wards: set[str | None]) -> None:
        """Until commit: the trust's stream (every station reads it) exclusively for a trust-wide
        change, else shared, plus each ward's stream exclusively, in one order (no deadlock)."""
        if None in wards:
            driver_rows(self.session, "SELECT pg_advisory_xact_lock(%s, 0)", (STREAM_TRUST_LOCK,))
            return
        named = sorted(w for w in wards if w is not None)
        if len(named) == 1:  # the most common push: one round trip, the trust's stream first (left to right)
            driver_rows(self.session, "SELECT pg_advisory_xact_lock_shared(%s, 0), pg_advisory_xact_lock(%s, hashtext(%s))",
                        (STREAM_TRUST_LOCK, STREAM_WARD_LOCK, named[0]))
            return
        driver_rows(self.session, "SELECT pg_advisory_xact_lock_shared(%s, 0)", (STREAM_TRUST_LOCK,))
        # several wards: locked in the order of the lock KEYS (two ward ids that hash alike share one
        # key; taken in name order, two pushes could take such keys in opposite orders and deadlock)
        keys = sorted({int(k) for k in self.session.execute(
            text("SELECT hashtext(w) FROM unnest(CAST(:wards AS text[])) AS w"), {"wards": named}).scalars()})
        for key in keys:
            self.session.execute(text("SELECT pg_advisory_xact_lock(:c, :k)"), {"c": STREAM_WARD_LOCK, "k": key})


def _next_ids(session: Session, n: int) -> list[int]:
    """PostgreSQL: ``n`` values of the ``change_id`` sequence, in one row (an array: 500 rows each made a SQLAlchemy row)."""
    got = driver_rows(session, "SELECT ARRAY(SELECT nextval('change_id') FROM generate_series(1, %s))", (n,))[0][0]
    return [int(v) for v in got]


def _history_columns(history: list[dict[str, Any]], hlcs: dict[tuple[str, str], str | None],
                     numbers: Mapping[str, int]) -> dict[str, list[Any]]:
    """``field_change``'s rows, column by column (``insert_columns``: no dict per row; issue 13, i13-merge6): the field
    by its number and the outcome as a code (migration 0022), who and when left to the mutation's row."""
    return {
        "server_seq": [None] * len(history),
        "mutation_id": [h["mutation_id"].lower() for h in history],  # its mutation's (0013)
        "entity": [h["entity"] for h in history], "entity_id": [h["entity_id"] for h in history],
        "field_id": [numbers[h["field"]] for h in history], "outcome_code": [audit_codes.OUTCOME_CODES[h["outcome"]] for h in history],
        "incoming_hlc": [hlcs[(h["mutation_id"], h["incoming_hlc"])] for h in history],
        "stored_hlc": [h["stored_hlc"] for h in history], "old_value": [h["old_value"] for h in history],
        "new_value": [h["new_value"] for h in history]}


def _lock_runs(wanted: list[Key], shared: set[Key]) -> list[tuple[bool, list[Key]]]:
    """``wanted`` (sorted) as consecutive runs of one lock mode (True: ``FOR SHARE``), at most 1,000 keys a run."""
    runs: list[tuple[bool, list[Key]]] = []
    for k in wanted:
        mode = k in shared
        if not runs or runs[-1][0] != mode or len(runs[-1][1]) >= 1000:
            runs.append((mode, []))
        runs[-1][1].append(k)
    return runs


def _driver_fetch(session: Session, sql: str, chunk: list[Key]) -> list[tuple[Any, ...]]:
    """``sql`` for the keys of ``chunk``, as two array literals (psycopg's list adapter: ~5 ms a thousand values), on the
    driver's own connection (``bulk.connection_rows``: an error raised as SQLAlchemy raises it, a connection the
    database ended given up)."""
    return connection_rows(session.connection(), sql, (pg_array([e for e, _i in chunk]), "{" + ",".join([i for _e, i in chunk]) + "}"))


#: a row's version: a new one for every write of it (an UPDATE makes a new row version, at a new place)
_VERSION = "r.xmin::text || ':' || r.ctid::text"


_KEYS_SQL: dict[str, str] = {}


def _keys_sql(session: Session) -> str:
    """The keys ``unnest``ed as the key columns' own types, sorted (``_load_sql``), made once per dialect."""
    dialect = session.get_bind().dialect
    found = _KEYS_SQL.get(dialect.name)
    if found is None:
        table = EntityRecord.__table__  # type: ignore[attr-defined]
        types = (table.c.entity.type.compile(dialect=dialect), table.c.id.type.compile(dialect=dialect))
        found = _KEYS_SQL[dialect.name] = (f"(SELECT * FROM unnest(%s::{types[0]}[], %s::{types[1]}[]) AS u(entity, id)"
                                           " ORDER BY u.entity, u.id) AS k")
    return found


def _read_ahead_sql(session: Session) -> str:
    """``Batch.read_ahead``'s query: ``_load_sql``'s without locks, with each row's version. ``OFFSET 0`` keeps the
    LATERAL subquery a probe by the primary key for each key (PostgreSQL never flattens a subquery with an OFFSET
    into a join: the reason ``_load_sql`` gives)."""
    return ("SELECT e.entity, e.id::text, e.ward_id::text, e.data::text, e.field_meta::text, e.needs_review, e.last_seq, e.v"
            f" FROM {_keys_sql(session)} CROSS JOIN LATERAL (SELECT r.*, {_VERSION} AS v FROM entity_record r"
            " WHERE r.entity = k.entity AND r.id = k.id OFFSET 0) AS e")


def _versions_sql(session: Session, read_only: bool) -> str:
    """``Batch.adopt``'s query: ``_load_sql``'s locks, in its order, returning each row's version only."""
    return (f"SELECT e.entity, e.id::text, e.v FROM {_keys_sql(session)} CROSS JOIN LATERAL (SELECT r.entity, r.id, {_VERSION} AS v"
            f" FROM entity_record r WHERE r.entity = k.entity AND r.id = k.id FOR {'SHARE' if read_only else 'UPDATE'}) AS e")


_LOAD_SQL: dict[tuple[str, bool], str] = {}


def _load_sql(session: Session, read_only: bool) -> str:
    """``Batch._load_pg``'s query: the keys ``unnest``ed as the key columns' own types, sorted, and each looked up
    by the primary key in a LATERAL subquery that locks its row (its FOR UPDATE/SHARE keeps PostgreSQL from
    flattening it into a join): a nested loop of index probes by the query's shape, so a batch reads its own rows
    whatever the table's size or statistics, and locks them in key order (the loop keeps its outer side's order).
    As a plain join (issue 13, i13-growth8) PostgreSQL hashed the WHOLE table for a batch of 500 keys whenever its
    estimate of the table was small, as it is during a burst (no statistics yet: autovacuum analyses a table a
    minute later at the earliest), so each batch of a push read every record before it: a push of 20,000 new
    shifts read 40 x up to 20,000 rows (a row-value IN list was a scan too)."""
    key = (session.get_bind().dialect.name, read_only)
    sql = _LOAD_SQL.get(key)
    if sql is None:
        sql = _LOAD_SQL[key] = (
            "SELECT e.entity, e.id::text, e.ward_id::text, e.data::text, e.field_meta::text, e.needs_review, e.last_seq"
            f" FROM {_keys_sql(session)}"
            " CROSS JOIN LATERAL (SELECT * FROM entity_record r WHERE r.entity = k.entity AND r.id = k.id"
            f" FOR {'SHARE' if read_only else 'UPDATE'}) AS e")
    return sql


# --- the mutation as received, without what its row's columns hold (server migration 0010) --------------

#: texts in one ``received_batch`` row at most: reading one text decompresses its row (100: ~0.1 ms)
TEXTS_PER_ROW = 100
_LOG_TEXTS = (
    # each row's id is drawn beside its place in the request (n) and returned with it: the pairing never rests
    # on a sequence handing out ids in the order the INSERT ... SELECT produces its rows (the JSON itself is
    # not held in the CTE: as fast as the plain INSERT ... SELECT, 2,000 texts in 20 rows). Parsed once as jsonb, each
    # chunk's texts then taken from the parsed value (as json, every chunk was lexed twice: i13-pg9, 0.5 ms less a batch)
    "WITH ids AS MATERIALIZED (SELECT g.n, nextval(pg_get_serial_sequence('received_batch', 'id')) AS id"
    " FROM generate_series(1, CAST(%(k)s AS int)) AS g(n)),"
    " ins AS (INSERT INTO received_batch (id, raws)"
    " SELECT ids.id, ARRAY(SELECT e FROM jsonb_array_elements_text(j.c) WITH ORDINALITY AS x(e, i) ORDER BY x.i)"
    " FROM jsonb_array_elements(CAST(%(doc)s AS jsonb)) WITH ORDINALITY AS j(c, n) JOIN ids ON ids.n = j.n RETURNING id)"
    " SELECT ids.n, ids.id FROM ids JOIN ins ON ins.id = ids.id ORDER BY ids.n")


def log_texts(session: Session, raws: list[str]) -> list[tuple[int, int]]:
    """Keep the texts of the mutations one request brought together in ``received_batch`` (server migration
    0015), ``TEXTS_PER_ROW`` to a row, and return each text's place (row id, index from 1) in order.
    PostgreSQL compresses a row's texts together (what mutations share, field names and clocks and ids,
    once): ~70 B a mutation instead of ~430 as one text a row (a row under 2 KB is never compressed).
    Each row's id is paired with its chunk explicitly (PostgreSQL: returned with the chunk's position;
    SQLite: one INSERT ... RETURNING a chunk), never by the order a sequence hands ids out."""
    if not raws:
        return []
    chunks = [raws[i:i + TEXTS_PER_ROW] for i in range(0, len(raws), TEXTS_PER_ROW)]
    if session.get_bind().dialect.name == "postgresql":
        # one JSON document, made into the rows' arrays by PostgreSQL (psycopg writes a text[] parameter in
        # Python, ~0.1 ms a text: 0.2 s of CPU a push of 2,000)
        placed = [(int(n), int(v)) for n, v in driver_rows(session, _LOG_TEXTS, {"doc": json_text(chunks), "k": len(chunks)})]
        if [n for n, _v in placed] != list(range(1, len(chunks) + 1)):  # pragma: no cover - a row per chunk, always
            raise AssertionError(f"received_batch: {len(placed)} rows written for {len(chunks)} chunks")
        ids = [v for _n, v in placed]
    else:
        table = ReceivedBatch.__table__  # type: ignore[attr-defined]
        ids = [int(session.execute(insert(table).returning(table.c.id), {"raws": chunk}).scalar_one()) for chunk in chunks]
    return [(row_id, i) for row_id, chunk in zip(ids, chunks, strict=True) for i in range(1, len(chunk) + 1)]


#: the keys of a station's mutation that ``received_mutation`` has as columns
_ROW_KEYS = ("mutation_id", "client_seq", "recorded_by")
_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def station_raw(fields: Mapping[str, Any]) -> str:
    """``received_mutation.raw`` for a station's mutation (``fields``: every field of the protocol's
    ``Mutation``): without ``mutation_id``, ``client_seq`` and ``recorded_by``, which the row holds
    as columns, when the columns hold them exactly and the view ``mutation_log`` can read the rest
    (PostgreSQL's ``jsonb`` refuses a NUL, a lone surrogate, NaN and the infinities); else whole. ``full_raw`` gives the
    station's exact text back either way."""
    mid, by = fields["mutation_id"], fields["recorded_by"]
    if isinstance(mid, str) and isinstance(by, str) and isinstance(fields.get("client_seq"), int) \
            and canonical_uuid(mid) and by == by[:120].replace("\x00", ""):
        slim = raw_json({k: v for k, v in fields.items() if k not in _ROW_KEYS})
        if '"mutation_id":' not in slim and "\\u0000" not in slim and not _SURROGATE.search(slim) \
                and "Infinity" not in slim and "NaN" not in slim:  # jsonb reads neither (the standard library writes them)
            return slim
    return raw_json(dict(fields))


def full_raw(raw: str, mutation_id: str, client_seq: int | None, recorded_by: str) -> str:
    """The mutation exactly as the station sent it (the same bytes ``raw_json`` gave then) from a
    ``received_mutation`` row, slim (``station_raw``) or whole."""
    if client_seq is None or '"mutation_id":' in raw:
        return raw
    return raw_json({**json.loads(raw), "mutation_id": str(mutation_id), "client_seq": client_seq, "recorded_by": recorded_by})


def history_hlc(incoming_hlc: str, raw: str) -> str | None:
    """``field_change.incoming_hlc``: None when it is the clock in its mutation's ``raw`` (found there
    once, so the view ``field_history`` reads it back unambiguously)."""
    return None if raw.count('"hlc":') == 1 and f'"hlc":"{incoming_hlc}"' in raw else incoming_hlc


#: a UUID exactly as ``str(uuid.UUID(...))`` writes it
_CANONICAL = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


_UUIDS: dict[str, bool] = {}


def canonical_uuid(text_id: str) -> bool:
    """Whether ``text_id`` is a UUID exactly as ``str(uuid.UUID(...))`` writes it. Answers kept (bounded): a push
    asks about each record and mutation id 3-4 times (issue 13)."""
    found = _UUIDS.get(text_id)
    if found is None:
        if len(_UUIDS) >= 65536:
            _UUIDS.clear()
        found = _UUIDS[text_id] = _CANONICAL.fullmatch(text_id) is not None
    return found


def odd_record_id(given: str, field_name: str = "entity_id") -> ValidationError:
    """A record id in another form than ``str(uuid.UUID(...))`` (braces, no dashes, a ``urn:uuid:`` prefix):
    refused by name, as the record it would make could not be found again by the same text."""
    return ValidationError.single(field_name, f"The record id '{printable(given, 45)}' is not a UUID in its usual form "
                                  "(32 hexadecimal digits as 8-4-4-4-12, with dashes, no braces or prefix): not applied")


def recorded_result(out: Outcome) -> dict[str, Any]:
    """What ``received_mutation.result`` keeps of a verdict (issue 13: bytes): the flags, the error and,
    unless the change was applied exactly as sent, the effective values; empty parts are left out."""
    if out.clean and not out.flags and not out.error:  # the most common verdict: nothing to keep
        return {}
    kept: dict[str, Any] = {"flags": list(out.flags), "error": out.error}
    if not out.clean:
        kept["effective"] = dict(out.effective)
    return {k: v for k, v in kept.items() if v}


def _changed(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any] | None:
    """The keys of ``new`` whose value is not the very object ``old`` holds (in ``new``'s order), or None when a key of
    ``old`` is not in ``new`` (``Batch._as_patch``). A merge copies the stored dict and sets keys (a key it sets
    keeps its place and its key object, a new one goes last): when ``new``'s first keys are ``old``'s very key
    objects in ``old``'s order, the two are compared value by value in C (``map``), the later keys all new (issue
    13, i13-cpu9: a lookup per key of every record a push writes, twice, was a third of ``finish``); otherwise key
    by key."""
    n = len(old)
    if len(new) >= n and all(map(is_, islice(new, n), old)):
        changed = compress(islice(new, n), map(is_not, islice(new.values(), n), old.values()))
        return {k: new[k] for k in chain(changed, islice(new, n, None))}
    get = old.get
    patch = {k: v for k, v in new.items() if get(k, _ABSENT) is not v}
    # every key of ``old`` is in ``new`` when those that kept their object (all ``old``'s) and the changed ones
    # ``old`` has are as many as ``old``'s keys
    return patch if len(new) - len(patch) + sum(1 for k in patch if k in old) == n else None


def _projection(rec: Record) -> dict[str, Any]:
    d = rec.data
    if rec.entity == "trust":
        return {"id": rec.id, "code": str(d.get("code", "")), "name": str(d.get("name", ""))}
    return {"id": rec.id, "trust_id": str(d.get("trust_id", "")), "code": str(d.get("code", "")), "name": str(d.get("name", "")),
            "site": str(d.get("site", "")), "specialty": str(d.get("specialty", ""))}


_KNOWN: dict[tuple[str, tuple[str, ...]], tuple[EntitySchema, tuple[str, ...] | None]] = {}


def _known_names(schema: EntitySchema, names: tuple[str, ...]) -> tuple[str, ...] | None:
    """Those of ``names`` the schema knows, in their order; None when it knows them all. Worked out once per
    record shape (an edit checked 13 names one by one); bounded, as field names come from the wire."""
    found = _KNOWN.get((schema.name, names))
    if found is None or found[0] is not schema:
        if len(_KNOWN) >= 1024:
            _KNOWN.clear()
        known = tuple(f for f in names if schema.known_field(f))
        found = _KNOWN[(schema.name, names)] = (schema, None if len(known) == len(names) else known)
    return found[1]


_LINKS: dict[tuple[str, tuple[str, ...]], tuple[EntitySchema, bool]] = {}


def _links_of(schema: EntitySchema, names: tuple[str, ...]) -> bool:
    """Whether any reference or looked-up uniqueness of ``schema`` involves one of the fields ``names`` (what
    ``Batch.check_links`` checks of an edit of them). Worked out once per entity and set of names (an edit of a
    shift's figures involves none); bounded, as field names come from the wire."""
    found = _LINKS.get((schema.name, names))
    if found is None or found[0] is not schema:
        if len(_LINKS) >= 1024:
            _LINKS.clear()
        fields = set(names)
        involved = any(ref.field in fields for ref in schema.references) or any(
            fields.intersection(unique) for unique in _uniques_to_look_up(schema))
        found = _LINKS[(schema.name, names)] = (schema, involved)
    return found[1]


_UNIQUES: dict[str, tuple[tuple[str, ...], ...]] = {}


def _uniques_to_look_up(schema: EntitySchema) -> tuple[tuple[str, ...], ...]:
    """``schema.unique_to_look_up()``, worked out once per entity (asked for every record a push writes)."""
    found = _UNIQUES.get(schema.name)
    if found is None or SCHEMAS.get(schema.name) is not schema:
        found = _UNIQUES[schema.name] = schema.unique_to_look_up()
    return found


def raw_json(obj: Any) -> str:
    """JSON text safe for any database text column (NUL and other controls escaped): compact, keys
    sorted, every character outside printable ASCII escaped. The payload hash of every mutation a
    server ever recorded is over this text, so it must never change by one byte.

    Fast path (issue 13: two of these per pushed mutation): ``orjson`` writes the same bytes for a
    tree of plain dicts, lists, text, integers, booleans and None when its output is printable-ASCII
    JSON (it leaves DEL and non-ASCII unescaped, the standard library escapes them) and every float is
    finite and written in positional notation by both (0, or 1e-4 <= |x| < 1e15; compared on 600,000
    floats); anything else (a huge or tiny float, a lone surrogate, an integer wider than 64 bits,
    another type) takes the standard library (``tests/server/test_push_batch.py`` compares the two)."""
    if _plain(obj):
        try:
            fast = orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # orjson.JSONEncodeError: broken Unicode, a huge integer
            fast = b""
        if fast and fast.isascii() and b"\x7f" not in fast:
            return fast.decode()
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=True, sort_keys=True, default=str)


_PLAIN_SCALARS = frozenset({str, int, bool, type(None)})


def _plain(obj: Any) -> bool:
    """Only exact dicts (text keys), lists, text, integers, booleans, None and floats both libraries
    write alike. One loop per container, the scalars and floats checked in it (issue 13: a call per
    float and a set per dict made this check ~4x the cost of the serialisation it guards)."""
    kind = type(obj)
    if kind in _PLAIN_SCALARS:
        return True
    if kind is float:
        return bool(obj == 0.0 or 1e-4 <= abs(obj) < 1e15)  # NaN and the infinities compare False
    if kind is dict:
        for k, v in obj.items():
            if type(k) is not str:
                return False
            vt = type(v)
            if vt in _PLAIN_SCALARS:
                continue
            if vt is float:
                if not (v == 0.0 or 1e-4 <= abs(v) < 1e15):
                    return False
            elif not _plain(v):
                return False
        return True
    if kind is list:
        for v in obj:
            vt = type(v)
            if vt in _PLAIN_SCALARS:
                continue
            if vt is float:
                if not (v == 0.0 or 1e-4 <= abs(v) < 1e15):
                    return False
            elif not _plain(v):
                return False
        return True
    return False
