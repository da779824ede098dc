"""Trusts, wards and ward reference data written by the server (admin API and CLI).

Every synced record goes through the same apply path as a device's mutation
(``trust_server.apply.Batch``), authored by the server (device id ``SERVER_DEVICE_ID``, HLC from the
server clock, base = the current tokens so it is a causal successor), so stations pull it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlmodel import Session, select

from hardtruths_desktop.domain import ids
from hardtruths_desktop.domain.clock import Clock, utc_now, wall_ms
from hardtruths_desktop.domain.ids import uuid7
from hardtruths_desktop.domain.validation import (
    MAX_SHORT_TEXT,
    ValidationError,
    check_ward_code,
    clean_text,
    is_valid_unicode,
    printable,
)
from hardtruths_desktop.sync.protocol import schema_of
from trust_server.apply import Author, Batch, Incoming, Outcome, lock_server_clock, raw_json, server_hlc
from trust_server.errors import ApiError
from trust_server.models import (
    SERVER_DEVICE_ID,
    EntityRecord,
    EstablishmentSet,
    RecordPublic,
    RecordWrite,
    RecordWritten,
    ShiftPatternSet,
    StaffCreate,
    Trust,
    Ward,
    WardCreate,
)

DEFAULT_TRUST_CODE = "TRUST"
SERVER_AUTHOR = "server:admin"


def server_batch(session: Session, clock: Clock) -> Batch:
    """A batch written as the server, its transaction's first lock ``server_meta``'s row (the server's HLC:
    ``apply.lock_server_clock``), taken before the batch locks any record."""
    lock_server_clock(session)
    return Batch(session, Author(SERVER_DEVICE_ID, None), utc_now(clock))


def write_record(session: Session, entity: str, entity_id: str, values: Mapping[str, Any], recorded_by: str = SERVER_AUTHOR, *,
                 clock: Clock) -> Outcome:
    """Create or patch one record as the server (as of ``clock``, the server's); raises ValidationError when it is refused."""
    batch = server_batch(session, clock)
    batch.load([(entity, entity_id)])
    current = batch.records.get((entity, entity_id))
    if current is not None:
        values = {k: v for k, v in values.items() if current.data.get(k) != v or k not in current.data}
        if not values:
            return Outcome("", "applied", key=(entity, entity_id), server_seq=current.last_seq)
    base = {f: str(current.meta[f]["tok"]) for f in values if current is not None and f in current.meta}
    mid = uuid7()
    op = "patch" if current is not None else "create"
    hlc = server_hlc(wall_ms(clock), session)
    raw = raw_json({"mutation_id": mid, "entity": entity, "entity_id": entity_id, "op": op, "payload": dict(values),
                    "base": base, "hlc": hlc, "recorded_by": recorded_by})
    outcome = batch.apply(Incoming(mid, entity, entity_id, op, values, base, hlc, recorded_by, raw))
    if outcome.status != "applied":
        raise ValidationError.single("record", outcome.error or "refused")
    batch.finish()
    return outcome


def trust_id(code: str) -> str:
    return ids.ward_id("TRUST/" + code)  # the station's rule (store.reference.upsert_trust)


def create_trust(session: Session, code: str, name: str, *, clock: Clock) -> Trust:
    """Create or rename THE trust of this database: one database serves one trust (docs/SECURITY.md),
    so a second trust code is refused."""
    code = check_ward_code(code, "trust_code")
    name = clean_text(name, "Trust name", "trust_name", MAX_SHORT_TEXT, required=True)
    tid = trust_id(code)
    other = session.exec(select(Trust).where(Trust.id != tid)).first()
    if other is not None:
        raise ApiError(409, "one_trust_per_database", f"This server's database belongs to trust {other.code}: each trust "
                       "has its own database, its own server and its own admin token")
    write_record(session, "trust", tid, {"code": code, "name": name}, clock=clock)  # its typed row follows (Batch.finish)
    row = session.get(Trust, tid)
    assert row is not None
    return row


def find_trust(session: Session, code: str | None, *, clock: Clock) -> Trust:
    if code:
        row = session.exec(select(Trust).where(Trust.code == check_ward_code(code, "trust"))).first()
        if row is None:
            raise ValidationError.single("trust", f"There is no trust '{code[:20]}' on this server")
        return row
    first = session.exec(select(Trust).order_by(Trust.code)).first()
    return first if first is not None else create_trust(session, DEFAULT_TRUST_CODE, "NHS Trust", clock=clock)


def create_ward(session: Session, w: WardCreate, *, clock: Clock) -> Ward:
    code = check_ward_code(w.code, "code")
    trust = find_trust(session, w.trust_code, clock=clock)
    values: dict[str, Any] = {
        "name": clean_text(w.name, "Ward name", "name", MAX_SHORT_TEXT, required=True),
        "site": clean_text(w.site, "Site", "site", MAX_SHORT_TEXT),
        "specialty": clean_text(w.specialty, "Specialty", "specialty", MAX_SHORT_TEXT),
    }
    wid = ids.ward_id(code)
    current = session.get(Ward, wid)
    owner = current.trust_id if current is not None else trust.id  # a ward stays with its trust
    write_record(session, "ward", wid, {"trust_id": owner, "code": code, **values, "beds": w.beds}, clock=clock)  # typed row follows
    row = session.get(Ward, wid)
    assert row is not None
    return row


def ward_by_code(session: Session, code: str) -> Ward:
    c = check_ward_code(code, "ward")
    row = session.get(Ward, ids.ward_id(c))
    if row is None:
        known = ", ".join(w.code for w in session.exec(select(Ward).order_by(Ward.code)).all()) or "none yet"
        raise ValidationError.single("ward", f"There is no ward '{c}' on this server (wards: {known})")
    return row


def add_staff(session: Session, ward: Ward, s: StaffCreate, *, clock: Clock) -> tuple[str, Outcome]:
    sid = uuid7()
    return sid, write_record(session, "staff", sid, {"ward_id": ward.id, "name": s.name, "role": s.role, "title": s.title,
                                                      "is_manager": s.is_manager, "active": s.active}, clock=clock)


def set_shift_pattern(session: Session, ward: Ward, p: ShiftPatternSet, *, clock: Clock) -> tuple[str, Outcome]:
    code = p.code.strip().lower()
    pid = ids.pattern_id(ward.id, code)
    return pid, write_record(session, "shift_pattern", pid, {
        "ward_id": ward.id, "code": code, "name": p.name, "start_time": p.start_time, "end_time": p.end_time,
        "period": p.period, "sort_order": p.sort_order, "active": p.active}, clock=clock)


def set_establishment(session: Session, ward: Ward, e: EstablishmentSet, *, clock: Clock) -> tuple[str, Outcome]:
    try:
        day = date.fromisoformat(e.effective_from)
    except ValueError:
        raise ValidationError.single("effective_from", "effective_from must be a real date (YYYY-MM-DD)") from None
    code = e.shift_code.strip().lower()
    eid = ids.establishment_id(ward.id, code, e.staff_group, day)
    return eid, write_record(session, "establishment", eid, {
        "ward_id": ward.id, "shift_code": code, "staff_group": e.staff_group, "effective_from": day.isoformat(),
        "planned_heads": e.planned_heads, "planned_hours": e.planned_hours}, clock=clock)


def ward_has_setup(session: Session, ward_id: str) -> bool:
    """Whether the ward has a shift pattern or staff list on the server yet."""
    row = session.exec(select(EntityRecord.id).where(
        EntityRecord.ward_id == ward_id, EntityRecord.deleted == False,  # noqa: E712
        EntityRecord.entity.in_(("shift_pattern", "staff")),  # type: ignore[attr-defined]
    ).limit(1)).first()
    return row is not None


# --- trust IT: any record, written, listed or voided as the trust (SYNC.md decision 9) --------------

def write_records(session: Session, writes: list[RecordWrite], recorded_by: str = SERVER_AUTHOR, *,
                  clock: Clock) -> list[RecordWritten]:
    """Create or patch records as the trust (trust-wide ones included), one verdict per record:
    a refused record is answered ``rejected`` with the reason and the others still apply."""
    batch = server_batch(session, clock)
    outcomes: list[tuple[RecordWrite, str, Outcome]] = []
    named: list[tuple[RecordWrite, str, str | None]] = []  # each write's record id, or why it names none
    for w in writes:
        entity_id = w.id.lower()
        try:
            schema_of(w.entity)
            named.append((w, str(uuid.UUID(entity_id)), None))  # in its usual form, as stations store it
        except (ValidationError, ValueError) as e:  # before any query: no such entity, or not an id
            named.append((w, printable(entity_id, 36), printable(str(e) or "not a record id")))
    # the records locked in one sorted load, as a push locks its records (no deadlock with one)
    batch.load([(w.entity, rid) for w, rid, error in named if error is None])
    for w, entity_id, error in named:
        if error is not None:
            outcomes.append((w, entity_id, Outcome("", "rejected", error=error)))
            continue
        current = batch.records.get((w.entity, entity_id))
        values = dict(w.values)
        base = {f: str(current.meta[f]["tok"]) for f in values if current is not None and f in current.meta}
        mid, hlc = uuid7(), server_hlc(wall_ms(clock), session)
        op = "patch" if current is not None else "create"
        raw = raw_json({"mutation_id": mid, "entity": w.entity, "entity_id": entity_id, "op": op, "payload": values,
                        "base": base, "hlc": hlc, "recorded_by": recorded_by})
        outcomes.append((w, entity_id, batch.apply(Incoming(mid, w.entity, entity_id, op, values, base, hlc, recorded_by, raw))))
    batch.finish()  # stamps each applied outcome with its server_seq
    return [RecordWritten(entity=w.entity, id=rid, status=o.status, error=o.error, server_seq=o.server_seq)
            for w, rid, o in outcomes]


def list_records(session: Session, ward_code: str | None, entity: str | None, include_void: bool = True) -> list[RecordPublic]:
    """A ward's records (or the trust-wide ones: ``ward_code`` None), as the server holds them."""
    if entity is not None:
        schema_of(entity)  # refuses an entity nobody registered, in words
    q = select(EntityRecord)
    ward_id = ward_by_code(session, ward_code).id if ward_code else None
    q = q.where(EntityRecord.ward_id == ward_id) if ward_id else q.where(EntityRecord.ward_id == None)  # noqa: E711
    if entity:
        q = q.where(EntityRecord.entity == entity)
    if not include_void:
        q = q.where(EntityRecord.deleted == False)  # noqa: E712
    q = q.order_by(EntityRecord.entity, EntityRecord.id)
    return [RecordPublic(entity=r.entity, id=r.id, ward_code=ward_code.strip().upper() if ward_code else None,
                         deleted=r.deleted, needs_review=r.needs_review, last_seq=r.last_seq,
                         data={k: safe_value(v) for k, v in (r.data or {}).items()}) for r in session.exec(q).all()]


def safe_value(value: Any) -> Any:
    """A stored value made printable (a record stored before the schema checks may hold broken text)."""
    if isinstance(value, str):
        return value if is_valid_unicode(value) else printable(value, len(value))
    if isinstance(value, list):
        return [safe_value(v) for v in value]
    if isinstance(value, dict):
        return {printable(str(k), 80): safe_value(v) for k, v in value.items()}
    return value


def void_record(session: Session, record_id: str, reason: str, entity: str | None = None,
                recorded_by: str = SERVER_AUTHOR, *, clock: Clock) -> RecordWritten:
    """Trust IT voids a record: an audited tombstone every station applies (``Batch.void``)."""
    reason = clean_text(reason, "The reason", "reason", MAX_SHORT_TEXT, required=True)
    if entity is not None:
        schema_of(entity)
    try:  # IT may type it in any form a UUID is written in: the record is found by its usual form
        rid = str(uuid.UUID(record_id.strip()))
    except ValueError:
        raise ValidationError.single("record", f"'{printable(record_id.strip(), 40)}' is not a record id") from None
    q = select(EntityRecord.entity).where(EntityRecord.id == rid)
    if entity:
        q = q.where(EntityRecord.entity == entity)
    found = list(session.exec(q).all())
    if not found:
        raise ValidationError.single("record", f"There is no record {printable(rid, 40)} on this server")
    if len(found) > 1:
        raise ValidationError.single("entity", f"Several records have the id {rid} ({', '.join(sorted(found))}): say which with --entity")
    batch = server_batch(session, clock)
    o = batch.void(found[0], rid, reason, recorded_by)
    batch.finish()
    return RecordWritten(entity=found[0], id=rid, status="applied", server_seq=o.server_seq)
