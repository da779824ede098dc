"""``/v1/sync/*``: meta, push, pull (SYNC.md 3.4, 3.5, 3.10)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from hardtruths_desktop.domain.clock import utc_now
from hardtruths_desktop.sync.protocol import (
    HEADER_PIPELINE,
    ErrorBody,
    GapRequest,
    GapResponse,
    MetaResponse,
    PullResponse,
    PushRequest,
    PushResponse,
)
from trust_server import gaps, sync
from trust_server.api.deps import ClientHeadersDep, ClockDep, DeviceDep, EngineDep, GzipRoute, SessionDep
from trust_server.errors import ApiError
from trust_server.responses import AsciiJSONResponse

router = APIRouter(prefix="/v1/sync", tags=["sync"], route_class=GzipRoute)
ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorBody} for code in (400, 401, 403, 409, 410, 413, 422, 426)}


@router.get("/meta", responses=ERRORS)
def meta(session: SessionDep, device_id: DeviceDep, clock: ClockDep) -> MetaResponse:
    return sync.meta_response(session, clock=clock)


def _compact(resp: PushResponse | PullResponse | sync.EncodedPage, headers: sync.ClientHeaders) -> Any:
    """Protocol 2 stations get the answer without fields at their default (they read them back as
    the defaults): an empty ``effective``, ``flags`` or ``field_meta`` costs bytes per record. A page
    the database encoded goes out as it is."""
    if isinstance(resp, sync.EncodedPage):
        return Response(content=resp.body, media_type="application/json")
    if headers.protocol < 2:
        return resp
    return AsciiJSONResponse(resp.model_dump(exclude_defaults=True))


@router.post("/push", responses=ERRORS, response_model=PushResponse)
async def push(req: PushRequest, device_id: DeviceDep, engine: EngineDep, headers: ClientHeadersDep, clock: ClockDep,
               response: Response, request: Request) -> Any:
    """Apply a batch of one station's mutations in client_seq order; one verdict per item. The answer says
    ``Push-Pipeline: 1``: this server takes a station's next push while this one is applied
    (``protocol.HEADER_PIPELINE``). Checked and applied in worker threads; a push sent ahead waits for the one
    before it on the event loop, holding no thread (``sync.push_awaiting_turn``)."""
    plain = headers.protocol >= 2  # written as plain JSON values, not a model per verdict then its dump (issue 13)
    answer = await sync.push_awaiting_turn(engine, device_id, req, headers, clock=clock, turns=request.app.state.push_turns,
                                           answer=AsciiJSONResponse if plain else _as_is, plain=plain)
    (answer if isinstance(answer, Response) else response).headers[HEADER_PIPELINE] = "1"
    return answer


def _as_is(answer: Any) -> Any:
    return answer


@router.get("/pull", responses=ERRORS, response_model=PullResponse)
def pull(
    device_id: DeviceDep,
    engine: EngineDep,
    headers: ClientHeadersDep,
    clock: ClockDep,
    since: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=sync.MAX_PULL)] = 500,
    epoch: Annotated[str | None, Query(max_length=36)] = None,
    applied: Annotated[int | None, Query(ge=0, le=2**62)] = None,
) -> Any:
    """Changes to this station's ward and trust-wide records after ``since``, as current state.
    ``applied``: the cursor the station has applied, when it asks for a page ahead (``since`` is then
    the end of a page it has not applied yet); older servers ignore it."""
    if since < 0:  # pragma: no cover - Query(ge=0)
        raise ApiError(422, "invalid_request", "since must be 0 or more")
    return _compact(sync.pull(engine, device_id, since, limit, epoch, headers, applied=applied, clock=clock), headers)


@router.post("/gap", responses=ERRORS)
def declare_gap(req: GapRequest, device_id: DeviceDep, engine: EngineDep, headers: ClientHeadersDep, clock: ClockDep) -> GapResponse:
    """The station cannot send ``from_seq``..``to_seq`` (pruned before a server restore): recorded for IT
    (``admin gaps``) and the station's sequence moves past it (SYNC.md 3.9)."""
    return gaps.declare(engine, device_id, req, utc_now(clock))
