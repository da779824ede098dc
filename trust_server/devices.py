"""Enrolment codes, device enrolment, access tokens, revocation, the device list and the
restore runbook's new epoch (SYNC.md 3.9, 3.11)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from hardtruths_desktop.domain.clock import Clock
from hardtruths_desktop.sync.protocol import EnrolRequest, EnrolResponse, TokenRequest, TokenResponse
from trust_server import auth
from trust_server.db import server_meta
from trust_server.errors import ApiError
from trust_server.models import Device, DevicePublic, EnrolmentCode, EnrolmentCodePublic, ServerMeta, Ward
from trust_server.reference import ward_by_code, ward_has_setup
from trust_server.sync import iso


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)  # SQLite returns naive UTC


def new_enrolment_code(session: Session, secret: str, ward_code: str, now: datetime) -> EnrolmentCodePublic:
    ward = ward_by_code(session, ward_code)
    code = auth.new_code()
    expires = now + timedelta(seconds=auth.CODE_TTL_S)
    session.add(EnrolmentCode(code_hash=auth.hash_code(secret, code), ward_id=ward.id, created_at=now,
                              expires_at=expires))
    return EnrolmentCodePublic(code=code, ward_code=ward.code, expires_at=iso(expires))


def enrol(session: Session, secret: str, req: EnrolRequest, now: datetime) -> EnrolResponse:
    meta = server_meta(session)
    code_hash = auth.hash_code(secret, req.code)
    q = select(EnrolmentCode).where(col(EnrolmentCode.code_hash) == code_hash)
    if session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update()
    row = session.exec(q).first()
    if row is None:
        raise ApiError(403, "enrolment_code_invalid", "That enrolment code is not valid: ask IT for a new one")
    if row.used_at is not None:
        raise ApiError(403, "enrolment_code_used", "That enrolment code has already been used: ask IT for a new one")
    if _aware(row.expires_at) < now:
        raise ApiError(403, "enrolment_code_expired", "That enrolment code has expired: ask IT for a new one")
    ward = session.get(Ward, row.ward_id)
    if ward is None:  # pragma: no cover - foreign key
        raise ApiError(403, "enrolment_code_invalid", "That enrolment code's ward no longer exists")
    if req.ward_code is not None and req.ward_code.strip().upper() != ward.code:
        raise ApiError(409, "ward_mismatch", f"That enrolment code is for ward {ward.code}, not {(req.ward_code or '').strip()[:16]}")
    try:
        uuid.UUID(req.device_incarnation)
    except ValueError:
        raise ApiError(422, "invalid_request", "device_incarnation must be a UUID") from None
    secret = auth.new_secret()
    device = Device(
        device_id=str(uuid.uuid4()), ward_id=ward.id, secret_hash=auth.hash_secret(secret),
        incarnation=req.device_incarnation.lower(), name=req.device_name.replace("\x00", "")[:80],
        last_client_seq=max(req.start_seq - 1, 0), enrolled_at=now, last_seen_at=now,
        app_version=req.app_version.replace("\x00", "") or None, schema_version=req.schema_version,
    )
    session.add(device)
    row.used_at = now
    row.device_id = device.device_id
    session.add(row)
    return EnrolResponse(device_id=device.device_id, device_secret=secret, ward_id=ward.id, ward_code=ward.code,
                         server_epoch=meta.epoch, ward_has_setup=ward_has_setup(session, ward.id))


def issue_token(session: Session, secret: str, req: TokenRequest, *, clock: Clock) -> TokenResponse:
    device = session.get(Device, req.device_id[:36])
    if device is None:
        raise ApiError(401, "unknown_device", "This server does not know the station: enrol it again")
    if not auth.secret_matches(req.device_secret, device.secret_hash):
        raise ApiError(401, "invalid_credentials", "The station's secret is not right: enrol it again")
    if device.revoked_at is not None:
        raise ApiError(403, "device_revoked", "This station's access was revoked: contact IT (its records are kept)")
    return TokenResponse(access_token=auth.make_token(secret, device.device_id, clock=clock), expires_in=auth.TOKEN_TTL_S)


def revoke(session: Session, device_id: str, now: datetime) -> Device:
    device = session.get(Device, device_id.strip().lower()[:36])
    if device is None:
        raise ApiError(404, "not_found", f"There is no device {device_id.strip()[:36]} on this server")
    if device.revoked_at is None:
        device.revoked_at = now
        session.add(device)
    return device


def list_devices(session: Session) -> list[DevicePublic]:
    wards = {w.id: w.code for w in session.exec(select(Ward)).all()}
    out = []
    for d in session.exec(select(Device).order_by(col(Device.enrolled_at))).all():
        out.append(DevicePublic(
            device_id=d.device_id, ward_code=wards.get(d.ward_id, "?"), name=d.name,
            enrolled_at=iso(_aware(d.enrolled_at)) if d.enrolled_at else None,
            last_sync=iso(_aware(d.last_seen_at)) if d.last_seen_at else None,
            last_client_seq=d.last_client_seq, last_pull_seq=d.last_pull_seq, pending_reported=d.pending_reported,
            oldest_pending_s=d.oldest_pending_s, app_version=d.app_version, schema_version=d.schema_version,
            clock_offset_ms=d.clock_offset_ms, revoked=d.revoked_at is not None,
        ))
    return out


def new_epoch(session: Session) -> str:
    """The restore runbook step: a new epoch makes every station re-push what it retains and re-pull."""
    epoch = str(uuid.uuid4())
    session.execute(update(ServerMeta).where(col(ServerMeta.id) == 1).values(epoch=epoch))
    return epoch
