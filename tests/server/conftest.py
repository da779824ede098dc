"""Server tests: a real PostgreSQL cluster and the real app over HTTP on loopback.

The fixtures live in ``tests/support`` so ``tests/sync`` can reuse them the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from server_support import Admin, new_ward
from support.live_server import LiveServer, live_server, live_server_factory, pinned_server_cli  # noqa: F401
from support.postgres import fresh_postgres_url, pg_cluster, postgres_url  # noqa: F401


@pytest.fixture(autouse=True)
def _server_cli_pinned(pinned_server_cli: None) -> None:  # noqa: F811
    """Every test: the admin CLI in-process and a server process run on the suite's clock."""


@pytest.fixture
def admin(live_server: LiveServer) -> Admin:  # noqa: F811
    return Admin(live_server)


@pytest.fixture
def ward(admin: Admin) -> str:
    """A new ward (unique code) on the session's server."""
    return new_ward(admin)


@pytest.fixture
def own_admin(live_server_factory: Callable[..., LiveServer], fresh_postgres_url: str) -> Iterator[Admin]:  # noqa: F811
    """A server on its own database, for tests that run the admin CLI: it refuses a database holding two
    trusts (one trust per database), and the session's shared server collects trusts from other tests."""
    srv = live_server_factory(fresh_postgres_url)
    yield Admin(srv)
    srv.stop()
