"""The real trust server (uvicorn) on 127.0.0.1 and a free port, in a background thread.

From pytest (re-export in a conftest)::

    from support.live_server import live_server, live_server_factory  # noqa: F401

* ``live_server`` (session): the server on the session's PostgreSQL database (``postgres_url``).
* ``live_server_factory`` (session): ``factory(database_url=None, data_dir=None, port=None) -> LiveServer``;
  ``None`` means a SQLite file in a temp folder (and a free port). Every server it started stops at
  session end (``stop()`` twice is harmless).

``LiveServer`` has ``.url`` (``http://127.0.0.1:PORT``), ``.admin_token``, ``.database_url``,
``.app`` and ``.stop()``; it is also a context manager (``with LiveServer.start(url, dir) as srv``).
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType

import httpx
import pytest
import uvicorn

from support.postgres import free_port

ADMIN_TOKEN = "test-admin-token-0123456789-abcdefghijklmnop"  # 32+ characters: shorter refuses the start


#: Tests on a shared server try bad enrolment codes on purpose (and schemathesis does): the per-address
#: limit on failed enrolments would lock 127.0.0.1 out for the session, so it is raised unless a test
#: asks for the real one (``enrol_max_failures=None``).
TEST_ENROL_MAX_FAILURES = 1_000_000


class LiveServer:
    def __init__(self, database_url: str | None, data_dir: Path, admin_token: str = ADMIN_TOKEN, port: int | None = None,
                 enrol_max_failures: int | None = TEST_ENROL_MAX_FAILURES, host: str = "127.0.0.1") -> None:
        import os

        from trust_server.app import create_app
        from trust_server.settings import ENV_ADMIN_TOKEN, Settings

        os.environ[ENV_ADMIN_TOKEN] = admin_token
        self.settings = Settings.resolve(database_url, data_dir)
        if enrol_max_failures is not None:
            self.settings = self.settings.model_copy(update={"enrol_max_failures": enrol_max_failures})
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
              enrol_max_failures: int | None = TEST_ENROL_MAX_FAILURES, host: str = "127.0.0.1") -> LiveServer:
        """``port``: reuse a stopped server's port (a restart the stations reach at the same address);
        ``host``: where it listens (``0.0.0.0`` to be reached on the PC's network address too)."""
        srv = cls(database_url, data_dir or Path(tempfile.mkdtemp(prefix="hardtruths-server-")), port=port,
                  enrol_max_failures=enrol_max_failures, host=host)
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


@pytest.fixture(scope="session")
def live_server_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., LiveServer]]:
    started: list[LiveServer] = []

    def factory(database_url: str | None = None, data_dir: Path | None = None, port: int | None = None,
                enrol_max_failures: int | None = TEST_ENROL_MAX_FAILURES, host: str = "127.0.0.1") -> LiveServer:
        srv = LiveServer.start(database_url, data_dir or tmp_path_factory.mktemp("server"), port, enrol_max_failures, host)
        started.append(srv)
        return srv

    yield factory
    for srv in reversed(started):
        srv.stop()


@pytest.fixture(scope="session")
def live_server(live_server_factory: Callable[..., LiveServer], postgres_url: str) -> LiveServer:
    return live_server_factory(postgres_url)
