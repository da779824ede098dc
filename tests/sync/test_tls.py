"""TLS as a trust runs it: the station verifies the server's certificate against the OS trust
store, refuses one it cannot verify (never switching verification off), and accepts a trust's own
CA given with `enrol --ca-bundle`. A real HTTPS server on loopback with a throwaway CA."""

from __future__ import annotations

import contextlib
import io
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from support.postgres import free_port

from hardtruths_desktop.domain.clock import FixedClock
from hardtruths_desktop.store.session import Actor, Store
from hardtruths_desktop.store.shifts import ShiftChange, save_shift
from hardtruths_desktop.sync.credentials import MemoryCredentials
from hardtruths_desktop.sync.engine import SyncEngine, SyncError

trustme = pytest.importorskip("trustme")

#: The station's clock. Pinned: it saves "today's" Early shift, which the core refuses before 07:00
#: (an unpinned clock failed this test whenever the suite ran between midnight and 07:00).
CLOCK = FixedClock.london(2026, 11, 25, 10, 0)


def _admin(database_url: str, *args: str) -> str:
    from trust_server.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        # the server's own data folder (the SQLite file's): the CLI signs enrolment codes with its secret
        folder = database_url.removeprefix("sqlite:///").rsplit("/", 1)[0]
        assert main(["admin", "--database-url", database_url, "--data-dir", folder, *args]) == 0
    return out.getvalue().strip()


@pytest.fixture
def https_server(tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    """(url, database url, CA bundle path) of the real trust server behind TLS."""
    from trust_server.app import create_app
    from trust_server.settings import Settings

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    key_file, cert_file, ca_file = tmp_path / "key.pem", tmp_path / "cert.pem", tmp_path / "trust-ca.pem"
    cert.private_key_pem.write_to_path(str(key_file))
    cert.cert_chain_pems[0].write_to_path(str(cert_file))
    ca.cert_pem.write_to_path(str(ca_file))
    settings = Settings.resolve(None, tmp_path / "server")
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off",
                                           ssl_keyfile=str(key_file), ssl_certfile=str(cert_file)))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"https://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url + "/health", verify=ssl.create_default_context(cafile=str(ca_file)), timeout=2).status_code == 200:
                break
        time.sleep(0.05)
    try:
        yield url, settings.database_url, str(ca_file)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.state.engine.dispose()


def _station(folder: Path) -> Any:
    from hardtruths_desktop.cli import main

    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["ward", "add", "--code", "W9", "--name", "Ward 9", "--trust-code", "RXX", "--trust-name", "Example Trust",
                     "--data-dir", str(folder)], clock=CLOCK) == 0
    return Store(folder, CLOCK)


def test_an_unverifiable_certificate_is_refused_and_a_trust_ca_bundle_is_accepted(https_server: tuple[str, str, str],
                                                                                   tmp_path: Path) -> None:
    url, db_url, ca_file = https_server
    _admin(db_url, "create-ward", "--code", "W9", "--name", "Ward 9")
    store = _station(tmp_path / "station")
    engine = SyncEngine(store, MemoryCredentials())

    with pytest.raises(SyncError) as refused:  # the OS trust store does not know the throwaway CA
        engine.enrol(url, _admin(db_url, "enrolment-code", "--ward", "W9"), "W9")
    assert refused.value.code == "offline" and "Could not reach" in refused.value.message

    engine.enrol(url, _admin(db_url, "enrolment-code", "--ward", "W9"), "W9", ca_bundle=ca_file)
    with store.write(Actor.command_line()) as tx:
        from hardtruths_desktop.store.queries import ward_row

        today = tx.today
        save_shift(tx, ward_row(tx.session, "W9"), today, "early", ShiftChange(groups={"rn": {"actual": 3}}), today)
    result = engine.sync_once()
    assert result.ok and result.applied > 0 and result.pending == 0
