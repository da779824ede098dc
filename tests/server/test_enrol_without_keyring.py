"""A PC with no OS keyring (a Linux box without a Secret Service, a locked-down image): enrolling says so
in one plain line, sends nothing, and leaves the one-time code unused; syncing later says the same,
never "unexpected error" (found by trying the CLI on such a machine)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from server_support import Admin

from hardtruths_desktop.store.session import Store
from hardtruths_desktop.sync.credentials import MemoryCredentials
from hardtruths_desktop.sync.engine import SyncEngine

NO_KEYRING_ENV = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


def _cli(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hardtruths_desktop", "--data-dir", str(data), *args],
                          capture_output=True, text=True, timeout=120, env=NO_KEYRING_ENV)


def test_enrol_without_a_keyring_says_so_and_keeps_the_code(admin: Admin, ward: str, tmp_path: Path) -> None:
    code = admin.code(ward)
    res = _cli(tmp_path / "pc", "enrol", "--server", admin.server.url, "--code", code, "--insecure-http")
    assert res.returncode == 4, (res.returncode, res.stderr)
    line = res.stderr.strip()
    assert "no secure password store" in line and "enrolment code is still unused" in line, line
    assert "unexpected" not in line and "Traceback" not in res.stderr
    # the code was not spent: the same PC enrols with it once a keyring is there
    store = Store(tmp_path / "pc")
    try:
        enrolled = SyncEngine(store, MemoryCredentials(), allow_insecure_http=True).enrol(admin.server.url, code)
    finally:
        store.close()
    assert enrolled.device_id


def test_sync_without_a_keyring_says_so(admin: Admin, ward: str, tmp_path: Path) -> None:
    store = Store(tmp_path / "pc")
    try:
        SyncEngine(store, MemoryCredentials(), allow_insecure_http=True).enrol(admin.server.url, admin.code(ward))
    finally:
        store.close()
    res = _cli(tmp_path / "pc", "sync", "--once", "--insecure-http")
    assert res.returncode != 0
    assert "no secure password store" in res.stderr + res.stdout, (res.stdout, res.stderr)
    assert "unexpected" not in res.stderr + res.stdout
