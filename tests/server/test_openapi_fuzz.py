"""Bad input to every endpoint: schemathesis against the published OpenAPI schema finds no 5xx.

Bounded (few examples per operation, no shrinking) so it runs in seconds; credentials are real
(an enrolled station's access token for /v1/sync, the admin token for admin routes).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from server_support import Admin, new_ward
from support.live_server import LiveServer

MAX_EXAMPLES = 12


@pytest.fixture(scope="module")
def fuzz_target(live_server: LiveServer) -> dict[str, Any]:
    admin = Admin(live_server)
    ward = new_ward(admin)
    st = admin.station(ward, "fuzz")
    schema = schemathesis.openapi.from_url(live_server.url + "/openapi.json")
    return {"schema": schema, "device": {"Authorization": f"Bearer {st.token}"}, "admin": live_server.admin_headers(),
            "url": live_server.url, "device_id": st.device_id}


def test_published_schema_has_every_endpoint(live_server: LiveServer) -> None:
    paths = httpx.get(live_server.url + "/openapi.json").json()["paths"]
    for p in ("/v1/sync/push", "/v1/sync/pull", "/v1/sync/meta", "/v1/enrol", "/v1/token", "/v1/devices/{device_id}/revoke",
              "/health", "/v1/admin/wards"):
        assert p in paths


def test_no_endpoint_answers_5xx(fuzz_target: dict[str, Any]) -> None:
    schema = fuzz_target["schema"]
    failures: list[str] = []
    count = 0
    reached_apply = 0
    last_seq = [0]

    def fuzz(operation: Any, auth: dict[str, str]) -> None:
        @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            nonlocal count
            count += 1
            if "revoke" in case.path:  # fuzzing revoke must not revoke the station doing the fuzzing
                case.path_parameters = {"device_id": "00000000-0000-4000-8000-00000000dead"}
            pushing = case.path == "/v1/sync/push" and isinstance(case.body, dict) and isinstance(case.body.get("mutations"), list)
            if pushing:  # aim the random batches at this station's queue so they reach validation and apply
                case.body.update(device_id=fuzz_target["device_id"], server_epoch=None, acked_through=0)
                for i, m in enumerate(case.body["mutations"]):
                    if isinstance(m, dict):
                        m["client_seq"] = last_seq[0] + 1 + i
            response = case.call(base_url=fuzz_target["url"], headers=auth)
            if pushing and response.status_code == 200:
                nonlocal reached_apply
                reached_apply += 1
                last_seq[0] = response.json()["device_last_client_seq"]
            if response.status_code >= 500:  # schemathesis' not_a_server_error, collected so all are reported
                failures.append(f"{case.method} {case.formatted_path} {case.query} -> {response.status_code} {response.text[:200]}")

        run()

    for result in schema.get_all_operations():
        operation = result.ok()
        is_admin = operation.path.startswith(("/v1/admin", "/v1/devices"))
        fuzz(operation, fuzz_target["admin"] if is_admin else fuzz_target["device"])
    assert count > 50 and reached_apply > 0
    assert failures == []
