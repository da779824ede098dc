"""Declared gaps (SYNC.md 3.9): changes a station can no longer send, recorded instead of stalling.

When the server is restored from a backup older than a station's retention window (30 days of
acknowledged changes), it asks for a ``client_seq`` the station has already pruned. The station then
declares the range it cannot send; the server records it as an incident for IT and clinical safety
(``hardtruths-server admin gaps``), moves the station's sequence past it, and sync carries on. The
possible loss is visible, never silent, and one station's missing history never stops its later
changes from arriving.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from hardtruths_desktop.sync.protocol import GapRequest, GapResponse
from trust_server.errors import ApiError
from trust_server.models import DeclaredGap, GapPublic, Ward
from trust_server.sync import busy, iso, lock_device


def declare(engine: Engine, device_id: str, req: GapRequest, now: datetime) -> GapResponse:
    if req.device_id != device_id:
        raise ApiError(403, "wrong_device", "The gap names a different device from the access token")
    if req.to_seq < req.from_seq:
        raise ApiError(422, "invalid_request", "to_seq must be at least from_seq")
    try:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            return _declare_tx(session, device_id, req, now)
    except DBAPIError:
        raise busy() from None


def _declare_tx(session: Session, device_id: str, req: GapRequest, now: datetime) -> GapResponse:
    device = lock_device(session, device_id)
    same = session.execute(select(DeclaredGap).where(col(DeclaredGap.device_id) == device_id,
                                                     col(DeclaredGap.from_seq) == req.from_seq)).scalar_one_or_none()
    if same is not None:  # the answer to a declaration already recorded (its reply was lost)
        if same.to_seq != req.to_seq:
            raise ApiError(409, "gap_conflict", f"A different gap from {req.from_seq} was already declared")
        assert same.id is not None
        return GapResponse(device_last_client_seq=device.last_client_seq, gap_id=same.id)
    expected = device.last_client_seq + 1
    if req.from_seq != expected:
        raise ApiError(409, "expected_seq", f"The server expects client_seq {expected} next", expected_seq=expected)
    gap = DeclaredGap(device_id=device_id, ward_id=device.ward_id, from_seq=req.from_seq, to_seq=req.to_seq,
                      oldest_retained_wall_time=req.oldest_retained_wall_time, declared_at=now)
    session.add(gap)
    device.last_client_seq = req.to_seq
    session.flush()
    assert gap.id is not None
    return GapResponse(device_last_client_seq=req.to_seq, gap_id=gap.id)


def list_gaps(session: Session) -> list[GapPublic]:
    wards = {w.id: w.code for w in session.exec(select(Ward)).all()}
    out = []
    for g in session.exec(select(DeclaredGap).order_by(col(DeclaredGap.declared_at))).all():
        at = g.declared_at if g.declared_at.tzinfo else g.declared_at.replace(tzinfo=UTC)
        assert g.id is not None
        out.append(GapPublic(id=g.id, device_id=g.device_id, ward_code=wards.get(g.ward_id, "?"), from_seq=g.from_seq,
                             to_seq=g.to_seq, changes=g.to_seq - g.from_seq + 1,
                             oldest_retained_wall_time=g.oldest_retained_wall_time, declared_at=iso(at)))
    return out


__all__ = ["declare", "list_gaps"]
