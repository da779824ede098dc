"""The real trust server (uvicorn) on 127.0.0.1 and a free port, in a background thread.

From pytest (re-export in a conftest)::

    from support.live_server import live_server, live_server_factory  # noqa: F401

* ``live_server`` (session): the server on the session's PostgreSQL database (``postgres_url``).
* ``live_server_factory`` (session): ``factory(database_url=None, data_dir=None, port=None) -> LiveServer``;
  ``None`` means a SQLite file in a temp folder (and a free port). Every server it started stops at
  session end (``stop()`` twice is harmless).

``LiveServer`` has ``.url`` (``http://127.0.0.1:PORT``), ``.admin_token``, ``.database_url``,
``.app``, ``.clock`` and ``.stop()``; it is also a context manager (``with LiveServer.start(url, dir) as srv``).

The server's clock is pinned (tests never read today's date): ``.clock`` is a ``FixedClock`` at the
suite's "now" (``support.clocks.SUITE_AT``) unless ``clock=`` gives another; every "now" of the server
(the shift-date window, HLC checks, token expiry, retention) asks it. A test that needs the shared
server at another moment uses ``server_time(srv, at)``, which puts the clock back afterwards.
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from types import TracebackType

import httpx
import pytest
import uvicorn

from hardtruths_desktop.domain.clock import Clock, FixedClock
from support.clocks import SUITE_ISO, suite_clock
from support.postgres import free_port

ADMIN_TOKEN = "test-admin-token-0123456789-abcdefghijklmnop"  # 32+ characters: shorter refuses the start


#: Tests on a shared server try bad enrolment codes on purpose (and schemathesis does): the per-address
#: limit on failed enrolments would lock 127.0.0.1 out for the session, so it is raised unless a test
#: asks for the real one (``enrol_max_failures=None``).
TEST_ENROL_MAX_FAILURES = 1_000_000


class LiveServer:
    def __init__(self, database_url: str | None, data_dir: Path, admin_token: str = ADMIN_TOKEN, port: int | None = None,
                 enrol_max_failures: int | None = TEST_ENROL_MAX_FAILURES, host: str = "127.0.0.1",
                 clock: Clock | None = None) -> None:
        import os

        from trust_server.app import create_app
        from trust_server.settings import ENV_ADMIN_TOKEN, Settings

        os.environ[ENV_ADMIN_TOKEN] = admin_token
        self.settings = Settings.resolve(database_url, data_dir)
        if enrol_max_failures is not None:
            self.settings = self.settings.model_copy(update={"enrol_max_failures": enrol_max_failures})
        self.clock: Clock = clock or suite_clock()
        self.settings = self.settings.with_clock(self.clock)
        self.database_url = self.settings.database_url
        self.admin_token = admin_token
        self.app = create_app(self.settings)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(self.app, host=host, port=self.port, log_level="warning", access_log=False,
                                lifespan="off", timeout_graceful_shutdown=5)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name=f"trust-server-{self.port}", daemon=True)

    @classmethod
    def start(cls, database_url: str | None = None, data_dir: Path | None = None, port: int | None = None,
              enrol_max_failures: int | None = TEST_ENROL_MAX_FAILURES, host: str = "127.0.0.1",
              clock: Clock | None = None) -> LiveServer:
        """``port``: reuse a stopped server's port (a restart the stations reach at the same address);
        ``host``: where it listens (``0.0.0.0`` to be reached on the PC's network address too);
        ``clock``: the server's clock (default: a fresh ``FixedClock`` at the suite's "now"; benchmarks whose
        stations run on the PC's clock pass ``SYSTEM_CLOCK``)."""
        srv = cls(database_url, data_dir or Path(tempfile.mkdtemp(prefix="hardtruths-server-")), port=port,
                  enrol_max_failures=enrol_max_failures, host=host, clock=clock)
        srv._thread.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(srv.url + "/health", timeout=2).status_code == 200:
                    return srv
            if not srv._thread.is_alive():
                break
            time.sleep(0.05)
        srv.stop()
        raise RuntimeError(f"the trust server did not answer /health on {srv.url}")

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=15)
        self.app.state.engine.dispose()

    def admin_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_token}"}

    def __enter__(self) -> LiveServer:
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


@contextlib.contextmanager
def server_time(srv: LiveServer, at: datetime) -> Iterator[FixedClock]:
    """The server's clock at ``at`` inside the block, back where it was after (the session's server is shared)."""
    clock = srv.clock
    assert isinstance(clock, FixedClock), "server_time moves a pinned server's clock"
    before = clock.now()
    clock.set(at)
    try:
        yield clock
    finally:
        clock.set(before)


@pytest.fixture(autouse=False)
def pinned_server_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    """``HARDTRUTHS_SERVER_PINNED_CLOCK`` at the suite's "now" for the test: the admin CLI run in-process
    (``trust_server.cli.main``) and a server a test starts as a process read it, never the PC's date.
    The server and sync conftests use it for every test. ``HARDTRUTHS_SERVER_ALLOW_PINNED_CLOCK=1`` with it:
    a test server says its pinned clock is meant (without it the start is refused)."""
    from trust_server.settings import ENV_ALLOW_PINNED_CLOCK, ENV_PINNED_CLOCK

    monkeypatch.setenv(ENV_PINNED_CLOCK, SUITE_ISO)
    monkeypatch.setenv(ENV_ALLOW_PINNED_CLOCK, "1")


@pytest.fixture(scope="session")
def live_server_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., LiveServer]]:
    started: list[LiveServer] = []

    def factory(database_url: str | None = None, data_dir: Path | None = None, port: int | None = None,
                enrol_max_failures: int | None = TEST_ENROL_MAX_FAILURES, host: str = "127.0.0.1",
                clock: Clock | None = None) -> LiveServer:
        srv = LiveServer.start(database_url, data_dir or tmp_path_factory.mktemp("server"), port, enrol_max_failures, host,
                               clock)
        started.append(srv)
        return srv

    yield factory
    for srv in reversed(started):
        srv.stop()


@pytest.fixture(scope="session")
def live_server(live_server_factory: Callable[..., LiveServer], postgres_url: str) -> LiveServer:
    return live_server_factory(postgres_url)
