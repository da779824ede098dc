"""The sync wire protocol (SYNC.md 3.4, 3.5, 3.10), shared by the ward station and the trust server.

Pydantic models only: no I/O, no store. The server imports this module and ``domain`` and nothing
else of the core (import-linter keeps it so).

Every synced record travels as a flat ``{field: value}`` dict. Shift staffing uses dotted field
names for its per-group figures (``groups.rn.actual``), so the per-field merge (SYNC.md 3.6)
treats each figure as its own field.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

PROTOCOL_VERSION = 1

#: Synced entities: mutable ones merge per field; reference data is owned by the ward's setup.
MUTABLE_ENTITIES = frozenset({
    "shift", "ward_day", "red_flag", "bed", "bed_nurse",
})
REFERENCE_ENTITIES = frozenset({
    "trust", "ward", "shift_pattern", "staff", "establishment", "ward_board", "trust_contacts",
})
ENTITIES = MUTABLE_ENTITIES | REFERENCE_ENTITIES

Op = Literal["create", "patch", "delete", "amend"]
Verdict = Literal["applied", "duplicate", "rejected"]

HEADER_PROTOCOL = "Sync-Protocol"
HEADER_SCHEMA = "Client-Schema"
HEADER_APP = "App-Version"
HEADER_PENDING = "Client-Pending"

MAX_BATCH = 500
MAX_FIELD_TEXT = 4000


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Mutation(_Model):
    client_seq: int = Field(ge=1)
    mutation_id: str = Field(min_length=36, max_length=36)
    entity: str = Field(max_length=40)
    entity_id: str = Field(min_length=36, max_length=36)
    op: Op
    payload: dict[str, Any]
    base: dict[str, str] = Field(default_factory=dict)
    hlc: str = Field(pattern=r"^\d{13}-\d{5}-[0-9a-f-]{1,8}$")
    schema_version: int = Field(ge=1, le=10_000)
    recorded_by: str = Field(max_length=120)
    wall_time: str = Field(max_length=40)


class PushRequest(_Model):
    device_id: str
    device_incarnation: str
    server_epoch: str | None = None
    acked_through: int = Field(ge=0)
    mutations: list[Mutation] = Field(max_length=MAX_BATCH)


class ItemResult(_Model):
    client_seq: int
    mutation_id: str
    status: Verdict
    server_seq: int | None = None
    effective: dict[str, Any] = Field(default_factory=dict)
    flags: list[str] = Field(default_factory=list)
    error: str | None = None


class PushResponse(_Model):
    server_epoch: str
    server_time: str
    device_last_client_seq: int
    server_seq_high: int
    results: list[ItemResult]


class Change(_Model):
    seq: int
    entity: str
    id: str
    ward_id: str | None
    deleted: bool = False
    row: dict[str, Any]
    field_meta: dict[str, dict[str, Any]] = Field(default_factory=dict)
    needs_review: bool = False


class PullResponse(_Model):
    server_epoch: str
    min_retained_seq: int
    server_time: str
    changes: list[Change]
    next_since: int
    has_more: bool


class MetaResponse(_Model):
    server_epoch: str
    server_time: str
    protocol: int = PROTOCOL_VERSION
    schema_min: int
    schema_max: int


class EnrolRequest(_Model):
    code: str = Field(min_length=6, max_length=20)
    ward_code: str | None = Field(default=None, min_length=1, max_length=16)  # None: the ward the code names
    device_name: str = Field(default="", max_length=80)
    device_incarnation: str = Field(min_length=36, max_length=36)
    app_version: str = Field(default="", max_length=40)
    schema_version: int = Field(ge=1, le=10_000)
    start_seq: int = Field(default=0, ge=0)  # the first client_seq the device will send (its lowest unacked)


class EnrolResponse(_Model):
    device_id: str
    device_secret: str
    ward_id: str
    ward_code: str
    server_epoch: str
    ward_has_setup: bool  # False: this station's ward setup becomes the server's


class TokenRequest(_Model):
    device_id: str
    device_secret: str = Field(max_length=200)


class TokenResponse(_Model):
    access_token: str
    expires_in: int


class ErrorBody(_Model):
    """Body of every 4xx from the sync endpoints: a machine-readable ``error`` and plain words."""

    error: str
    message: str
    expected_seq: int | None = None
    upload_allowed: bool | None = None
