"""Where the device secret lives: the OS keyring, behind a small interface (STYLE.md habit 12).

Tests use ``MemoryCredentials``; nothing here ever falls back to a plaintext file.
"""

from __future__ import annotations

import contextlib
from typing import Protocol

SERVICE = "hardtruths-ward-station"


NO_KEYRING = ("This PC has no secure password store for the station's secret (Windows Credential Manager, "
              "macOS Keychain, or a Secret Service such as GNOME Keyring on Linux): ask IT to set one up")


class CredentialsUnavailable(Exception):
    """The PC cannot keep the device secret (no OS keyring, or it refused): said plainly, never a crash."""


class CredentialStore(Protocol):
    def check(self) -> None:
        """Raise ``CredentialsUnavailable`` if a secret could not be kept here (asked before enrolling,
        so a PC without a keyring never spends its one-time code)."""

    def get(self, device_id: str) -> str | None: ...

    def set(self, device_id: str, secret: str) -> None: ...

    def delete(self, device_id: str) -> None: ...


class KeyringCredentials:
    """The OS keyring (Windows Credential Manager, macOS Keychain, Secret Service)."""

    def check(self) -> None:
        import keyring
        from keyring.backends import fail

        if isinstance(keyring.get_keyring(), fail.Keyring):
            raise CredentialsUnavailable(NO_KEYRING)

    def get(self, device_id: str) -> str | None:
        import keyring
        from keyring.errors import KeyringError

        try:
            value: str | None = keyring.get_password(SERVICE, device_id)
        except KeyringError as e:
            raise CredentialsUnavailable(f"{NO_KEYRING} ({e.__class__.__name__})") from e
        return value

    def set(self, device_id: str, secret: str) -> None:
        import keyring
        from keyring.errors import KeyringError

        try:
            keyring.set_password(SERVICE, device_id, secret)
        except KeyringError as e:
            raise CredentialsUnavailable(f"{NO_KEYRING} ({e.__class__.__name__})") from e

    def delete(self, device_id: str) -> None:
        import keyring
        from keyring.errors import PasswordDeleteError

        with contextlib.suppress(PasswordDeleteError):
            keyring.delete_password(SERVICE, device_id)


class MemoryCredentials:
    """In-process only: for tests and for one-off scripts that enrol and sync in one run."""

    def __init__(self) -> None:
        self._secrets: dict[str, str] = {}

    def check(self) -> None:
        return None

    def get(self, device_id: str) -> str | None:
        return self._secrets.get(device_id)

    def set(self, device_id: str, secret: str) -> None:
        self._secrets[device_id] = secret

    def delete(self, device_id: str) -> None:
        self._secrets.pop(device_id, None)


def default_credentials() -> CredentialStore:
    return KeyringCredentials()
