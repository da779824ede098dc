"""Dependencies: database session, the calling device (access token) and the admin credential.

Those that only read the request or the app's state are ``async``: FastAPI runs a plain ``def``
dependency on a worker thread, a hand-over each way per dependency per request (issue 13, i13-http6:
under a push applied on another thread, each waited for the interpreter lock). Those that touch the
database stay plain functions, off the event loop."""

from __future__ import annotations

import gzip
import hmac
import json
import zlib
from collections.abc import Callable, Coroutine, Iterator
from typing import Annotated, Any

import orjson
from fastapi import Depends, Header, Request, Response
from fastapi.routing import APIRoute
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from hardtruths_desktop.domain.clock import Clock
from hardtruths_desktop.sync.protocol import (
    HEADER_APP,
    HEADER_PENDING,
    HEADER_PIPELINED,
    HEADER_PROTOCOL,
    HEADER_SCHEMA,
    PROTOCOL_VERSION,
)
from trust_server import auth
from trust_server.bulk import connection_rows
from trust_server.errors import ApiError
from trust_server.models import Device
from trust_server.settings import MIN_ADMIN_TOKEN
from trust_server.sync import ClientHeaders

MAX_BODY = 16 * 1024 * 1024


async def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


EngineDep = Annotated[Engine, Depends(get_engine)]


def get_session(engine: EngineDep) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


async def get_clock(request: Request) -> Clock:
    """The server's one clock (``Settings.clock``, set by ``create_app``)."""
    clock: Clock = request.app.state.clock
    return clock


ClockDep = Annotated[Clock, Depends(get_clock)]


def _bearer(authorization: str | None) -> str:
    token = authorization[7:].strip() if authorization and authorization[:7].lower() == "bearer " else ""
    if not token:  # a blank token never matches anything
        raise ApiError(401, "unauthenticated", "Send 'Authorization: Bearer <token>'", headers={"WWW-Authenticate": "Bearer"})
    return token


def current_device(request: Request, engine: EngineDep, clock: ClockDep, authorization: Annotated[str | None, Header()] = None) -> str:
    """The device id of a valid access token whose device is enrolled and not revoked: revocation
    takes effect at once on every device endpoint, not when the 15-minute token expires."""
    token = _bearer(authorization)
    device_id = auth.read_token(request.app.state.token_secret, token, clock=clock)
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":  # on the driver: SQLAlchemy's select cost ~0.3 ms of CPU a request
            rows = connection_rows(conn, "SELECT revoked_at FROM device WHERE device_id = %s", (device_id,))
            row = rows[0] if rows else None
        else:
            row = conn.execute(select(col(Device.revoked_at)).where(col(Device.device_id) == device_id)).first()
    if row is None:
        raise ApiError(401, "unknown_device", "This server does not know the station: enrol it again")
    if row[0] is not None:
        raise ApiError(403, "device_revoked", "This station's access was revoked: contact IT (its records are kept)")
    return device_id


DeviceDep = Annotated[str, Depends(current_device)]


def require_admin(request: Request, authorization: Annotated[str | None, Header()] = None) -> None:
    token = _bearer(authorization)
    expected = str(request.app.state.admin_token or "")
    if len(expected) < MIN_ADMIN_TOKEN or not hmac.compare_digest(token.encode(), expected.encode()):
        raise ApiError(403, "not_admin", "This needs the server's admin token")


AdminDep = Depends(require_admin)


def check_protocol(value: str | None) -> None:
    """SYNC.md 3.10: the station names the sync protocol it speaks in ``Sync-Protocol``. This server
    speaks every protocol from 1 (older stations in the field keep syncing) up to ``PROTOCOL_VERSION``;
    a newer one is refused with 426 before anything is written,
    so a station of another generation never half-applies a batch (it keeps everything and says so).
    A request without the header is taken as protocol 1 (tools and the first stations)."""
    if value is None:
        return
    text = value.strip()
    if not (text.isdigit() and len(text) <= 4):
        raise ApiError(400, "bad_header", f"{HEADER_PROTOCOL} must be a whole number")
    if not 1 <= int(text) <= PROTOCOL_VERSION:
        raise ApiError(426, "protocol_unsupported",
                       f"This station speaks sync protocol {int(text)}; the trust server speaks 1 to {PROTOCOL_VERSION}. "
                       "Nothing recorded here is lost: ask IT to bring the station and the server to the same release.")


async def client_headers(
    sync_protocol: Annotated[str | None, Header(alias=HEADER_PROTOCOL)] = None,
    client_schema: Annotated[str | None, Header(alias=HEADER_SCHEMA)] = None,
    app_version: Annotated[str | None, Header(alias=HEADER_APP)] = None,
    client_pending: Annotated[str | None, Header(alias=HEADER_PENDING)] = None,
    date: Annotated[str | None, Header()] = None,
    push_pipelined: Annotated[str | None, Header(alias=HEADER_PIPELINED)] = None,
) -> ClientHeaders:
    check_protocol(sync_protocol)
    return ClientHeaders.parse(client_schema, app_version, client_pending, date, sync_protocol, push_pipelined)


ClientHeadersDep = Annotated[ClientHeaders, Depends(client_headers)]


class GzipRequest(Request):
    """A request whose body may be gzip-compressed (``Content-Encoding: gzip``); bounded in size."""

    async def body(self) -> bytes:
        if not hasattr(self, "_body"):
            raw = await super().body()
            if len(raw) > MAX_BODY:
                raise ApiError(413, "too_large", "The request is too large: send a smaller batch")
            if "gzip" in self.headers.getlist("Content-Encoding"):
                try:
                    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
                    raw = d.decompress(raw, MAX_BODY + 1)
                    if len(raw) > MAX_BODY or d.unconsumed_tail:
                        raise ApiError(413, "too_large", "The request is too large once unpacked: send a smaller batch")
                except (zlib.error, gzip.BadGzipFile, EOFError):
                    raise ApiError(400, "bad_gzip", "The request body is not valid gzip") from None
            self._body = raw
        return self._body

    async def json(self) -> Any:
        """The body parsed by ``orjson`` (a 500-change push: ~10 ms less than the standard library),
        unless it holds what orjson reads otherwise or refuses: an integer of 19 digits or more (orjson
        reads one beyond 64 bits as a float), a lone surrogate, an infinite float, another encoding;
        those take the standard library, as before (a mutation's hash is over the values read)."""
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = json.loads(body) if has_long_digits(body) else orjson.loads(body)
            except orjson.JSONDecodeError:
                self._json = json.loads(body)
        return self._json


#: every ASCII digit as "0", every other byte as "."
_DIGITS_AS_ZERO = bytes(0x30 if 0x30 <= b <= 0x39 else 0x2E for b in range(256))
_LONG_RUN = b"0" * 19


def has_long_digits(body: bytes) -> bool:
    """Whether ``body`` holds a run of 19 or more ASCII digits (what ``re.search(rb"[0-9]{19}", body)``
    finds), by one byte translation and a substring search: the regular expression took ~14 ms for a
    500-change push (issue 13, i13-push4), the translation ~0.6 ms."""
    return _LONG_RUN in body.translate(_DIGITS_AS_ZERO)


class GzipRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def gzip_handler(request: Request) -> Response:
            return await handler(GzipRequest(request.scope, request.receive))

        return gzip_handler
