"""Who may call what: every route in the published OpenAPI document, called as each role (no
credential, garbage, a revoked station, a station of ward A, one of ward B, trust IT with the admin
token). A route added without a row in ``POLICY`` fails this test until someone decides who may
call it."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import httpx
from server_support import Admin, Station, new_ward
from support.live_server import LiveServer

from hardtruths_desktop.domain import ids

PUBLIC, DEVICE, ADMIN = "public", "device", "admin"
#: route prefix -> who may call it (first match wins)
POLICY: list[tuple[str, str]] = [
    ("/health", PUBLIC),
    ("/v1/enrol", PUBLIC),  # the one-time code is the credential
    ("/v1/token", PUBLIC),  # the device secret is the credential
    ("/v1/sync/", DEVICE),
    ("/v1/admin/", ADMIN),
    ("/v1/devices/", ADMIN),
]
ROLES = ("none", "garbage", "revoked", "ward_a", "ward_b", "admin")
#: the status each role must get on a route of each kind (None: anything but 401/403/5xx)
EXPECTED: dict[str, dict[str, int | None]] = {
    DEVICE: {"none": 401, "garbage": 401, "revoked": 403, "ward_a": None, "ward_b": None, "admin": 401},
    ADMIN: {"none": 401, "garbage": 403, "revoked": 403, "ward_a": 403, "ward_b": 403, "admin": None},
}


def _kind(path: str) -> str | None:
    return next((kind for prefix, kind in POLICY if path == prefix or path.startswith(prefix)), None)


def _fill(path: str, ward: str, spare_device: str) -> str:
    def value(m: re.Match[str]) -> str:
        name = m.group(1)
        if name == "ward_code":
            return ward
        if name == "device_id":
            return spare_device  # revoking it harms no one else in this test
        return "00000000-0000-4000-8000-000000000000"

    return re.sub(r"\{([a-z_]+)\}", value, path)


def test_every_route_answers_each_role_as_the_policy_says(live_server: LiveServer) -> None:
    admin = Admin(live_server)
    ward_a, ward_b = new_ward(admin), new_ward(admin)
    a, b, revoked, spare = (admin.station(ward_a, "a"), admin.station(ward_b, "b"), admin.station(ward_a, "revoked"),
                            admin.station(ward_a, "spare"))
    admin.post(f"/v1/devices/{revoked.device_id}/revoke")
    tokens: dict[str, str | None] = {"none": None, "garbage": "garbage", "revoked": revoked.token, "ward_a": a.token,
                                     "ward_b": b.token, "admin": live_server.admin_token}
    doc = httpx.get(live_server.url + "/openapi.json").json()
    unclassified: list[str] = []
    wrong: list[str] = []
    calls = 0
    for path, item in doc["paths"].items():
        kind = _kind(path)
        if kind is None:
            unclassified.append(path)
            continue
        for method in item:
            answers: dict[str, int] = {}
            for role in ROLES:
                headers = {"Authorization": f"Bearer {tokens[role]}"} if tokens[role] else {}
                body: Any = {} if method in ("post", "put", "patch") else None
                r = httpx.request(method.upper(), live_server.url + _fill(path, ward_a, spare.device_id), json=body,
                                  headers=headers, params={"month": "2026-03"} if "staffing" in path else None)
                calls += 1
                answers[role] = r.status_code
                if r.status_code >= 500:
                    wrong.append(f"{method.upper()} {path} as {role}: {r.status_code}")
                    continue
                want = EXPECTED.get(kind, {}).get(role)
                if kind == PUBLIC:
                    continue
                if want is None and r.status_code in (401, 403):
                    wrong.append(f"{method.upper()} {path} as {role}: {r.status_code} (should be let in)")
                elif want is not None and r.status_code != want:
                    wrong.append(f"{method.upper()} {path} as {role}: {r.status_code}, expected {want}")
            if kind == PUBLIC and len(set(answers.values())) != 1:
                wrong.append(f"{method.upper()} {path}: a public route answered differently by credential {answers}")
    assert unclassified == [], f"routes with no access policy: {unclassified}"
    assert wrong == []
    assert calls >= 6 * 12


def test_a_station_of_ward_b_neither_reads_nor_writes_ward_a(admin: Admin) -> None:
    ward_a, ward_b = new_ward(admin), new_ward(admin)
    a, b = admin.station(ward_a, "a"), admin.station(ward_b, "b")
    day = date(2026, 3, 5)
    a.push([a.create_shift(day, notes="ward A only")])
    assert not [c for c in b.pull_all() if c["ward_id"] == a.ward_id]
    res = b.push([b.mutation("shift", a.shift_id(day), "patch", {"notes": "from ward B"})])["results"][0]
    assert res["status"] == "rejected"
    flag = b.mutation("red_flag", ids.uuid7(), "create", {"ward_id": a.ward_id, "shift_id": a.shift_id(day),
                                                          "flag_type": "pain_relief_delay", "raised_at": "2026-03-05T10:00:00Z",
                                                          "raised_by": "staff:test", "detail": ""})
    assert b.push([flag])["results"][0]["status"] == "rejected"
    assert next(c for c in a.pull_all() if c["id"] == a.shift_id(day))["row"]["notes"] == "ward A only"
    assert isinstance(b, Station)
