"""What the server promises a trust (docs/SECURITY.md), each tried as a hostile or broken caller
would: the real server over real HTTP on real PostgreSQL (or its SQLite file where the promise
is about that file)."""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import httpx
import psycopg
import pytest
from server_support import Admin, new_ward
from support.live_server import LiveServer

from hardtruths_desktop.domain import ids
from trust_server import auth
from trust_server.cli import main as server_main
from trust_server.settings import ADMIN_TOKEN_FILE, TOKEN_SECRET_FILE, ConfigError, Settings

DAY = date(2026, 3, 5)


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


# --- admin authentication -------------------------------------------------------------------------

@pytest.mark.parametrize("content", ["", "\n", "   \n", "short-token\n"])
def test_an_empty_or_short_admin_token_file_refuses_the_start(tmp_path: Path, content: str,
                                                              capsys: pytest.CaptureFixture[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from trust_server.app import create_app

    monkeypatch.delenv("HARDTRUTHS_ADMIN_TOKEN", raising=False)
    tmp_path.chmod(0o700)
    token_file = tmp_path / ADMIN_TOKEN_FILE
    token_file.write_text(content)
    token_file.chmod(0o600)
    with pytest.raises(ConfigError, match="too short"):
        create_app(Settings.resolve(None, tmp_path))
    rc = server_main(["--data-dir", str(tmp_path), "--port", "1"])  # refused before it would listen
    err = capsys.readouterr().err
    assert rc == 2 and "admin token" in err and len(err.strip().splitlines()) == 1


def test_a_short_admin_token_in_the_environment_refuses_the_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARDTRUTHS_ADMIN_TOKEN", "x" * 31)
    with pytest.raises(ConfigError, match="too short"):
        Settings.resolve(None, tmp_path).admin_token()


def test_the_admin_token_file_is_made_0600_in_a_0700_folder_and_a_full_disk_leaves_no_empty_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HARDTRUTHS_ADMIN_TOKEN", raising=False)
    folder = tmp_path / "server"
    # a disk that takes no more bytes (RLIMIT_FSIZE 0 in a child process): the write fails part-way
    code = ("import resource, signal; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
            "resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0)); from trust_server.settings import Settings; "
            f"Settings.resolve(None, {str(folder)!r}).admin_token()")
    env = {k: v for k, v in os.environ.items() if k != "HARDTRUTHS_ADMIN_TOKEN"}
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert res.returncode != 0 and "File too large" in res.stderr
    assert not (folder / ADMIN_TOKEN_FILE).exists()  # no 0-byte token that a blank bearer would match
    assert list(folder.iterdir()) == []  # and no temporary file left behind
    token = Settings.resolve(None, folder).admin_token()
    assert len(token) >= 32 and _mode(folder / ADMIN_TOKEN_FILE) == 0o600 and _mode(folder) == 0o700
    assert Settings.resolve(None, folder).admin_token() == token


def test_a_group_readable_secret_file_refuses_the_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HARDTRUTHS_ADMIN_TOKEN", raising=False)
    Settings.resolve(None, tmp_path).admin_token()
    (tmp_path / ADMIN_TOKEN_FILE).chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        Settings.resolve(None, tmp_path).admin_token()


def _raw_get_status(url: str, path: str, authorization: str) -> int:
    """A GET sent byte for byte (httpx refuses a header value ending in a space)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: {authorization}\r\nConnection: close\r\n\r\n".encode())
        head = s.recv(4096).decode("latin-1")
    return int(head.split(" ", 2)[1])


@pytest.mark.parametrize("authorization", ["Bearer ", "Bearer     ", "Bearer \t", "bearer", "Basic Og==", ""])
def test_a_blank_bearer_token_never_matches(live_server: LiveServer, authorization: str) -> None:
    for path in ("/v1/admin/devices", "/v1/sync/meta", "/v1/sync/pull"):
        assert _raw_get_status(live_server.url, path, authorization) == 401, path


# --- files and the signing secret ---------------------------------------------------------------

def test_sqlite_file_and_folder_are_private_and_the_database_cannot_forge_a_token(
        live_server_factory: Callable[..., LiveServer], tmp_path: Path) -> None:
    folder = tmp_path / "server-data"
    srv = live_server_factory(None, folder)
    admin = Admin(srv)
    st = admin.station(new_ward(admin))
    st.push([st.create_shift(DAY)])
    db = folder / "trust-server.sqlite"
    assert _mode(folder) == 0o700
    for p in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm"), folder / TOKEN_SECRET_FILE):
        assert p.exists() and _mode(p) == 0o600, p
    secret = (folder / TOKEN_SECRET_FILE).read_text().strip()
    con = sqlite3.connect(db)
    try:
        columns = {r[1] for r in con.execute("PRAGMA table_info(server_meta)")}
        texts = [str(v) for t in ("server_meta", "device", "enrolment_code") for row in con.execute(f"SELECT * FROM {t}")
                 for v in row]
    finally:
        con.close()
    assert "token_secret" not in columns and not any(secret in v for v in texts)
    assert secret.encode() not in db.read_bytes() + db.with_name(db.name + "-wal").read_bytes()
    # whatever a reader of the database tries as the key, the forged token is refused
    for guess in texts:
        if len(guess) >= 32 and all(c in "0123456789abcdef" for c in guess):
            forged = auth.make_token(guess, st.device_id, clock=srv.clock)
            r = st.http.get("/v1/sync/meta", headers={"Authorization": f"Bearer {forged}"})
            assert r.status_code == 401


def test_a_secret_kept_in_the_database_by_an_older_version_moves_to_the_file(tmp_path: Path, fresh_postgres_url: str) -> None:
    from alembic import command

    from trust_server.db import HEAD_REVISION, alembic_config, current_revision, make_engine, prepare

    engine = make_engine(fresh_postgres_url)
    try:
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0001")
            conn.exec_driver_sql("INSERT INTO server_meta (id, epoch, min_retained_seq, schema_min, schema_max, token_secret)"
                                 " VALUES (1, '6f1c3f0e-0000-4000-8000-000000000001', 0, 1, 5, %s)", ("ab" * 32,))
        secret = prepare(engine, Settings.resolve(fresh_postgres_url, tmp_path))
        assert secret == "ab" * 32 == (tmp_path / TOKEN_SECRET_FILE).read_text().strip()
        assert current_revision(engine) == HEAD_REVISION  # upgraded to the head, through 0002
        with engine.connect() as conn:
            cols = {r[0] for r in conn.exec_driver_sql(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'server_meta'")}
        assert "token_secret" not in cols
    finally:
        engine.dispose()


# --- mutation ids ---------------------------------------------------------------------------------

def test_a_mutation_id_reused_with_another_payload_is_a_conflict_not_a_duplicate(admin: Admin, ward: str) -> None:
    st = admin.station(ward)
    first = st.create_shift(DAY, notes="Bay 2 closed")
    assert st.push([first])["results"][0]["status"] == "applied"
    again = st.mutation("shift", st.shift_id(DAY), "patch", {"notes": "something else"}, mutation_id=first["mutation_id"])
    out = st.push([again])["results"][0]
    assert out["status"] == "rejected" and "mutation_id_conflict" in out["flags"] and out["effective"] == {}
    assert st.push([again], acked_through=0)["results"][0]["status"] == "rejected"  # the same answer when re-sent
    notes = next(c for c in st.pull_all() if c["id"] == st.shift_id(DAY))["row"]["notes"]
    assert notes == "Bay 2 closed"


def test_another_wards_mutation_id_is_never_answered_with_its_data(admin: Admin) -> None:
    ward_a, ward_b = new_ward(admin), new_ward(admin)
    a, b = admin.station(ward_a, "a"), admin.station(ward_b, "b")
    secret_note = "Mrs Edith Crawley, bay 3, DNACPR"
    m = a.create_shift(DAY, notes=secret_note)
    a.push([m])
    # ward B's station replays ward A's mutation id: with B's own record, then with A's exact change
    mine = {**b.create_shift(DAY), "mutation_id": m["mutation_id"]}
    theirs = {**m, "client_seq": mine["client_seq"] + 1}
    b.seq += 1
    r = b.push_raw([mine, theirs])
    assert r.status_code == 200 and secret_note not in r.text
    assert [x["status"] for x in r.json()["results"]] == ["rejected", "rejected"]
    assert all("mutation_id_conflict" in x["flags"] for x in r.json()["results"])


# --- revocation -------------------------------------------------------------------------------------

def test_revocation_takes_effect_at_once_on_every_device_endpoint(admin: Admin, ward: str) -> None:
    st = admin.station(ward)
    assert st.http.get("/v1/sync/meta", headers=st.headers).status_code == 200
    admin.post(f"/v1/devices/{st.device_id}/revoke")
    for method, path in (("GET", "/v1/sync/meta"), ("GET", "/v1/sync/pull"), ("POST", "/v1/sync/push")):
        body = {"device_id": st.device_id, "device_incarnation": st.incarnation, "acked_through": 0, "mutations": []}
        r = st.http.request(method, path, headers=st.headers, json=body if method == "POST" else None)
        assert r.status_code == 403 and r.json()["error"] == "device_revoked", (path, r.text)
    r = st.http.post("/v1/token", json={"device_id": st.device_id, "device_secret": st.secret})
    assert r.status_code == 403


# --- enrolment attempts ---------------------------------------------------------------------------

def test_failed_enrolments_are_limited_per_address_and_logged(live_server_factory: Callable[..., LiveServer],
                                                              fresh_postgres_url: str, tmp_path: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    srv = live_server_factory(fresh_postgres_url, tmp_path, enrol_max_failures=None)  # the real limit
    admin = Admin(srv)
    ward = new_ward(admin)
    caplog.set_level(logging.INFO, logger="trust_server")
    body = {"ward_code": ward, "device_name": "x", "device_incarnation": "6f1c3f0e-0000-4000-8000-000000000001",
            "schema_version": 4}
    answers = [httpx.post(srv.url + "/v1/enrol", json={**body, "code": f"WRONG{i:04d}"}).status_code for i in range(10)]
    assert answers == [403] * 10
    r = httpx.post(srv.url + "/v1/enrol", json={**body, "code": admin.code(ward)})  # even a good code, now
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    logged = [rec.getMessage() for rec in caplog.records if rec.name == "trust_server.enrolment"]
    assert sum("127.0.0.1" in m and "failed: " in m for m in logged) == 10 and any("refused" in m for m in logged)
    assert not any("WRONG" in m for m in logged)  # codes are never logged


# --- no patient data in the server's logs ---------------------------------------------------------

@pytest.fixture
def all_logs() -> Iterator[list[str]]:
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Keep(level=logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    loggers = [logging.getLogger(n) for n in ("", "uvicorn", "uvicorn.error", "trust_server", "sqlalchemy")]
    for lg in loggers:
        lg.addHandler(handler)
    yield lines
    for lg in loggers:
        lg.removeHandler(handler)


def test_a_database_error_quoting_a_patient_is_answered_and_logged_without_the_patient(
        live_server_factory: Callable[..., LiveServer], fresh_postgres_url: str, tmp_path: Path, all_logs: list[str]) -> None:
    srv = live_server_factory(fresh_postgres_url, tmp_path)
    admin = Admin(srv)
    st = admin.station(new_ward(admin))
    # PostgreSQL itself quotes the row in its error (as its JSON error context does): make it refuse shifts
    with psycopg.connect(fresh_postgres_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as con:
        con.execute("""CREATE FUNCTION refuse_shift() RETURNS trigger LANGUAGE plpgsql AS $$
                       BEGIN IF NEW.entity = 'shift' THEN RAISE EXCEPTION 'refused row %', NEW.data::text; END IF;
                       RETURN NEW; END $$""")
        con.execute("CREATE TRIGGER refuse_shift BEFORE INSERT ON entity_record FOR EACH ROW EXECUTE FUNCTION refuse_shift()")
    patient = "Edith Crawley"
    r = st.push_raw([st.create_shift(DAY, notes=f"{patient} in bay 3 fell at 02:00")])
    assert r.status_code == 500 and patient not in r.text
    text = "\n".join(all_logs)
    assert "sqlstate P0001" in text and "sync.py" in text  # the error was logged, with where it happened ...
    assert patient not in text  # ... without the patient


# --- many trusts ----------------------------------------------------------------------------------

def test_one_database_serves_one_trust(live_server_factory: Callable[..., LiveServer], fresh_postgres_url: str,
                                       tmp_path: Path) -> None:
    srv = live_server_factory(fresh_postgres_url, tmp_path)
    admin = Admin(srv)
    admin.post("/v1/admin/trusts", {"code": "NORTH", "name": "North NHS Trust"})
    admin.post("/v1/admin/trusts", {"code": "NORTH", "name": "North Hospitals NHS Trust"})  # a rename is fine
    r = admin.http.post("/v1/admin/trusts", json={"code": "SOUTH", "name": "South NHS Trust"})
    assert r.status_code == 409 and r.json()["error"] == "one_trust_per_database"
    st = admin.station(new_ward(admin))
    trusts = [c for c in st.pull_all() if c["entity"] == "trust"]
    assert [t["row"]["code"] for t in trusts] == ["NORTH"]


def test_a_database_holding_two_trusts_refuses_the_start(live_server_factory: Callable[..., LiveServer],
                                                          fresh_postgres_url: str, tmp_path: Path) -> None:
    from trust_server.app import create_app

    srv = live_server_factory(fresh_postgres_url, tmp_path)
    Admin(srv).post("/v1/admin/trusts", {"code": "NORTH", "name": "North NHS Trust"})
    srv.stop()
    with psycopg.connect(fresh_postgres_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as con:
        con.execute("INSERT INTO trust (id, code, name) VALUES (%s, 'SOUTH', 'South')", (ids.ward_id("TRUST/SOUTH"),))
    with pytest.raises(ConfigError, match="one database serves one trust"):
        create_app(Settings.resolve(fresh_postgres_url, tmp_path))


# --- bad input never 500 ----------------------------------------------------------------------------

def test_out_of_range_numbers_and_months_are_4xx(admin: Admin, ward: str, capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path) -> None:
    base = {"code": "ABCD-EFGH-JKLM", "ward_code": ward, "device_incarnation": "6f1c3f0e-0000-4000-8000-000000000001",
            "schema_version": 4}
    for seq in (2**70, 2**63, -1):
        r = httpx.post(admin.server.url + "/v1/enrol", json={**base, "start_seq": seq})
        assert r.status_code == 422, r.text
    st = admin.station(ward)
    r = st.push_raw([{**st.create_shift(DAY), "client_seq": 2**70}])
    assert r.status_code == 422, r.text
    assert st.push_raw([], acked_through=2**70).status_code == 422
    for month in ("0000-01", "9999-12", "0000", "9999"):
        r = admin.http.get(f"/v1/admin/wards/{ward}/staffing", params={"month": month})
        assert r.status_code == 422 and r.json()["error"] == "invalid_request", (month, r.text)
        rc = server_main(["admin", "--data-dir", str(tmp_path), "staffing", "--ward", "X1", "--month", month])
        err = capsys.readouterr().err
        assert rc == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, (month, err)


def test_token_expiry_reads_the_servers_clock() -> None:
    """Access tokens are stamped and checked by the one clock (domain/clock.py), not the wall clock."""
    from datetime import timedelta

    from hardtruths_desktop.domain.clock import FixedClock
    from trust_server import auth
    from trust_server.errors import ApiError

    secret = "ab" * 32
    clock = FixedClock.london(2026, 12, 1, 10, 0)
    token = auth.make_token(secret, "dev-1", clock=clock)
    assert auth.read_token(secret, token, clock=clock) == "dev-1"
    clock.advance(timedelta(seconds=auth.TOKEN_TTL_S + 1))
    with pytest.raises(ApiError) as err:
        auth.read_token(secret, token, clock=clock)
    assert err.value.error == "token_expired"
