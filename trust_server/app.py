"""The FastAPI application: ``create_app(settings)`` migrates the database, then serves.

Middleware (outermost first): ``ScrubbedErrors`` (an unexpected error is answered 500/503 and
logged without its message), then ``BodyLimit`` (bodies counted while they stream, before any
credential is checked against the database); see ``trust_server.middleware``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, text
from starlette.exceptions import HTTPException as StarletteHTTPException

from hardtruths_desktop.domain.clock import iso_utc
from hardtruths_desktop.domain.validation import ValidationError
from trust_server import reclaim, record_ids
from trust_server.api import admin, devices, sync
from trust_server.db import make_engine, prepare
from trust_server.errors import ApiError
from trust_server.middleware import BodyLimit, FailureLimiter, ScrubbedErrors
from trust_server.push_turns import PushTurns
from trust_server.responses import AsciiJSONResponse
from trust_server.settings import ENV_PINNED_CLOCK, Settings

log = logging.getLogger(__name__)


def _error(status: int, error: str, message: str, headers: Mapping[str, str] | None = None, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"error": error, "message": message}
    body.update({k: v for k, v in extra.items() if v is not None})
    return AsciiJSONResponse(body, status_code=status, headers=headers)


def create_app(settings: Settings, engine: Engine | None = None) -> FastAPI:
    admin_token = settings.admin_token()  # refuses the start when empty or short
    engine = engine or make_engine(settings.database_url)
    token_secret = prepare(engine, settings)
    app = FastAPI(title="Hard Truths trust server", version="1", summary="Ward stations sync here (SYNC.md)",
                  default_response_class=AsciiJSONResponse)
    app.state.engine = engine
    app.state.admin_token = admin_token
    app.state.token_secret = token_secret
    app.state.enrol_limiter = FailureLimiter(settings.enrol_max_failures, settings.enrol_window_s)
    #: the server's one clock (``Settings.clock``): every "now" of a request asks it (``deps.ClockDep``)
    app.state.clock = settings.clock
    app.state.push_turns = PushTurns()  # each station's pushes in this process take turns (sync.push)
    reclaim.configure(engine, settings.reclaim_every)  # a burst of edits reuses the space it frees (PostgreSQL)
    if settings.clock_is_pinned:
        log.warning("THE SERVER'S CLOCK IS PINNED at %s (%s): it never sees time pass, so shift dates, clocks, "
                    "tokens and retention are judged as of that moment. For test and benchmark servers only: unset "
                    "it on a ward's server.", iso_utc(settings.clock.now()), ENV_PINNED_CLOCK)
    with engine.connect() as conn:  # records migration 0018 set aside: said at every start and on /health
        aside = len(record_ids.set_aside(conn))
    if aside:
        log.warning("%d RECORD(S) WERE SET ASIDE by migration 0018 (an id in no UUID form whose usual form another "
                    "record holds): they are in no pull, list or return. 'hardtruths-server admin settle-record-ids' "
                    "lists them; they are kept whole in the table record_set_aside.", aside)
    app.add_middleware(BodyLimit, token_secret=lambda: str(app.state.token_secret),
                       admin_token=lambda: str(app.state.admin_token), clock=settings.clock)
    # answers gzip-compressed for clients that accept it (stations do: push answers and pull pages are
    # mostly repeated keys); level 5: most of level 9's saving at a fraction of its CPU
    app.add_middleware(GZipMiddleware, minimum_size=800, compresslevel=5)
    app.add_middleware(ScrubbedErrors)

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.error, exc.message, exc.headers, expected_seq=exc.expected_seq,
                      upload_allowed=exc.upload_allowed)

    @app.exception_handler(ValidationError)
    async def domain_error(_request: Request, exc: ValidationError) -> JSONResponse:
        return _error(422, "invalid_request", str(exc))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        error = "batch_malformed" if request.url.path.endswith("/sync/push") else "invalid_request"
        return _error(422, error, f"{where}: {first.get('msg', 'invalid')}"[:500])

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, "http_error", str(exc.detail), getattr(exc, "headers", None))

    @app.get("/health", tags=["health"], response_model=None, responses={200: {"description": "database answers"},
                                                                          503: {"description": "database unavailable"}})
    def health() -> JSONResponse:
        """200 when the database answers (no credential needed)."""
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as e:
            log.warning("health check failed: %s", type(e).__name__)
            return JSONResponse({"status": "database unavailable"}, status_code=503)
        answer: dict[str, Any] = {"status": "ok"}
        if settings.clock_is_pinned:  # visible to whoever watches the server, not only in its start-up log
            answer["clock"] = f"pinned at {iso_utc(settings.clock.now())} ({ENV_PINNED_CLOCK}): for test and benchmark servers only"
        if aside:
            answer["records_set_aside"] = aside  # see 'hardtruths-server admin settle-record-ids'
        return JSONResponse(answer)

    app.include_router(sync.router)
    app.include_router(devices.router)
    app.include_router(admin.router)
    return app
