"""Client + server together: real ward stations (SQLite files in tmp_path) syncing over real HTTP on
loopback with the real trust server on a real PostgreSQL (both started by ``tests/support``).

``server`` is the session's server (tests use their own ward codes, so they never see each
other's data); ``own_server`` is a server on a fresh database for tests that stop, restart or
restore it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support.live_server import LiveServer, live_server, live_server_factory, pinned_server_cli  # noqa: F401
from support.postgres import fresh_postgres_url, pg_cluster, postgres_url  # noqa: F401
from sync_support import Server, Station, reset_elapsed


@pytest.fixture(autouse=True)
def _server_cli_pinned(pinned_server_cli: None) -> None:  # noqa: F811
    """Every test: the admin CLI in-process and a server process run on the suite's clock, and the
    stations' clocks start where it stands."""
    reset_elapsed()


@pytest.fixture
def server(live_server: LiveServer) -> Server:  # noqa: F811
    return Server(live_server)


@pytest.fixture
def own_server(live_server_factory: Callable[..., LiveServer], fresh_postgres_url: str) -> Iterator[Server]:  # noqa: F811
    srv = live_server_factory(fresh_postgres_url)
    yield Server(srv)
    srv.stop()


@pytest.fixture
def make_station(tmp_path: Path) -> Iterator[Callable[..., Station]]:
    made: list[Station] = []

    def factory(name: str, **kw: object) -> Station:
        st = Station(tmp_path / name, **kw)  # type: ignore[arg-type]
        made.append(st)
        return st

    yield factory
    for st in made:
        st.close()
