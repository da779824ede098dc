"""Enrolment (one-time code -> device secret), access tokens, revocation."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request

from hardtruths_desktop.domain.clock import utc_now
from hardtruths_desktop.sync.protocol import EnrolRequest, EnrolResponse, ErrorBody, TokenRequest, TokenResponse
from trust_server import devices
from trust_server.api.deps import AdminDep, ClockDep, SessionDep
from trust_server.errors import ApiError
from trust_server.middleware import FailureLimiter
from trust_server.models import DevicePublic

log = logging.getLogger("trust_server.enrolment")
router = APIRouter(tags=["devices"])
ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorBody} for code in (401, 403, 404, 409, 413, 422, 429)}


def _shown(text: str | None) -> str:
    if text is None:
        return "(the code's)"
    return "".join(ch if ch.isalnum() or ch in "-_ " else "?" for ch in text[:16])


@router.post("/v1/enrol", responses=ERRORS)
def enrol(req: EnrolRequest, session: SessionDep, request: Request, clock: ClockDep) -> EnrolResponse:
    """Enrol a station with a one-time code from ``hardtruths-server admin enrolment-code``.
    Failed attempts are limited per client address (429 + ``Retry-After``); every attempt is logged."""
    address = request.client.host if request.client else "unknown"
    limiter: FailureLimiter = request.app.state.enrol_limiter
    wait = limiter.retry_after(address)
    if wait is not None:
        log.warning("enrolment from %s for ward %s refused: too many failed attempts", address, _shown(req.ward_code))
        raise ApiError(429, "too_many_attempts", f"Too many enrolment attempts from this address: try again in {wait} s",
                       headers={"Retry-After": str(wait)})
    try:
        with session.begin():
            out = devices.enrol(session, request.app.state.token_secret, req, utc_now(clock))
    except ApiError as e:
        limiter.failed(address)
        log.warning("enrolment from %s for ward %s failed: %s", address, _shown(req.ward_code), e.error)
        raise
    log.info("enrolment from %s for ward %s: device %s", address, out.ward_code, out.device_id)
    return out


@router.post("/v1/token", responses=ERRORS)
def token(req: TokenRequest, session: SessionDep, request: Request, clock: ClockDep) -> TokenResponse:
    """Exchange the device secret for a 15-minute access token."""
    with session.begin():
        return devices.issue_token(session, request.app.state.token_secret, req, clock=clock)


@router.post("/v1/devices/{device_id}/revoke", responses=ERRORS, dependencies=[AdminDep])
def revoke(device_id: str, session: SessionDep, clock: ClockDep) -> DevicePublic:
    with session.begin():
        d = devices.revoke(session, device_id, utc_now(clock))
        device_id = d.device_id
    return next(p for p in devices.list_devices(session) if p.device_id == device_id)
