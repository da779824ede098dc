"""Staff sign-in: argon2id PIN hashes, lock-out after 5 failures, one-time codes for a first PIN.

Credentials are local-only (never synced); every sign-in event is audited.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hardtruths_desktop.domain.validation import ValidationError, check_pin
from hardtruths_desktop.store.session import WriteTx, iso_utc
from hardtruths_desktop.store.tables import Staff, StaffCredential

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
ONETIME_VALID = timedelta(hours=24)

# OWASP's minimum argon2id profile: 19 MiB, 2 passes, 1 lane (fast enough for a ward PC).
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


@dataclass(frozen=True)
class SignInResult:
    ok: bool
    message: str
    needs_new_pin: bool = False


def _cred(tx: WriteTx, staff_id: str) -> StaffCredential:
    cred = tx.session.get(StaffCredential, staff_id)
    if cred is None:
        cred = StaffCredential(staff_id=staff_id)
        tx.session.add(cred)
    return cred


def _parse(ts: str | None) -> datetime | None:
    return datetime.fromisoformat(ts.replace("Z", "+00:00")) if ts else None


def set_pin(tx: WriteTx, staff_id: str, pin: str) -> None:
    tx.require_manager("set another person's PIN", unless_self=staff_id)
    check_pin(pin)
    staff = tx.session.get(Staff, staff_id)
    if staff is None:
        raise ValidationError.single("staff", "That person is not on this station's staff lists")
    cred = _cred(tx, staff_id)
    cred.pin_hash = _hasher.hash(pin)
    cred.failed_attempts = 0
    cred.locked_until = None
    cred.onetime_code_hash = None
    cred.onetime_expires = None
    tx.audit("pin_set", "staff", staff_id, {"name": staff.name})


def issue_onetime_code(tx: WriteTx, staff_id: str) -> str:
    """A ward sister issues a one-time code so a colleague can set their own PIN."""
    tx.require_manager("issue one-time codes")
    staff = tx.session.get(Staff, staff_id)
    if staff is None:
        raise ValidationError.single("staff", "That person is not on this station's staff lists")
    code = f"{secrets.randbelow(10**8):08d}"
    cred = _cred(tx, staff_id)
    cred.onetime_code_hash = _hasher.hash(code)
    cred.onetime_expires = iso_utc(tx.now + ONETIME_VALID)
    cred.failed_attempts = 0
    cred.locked_until = None
    tx.audit("onetime_code_issued", "staff", staff_id, {"name": staff.name})
    return code


def sign_in(tx: WriteTx, staff_id: str, secret: str) -> SignInResult:
    """Check a PIN (or a one-time code). Counts failures; locks for 15 minutes after 5."""
    staff = tx.session.get(Staff, staff_id)
    if staff is None or not staff.active:
        return SignInResult(False, "That person is not on this ward's staff list")
    cred = _cred(tx, staff_id)
    locked = _parse(cred.locked_until)
    if locked and locked > tx.now:
        minutes = max(1, int((locked - tx.now).total_seconds() // 60) + 1)
        mins = f"{minutes} more minute{'s' if minutes != 1 else ''}"
        return SignInResult(False, f"Too many wrong PINs: locked for {mins}, or ask the ward sister for a one-time code")
    if cred.pin_hash and _verify(cred.pin_hash, secret):
        cred.failed_attempts = 0
        cred.locked_until = None
        tx.audit("signed_in", "staff", staff_id, {"name": staff.name})
        return SignInResult(True, f"Signed in as {staff.name}")
    expires = _parse(cred.onetime_expires)
    if cred.onetime_code_hash and expires and expires > tx.now and _verify(cred.onetime_code_hash, secret):
        cred.onetime_code_hash = None  # single use: the next step is choosing a PIN
        cred.onetime_expires = None
        tx.audit("onetime_code_used", "staff", staff_id, {"name": staff.name})
        return SignInResult(True, "Code accepted: now choose your own PIN", needs_new_pin=True)
    cred.failed_attempts += 1
    tx.audit("sign_in_failed", "staff", staff_id, {"name": staff.name, "attempt": cred.failed_attempts})
    if cred.failed_attempts >= MAX_FAILURES:
        cred.locked_until = iso_utc(tx.now + LOCKOUT)
        cred.failed_attempts = 0
        tx.audit("locked_out", "staff", staff_id, {"name": staff.name})
        return SignInResult(False, "Too many wrong PINs: locked for 15 minutes, or ask the ward sister for a one-time code")
    if not cred.pin_hash and not cred.onetime_code_hash:
        return SignInResult(False, f"{staff.name} has no PIN yet: ask the ward sister for a one-time code")
    left = MAX_FAILURES - cred.failed_attempts
    return SignInResult(False, f"Wrong PIN ({left} {'try' if left == 1 else 'tries'} left before a 15-minute lock)")


def _verify(hash_: str, secret: str) -> bool:
    try:
        return _hasher.verify(hash_, secret)
    except (VerificationError, InvalidHashError):
        return False
