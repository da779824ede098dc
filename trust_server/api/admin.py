"""``/v1/admin/*``: trusts, wards, reference data, enrolment codes, devices (admin token)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from hardtruths_desktop.domain.clock import utc_now
from hardtruths_desktop.domain.validation import parse_as_of, parse_month
from hardtruths_desktop.sync.protocol import ErrorBody, ShiftSummary, StaffingReturn
from trust_server import devices, gaps, reference, staffing
from trust_server.api.deps import AdminDep, ClockDep, SessionDep
from trust_server.models import (
    DevicePublic,
    EnrolmentCodePublic,
    EstablishmentSet,
    GapPublic,
    RecordPublic,
    RecordWrites,
    RecordWritten,
    ShiftPatternSet,
    StaffCreate,
    TrustCreate,
    VoidRequest,
    WardCreate,
    WardPublic,
)

router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[AdminDep])
ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorBody} for code in (401, 403, 404, 422)}
WardCode = Annotated[str, Query(min_length=1, max_length=16)]


def _written(entity: str, rid: str, seq: int | None) -> RecordWritten:
    return RecordWritten(entity=entity, id=rid, status="applied", server_seq=seq)


@router.post("/trusts", responses=ERRORS)
def create_trust(body: TrustCreate, session: SessionDep, clock: ClockDep) -> RecordWritten:
    with session.begin():
        t = reference.create_trust(session, body.code, body.name, clock=clock)
        return _written("trust", t.id, None)


@router.post("/wards", responses=ERRORS)
def create_ward(body: WardCreate, session: SessionDep, clock: ClockDep) -> WardPublic:
    with session.begin():
        w = reference.create_ward(session, body, clock=clock)
        return WardPublic(id=w.id, code=w.code, name=w.name, site=w.site, specialty=w.specialty, trust_id=w.trust_id)


@router.post("/wards/{ward_code}/staff", responses=ERRORS)
def add_staff(ward_code: str, body: StaffCreate, session: SessionDep, clock: ClockDep) -> RecordWritten:
    with session.begin():
        sid, o = reference.add_staff(session, reference.ward_by_code(session, ward_code), body, clock=clock)
        return _written("staff", sid, o.server_seq)


@router.put("/wards/{ward_code}/shift-pattern", responses=ERRORS)
def set_shift_pattern(ward_code: str, body: ShiftPatternSet, session: SessionDep, clock: ClockDep) -> RecordWritten:
    with session.begin():
        pid, o = reference.set_shift_pattern(session, reference.ward_by_code(session, ward_code), body, clock=clock)
        return _written("shift_pattern", pid, o.server_seq)


@router.put("/wards/{ward_code}/establishment", responses=ERRORS)
def set_establishment(ward_code: str, body: EstablishmentSet, session: SessionDep, clock: ClockDep) -> RecordWritten:
    with session.begin():
        eid, o = reference.set_establishment(session, reference.ward_by_code(session, ward_code), body, clock=clock)
        return _written("establishment", eid, o.server_seq)


@router.post("/wards/{ward_code}/enrolment-codes", responses=ERRORS)
def enrolment_code(ward_code: str, session: SessionDep, request: Request, clock: ClockDep) -> EnrolmentCodePublic:
    with session.begin():
        return devices.new_enrolment_code(session, request.app.state.token_secret, ward_code, utc_now(clock))


@router.get("/wards/{ward_code}/staffing", responses=ERRORS)
def ward_staffing(ward_code: str, month: Annotated[str, Query(max_length=7)], session: SessionDep) -> list[ShiftSummary]:
    """The ward's merged shifts for a month, shaped like the station's ``staffing show --json``."""
    y, m = parse_month(month)
    return staffing.month_shifts(session, reference.ward_by_code(session, ward_code), y, m)


@router.get("/wards/{ward_code}/staffing-return", responses=ERRORS)
def ward_staffing_return(ward_code: str, month: Annotated[str, Query(max_length=7)], session: SessionDep, clock: ClockDep,
                         as_of: Annotated[str | None, Query(max_length=40)] = None) -> StaffingReturn:
    """The ward's monthly staffing return (the station's CSV row, computed from the merged records),
    with what it does not cover; ``as_of`` (ISO time with offset) judges what is missing as of then."""
    y, m = parse_month(month)
    now = parse_as_of(as_of) if as_of else utc_now(clock)
    return staffing.month_return(session, reference.ward_by_code(session, ward_code), y, m, now)


@router.get("/devices", responses=ERRORS)
def list_devices(session: SessionDep) -> list[DevicePublic]:
    return devices.list_devices(session)


@router.get("/gaps", responses=ERRORS)
def list_gaps(session: SessionDep) -> list[GapPublic]:
    """Changes stations declared they can no longer send (SYNC.md 3.9): incidents for IT and clinical safety."""
    return gaps.list_gaps(session)


@router.get("/records", responses=ERRORS)
def list_records(session: SessionDep, ward: Annotated[str | None, Query(max_length=16, pattern=r"^[A-Za-z0-9_-]+$")] = None,
                 entity: Annotated[str | None, Query(max_length=40, pattern=r"^[a-z][a-z_]*$")] = None) -> list[RecordPublic]:
    """A ward's records as the server holds them (no ``ward``: the trust-wide ones)."""
    return reference.list_records(session, ward, entity)


@router.post("/records", responses=ERRORS)
def write_records(body: RecordWrites, session: SessionDep, clock: ClockDep) -> list[RecordWritten]:
    """Create or patch records as the trust (trust-wide ones included): one verdict per record."""
    with session.begin():
        return reference.write_records(session, body.records, clock=clock)


@router.post("/records/{record_id}/void", responses=ERRORS)
def void_record(record_id: Annotated[str, Path(pattern=r"^[0-9a-fA-F-]{36}$")], body: VoidRequest, session: SessionDep, clock: ClockDep,
                entity: Annotated[str | None, Query(max_length=40, pattern=r"^[a-z][a-z_]*$")] = None) -> RecordWritten:
    """Void a record: an audited tombstone every station applies; refused while live records refer to it."""
    with session.begin():
        return reference.void_record(session, record_id, body.reason, entity, clock=clock)
