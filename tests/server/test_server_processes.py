"""Several ``hardtruths-server`` processes on one PostgreSQL, and what one process does with a huge
body: each server here is its own OS process started by the real entry point."""

from __future__ import annotations

import random
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import psycopg
import pytest
from alembic.script import ScriptDirectory
from server_support import Admin, Station, new_ward
from support.live_server import ADMIN_TOKEN, LiveServer
from support.postgres import PostgresCluster
from support.server_process import ServerProcess

from hardtruths_desktop.domain import ids
from trust_server.db import alembic_config

DAY = date(2026, 3, 5)
MB = 1024 * 1024


class Proc(ServerProcess):
    """A server process the test helpers (``Admin``, ``Station``) can talk to like a ``LiveServer``."""

    admin_token = ADMIN_TOKEN

    def admin_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def _start_all(n: int, database_url: str | None, data_dir: Path) -> list[Proc]:
    procs = [Proc(database_url, data_dir) for _ in range(n)]  # all launched before any is waited for
    healthy = [p.wait_healthy(120) for p in procs]
    if not all(healthy):
        logs = "\n".join(p.log_text()[-1500:] for p, ok in zip(procs, healthy, strict=True) if not ok)
        for p in procs:
            p.stop()
        raise AssertionError(f"{healthy.count(False)} of {n} servers failed to start:\n{logs}")
    return procs


@pytest.fixture
def two_servers(fresh_postgres_url: str, tmp_path: Path) -> Iterator[list[Proc]]:
    procs = _start_all(2, fresh_postgres_url, tmp_path / "server")  # one deployment: one data folder, one secret
    yield procs
    for p in procs:
        p.stop()


def test_servers_started_at_once_on_an_empty_database_do_not_race_the_migration(fresh_postgres_url: str,
                                                                                  tmp_path: Path) -> None:
    procs = _start_all(5, fresh_postgres_url, tmp_path / "server")
    try:
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        with psycopg.connect(fresh_postgres_url.replace("postgresql+psycopg://", "postgresql://")) as con:
            assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [(head,)]
            assert con.execute("SELECT count(*) FROM server_meta").fetchone() == (1,)
        secrets = {(tmp_path / "server" / "token-secret").read_text()}
        assert len(secrets) == 1 and not [p for p in (tmp_path / "server").iterdir() if p.name.endswith(".tmp")]
        # one deployment: a token issued by one process is good on every other
        admin = Admin(procs[0])  # type: ignore[arg-type]
        st = admin.station(new_ward(admin))
        for p in procs[1:]:
            assert httpx.get(p.url + "/v1/sync/meta", headers=st.headers).status_code == 200
    finally:
        for p in procs:
            p.stop()


def _pg_log_tail(pg: PostgresCluster, start: int) -> str:
    log = pg.folder / "server.log"
    with open(log, "rb") as f:
        f.seek(start)
        return f.read().decode(errors="replace")


def test_pushes_through_two_servers_that_refer_to_the_same_shifts_never_deadlock_or_500(
        two_servers: list[Proc], pg_cluster: PostgresCluster) -> None:
    log_start = (pg_cluster.folder / "server.log").stat().st_size
    admin = Admin(two_servers[0])  # type: ignore[arg-type]
    ward = new_ward(admin)
    stations = [Station.enrol(two_servers[i % 2], ward, admin.code(ward), f"s{i}") for i in range(4)]  # type: ignore[arg-type]
    codes = ("early", "late", "night")
    days = [date(2026, 3, d) for d in range(1, 5)]
    shifts = [(d, c) for d in days for c in codes]
    first = stations[0]
    first.push([first.create_shift(d, c) for d, c in shifts])
    rnd = random.Random(8)

    def batch(st: Station) -> list[dict[str, object]]:
        """Patch some shifts and raise red flags on OTHER shifts: each push locks records it writes
        and records it only refers to, in an order of its own."""
        out: list[dict[str, object]] = []
        for _ in range(6):
            d, c = rnd.choice(shifts)
            out.append(st.mutation("shift", st.shift_id(d, c), "patch", {"groups.rn.actual": rnd.randint(0, 9)}))
            d2, c2 = rnd.choice(shifts)
            out.append(st.mutation("red_flag", ids.uuid7(), "create", {
                "ward_id": st.ward_id, "shift_id": st.shift_id(d2, c2), "flag_type": "pain_relief_delay",
                "raised_at": f"{d2.isoformat()}T10:00:00Z", "raised_by": "staff:test", "detail": ""}))
        return out

    plans = {st.device_id: [batch(st) for _ in range(8)] for st in stations}
    statuses: Counter[int] = Counter()
    problems: list[str] = []
    lock = threading.Lock()

    def run(st: Station) -> None:
        for muts in plans[st.device_id]:
            for _attempt in range(20):
                r = st.push_raw(muts)
                with lock:
                    statuses[r.status_code] += 1
                if r.status_code == 503 and int(r.headers.get("Retry-After", "0")) > 0:
                    continue  # busy: the station backs off and sends the same batch again
                if r.status_code != 200:
                    with lock:
                        problems.append(f"{r.status_code} {r.text[:200]}")
                    return
                st.acked = r.json()["device_last_client_seq"]
                break

    threads = [threading.Thread(target=run, args=(st,)) for st in stations]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert problems == [] and statuses[500] == 0, (problems, statuses)
    assert "deadlock detected" not in _pg_log_tail(pg_cluster, log_start)
    sent = [m["mutation_id"] for batches in plans.values() for b in batches for m in b]
    with psycopg.connect(pg_url(two_servers)) as con:
        applied = con.execute("SELECT count(*) FROM applied_mutation WHERE mutation_id::text = ANY(%s) AND status = 'applied'",
                              (sent,)).fetchone()
    assert applied == (len(sent),)
    for p in two_servers:
        assert "Traceback" not in p.log_text()


