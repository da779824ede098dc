"""A real, throwaway PostgreSQL cluster for tests and benchmarks.

Use from pytest (re-export the fixtures in a conftest)::

    from support.postgres import pg_cluster, postgres_url, fresh_postgres_url  # noqa: F401

* ``pg_cluster`` (session): a running ``PostgresCluster`` (``.url(db)``, ``.create_database()``).
* ``postgres_url`` (session): ``postgresql+psycopg://`` URL of one database for the session.
* ``fresh_postgres_url`` (function): a new empty database for one test.

Or from a script: ``with PostgresCluster.started() as pg: url = pg.create_database("bench")``.

Binaries come from ``pg_config --bindir`` (then PATH, then /usr/lib/postgresql/*/bin). Running as
root, ``initdb``/``pg_ctl`` run as the ``postgres`` user (``runuser -u postgres --``) in a temp
folder chowned to it. The server listens on 127.0.0.1 on a free port with its Unix socket in that
folder. Missing binaries skip the tests with a visible reason, except when ``CI=true``: then they fail.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_USER = "postgres"


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def find_bindir() -> Path | None:
    candidates: list[str] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            candidates.append(subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=True,
                                             timeout=10).stdout.strip())
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(str(Path(initdb).resolve().parent))
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for c in candidates:
        if c and (Path(c) / "initdb").exists() and (Path(c) / "pg_ctl").exists():
            return Path(c)
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresUnavailable(RuntimeError):
    pass


class PostgresCluster:
    """initdb + pg_ctl in a temporary folder; ``stop()`` removes everything."""

    def __init__(self, fsync: bool = False) -> None:
        bindir = find_bindir()
        if bindir is None:
            raise PostgresUnavailable("PostgreSQL binaries not found (pg_config --bindir, initdb on PATH)")
        self.bindir = bindir
        self.fsync = fsync
        self.as_root = os.geteuid() == 0
        if self.as_root:
            try:
                pw = pwd.getpwnam(PG_USER)
            except KeyError:
                raise PostgresUnavailable("running as root but there is no 'postgres' user to run the cluster") from None
            self._uid, self._gid = pw.pw_uid, pw.pw_gid
        self.folder = Path(tempfile.mkdtemp(prefix="hardtruths-pg-"))
        self.data = self.folder / "data"
        self.sockets = self.folder / "sock"
        self.sockets.mkdir()
        if self.as_root:
            for p in (self.folder, self.sockets):
                os.chown(p, self._uid, self._gid)
        self.port = free_port()
        self.user = PG_USER
        self._running = False

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", PG_USER, "--", *cmd]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=self.folder)
        if res.returncode != 0:
            raise PostgresUnavailable(f"{args[0]} failed: {(res.stderr or res.stdout).strip()[-800:]}")
        return res

    def start(self) -> PostgresCluster:
        self._run("initdb", "-D", str(self.data), "-U", PG_USER, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
        # fsync=True (the benchmarks): the settings docs/DEPLOYMENT.md gives a trust's server, torn-page protection
        # included (full_page_writes, its WAL compressed with lz4); the tests' clusters trade durability for speed
        durable = (" -c fsync=on -c synchronous_commit=on -c full_page_writes=on" if self.fsync
                   else " -c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        opts = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.sockets}{durable} -c max_connections=60"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-o", opts, "-w", "-t", "60", "start")
        self._running = True
        if self.fsync:
            self._compress_wal()
        return self

    def _compress_wal(self) -> None:
        """``wal_compression`` as docs/DEPLOYMENT.md sets it: lz4 where this PostgreSQL has it, else ``on`` (pglz;
        PostgreSQL 14 or a build without lz4: reviewer, issue 13)."""
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user={self.user} dbname=postgres", autocommit=True) as con:
            row = con.execute("SELECT enumvals FROM pg_settings WHERE name = 'wal_compression'").fetchone()
            value = "lz4" if row is not None and row[0] is not None and "lz4" in row[0] else "on"
            con.execute(f"ALTER SYSTEM SET wal_compression = '{value}'")
            con.execute("SELECT pg_reload_conf()")

    def stop(self) -> None:
        if self._running:
            with contextlib.suppress(PostgresUnavailable, subprocess.SubprocessError):
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop")
            self._running = False
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str | None = None) -> str:
        """Create an empty database; returns its ``postgresql+psycopg://`` URL."""
        import psycopg

        name = name or f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user={self.user} dbname=postgres", autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return self.url(name)

    @classmethod
    @contextlib.contextmanager
    def started(cls, fsync: bool = False) -> Iterator[PostgresCluster]:
        pg = cls(fsync=fsync)
        try:
            yield pg.start()
        finally:
            pg.stop()


def _unavailable(reason: str) -> None:
    if _in_ci():
        pytest.fail(f"PostgreSQL is required in CI: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL not available: {reason}")


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    try:
        pg = PostgresCluster()
    except PostgresUnavailable as e:
        _unavailable(str(e))
        raise  # pragma: no cover - skip/fail raise
    try:
        pg.start()
    except (PostgresUnavailable, subprocess.SubprocessError) as e:
        pg.stop()
        _unavailable(str(e))
    try:
        yield pg
    finally:
        pg.stop()


@pytest.fixture(scope="session")
def postgres_url(pg_cluster: PostgresCluster) -> str:
    return pg_cluster.create_database("hardtruths_test")


@pytest.fixture
def fresh_postgres_url(pg_cluster: PostgresCluster) -> str:
    return pg_cluster.create_database()


def wait_for(predicate: object, timeout: float = 10.0) -> None:  # pragma: no cover - helper for callers
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return
        time.sleep(0.05)
    raise TimeoutError("condition not met")
