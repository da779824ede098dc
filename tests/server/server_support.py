"""Helpers for the server tests: an admin client and a minimal station that speaks the protocol."""

from __future__ import annotations

import gzip
import itertools
import json
import uuid
from datetime import date
from typing import Any

import httpx
from sqlalchemy.engine import Dialect
from support.live_server import LiveServer

from hardtruths_desktop.domain import ids
from hardtruths_desktop.domain.clock import wall_ms
from hardtruths_desktop.domain.hlc import Hlc
from trust_server.db import make_engine, migrate

_ward_counter = itertools.count(1)


class Admin:
    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.http = httpx.Client(base_url=server.url, headers=server.admin_headers(), timeout=30)

    def post(self, path: str, body: Any = None) -> Any:
        r = self.http.post(path, json=body)
        assert r.status_code == 200, r.text
        return r.json()

    def put(self, path: str, body: Any) -> Any:
        r = self.http.put(path, json=body)
        assert r.status_code == 200, r.text
        return r.json()

    def code(self, ward: str) -> str:
        return str(self.post(f"/v1/admin/wards/{ward}/enrolment-codes")["code"])

    def station(self, ward: str, name: str = "station") -> Station:
        return Station.enrol(self.server, ward, self.code(ward), name)



def migrated(url: str) -> Dialect:
    """The trust server's schema made in the (empty) database at ``url``; its dialect, to compile statements as the
    server sends them."""
    engine = make_engine(url)
    try:
        migrate(engine)
        return engine.dialect
    finally:
        engine.dispose()


def new_ward(admin: Admin, with_setup: bool = True) -> str:
    code = f"T{uuid.uuid4().hex[:6].upper()}{next(_ward_counter)}"[:16]
    admin.post("/v1/admin/wards", {"code": code, "name": f"Ward {code}"})
    if with_setup:
        for sc, start, end, period in (("early", "07:00", "15:00", "day"), ("late", "14:30", "22:30", "day"),
                                       ("night", "22:00", "07:30", "night")):
            admin.put(f"/v1/admin/wards/{code}/shift-pattern",
                      {"code": sc, "name": sc.capitalize(), "start_time": start, "end_time": end, "period": period})
    return code


class Station:
    """Just enough of a ward station to push and pull by hand."""

    def __init__(self, server: LiveServer, enrolled: dict[str, Any], incarnation: str) -> None:
        self.server = server
        self.device_id: str = enrolled["device_id"]
        self.secret: str = enrolled["device_secret"]
        self.ward_id: str = enrolled["ward_id"]
        self.ward_code: str = enrolled["ward_code"]
        self.epoch: str = enrolled["server_epoch"]
        self.enrolled = enrolled
        self.incarnation = incarnation
        self.seq = 0
        self.acked = 0
        self.hlc = Hlc(wall_ms(server.clock), 0, self.device_id[:8])  # the server's pinned clock: never the PC's
        self.http = httpx.Client(base_url=server.url, timeout=30)
        self.token = self._token()

    @classmethod
    def enrol(cls, server: LiveServer, ward: str, code: str, name: str = "station") -> Station:
        inc = str(uuid.uuid4())
        r = httpx.post(server.url + "/v1/enrol", json={"code": code, "ward_code": ward, "device_name": name,
                                                       "device_incarnation": inc, "schema_version": 4})
        assert r.status_code == 200, r.text
        return cls(server, r.json(), inc)

    def _token(self) -> str:
        r = self.http.post("/v1/token", json={"device_id": self.device_id, "device_secret": self.secret})
        assert r.status_code == 200, r.text
        return str(r.json()["access_token"])

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Sync-Protocol": "1", "Client-Schema": "4", "App-Version": "test"}

    def next_hlc(self, offset_ms: int = 0) -> str:
        now = wall_ms(self.server.clock) + offset_ms
        pt = max(self.hlc.pt, now) if offset_ms >= 0 else now
        self.hlc = Hlc(pt, self.hlc.lc + 1 if pt == self.hlc.pt else 0, self.device_id[:8])
        return str(self.hlc)

    def mutation(self, entity: str, entity_id: str, op: str, payload: dict[str, Any], base: dict[str, str] | None = None,
                 hlc: str | None = None, mutation_id: str | None = None, seq: int | None = None) -> dict[str, Any]:
        if seq is None:
            self.seq += 1
            seq = self.seq
        return {"client_seq": seq, "mutation_id": mutation_id or ids.uuid7(), "entity": entity, "entity_id": entity_id,
                "op": op, "payload": payload, "base": base or {}, "hlc": hlc or self.next_hlc(), "schema_version": 4,
                "recorded_by": "staff:test", "wall_time": "2026-01-01T00:00:00Z"}

    def push_raw(self, mutations: list[dict[str, Any]], *, epoch: str | None = None, acked_through: int | None = None,
                 gzip_body: bool = False, extra_headers: dict[str, str] | None = None) -> httpx.Response:
        body = {"device_id": self.device_id, "device_incarnation": self.incarnation, "server_epoch": epoch,
                "acked_through": self.acked if acked_through is None else acked_through, "mutations": mutations}
        headers = {**self.headers, "Content-Type": "application/json", **(extra_headers or {})}
        data = json.dumps(body).encode()
        if gzip_body:
            data = gzip.compress(data)
            headers["Content-Encoding"] = "gzip"
        return self.http.post("/v1/sync/push", content=data, headers=headers)

    def push(self, mutations: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
        r = self.push_raw(mutations, **kw)
        assert r.status_code == 200, r.text
        out: dict[str, Any] = r.json()
        self.acked = out["device_last_client_seq"]
        return out

    def pull_all(self, since: int = 0, limit: int = 500, protocol: int = 1) -> list[dict[str, Any]]:
        """Every change the pull sends from ``since`` (``protocol`` 2: ``versions`` instead of ``field_meta``)."""
        changes: list[dict[str, Any]] = []
        headers = self.headers if protocol == 1 else {**self.headers, "Sync-Protocol": str(protocol)}
        while True:
            r = self.http.get("/v1/sync/pull", params={"since": since, "limit": limit}, headers=headers)
            assert r.status_code == 200, r.text
            page = r.json()
            changes += page["changes"]
            since = page["next_since"]
            if not page["has_more"]:
                return changes

    # --- shift helpers --------------------------------------------------------------------------------
    def shift_id(self, day: date, code: str = "early") -> str:
        return ids.shift_id(self.ward_id, day, code)

    def create_shift(self, day: date, code: str = "early", **fields: Any) -> dict[str, Any]:
        payload = {"ward_id": self.ward_id, "shift_date": day.isoformat(), "shift_code": code,
                   "groups.rn.planned": 4, "groups.rn.actual": 4, "groups.rn.planned_hours": 30.0,
                   "groups.rn.actual_hours": 30.0, "notes": "", **fields}
        return self.mutation("shift", self.shift_id(day, code), "create", payload)


def meta_of(changes: list[dict[str, Any]], entity_id: str) -> dict[str, Any]:
    found = [c for c in changes if c["id"] == entity_id]
    assert found, f"{entity_id} not pulled"
    return found[-1]


def stored_versions(value: Any) -> dict[str, Any]:
    """``entity_record.field_meta`` as read from the database (its text, or the value a driver decoded), packed
    (server migration 0021) or in the older object form, as ``{field: {tok, hlc, device_id, seq}}``: how a test
    reads the column directly."""
    from trust_server import field_versions

    if isinstance(value, str | bytes):
        value = json.loads(value)
    return {f: dict(v) for f, v in field_versions.unpack(value).items()}
