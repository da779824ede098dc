"""Enrolment codes (one use, 24 h), device secrets, access tokens, the admin credential."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

import httpx
import psycopg
from server_support import Admin, Station
from support.live_server import LiveServer

from hardtruths_desktop.domain.clock import SYSTEM_CLOCK, wall_ms
from trust_server import auth


def _enrol(admin: Admin, code: str, ward: str) -> httpx.Response:
    return httpx.post(admin.server.url + "/v1/enrol", json={
        "code": code, "ward_code": ward, "device_incarnation": str(uuid.uuid4()), "schema_version": 4})


def test_enrolment_code_is_single_use(admin: Admin, ward: str) -> None:
    code = admin.code(ward)
    first = _enrol(admin, code.lower().replace("-", " "), ward)  # typed loosely: still the same code
    assert first.status_code == 200
    body = first.json()
    assert len(body["device_secret"]) <= 200 and body["ward_code"] == ward
    again = _enrol(admin, code, ward)
    assert again.status_code == 403 and again.json()["error"] == "enrolment_code_used"
    assert _enrol(admin, "ZZZZ-ZZZZ-ZZZZ", ward).json()["error"] == "enrolment_code_invalid"


def test_enrolment_code_expires_after_a_day(admin: Admin, ward: str) -> None:
    code = admin.code(ward)
    secret = admin.server.app.state.token_secret
    with psycopg.connect(admin.server.database_url.replace("postgresql+psycopg://", "postgresql://")) as con:
        con.execute("UPDATE enrolment_code SET expires_at = %s WHERE code_hash = %s",  # a second ago by the server's clock
                    (admin.server.clock.now() - timedelta(seconds=1), auth.hash_code(secret, code)))
    r = _enrol(admin, code, ward)
    assert r.status_code == 403 and r.json()["error"] == "enrolment_code_expired"


def test_enrolment_code_is_tied_to_its_ward(admin: Admin, ward: str) -> None:
    r = _enrol(admin, admin.code(ward), "OTHER")
    assert r.status_code == 409 and r.json()["error"] == "ward_mismatch"


def test_device_secret_is_stored_hashed_and_wrong_secret_refused(admin: Admin, ward: str) -> None:
    st = admin.station(ward)
    with psycopg.connect(admin.server.database_url.replace("postgresql+psycopg://", "postgresql://")) as con:
        stored = con.execute("SELECT secret_hash FROM device WHERE device_id = %s", (st.device_id,)).fetchone()
    assert stored is not None and stored[0] != st.secret and stored[0] == auth.hash_secret(st.secret)
    r = st.http.post("/v1/token", json={"device_id": st.device_id, "device_secret": "wrong"})
    assert r.status_code == 401 and r.json()["error"] == "invalid_credentials"


def test_access_tokens_expire_and_must_be_genuine(admin: Admin, ward: str) -> None:
    st = admin.station(ward)
    secret = admin.server.app.state.token_secret
    assert st.http.get("/v1/sync/meta", headers=st.headers).status_code == 200
    st.token = auth.make_token(secret, st.device_id, now=wall_ms(admin.server.clock) / 1000 - auth.TOKEN_TTL_S - 1,
                               clock=admin.server.clock)
    r = st.http.get("/v1/sync/meta", headers=st.headers)
    assert r.status_code == 401 and r.json()["error"] == "token_expired"
    st.token = auth.make_token("00" * 32, st.device_id, clock=admin.server.clock)
    assert st.http.get("/v1/sync/meta", headers=st.headers).json()["error"] == "invalid_token"
    assert st.http.get("/v1/sync/meta").status_code == 401


def test_every_endpoint_but_health_needs_a_credential(admin: Admin, ward: str) -> None:
    anon = httpx.Client(base_url=admin.server.url)
    assert anon.get("/health").status_code == 200
    assert "pinned at" in anon.get("/health").json()["clock"]  # a pinned clock shows where the server is watched
    assert anon.get("/v1/sync/pull").status_code == 401
    assert anon.post("/v1/admin/wards", json={"code": "X", "name": "X"}).status_code == 401
    st: Station = admin.station(ward)
    r = st.http.get("/v1/admin/devices", headers=st.headers)  # a device token is not the admin token
    assert r.status_code == 403 and r.json()["error"] == "not_admin"
    assert anon.get("/openapi.json").status_code == 200


def test_health_says_nothing_of_the_clock_on_a_server_running_on_the_pcs_clock(
        live_server_factory: Callable[..., LiveServer]) -> None:
    srv = live_server_factory(None, clock=SYSTEM_CLOCK)  # a ward's server: SQLite, the PC's clock
    assert httpx.get(srv.url + "/health").json() == {"status": "ok"}
