"""Device secrets, enrolment codes and short-lived access tokens (SYNC.md 3.11).

* Device secret: 256 random bits (43 characters), stored as SHA-256 (high entropy: no slow hash needed).
* Enrolment code: 12 characters from an unambiguous alphabet shown as ``XXXX-XXXX-XXXX``; stored
  as HMAC-SHA256 with the server secret; one use; expires after 24 hours.
* Access token: ``dev.<device_id>.<expiry unix s>.<HMAC>`` signed with the server secret, 15 minutes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from hardtruths_desktop.domain.clock import Clock, utc_now
from trust_server.errors import ApiError

TOKEN_TTL_S = 15 * 60
CODE_TTL_S = 24 * 3600
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
TOKEN_PREFIX = "dev."


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def hash_code(server_secret: str, code: str) -> str:
    return hmac.new(bytes.fromhex(server_secret), normalise_code(code).encode(), hashlib.sha256).hexdigest()


def _sign(server_secret: str, message: str) -> str:
    mac = hmac.new(bytes.fromhex(server_secret), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def _seconds(now: float | None, clock: Clock) -> float:
    """``now`` (Unix seconds) when a caller gives it, else the server's one clock."""
    return now if now is not None else utc_now(clock).timestamp()


def make_token(server_secret: str, device_id: str, now: float | None = None, ttl: int = TOKEN_TTL_S, *,
               clock: Clock) -> str:
    expiry = int(_seconds(now, clock)) + ttl
    message = f"{device_id}.{expiry}"
    return f"{TOKEN_PREFIX}{message}.{_sign(server_secret, message)}"


def read_token(server_secret: str, token: str, now: float | None = None, *, clock: Clock) -> str:
    """The device id a valid, unexpired token was issued to; ``ApiError`` 401 otherwise."""
    parts = token.split(".")
    if len(parts) != 4 or parts[0] + "." != TOKEN_PREFIX:
        raise ApiError(401, "invalid_token", "The access token is not one this server issued")
    _, device_id, expiry, sig = parts
    if not hmac.compare_digest(_sign(server_secret, f"{device_id}.{expiry}"), sig):
        raise ApiError(401, "invalid_token", "The access token is not one this server issued")
    if not expiry.isdigit() or int(expiry) < _seconds(now, clock):
        raise ApiError(401, "token_expired", "The access token has expired: ask for a new one at /v1/token")
    return device_id
