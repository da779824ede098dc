"""Which PC, and which folder on it, a station's database lives in (SYNC.md 3.9).

A database file copied to another PC, or restored into another folder, still carries the
original station's device id and sequence numbers; if both copies pushed, the server would see
two different changes under one number. The station keeps the fingerprint of where it was
enrolled and, when it finds itself elsewhere, stops before sending anything and asks for a new
enrolment (nothing waiting is lost: it is sent under the new device).
"""

from __future__ import annotations

import hashlib
import sys
import uuid
from pathlib import Path


def machine_id() -> str:
    """A stable id of this computer: the OS's own where there is one, else the network card's."""
    if sys.platform == "win32":  # pragma: no cover - Windows ward PCs
        try:
            import winreg

            with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, r"SOFTWARE\Microsoft\Cryptography") as key:
                return str(winreg.QueryValueEx(key, "MachineGuid")[0])
        except OSError:
            pass
    for p in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        try:
            text = Path(p).read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            continue
        if text:
            return text
    return f"node-{uuid.getnode():012x}"


def fingerprint(db_file: Path, machine: str | None = None) -> str:
    """This PC and this database file's folder, hashed (no path or machine id is stored in clear)."""
    where = f"{machine if machine is not None else machine_id()}\0{db_file.resolve().parent}"
    return hashlib.sha256(where.encode("utf-8")).hexdigest()[:32]
