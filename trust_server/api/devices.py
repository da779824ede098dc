"""Enrolment (one-time code -> device secret), access tokens, revocation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from hardtruths_desktop.sync.protocol import EnrolRequest, EnrolResponse, ErrorBody, TokenRequest, TokenResponse
from trust_server import devices
from trust_server.api.deps import AdminDep, SessionDep
from trust_server.models import DevicePublic

router = APIRouter(tags=["devices"])
ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorBody} for code in (401, 403, 404, 409, 422)}


@router.post("/v1/enrol", responses=ERRORS)
def enrol(req: EnrolRequest, session: SessionDep) -> EnrolResponse:
    """Enrol a station with a one-time code from ``hardtruths-server admin enrolment-code``."""
    with session.begin():
        return devices.enrol(session, req)


@router.post("/v1/token", responses=ERRORS)
def token(req: TokenRequest, session: SessionDep) -> TokenResponse:
    """Exchange the device secret for a 15-minute access token."""
    with session.begin():
        return devices.issue_token(session, req)


@router.post("/v1/devices/{device_id}/revoke", responses=ERRORS, dependencies=[AdminDep])
def revoke(device_id: str, session: SessionDep) -> DevicePublic:
    with session.begin():
        d = devices.revoke(session, device_id)
        device_id = d.device_id
    return next(p for p in devices.list_devices(session) if p.device_id == device_id)