def pg_url(procs: list[Proc]) -> str:
    """The plain libpq URL of the database the processes share (from their command line)."""
    cmd = procs[0].proc.args
    assert isinstance(cmd, list)
    url = str(cmd[cmd.index("--database-url") + 1])
    return url.replace("postgresql+psycopg://", "postgresql://")


# --- bodies ----------------------------------------------------------------------------------------

def _chunks(total: int) -> Iterator[bytes]:
    block = b"x" * MB
    for _ in range(total // MB):
        yield block


def _send(url: str, headers: dict[str, str], total: int) -> int | None:
    """POST ``total`` bytes chunked; the status, or None when the server closed the connection first."""
    try:
        return httpx.post(url, content=_chunks(total), headers=headers, timeout=120).status_code
    except httpx.TransportError:
        return None


def test_a_huge_body_is_refused_while_it_streams_and_memory_stays_flat(tmp_path: Path) -> None:
    with Proc(None, tmp_path / "server") as srv:
        assert srv.wait_healthy(60)
        httpx.post(srv.url + "/v1/enrol", json={})  # warm the request path once
        before = srv.peak_rss_kb()
        for path, headers in (("/v1/sync/push", {"Authorization": "Bearer dev.forged.1.x"}),
                              ("/v1/enrol", {}),
                              ("/v1/admin/wards", {"Authorization": "Bearer not-the-admin-token"})):
            status = _send(srv.url + path, {**headers, "Content-Type": "application/json"}, 200 * MB)
            assert status in (413, None), (path, status)
        grew_mb = (srv.peak_rss_kb() - before) / 1024
        assert grew_mb < 40, f"the server's peak memory grew by {grew_mb:.0f} MB for bodies it refused"
        with socket.create_connection(("127.0.0.1", srv.port), timeout=30) as sock:  # a gigabyte announced, not sent
            sock.sendall(b"POST /v1/enrol HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 1000000000\r\n\r\n{}")
            assert sock.recv(4096).split(b" ", 2)[1] == b"413"
        assert httpx.get(srv.url + "/health").status_code == 200


def test_small_limits_for_strangers_and_a_batch_sized_limit_for_devices(admin: Admin, ward: str,
                                                                        live_server: LiveServer) -> None:
    st = admin.station(ward)
    muts = [st.create_shift(date(2026, 3, 1 + i // 3), ("early", "late", "night")[i % 3], notes="n" * 1500)
            for i in range(60)]  # about 120 KB: a normal batch
    assert st.push_raw(muts).status_code == 200
    body = {"device_id": st.device_id, "device_incarnation": st.incarnation, "acked_through": 0, "mutations": muts}
    for token in ("garbage", "dev.00000000-0000-4000-8000-000000000000.9999999999.forged", admin.server.admin_token):
        r = httpx.post(live_server.url + "/v1/sync/push", json=body, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 413, (token, r.text)  # refused on size before any credential is looked up
    r = httpx.post(live_server.url + "/v1/enrol", json={"code": "x" * 20_000})
    assert r.status_code == 413
