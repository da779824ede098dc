"""Where the device secret lives: the OS keyring, behind a small interface (STYLE.md habit 12).

Tests use ``MemoryCredentials``; nothing here ever falls back to a plaintext file.
"""

from __future__ import annotations

import contextlib
from typing import Protocol

SERVICE = "hardtruths-ward-station"


class CredentialStore(Protocol):
    def get(self, device_id: str) -> str | None: ...

    def set(self, device_id: str, secret: str) -> None: ...

    def delete(self, device_id: str) -> None: ...


class KeyringCredentials:
    """The OS keyring (Windows Credential Manager, macOS Keychain, Secret Service)."""

    def get(self, device_id: str) -> str | None:
        import keyring

        value: str | None = keyring.get_password(SERVICE, device_id)
        return value

    def set(self, device_id: str, secret: str) -> None:
        import keyring

        keyring.set_password(SERVICE, device_id, secret)

    def delete(self, device_id: str) -> None:
        import keyring
        from keyring.errors import PasswordDeleteError

        with contextlib.suppress(PasswordDeleteError):
            keyring.delete_password(SERVICE, device_id)


class MemoryCredentials:
    """In-process only: for tests and for one-off scripts that enrol and sync in one run."""

    def __init__(self) -> None:
        self._secrets: dict[str, str] = {}

    def get(self, device_id: str) -> str | None:
        return self._secrets.get(device_id)

    def set(self, device_id: str, secret: str) -> None:
        self._secrets[device_id] = secret

    def delete(self, device_id: str) -> None:
        self._secrets.pop(device_id, None)


def default_credentials() -> CredentialStore:
    return KeyringCredentials()
