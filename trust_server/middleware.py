"""ASGI middleware that protects the server before any route runs (docs/SECURITY.md).

* ``BodyLimit``: every request body is counted WHILE it streams and refused with 413 as soon as it
  passes its limit (a declared ``Content-Length`` over the limit is refused before a byte is read).
  The limit depends only on the credential presented, checked without the database: a body from
  anyone without a valid credential (enrolment, token exchange, strangers) is small; only a device
  with a validly signed access token may send a large push.
* ``ScrubbedErrors``: an unexpected exception is answered 500 (or 503 + ``Retry-After`` when the
  database was only busy: deadlock, serialisation failure, lock timeout, lost connection) and
  logged as its type, SQLSTATE, constraint and code location, never its message: database error
  messages quote row values (a patient's name in PostgreSQL's error context).
* ``FailureLimiter``: enrolment failures per client address in a sliding window.
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
import time
import traceback
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from sqlalchemy.exc import DBAPIError

from hardtruths_desktop.domain.clock import Clock
from trust_server import auth
from trust_server.errors import ApiError

log = logging.getLogger("trust_server.errors")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PUBLIC_MAX_BODY = 16 * 1024  # enrolment, token exchange, and any request without a valid credential
ADMIN_MAX_BODY = 1024 * 1024  # admin requests (reference data)
PUSH_MAX_BODY = 16 * 1024 * 1024  # a device's push (compressed size; unpacked size is bounded separately)
PUSH_PATH = "/v1/sync/push"

#: SQLSTATEs that mean "busy, try again": serialization_failure, deadlock_detected, lock_not_available,
#: query_canceled (statement timeout), and the connection exceptions class 08.
TRANSIENT_SQLSTATES = {"40001", "40P01", "55P03", "57014"}


def _bearer(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            text = value.decode("latin-1")
            return text[7:].strip() if text[:7].lower() == "bearer " else ""
    return ""


def _json_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> tuple[Message, Message]:
    raw = json.dumps(body).encode()
    hdrs = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode()), (b"connection", b"close")]
    hdrs += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    return ({"type": "http.response.start", "status": status, "headers": hdrs},
            {"type": "http.response.body", "body": raw, "more_body": False})


async def _reply(send: Send, status: int, error: str, message: str, headers: dict[str, str] | None = None) -> None:
    start, body = _json_response(status, {"error": error, "message": message}, headers)
    await send(start)
    await send(body)


def _too_large(limit: int) -> ApiError:
    return ApiError(413, "too_large", f"The request is larger than this server accepts here ({limit // 1024} KB): "
                    "send a smaller batch")


class BodyLimit:
    def __init__(self, app: ASGIApp, token_secret: Callable[[], str], admin_token: Callable[[], str], clock: Clock) -> None:
        self.app = app
        self.clock = clock
        self.token_secret = token_secret
        self.admin_token = admin_token

    def limit_for(self, scope: Scope) -> int:
        token = _bearer(scope)
        if not token:
            return PUBLIC_MAX_BODY
        path: str = scope.get("path", "")
        if path == PUSH_PATH:
            try:
                auth.read_token(self.token_secret(), token, clock=self.clock)
            except ApiError:
                return PUBLIC_MAX_BODY
            return PUSH_MAX_BODY
        admin = self.admin_token()
        if admin and hmac.compare_digest(token.encode(), admin.encode()):
            return ADMIN_MAX_BODY
        return PUBLIC_MAX_BODY

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = next((v for k, v in scope.get("headers", []) if k == b"content-length"), None)
        if declared is not None:
            if not declared.strip().isdigit():
                await _reply(send, 400, "invalid_request", "Content-Length is not a number")
                return
            if int(declared) > limit:
                e = _too_large(limit)
                await _reply(send, 413, e.error, e.message)
                return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _too_large(limit)  # an HTTPException: FastAPI passes it through body parsing
            return message

        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except ApiError as e:  # raised while reading outside FastAPI's handlers
            if started:
                raise
            await _reply(send, e.status, e.error, e.message)


def sqlstate(e: BaseException) -> str | None:
    orig = getattr(e, "orig", None)
    code = getattr(orig, "sqlstate", None)
    return str(code) if code else None


def is_transient(e: BaseException) -> bool:
    """A database error worth retrying later: busy, deadlocked, or the connection dropped."""
    if not isinstance(e, DBAPIError):
        return False
    code = sqlstate(e)
    return bool(e.connection_invalidated or (code and (code in TRANSIENT_SQLSTATES or code.startswith("08"))))


def describe(e: BaseException) -> str:
    """What went wrong and where, without the exception's message (it may quote patient data)."""
    frames = traceback.extract_tb(e.__traceback__)
    ours = [f for f in frames if "/trust_server/" in f.filename or "/hardtruths_desktop/" in f.filename]
    shown = (ours[-6:] + frames[-1:]) if ours else frames[-8:]
    where = " < ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in reversed(shown))
    parts = [type(e).__name__]
    code = sqlstate(e)
    if code:
        parts.append(f"sqlstate {code}")
    diag = getattr(getattr(e, "orig", None), "diag", None)
    for label in ("constraint_name", "table_name", "column_name"):
        value = getattr(diag, label, None) if diag is not None else None
        if value:
            parts.append(f"{label.split('_')[0]} {value}")
    cause = e.__cause__ or e.__context__
    if cause is not None and cause is not getattr(e, "orig", None):
        parts.append(f"caused by {type(cause).__name__}")
    return f"{', '.join(parts)} at {where}"


class ScrubbedErrors:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as e:  # the last line of defence: never a traceback with data in the log
            busy = is_transient(e)
            log.error("%s %s answered %s: %s", scope.get("method"), scope.get("path"), 503 if busy else 500, describe(e))
            if started:
                return
            if busy:
                await _reply(send, 503, "busy", "The trust server is busy: try again shortly", {"Retry-After": "2"})
            else:
                await _reply(send, 500, "internal_error", "The trust server met an unexpected error; it has been logged")


class FailureLimiter:
    """At most ``max_failures`` failed attempts per key in ``window_s`` seconds (thread-safe, in
    this process: each server process counts its own)."""

    def __init__(self, max_failures: int = 10, window_s: float = 600.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures.setdefault(key, deque())
        while q and q[0] <= now - self.window_s:
            q.popleft()
        return q

    def retry_after(self, key: str) -> int | None:
        """Seconds until ``key`` may try again, or None when it may now."""
        with self._lock:
            now = self.clock()
            q = self._recent(key, now)
            if len(q) < self.max_failures:
                if not q:
                    self._failures.pop(key, None)
                return None
            return max(1, int(q[0] + self.window_s - now) + 1)

    def failed(self, key: str) -> None:
        with self._lock:
            now = self.clock()
            self._recent(key, now).append(now)
            if len(self._failures) > 10_000:  # a flood of addresses: forget the oldest
                for k in list(self._failures)[:5_000]:
                    del self._failures[k]
