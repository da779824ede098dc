"""The sync wire protocol (SYNC.md 3.4, 3.5, 3.10), shared by the ward station and the trust server.

Pydantic models only: no I/O, no store. The server imports this module and ``domain`` and nothing
else of the core (import-linter keeps it so).

Every synced record travels as a flat ``{field: value}`` dict. Shift staffing uses dotted field
names for its per-group figures (``groups.rn.actual``), so the per-field merge (SYNC.md 3.6)
treats each figure as its own field.

The entity registry (SYNC.md decision 10: a record the server accepts is one every station can store)
------------------------------------------------------------------------------------------------------
``SCHEMAS`` maps each synced entity name to its ``EntitySchema``: ONE typed pydantic model of the whole
record (types, required fields, lengths, valid Unicode, value sets, the station table's defaults) plus
the constraints a model cannot see alone: which fields are unique within the ward (or the trust), which
fields refer to another record (and whether it must be of the same ward), whether the record belongs to
a ward or to the whole trust (trust-wide records are written by trust administrators only). The server
checks every pushed record against it (the merged result of a patch, against its current state) and the
station checks every pulled record against it before storing it.

To add an entity (e.g. ``feedback``):

1. write its model: ``class FeedbackRecord(SyncedRecord)`` with one annotated field per column of the
   station's table, using the field types below (``Note``, ``ShortText``,
   ``Annotated[str, TextRule(40, required=True)]``, ``Id``, ``IsoDate``, ``Flag`` ...);
   a field with a default is optional on create, one without is required; defaults equal the table's;
2. ``register(EntitySchema("feedback", FeedbackRecord, kind="immutable", unique=(...),
   references=(Ref("shift_id", "shift"),)))`` at the bottom of this module;
3. ``tests/server/test_record_schemas.py`` compares every registered schema with the station table of
   the same name (NOT NULL, UNIQUE, FOREIGN KEY, CHECK) and pushes one violation of each: it fails until
   the two agree. ``store/sync_store.TABLES`` maps the entity to its table on the station.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from typing import Annotated, Any, Literal, cast

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, model_validator
from pydantic import ValidationError as PydanticError

from hardtruths_desktop.domain import feedback as fft
from hardtruths_desktop.domain import ids
from hardtruths_desktop.domain.validation import (
    MAX_BEDS,
    MAX_NAME,
    MAX_NOTE,
    MAX_PATIENTS,
    MAX_SHORT_TEXT,
    ValidationError,
    check_any_red_flag_type,
    check_red_flag_type,
    check_shift_code,
    check_staff_role,
    check_ward_code,
    clean_name,
    clean_text,
    is_valid_unicode,
    parse_count,
    parse_hours,
    parse_time,
    printable,
)
from hardtruths_desktop.domain.valuesets import recordable_red_flag_codes, staff_group_codes

#: 2 (issue 13): a pull skips the station's own changes (unless it pulls from 0) and carries field
#: versions compactly (``Change.versions``); a push answer leaves out ``effective`` of a change applied
#: as sent. The server still answers protocol 1 stations as before.
PROTOCOL_VERSION = 2

Op = Literal["create", "patch", "delete", "amend"]
Verdict = Literal["applied", "duplicate", "rejected"]

HEADER_PROTOCOL = "Sync-Protocol"
HEADER_SCHEMA = "Client-Schema"
HEADER_APP = "App-Version"
HEADER_PENDING = "Client-Pending"
#: Push overlap (issue 13, i13-push5), a capability, not a protocol version: a server that can take a
#: station's next push while the one before is being applied answers every push with
#: ``Push-Pipeline: 1``; a station that has seen it may send its next batch, marked
#: ``Push-Pipelined: 1``, before the answer to the one before has come back. The server reads and
#: checks such a batch first, then WAITS for the station's earlier push to commit (a push without the
#: mark still gets 409 ``request_outstanding`` at once). A server without the capability never says
#: so, and such a station never sends a batch early; a station without it never marks one.
HEADER_PIPELINE = "Push-Pipeline"
HEADER_PIPELINED = "Push-Pipelined"

MAX_BATCH = 500
MAX_FIELD_TEXT = 4000


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Mutation(_Model):
    client_seq: int = Field(ge=1, le=2**62)
    mutation_id: str = Field(min_length=36, max_length=36)
    entity: str = Field(max_length=40)
    #: any text here: an id not a UUID in its usual form refuses its change alone, by name (the server's
    #: ``apply.odd_record_id``), never the whole batch (the request's size limit bounds it)
    entity_id: str
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
    acked_through: int = Field(ge=0, le=2**62)
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
    field_meta: dict[str, dict[str, Any]] = Field(default_factory=dict)  # protocol 1: {field: {tok, hlc, device_id, seq}}
    needs_review: bool = False
    #: protocol 2: the field versions a station needs, by token: ``[[tok, hlc, [field, ...]], ...]``
    versions: list[tuple[str, str, list[str]]] | None = None

    def metas(self) -> dict[str, dict[str, Any]]:
        """``{field: {"tok", "hlc"}}`` whichever way the change carried them."""
        if self.versions is None:
            return self.field_meta
        out: dict[str, dict[str, Any]] = {}
        for tok, hlc, fields in self.versions:
            version = {"tok": tok, "hlc": hlc}  # one dict per version, shared by its fields (read only)
            for f in fields:
                out[f] = version
        return out


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
    start_seq: int = Field(default=0, ge=0, le=2**62)  # the first client_seq the device will send (its lowest unacked)


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


class GapRequest(_Model):
    """SYNC.md 3.9: the station can no longer send ``from_seq``..``to_seq`` (the server, restored from an
    older backup, asks for changes the station has already pruned after its retention window). It says
    so instead of stalling; the server records the gap as an incident for IT and clinical safety and
    moves the station's sequence past it."""

    device_id: str = Field(max_length=36)
    from_seq: int = Field(ge=1, le=2**62)
    to_seq: int = Field(ge=1, le=2**62)
    oldest_retained_wall_time: str | None = Field(default=None, max_length=40)


class GapResponse(_Model):
    device_last_client_seq: int
    gap_id: int


class ErrorBody(_Model):
    """Body of every 4xx from the sync endpoints: a machine-readable ``error`` and plain words."""

    error: str
    message: str
    expected_seq: int | None = None
    upload_allowed: bool | None = None


# --- read-models shared by the station and the server ---------------------------------------------------

class GroupSummary(_Model):
    planned: int
    actual: int
    planned_hours: float
    actual_hours: float
    bank_agency: int


class RedFlagSummary(_Model):
    id: str | None
    type: str
    label: str
    computed: bool
    raised_at: str | None
    raised_by: str
    detail: str
    escalated_to: str
    escalated_at: str | None
    response: str
    resolved_at: str | None
    incident: str | None = None  # the reference of the incident reported from this red flag (issue 10)


class ShiftSummary(_Model):
    """One shift of a ward as ``hardtruths-desktop staffing show --json`` and the trust server's
    ``admin staffing`` show it (built by ``domain.shift_rows``)."""

    ward: str
    date: str
    shift: str
    shift_name: str
    period: Literal["day", "night"]
    recorded: bool
    nurse_in_charge: str | None
    patients_at_midnight: int | None
    notes: str
    red_flags: list[RedFlagSummary]
    groups: dict[str, GroupSummary]


class StaffingReturn(_Model):
    """One ward's monthly staffing return as the trust server computes it (``GET /v1/admin/wards/{code}
    /staffing-return``): the same columns and values as a row of the station's
    ``export staffing-return`` CSV (``domain.staffing_return``), and what it does not cover."""

    ward: str
    month: str
    complete: bool
    summary: str  # "3 shifts not recorded, 1 day without a midnight count"
    columns: list[str]
    row: dict[str, str]


# --- the entity registry -------------------------------------------------------------------------------

#: A field name: lower-case letters, digits, '_' and '.', at most 80 (no NUL, no surrogate, no space).
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_.]{0,79}$")
MAX_FIELDS = 200
#: ``groups.<staff group>.<figure>``: one staffing figure of a shift (the station's ``shift_staffing`` row).
GROUP_FIELD = re.compile(r"^groups\.([a-z0-9_]{1,20})\.(planned|actual|planned_hours|actual_hours|bank_agency)$")
GROUP_COLUMNS = ("planned", "actual", "planned_hours", "actual_hours", "bank_agency")


def _label(field_name: str) -> str:
    return field_name.split(".")[-1].replace("_", " ").capitalize()


def _not_bool_or_str(value: Any, what: str) -> Any:
    if isinstance(value, (bool, str)) or value is None:
        raise ValueError(f"must be {what}")
    return value


def _text(maximum: int, required: bool, multiline: bool) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value is None:
            raise ValueError("must be text (it cannot be left out as null)")
        if not isinstance(value, str):
            raise ValueError("must be text")
        if not is_valid_unicode(value):
            raise ValueError("contains a broken character or a NUL that cannot be stored")
        # clean_text's own rules (trimmed, NFC, no control characters, length, one line for short text)
        limit = maximum if multiline or maximum > MAX_SHORT_TEXT else min(maximum, MAX_SHORT_TEXT)
        out = clean_text(value, "The text", "value", max(limit, 1), required=required)
        if not multiline and ("\n" in out or "\t" in out):
            raise ValueError("must be on one line")
        return out

    return check


def _plain(fn: Callable[..., Any]) -> Callable[[Any], Any]:
    """A domain check (raising the domain's ValidationError) as a pydantic validator."""

    def check(value: Any) -> Any:
        try:
            return fn(value)
        except ValidationError as e:
            raise ValueError(str(e)) from None

    return check


def TextRule(maximum: int, *, required: bool = False, multiline: bool = False) -> BeforeValidator:
    """``Annotated[str, TextRule(200)]``: text of at most ``maximum`` characters, valid Unicode, no
    control characters (no line breaks unless ``multiline``), trimmed and NFC-normalised."""
    return BeforeValidator(_plain(_text(maximum, required, multiline)))


def _name(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    _text(MAX_NAME, True, False)(value)
    return clean_name(value, "name")


def _id(value: Any) -> str:
    if not isinstance(value, str) or len(value) != 36:
        raise ValueError("must be a record id")
    try:
        uuid.UUID(value)
    except ValueError:
        raise ValueError("must be a record id") from None
    return value.lower()


def _iso_date(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("must be a date (YYYY-MM-DD)")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ValueError("must be a real date (YYYY-MM-DD)") from None
    return value


def _timestamp(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 40 or not re.fullmatch(
            r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?", value):
        raise ValueError("must be a UTC time such as 2026-03-10T14:05:11Z")
    return value


def _hh_mm(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a time (HH:MM)")
    return parse_time(value, "time").strftime("%H:%M")


def _strict_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _whole(lo: int, hi: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise ValueError(f"must be a whole number from {lo} to {hi}")
        return value

    return check


def _count(maximum: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        return parse_count(_not_bool_or_str(value, "a whole number"), "The number", "value", maximum)

    return check


def _hours(value: Any) -> float:
    return parse_hours(_not_bool_or_str(value, "a number of hours"), "The hours", "value")


def _id_list(value: Any) -> list[str]:
    if not isinstance(value, list) or len(value) > MAX_BEDS:
        raise ValueError(f"must be a list of at most {MAX_BEDS} record ids")
    out = [_id(v) for v in value]
    if len(set(out)) != len(out):
        raise ValueError("lists someone twice")
    return out


def _uniform_key(value: Any) -> str:
    """The poster's uniform key: JSON text of a list of {colour_name, colour_hex, role}."""
    text = _text(4000, False, True)(value)
    try:
        entries = json.loads(text or "[]")
    except ValueError:
        raise ValueError("must be a list of uniform colours") from None
    if not isinstance(entries, list) or len(entries) > 40:
        raise ValueError("must be a list of at most 40 uniform colours")
    for e in entries:
        if not isinstance(e, dict) or set(e) != {"colour_name", "colour_hex", "role"}:
            raise ValueError("each uniform colour needs colour_name, colour_hex and role")
        if not isinstance(e["colour_hex"], str) or not re.fullmatch(r"#[0-9A-Fa-f]{6}", e["colour_hex"]):
            raise ValueError("a uniform colour must look like #RRGGBB")
        _text(40, True, False)(e["colour_name"])
        _text(60, True, False)(e["role"])
    return text


def _one_of(allowed: tuple[str, ...], what: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in allowed:
            raise ValueError(f"must be {what} ({', '.join(allowed)})")
        return str(value)

    return check


def _optional(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else fn(value)


def _rule(fn: Callable[[Any], Any]) -> BeforeValidator:
    return BeforeValidator(_plain(fn))


def CountRule(maximum: int) -> BeforeValidator:
    """``Annotated[int, CountRule(60)]``: a whole number of people, 0..maximum."""
    return _rule(_count(maximum))


def OptCountRule(maximum: int) -> BeforeValidator:
    return _rule(_optional(_count(maximum)))


def WholeRule(lo: int, hi: int) -> BeforeValidator:
    return _rule(_whole(lo, hi))


Id = Annotated[str, _rule(_id)]
OptId = Annotated[str | None, _rule(_optional(_id))]
IsoDate = Annotated[str, _rule(_iso_date)]
OptDate = Annotated[str | None, _rule(_optional(_iso_date))]
Timestamp = Annotated[str, _rule(_timestamp)]
OptTimestamp = Annotated[str | None, _rule(_optional(_timestamp))]
HhMm = Annotated[str, _rule(_hh_mm)]
Flag = Annotated[bool, _rule(_strict_bool)]
PersonName = Annotated[str, _rule(_name)]
WardCode = Annotated[str, _rule(lambda v: check_ward_code(v if isinstance(v, str) else "", "code"))]
ShiftCode = Annotated[str, _rule(lambda v: check_shift_code(v if isinstance(v, str) else "", "shift_code"))]
StaffGroup = Annotated[str, _rule(lambda v: check_staff_role(v if isinstance(v, str) else "", "role"))]
RedFlagType = Annotated[str, _rule(lambda v: check_red_flag_type(v if isinstance(v, str) else "", "flag_type"))]
AnyRedFlagType = Annotated[str, _rule(lambda v: check_any_red_flag_type(v if isinstance(v, str) else "", "flag_type"))]
Period = Annotated[str, _rule(_one_of(("day", "night"), "a day or a night shift"))]
Hours = Annotated[float, _rule(_hours)]
Heads = Annotated[int, CountRule(60)]
IdList = Annotated[list[str], _rule(_id_list)]
UniformKey = Annotated[str, _rule(_uniform_key)]
ShortText = Annotated[str, TextRule(MAX_SHORT_TEXT)]
RequiredShortText = Annotated[str, TextRule(MAX_SHORT_TEXT, required=True)]
Note = Annotated[str, TextRule(MAX_NOTE, multiline=True)]


class SyncedRecord(BaseModel):
    """Base of every entity's record model: the whole record as the station stores it.

    ``deleted`` is the tombstone every record may carry (SYNC.md 3.8). Unknown fields are refused:
    a station newer than the server is stopped earlier, by its schema version (SYNC.md 3.10)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    deleted: Flag = False


@dataclass(frozen=True)
class Ref:
    """``field`` holds the id of a ``target`` record (the station's FOREIGN KEY); ``same_ward``: the
    target must belong to the same ward as the record (a nurse in charge from another ward is refused)."""

    field: str
    target: str
    same_ward: bool = True


Scope = Literal["ward", "trust"]
Kind = Literal["mutable", "reference", "immutable"]


@dataclass(frozen=True)
class EntitySchema:
    """One synced entity: its record model and the constraints that need other records to check.

    * ``scope``: ``"ward"`` records belong to one ward (``ward_field`` names it; for ``ward`` itself it is
      the record's own id); ``"trust"`` records belong to the whole trust and are written only by a trust
      administrator, never by a ward device (SYNC.md decision 9).
    * ``kind``: ``mutable`` merges per field; ``reference`` is ward setup (the server's wins a concurrent
      difference once it has one); ``immutable`` is create-only, corrected by ``amend`` (SYNC.md 3.6).
    * ``key``: the station table's primary key column; when it is not ``id`` the record's id IS that
      field (``ward_board.ward_id``), filled in from the entity id.
    * ``unique``: field tuples unique among the live records of the same ward (of the trust, for
      trust-wide records and for ``ward`` itself).
    * ``references``: fields pointing at other records, which must exist and not be deleted.
    * ``patterns``: dynamic field names (``groups.rn.actual``) and the type of their values.
    * ``identity``: for records whose id is derived from their natural key, that derivation, and
      ``identity_key`` the fields it reads (a unique tuple equal to it needs no look-up: two records
      with the same key have the same id).
    * ``table``: the station's table (default: the entity name).
    * ``amended_in_place``: an immutable entity whose corrections are new records of the same entity
      naming their original in ``amends_id`` (feedback), and ``amend_keeps`` the fields an amendment must
      keep from it. False: amendments are their own entity that points at its subject through a
      reference (``incident_amendment.incident_id``), each sent once with op ``amend``.
    """

    name: str
    model: type[SyncedRecord]
    scope: Scope = "ward"
    kind: Kind = "mutable"
    key: str = "id"
    ward_field: str | None = "ward_id"
    unique: tuple[tuple[str, ...], ...] = ()
    references: tuple[Ref, ...] = ()
    patterns: tuple[tuple[re.Pattern[str], Any], ...] = ()
    identity: Callable[[Mapping[str, Any]], str] | None = None
    identity_key: tuple[str, ...] = ()
    table: str | None = None
    amended_in_place: bool = False
    amend_keeps: tuple[str, ...] = ()

    @property
    def station_table(self) -> str:
        return self.table or self.name

    @property
    def trust_wide(self) -> bool:
        return self.scope == "trust"

    def ward_of(self, entity_id: str, record: Mapping[str, Any]) -> str | None:
        """The ward a record belongs to (None: the whole trust)."""
        if self.trust_wide or self.ward_field is None:
            return None
        if self.ward_field == "id" or self.ward_field == self.key:
            return entity_id.lower()
        value = record.get(self.ward_field)
        return value if isinstance(value, str) else None

    def known_field(self, f: str) -> bool:
        return _known_field(self.name, f)

    def unique_to_look_up(self) -> tuple[tuple[str, ...], ...]:
        return tuple(u for u in self.unique if u != self.identity_key)

    def required_fields(self) -> tuple[str, ...]:
        return tuple(n for n, f in self.model.model_fields.items() if f.is_required() and n != self.key)

    # --- checks ----------------------------------------------------------------------------------
    def clean_values(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Each value of a payload checked and normalised on its own (types, lengths, Unicode, value
        sets). Raises the domain's ValidationError naming the first bad field."""
        if len(values) > MAX_FIELDS:
            raise ValidationError.single("payload", f"Too many fields in one change ({len(values)}; at most {MAX_FIELDS})")
        out: dict[str, Any] = {}
        name = self.name
        for f, value in values.items():
            kind = type(value)
            if kind in _SCALARS and (kind is not str or len(value) <= _CACHED_TEXT):
                ok, result = _clean_scalar(name, f, kind.__name__, value)  # the three checks below, cached as one
                if ok:
                    out[f] = result
                    continue
                if isinstance(result, ValidationError):
                    raise ValidationError(result.errors)
            check_field_name(f)
            if _field_adapter(self.name, f) is None:
                raise ValidationError.single(f, f"'{printable(f, 80)}' is not a field of a {self.name.replace('_', ' ')} record")
            out[f] = _validate_field(self.name, f, value)
        return out

    def check_record(self, entity_id: str, record: Mapping[str, Any], checked: Mapping[str, Any] | None = None,
                     names: tuple[str, ...] | None = None) -> dict[str, Any]:
        """The whole record (a create, or a patch merged into the current state) checked: required
        fields, types and defaults as the station's table has them. Returns it normalised, with the
        defaults filled in and the dynamic (``groups.*``) fields kept. ``checked``: values that are
        already the output of this entity's field checks (``clean_values``): a field holding the very
        same object is not checked again (issue 13: a push checked each new shift's 13 values twice). ``names``:
        ``tuple(record)`` when the caller has made it already."""
        name = self.name
        own, dyn, refusal, steps = _check_plan(name, tuple(record) if names is None else names)
        done = checked if checked is not None else {}
        dynamic: dict[str, Any] = {}
        for f, kept in dyn:  # the dynamic fields before the first one refused by its name, in the record's order
            value = record[f]
            if done.get(f, _UNSET) is value:
                dynamic[f] = value
                continue
            by = kept.get(type(value))  # ``_validate_field``'s answer kept for this field (``_field_cache``)
            hit = by.get(value, _UNSET) if by is not None else _UNSET
            dynamic[f] = hit if hit is not _UNSET else _validate_kept(name, f, value, by)
        if refusal is not None:
            raise ValidationError(refusal.errors)
        if steps is None:  # a model with model-level rules: validated whole (``_check_fixed``)
            fixed = {f: record[f] for f, _c in own}
            if self.key != "id":
                fixed[self.key] = entity_id.lower()
            out = {**self._check_fixed(fixed, done), **dynamic}
        else:
            # ``_check_fixed``'s field-by-field check of the model's own fields, in its field order, planned once per
            # record shape with the record's names (issue 13, i13-cpu9: each edit of a shift checks the merged record)
            out = {}
            for f, source, required, default, factory, kept in steps:
                if source == _FROM_RECORD:
                    value = record[f]
                elif source == _FROM_ID:
                    value = entity_id.lower()
                elif required:
                    raise ValidationError.single(f, f"A {name.replace('_', ' ')} record must include '{f}'")
                else:
                    out[f] = factory() if factory is not None else default
                    continue
                if done.get(f, _UNSET) is value:
                    out[f] = value
                    continue
                by = kept.get(type(value))
                hit = by.get(value, _UNSET) if by is not None else _UNSET
                out[f] = hit if hit is not _UNSET else _validate_kept(name, f, value, by)
            out.update(dynamic)
        if self.identity is not None and not out.get("deleted"):
            try:
                expected = self.identity(out)
            except (KeyError, ValueError, TypeError):
                expected = ""
            if expected != entity_id.lower():
                key = ", ".join(f.replace("_id", "") for f in self.identity_key) or "key"
                raise ValidationError.single("entity_id", f"The id of this {self.name.replace('_', ' ')} does not match its {key}")
        return out


    def _check_fixed(self, fixed: dict[str, Any], checked: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The model's own fields validated and dumped, with its defaults filled in. A model with no
        model-level rule is checked field by field through the same per-field validators (each value's
        result cached, so a pull or push of 2,000 shifts does not re-run the same checks on the same
        ward id, date and figures): the result and the first error are the model's own, in its field
        order. A model with a model-level rule is validated whole."""
        if _has_model_rules(self.model):
            try:
                return self.model.model_validate(fixed).model_dump()
            except PydanticError as e:
                raise _to_validation_error(e, self.name) from None
        out: dict[str, Any] = {}
        done = checked if checked is not None else {}
        for f, required, default, factory in _field_plan(self.model):
            if f in fixed:
                value = fixed[f]
                out[f] = value if done.get(f, _UNSET) is value else _validate_field(self.name, f, value)
            elif required:
                raise ValidationError.single(f, f"A {self.name.replace('_', ' ')} record must include '{f}'")
            else:
                out[f] = factory() if factory is not None else default
        return out


@lru_cache(maxsize=2048)  # bounded: field names come from the wire
def _record_shape(entity: str, names: tuple[Any, ...]) -> tuple[tuple[tuple[str, bool], ...], ValidationError | None]:
    """Which of a record's fields (in its order) are the model's own and which are dynamic
    (``groups.*``), up to the first field refused by its name, and that refusal: records of one
    entity come in a handful of shapes, so a pull of 2,000 shifts does not match 26,000 names again."""
    schema = SCHEMAS[entity]
    own = _field_names(schema.model)
    plan: list[tuple[str, bool]] = []
    for f in names:
        try:
            check_field_name(f)
        except ValidationError as e:
            return tuple(plan), e
        if f in own:
            plan.append((f, True))
        elif _known_field(entity, f):
            plan.append((f, False))
        else:
            return tuple(plan), ValidationError.single(f, f"'{printable(f, 80)}' is not a field of a {entity.replace('_', ' ')} record")
    return tuple(plan), None


_UNSET = object()
#: where ``check_record`` takes a model field's value from (``_check_plan``)
_FROM_RECORD, _FROM_ID, _ABSENT_FIELD = 1, 2, 0
#: ``_validate_field``'s accepted scalars again, per (entity, field) and per value type, keyed by the value alone:
#: ``check_record`` reads them in its loop without a call and a 4-tuple key (~0.2 us a field, ~14 fields a merged
#: shift, issue 13 i13-cpu9). Each holds only answers ``_validate_field`` gave (and ``_ACCEPTED`` holds): emptied
#: with it (its bound) and by ``register``
_FIELD_CACHES: dict[tuple[str, str], dict[type, dict[Any, Any]]] = {}
_FieldCache = dict[type, dict[Any, Any]]
_Step = tuple[str, int, bool, Any, "Callable[[], Any] | None", _FieldCache]


def _field_cache(entity: str, f: str) -> _FieldCache:
    """The (entity, field)'s dicts of accepted values by type (the immutable scalars ``_validate_field`` caches)."""
    found = _FIELD_CACHES.get((entity, f))
    if found is None:
        found = _FIELD_CACHES[(entity, f)] = {kind: {} for kind in _SCALARS}
    return found


def _forget_field_caches() -> None:
    for by_type in list(_FIELD_CACHES.values()):  # a copy: another thread may add a field's dicts meanwhile
        for by_value in by_type.values():
            by_value.clear()


def _validate_kept(entity: str, f: str, value: Any, by_value: dict[Any, Any] | None) -> Any:
    """``_validate_field(entity, f, value)``, its answer kept in ``by_value`` (``value``'s type's dict of the field's
    ``_field_cache``; None: a type not kept) when ``_validate_field`` keeps it in ``_ACCEPTED`` (an immutable scalar,
    short text only)."""
    result = _validate_field(entity, f, value)
    if by_value is not None and (type(value) is not str or len(value) <= _CACHED_TEXT) and isinstance(result, _SCALARS):
        by_value[value] = result
    return result


@lru_cache(maxsize=2048)  # bounded: field names come from the wire
def _check_plan(entity: str, names: tuple[Any, ...]) -> tuple[tuple[tuple[str, _FieldCache], ...], tuple[tuple[str, _FieldCache], ...],
                                                               ValidationError | None, tuple[_Step, ...] | None]:
    """``check_record``'s plan for a record with these field names (in its order), worked out once per record shape:
    the model's own fields and the dynamic ones (``groups.*``) among them, in the record's order, up to the first
    field refused by its name (``_record_shape``), and that refusal; and, for a model with no model-level rule,
    ``_check_fixed``'s steps in the model's field order: (field, where its value comes from: the record, the record's
    id (``key``), or nowhere, required, default, default factory, its ``_field_cache``). None: the model is validated
    whole."""
    schema = SCHEMAS[entity]
    plan, refusal = _record_shape(entity, names)
    own = tuple((f, _field_cache(entity, f)) for f, is_own in plan if is_own)
    dyn = tuple((f, _field_cache(entity, f)) for f, is_own in plan if not is_own)
    if _has_model_rules(schema.model):
        return own, dyn, refusal, None
    present = {f for f, _c in own}
    steps: list[_Step] = []
    for f, required, default, factory in _field_plan(schema.model):
        source = _FROM_ID if schema.key != "id" and f == schema.key else _FROM_RECORD if f in present else _ABSENT_FIELD
        steps.append((f, source, required, default, factory, _field_cache(entity, f)))
    return own, dyn, refusal, tuple(steps)


@lru_cache(maxsize=4096)  # bounded: field names come from the wire
def _good_field_name(name: str) -> bool:
    return FIELD_NAME.fullmatch(name) is not None


def check_field_name(name: Any) -> str:
    if not isinstance(name, str) or not _good_field_name(name):
        shown = printable(name, 40) if isinstance(name, str) else "?"
        raise ValidationError.single("payload", f"'{shown}' is not a field name")
    return name


def _validate(adapter: TypeAdapter[Any], value: Any, f: str) -> Any:
    try:
        return adapter.validate_python(value)
    except PydanticError as e:
        raise _to_validation_error(e, None, f) from None


#: values whose check is cached: immutable scalars (short text only, so the cache stays small)
_SCALARS = (str, int, float, bool, type(None))
_CACHED_TEXT = 80
#: lists whose check is cached: of at most this many short texts
_CACHED_ITEMS = 16


#: ``_validated_scalar``'s accepted values by (entity, field, type, value), read first: a merged record's
#: unchanged fields are checked again on every edit (issue 13: ~8 calls an edit); bounded, cleared by ``register``
_ACCEPTED: dict[tuple[str, str, type, Any], Any] = {}
#: the same for short lists of short texts, keyed (entity, field, list, its items as a tuple), in a cache of its
#: own, far smaller: a shift's ``on_duty`` lists mostly differ, and 65,536 of up to 16 ids of 80 characters held
#: ~119 MB (reviewer, issue 13); the common case, the empty list, always hits
_ACCEPTED_LISTS: dict[tuple[str, str, type, Any], Any] = {}
_ACCEPTED_LISTS_MAX = 4096


def _validate_field(entity: str, f: str, value: Any) -> Any:
    """``value`` checked as field ``f`` of ``entity`` (a known field); raises ValidationError. The
    checks are pure, so a scalar's result is cached (keyed by its type too: ``True`` is not ``1``)."""
    kind = type(value)
    if kind in _SCALARS and (kind is not str or len(value) <= _CACHED_TEXT):
        key = (entity, f, kind, value)
        hit = _ACCEPTED.get(key, _UNSET)
        if hit is not _UNSET:
            return hit
        ok, result = _validated_scalar(entity, f, kind.__name__, value)
        if ok:
            if len(_ACCEPTED) >= 65536:
                _ACCEPTED.clear()
                _forget_field_caches()
            _ACCEPTED[key] = result
            return result
        if isinstance(result, ValidationError):
            raise ValidationError(result.errors)
    elif kind is list and len(value) <= _CACHED_ITEMS and all(type(v) is str and len(v) <= _CACHED_TEXT for v in value):
        # a short list of short texts (a shift's ``on_duty``, most often empty: ~1.3 us a check through pydantic,
        # each merged edit and each pulled shift, issue 13 i13-cpu7): its accepted result kept as a tuple, given
        # back as a new list (the caller may change it); a refusal is not kept (raised again by the check)
        key = (entity, f, list, tuple(value))
        hit = _ACCEPTED_LISTS.get(key, _UNSET)
        if hit is not _UNSET:
            return list(hit)
        checked = _validate(_field_adapter(entity, f), value, f)  # type: ignore[arg-type]
        if type(checked) is list and all(type(v) in _SCALARS for v in checked):
            if len(_ACCEPTED_LISTS) >= _ACCEPTED_LISTS_MAX:
                _ACCEPTED_LISTS.clear()
            _ACCEPTED_LISTS[key] = tuple(checked)
        return checked
    return _validate(_field_adapter(entity, f), value, f)  # type: ignore[arg-type]


@lru_cache(maxsize=65536)
def _validated_scalar(entity: str, f: str, kind: str, value: Any) -> tuple[bool, Any]:
    """(True, the checked value) or (False, the refusal); (False, None): not cacheable (a scalar that
    became a list, say), checked again by the caller."""
    try:
        result = _validate(_field_adapter(entity, f), value, f)  # type: ignore[arg-type]
    except ValidationError as e:
        return False, e  # a refusal is cached too (a bad value sent again is refused again, the same way)
    return (True, result) if isinstance(result, _SCALARS) else (False, None)


@lru_cache(maxsize=65536)
def _clean_scalar(entity: str, f: Any, kind: str, value: Any) -> tuple[bool, Any]:
    """``clean_values``'s checks of one scalar in one cached call (issue 13: a push of 2,000 new shifts made
    three cached calls per value): the field's name, that the entity has it, its value
    (``_validated_scalar``). (True, the checked value), (False, the first refusal), or (False, None):
    not cacheable, checked again by the caller."""
    try:
        check_field_name(f)
    except ValidationError as e:
        return False, e
    if _field_adapter(entity, f) is None:
        return False, ValidationError.single(f, f"'{printable(f, 80)}' is not a field of a {entity.replace('_', ' ')} record")
    return _validated_scalar(entity, f, kind, value)


@cache
def _field_plan(model: type[BaseModel]) -> tuple[tuple[str, bool, Any, Callable[[], Any] | None], ...]:
    """Each field of a record model: (name, required, default, default factory), in field order."""
    plan: list[tuple[str, bool, Any, Callable[[], Any] | None]] = []
    for f, info in model.model_fields.items():
        factory = info.default_factory
        if factory is not None and getattr(info, "default_factory_takes_validated_data", False):
            raise TypeError(f"{model.__name__}.{f}: a default factory reading other fields is not supported here")
        plan.append((f, info.is_required(), info.default, cast("Callable[[], Any] | None", factory)))
    return tuple(plan)


@cache
def _field_names(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(model.model_fields)


@cache
def _has_model_rules(model: type[BaseModel]) -> bool:
    return bool(model.__pydantic_decorators__.model_validators) or any(
        info.alias is not None or info.validation_alias is not None for info in model.model_fields.values())


def _to_validation_error(e: PydanticError, entity: str | None, field_name: str | None = None) -> ValidationError:
    first: Mapping[str, Any] = e.errors()[0] if e.errors() else {}
    loc = field_name or ".".join(str(p) for p in first.get("loc", ())) or "record"
    kind = first.get("type", "")
    if kind == "missing":
        return ValidationError.single(loc, f"A {(entity or 'record').replace('_', ' ')} record must include '{loc}'")
    if kind == "extra_forbidden":
        return ValidationError.single(loc, f"'{printable(loc, 80)}' is not a field of a {(entity or 'record').replace('_', ' ')} record")
    msg = str(first.get("msg", "is not valid"))
    msg = msg.removeprefix("Value error, ")
    if msg.startswith(("must ", "contains ", "lists ")):
        msg = f"'{loc}' {msg}"
    elif msg.startswith("The text ") or msg.startswith("The number ") or msg.startswith("The hours "):
        msg = f"{_label(loc)} {msg.split(' ', 2)[2]}"
    return ValidationError.single(loc, printable(msg, 300))


@lru_cache(maxsize=4096)  # bounded: field names come from the wire
def _known_field(entity: str, f: str) -> bool:
    """Whether ``f`` is a field of ``entity`` (cached: pulls and pushes ask it for every field of every record)."""
    schema = SCHEMAS[entity]
    return f in schema.model.model_fields or any(p.fullmatch(f) for p, _a in schema.patterns)


@cache
def _field_adapter(entity: str, f: str) -> TypeAdapter[Any] | None:
    schema = SCHEMAS[entity]
    info = schema.model.model_fields.get(f)
    if info is not None:
        annotated: Any = Annotated[info.annotation, *info.metadata]
        return TypeAdapter(annotated)
    for pattern, annotation in schema.patterns:
        if pattern.fullmatch(f):
            return TypeAdapter(annotation)
    return None


SCHEMAS: dict[str, EntitySchema] = {}


def register(schema: EntitySchema) -> EntitySchema:
    """Add an entity to the registry (once); returns it."""
    if schema.name in SCHEMAS:
        raise ValueError(f"entity {schema.name!r} is registered twice")
    for ref in schema.references:
        if ref.field not in schema.model.model_fields and ref.field != schema.key:
            raise ValueError(f"{schema.name}: reference field {ref.field!r} is not in its model")
    SCHEMAS[schema.name] = schema
    _field_adapter.cache_clear()
    _validated_scalar.cache_clear()
    _ACCEPTED.clear()
    _forget_field_caches()
    _FIELD_CACHES.clear()
    _ACCEPTED_LISTS.clear()
    _clean_scalar.cache_clear()
    _known_field.cache_clear()
    _record_shape.cache_clear()
    _check_plan.cache_clear()
    return schema


def schema_of(entity: str) -> EntitySchema:
    """The registered schema; raises the domain's ValidationError for an entity nobody registered."""
    schema = SCHEMAS.get(entity)
    if schema is None:
        raise ValidationError.single("entity", f"'{printable(entity, 40)}' is not something the trust stores")
    return schema


# --- the synced entities -------------------------------------------------------------------------------

class TrustRecord(SyncedRecord):
    code: WardCode
    name: RequiredShortText


class WardRecord(SyncedRecord):
    trust_id: Id
    code: WardCode
    name: RequiredShortText
    site: ShortText = ""
    specialty: ShortText = ""
    beds: Annotated[int, WholeRule(1, MAX_BEDS)] = 28


class ShiftPatternRecord(SyncedRecord):
    ward_id: Id
    code: ShiftCode
    name: Annotated[str, TextRule(MAX_NAME, required=True)]
    start_time: HhMm
    end_time: HhMm
    period: Period
    sort_order: Annotated[int, WholeRule(0, 1000)] = 0
    active: Flag = True


class StaffRecord(SyncedRecord):
    ward_id: Id
    name: PersonName
    role: StaffGroup
    title: ShortText = ""
    is_manager: Flag = False
    active: Flag = True


class EstablishmentRecord(SyncedRecord):
    ward_id: Id
    shift_code: ShiftCode
    staff_group: StaffGroup
    effective_from: IsoDate
    planned_heads: Heads
    planned_hours: Hours


class ShiftRecord(SyncedRecord):
    ward_id: Id
    shift_date: IsoDate
    shift_code: ShiftCode
    nurse_in_charge_id: OptId = None
    notes: Note = ""
    staffing_recorded: Flag = False
    on_duty: IdList = Field(default_factory=list)


class WardDayRecord(SyncedRecord):
    ward_id: Id
    day: IsoDate
    patients_at_midnight: Annotated[int | None, OptCountRule(MAX_PATIENTS)] = None


class RedFlagRecord(SyncedRecord):
    """A red flag on a shift: raised by a nurse, or one computed from the figures ("RN shortfall",
    "fewer than 2 RNs") that someone escalated or answered: such a record exists only with its
    escalation or its response (issue 11)."""

    ward_id: Id
    shift_id: Id
    flag_type: AnyRedFlagType
    raised_at: Timestamp
    raised_by: ShortText
    detail: Note = ""
    escalated_to: ShortText = ""
    escalated_at: OptTimestamp = None
    response: Note = ""
    resolved_at: OptTimestamp = None
    resolved_by: ShortText = ""

    @model_validator(mode="after")
    def _computed_needs_its_escalation(self) -> RedFlagRecord:
        if self.flag_type not in recordable_red_flag_codes() and not self.deleted and not (
                self.escalated_to or self.resolved_at):
            raise ValueError("A red flag computed from the figures is recorded only with its escalation or its response")
        return self


class BedRecord(SyncedRecord):
    ward_id: Id
    label: Annotated[str, TextRule(40, required=True)]
    sort_order: Annotated[int, WholeRule(0, 10_000)] = 0
    occupied: Flag = False
    preferred_name: Annotated[str, TextRule(MAX_NAME)] = ""
    consultant: ShortText = ""
    expected_discharge: OptDate = None
    instructions: Note = ""
    name_hidden: Flag = False  # the patient asked for their name not to be shown on the card


class BedNurseRecord(SyncedRecord):
    ward_id: Id
    bed_id: Id
    shift_date: IsoDate
    shift_code: ShiftCode
    staff_id: OptId = None


class WardBoardRecord(SyncedRecord):
    ward_id: Id  # the record's id
    ward_manager: ShortText = ""
    matron: ShortText = ""


class TrustContactsRecord(SyncedRecord):
    trust_id: Id  # the record's id
    pals_phone: ShortText = ""
    pals_email: ShortText = ""
    pals_location: ShortText = ""
    pals_hours: ShortText = ""
    complaints_phone: ShortText = ""
    complaints_email: ShortText = ""
    complaints_address: ShortText = ""
    complaints_web_page: ShortText = ""
    commissioner: ShortText = ""
    advocacy_provider: ShortText = ""
    advocacy_phone: ShortText = ""
    advocacy_web: ShortText = ""
    healthwatch_name: ShortText = ""
    healthwatch_phone: ShortText = ""
    healthwatch_web: ShortText = ""
    details_checked_on: OptDate = None
    uniform_key: UniformKey = "[]"


_GROUPS = "|".join(re.escape(c) for c in staff_group_codes())  # the value set: an unknown staff group is refused
_GROUP_COUNT = re.compile(rf"^groups\.({_GROUPS})\.(planned|actual|bank_agency)$")
_GROUP_HOURS = re.compile(rf"^groups\.({_GROUPS})\.(planned_hours|actual_hours)$")


def _shift_identity(r: Mapping[str, Any]) -> str:
    return _shift_id_of(r["ward_id"], r["shift_date"], r["shift_code"])


@lru_cache(maxsize=65536)
def _shift_id_of(ward: str, day: str, code: str) -> str:
    """Cached: a push or pull of 2,000 shifts checks each one's id (a uuid5 and a date parse each)."""
    return ids.shift_id(ward, date.fromisoformat(day), code)


register(EntitySchema("trust", TrustRecord, scope="trust", kind="reference", ward_field=None, unique=(("code",),),
                      identity=lambda r: ids.ward_id("TRUST/" + r["code"]), identity_key=("code",)))
register(EntitySchema("ward", WardRecord, kind="reference", ward_field="id", unique=(("code",),),
                      references=(Ref("trust_id", "trust", same_ward=False),), identity=lambda r: ids.ward_id(r["code"]), identity_key=("code",)))
register(EntitySchema("shift_pattern", ShiftPatternRecord, kind="reference", unique=(("ward_id", "code"),),
                      references=(Ref("ward_id", "ward"),)))
register(EntitySchema("staff", StaffRecord, kind="reference", references=(Ref("ward_id", "ward"),)))
register(EntitySchema("establishment", EstablishmentRecord, kind="reference",
                      unique=(("ward_id", "shift_code", "staff_group", "effective_from"),), references=(Ref("ward_id", "ward"),)))
register(EntitySchema("shift", ShiftRecord, unique=(("ward_id", "shift_date", "shift_code"),),
                      references=(Ref("ward_id", "ward"), Ref("nurse_in_charge_id", "staff")),
                      patterns=((_GROUP_COUNT, Heads), (_GROUP_HOURS, Hours)), identity=_shift_identity,
                      identity_key=("ward_id", "shift_date", "shift_code")))
register(EntitySchema("ward_day", WardDayRecord, unique=(("ward_id", "day"),), references=(Ref("ward_id", "ward"),),
                      identity=lambda r: ids.ward_day_id(r["ward_id"], date.fromisoformat(r["day"])), identity_key=("ward_id", "day")))
register(EntitySchema("red_flag", RedFlagRecord, references=(Ref("ward_id", "ward"), Ref("shift_id", "shift"))))
register(EntitySchema("bed", BedRecord, unique=(("ward_id", "label"),), references=(Ref("ward_id", "ward"),)))
register(EntitySchema("bed_nurse", BedNurseRecord, unique=(("bed_id", "shift_date", "shift_code"),),
                      references=(Ref("ward_id", "ward"), Ref("bed_id", "bed"), Ref("staff_id", "staff"))))
register(EntitySchema("ward_board", WardBoardRecord, kind="reference", key="ward_id", references=(Ref("ward_id", "ward"),)))
register(EntitySchema("trust_contacts", TrustContactsRecord, scope="trust", kind="reference", key="trust_id",
                      ward_field=None, references=(Ref("trust_id", "trust", same_ward=False),)))


# --- bedside feedback (issue 9) ---------------------------------------------------------------------------

def _fft_check(fn: Callable[[str], Any]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        return str(fn(value if isinstance(value, str) else ""))

    return check


def _fft_findings(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a JSON list")
    try:
        kinds = json.loads(value)
    except ValueError:
        raise ValueError("must be a JSON list") from None
    if not isinstance(kinds, list) or any(k not in fft.KIND_LABELS for k in kinds):
        raise ValueError("may list only: " + ", ".join(fft.KIND_LABELS))
    return value


def _fft_status(value: Any) -> str:
    if value not in fft.STATUSES:
        raise ValueError(f"must be one of {', '.join(fft.STATUSES)}")
    return str(value)


def _year_month(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        raise ValueError("must be a month (YYYY-MM)")
    return value


FftAnswer = Annotated[str, _rule(_fft_check(lambda v: fft.answer(v).code))]
FftQuestion = Annotated[str, _rule(_fft_check(lambda v: fft.question(v).code))]
FftChannel = Annotated[str, _rule(_fft_check(lambda v: fft.check_channel(v)))]
FftStatus = Annotated[str, _rule(_fft_status)]
FftFindings = Annotated[str, _rule(_fft_findings)]
Comment = Annotated[str, TextRule(fft.MAX_COMMENT, multiline=True)]
YearMonth = Annotated[str, _rule(_year_month)]


class FeedbackRecord(SyncedRecord):
    """A Friends and Family Test response, or an amendment of one (``amends_id`` set): immutable.

    Anonymous by construction: the ward and the DAY; there is no field for a time, bed, name or
    device, so a station cannot send one (unknown fields are refused). The record-level rules: a
    response is published or held, and held whenever its words may identify someone; an amendment
    approves, redacts, withdraws or corrects, and a redaction leaves nothing identifying behind."""

    ward_id: Id
    response_date: IsoDate
    question: FftQuestion = "2020"
    answer: FftAnswer
    channel: FftChannel = "kiosk"
    comment_good: Comment = ""
    comment_better: Comment = ""
    status: FftStatus = "published"
    findings: FftFindings = "[]"
    amends_id: OptId = None
    reason: Annotated[str, TextRule(500, multiline=True)] = ""
    amended_by: ShortText = ""

    @model_validator(mode="after")
    def _moderated(self) -> FeedbackRecord:
        found = fft.find_identifiers(self.comment_good) + fft.find_identifiers(self.comment_better)
        if self.amends_id is None:
            if self.status not in (fft.PUBLISHED, fft.HELD):
                raise ValueError("A new response is either published or held for moderation; corrections are amendments")
            if found and self.status != fft.HELD:
                raise ValueError(f"The comment contains {found[0].label}: it must be held for the ward sister")
        else:
            if self.status not in (fft.APPROVED, fft.REDACTED, fft.WITHDRAWN, fft.CORRECTED):
                raise ValueError("An amendment approves, redacts, withdraws or corrects a response")
            if self.status == fft.REDACTED and found:
                raise ValueError(f"The redacted comment still contains {found[0].label}")
        return self


class YouSaidWeDidRecord(SyncedRecord):
    """A "You said, we did" entry: it goes on the ward's public poster, so nothing identifying."""

    ward_id: Id
    month: YearMonth
    you_said: Annotated[str, TextRule(500, required=True)]
    we_did: Annotated[str, TextRule(500, required=True)]
    feedback_id: OptId = None
    written_by: ShortText = ""

    @model_validator(mode="after")
    def _public(self) -> YouSaidWeDidRecord:
        found = fft.find_identifiers(self.you_said) + fft.find_identifiers(self.we_did)
        if found:
            raise ValueError(f"This goes on a public poster: it contains {found[0].label}")
        return self


register(EntitySchema("feedback", FeedbackRecord, kind="immutable",
                      references=(Ref("ward_id", "ward"), Ref("amends_id", "feedback")),
                      amended_in_place=True, amend_keeps=("ward_id", "response_date")))
register(EntitySchema("you_said_we_did", YouSaidWeDidRecord,
                      references=(Ref("ward_id", "ward"), Ref("feedback_id", "feedback"))))


# --- incidents and the duty of candour (issue 10) ----------------------------------------------------------

def _domain(fn: Callable[[], Any]) -> None:
    try:
        fn()
    except ValidationError as e:
        raise ValueError(str(e)) from None


def _amendment_data(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value) or len(value) > 20:
        raise ValueError("must be the change's fields")
    if len(json.dumps(value, ensure_ascii=False, default=str)) > 25_000:
        raise ValueError("is too long")
    return value


class IncidentPatient(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    physical_harm: Literal["none", "low", "moderate", "severe", "fatal"]
    psychological_harm: Literal["none", "low", "moderate", "severe"] = "none"
    prolonged_psychological: Flag = False
    nhs_number: Annotated[str, Field(pattern=r"^(\d{10})?$")] = ""
    hospital_number: Annotated[str, TextRule(20)] = ""


def _patients(value: Any) -> list[dict[str, Any]]:
    """Patients involved, as plain JSON (each checked against ``IncidentPatient``)."""
    if not isinstance(value, list) or len(value) > 20:
        raise ValueError("must be a list of at most 20 patients")
    try:
        return [IncidentPatient.model_validate(p).model_dump() for p in value]
    except PydanticError as e:
        errs = e.errors()
        where = ".".join(str(x) for x in errs[0]["loc"]) if errs else "value"
        msg = str(errs[0]["msg"]).lower() if errs else "is not valid"
        raise ValueError(f"has a patient whose {where} {msg}") from None


class IncidentRecord(SyncedRecord):
    """An incident report as submitted: written once, never changed (corrections are amendments)."""

    ward_id: Id
    reference: Annotated[str, TextRule(40, required=True)]
    occurred_on: IsoDate
    occurred_time: Annotated[str | None, _rule(_optional(_hh_mm))] = None
    occurred_period: Annotated[str | None, _rule(_optional(_one_of(
        ("day_shift", "night_shift", "morning_handover", "evening_handover"), "a shift or handover")))] = None
    location: Annotated[str, TextRule(120)] = ""
    description: Annotated[str, TextRule(20_000, required=True, multiline=True)]
    category: Annotated[str, TextRule(40, required=True)]
    involved: Annotated[list[str], Field(max_length=20)] = Field(default_factory=list)
    never_event: Annotated[str | None, _rule(_optional(_text(60, True, False)))] = None
    immediate_actions: Annotated[str, TextRule(20_000, multiline=True)] = ""
    went_well: Annotated[str, TextRule(20_000, multiline=True)] = ""
    near_miss: Flag = False
    patients: Annotated[list[dict[str, Any]], _rule(_patients)] = Field(default_factory=list)
    anonymous: Flag = False
    reporter_id: OptId = None
    reported_at: Timestamp
    shift_id: OptId = None
    red_flag_id: OptId = None
    red_flag_type: Annotated[str | None, _rule(_optional(_text(40, True, False)))] = None

    @model_validator(mode="after")
    def _rules(self) -> IncidentRecord:
        from hardtruths_desktop.domain.incidents import check_record

        _domain(lambda: check_record(self.model_dump()))
        return self


class IncidentAmendmentRecord(SyncedRecord):
    """One change to an incident (op ``amend``): what, who, when, why, and the head it amended."""

    incident_id: Id
    ward_id: Id
    amends_id: OptId = None
    kind: Annotated[str, _rule(_one_of(("triage", "confirm_harm", "findings", "actions", "candour", "candour_step",
                                        "close", "withdraw"), "a kind of change to an incident"))]
    data: Annotated[dict[str, Any], _rule(_amendment_data)]
    reason: Annotated[str, TextRule(2000, multiline=True)] = ""
    by_id: OptId = None
    by_name: Annotated[str, TextRule(MAX_SHORT_TEXT)] = ""
    at: Timestamp

    @model_validator(mode="after")
    def _rules(self) -> IncidentAmendmentRecord:
        from hardtruths_desktop.domain.incidents import check_amendment

        _domain(lambda: check_amendment(self.kind, self.data, self.reason, date.max))
        return self


class IncidentReporterRecord(SyncedRecord):
    """Who reported an incident "without my name shown to the ward": sent to the trust, never back."""

    incident_id: Id  # the record's id
    ward_id: Id
    reporter_id: OptId = None
    reporter_name: Annotated[str, TextRule(MAX_NAME)] = ""


class SafetyThermometerRecord(SyncedRecord):
    ward_id: Id
    month: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
    survey_date: OptDate = None
    surveyed: Annotated[int, CountRule(200)] = 0
    harm_free: Annotated[int, CountRule(200)] = 0
    pressure_ulcers: Annotated[int, CountRule(200)] = 0
    falls_with_harm: Annotated[int, CountRule(200)] = 0
    catheter_uti: Annotated[int, CountRule(200)] = 0
    new_vte: Annotated[int, CountRule(200)] = 0


def _thermometer_identity(r: Mapping[str, Any]) -> str:
    from hardtruths_desktop.domain.thermometer import thermometer_id

    return thermometer_id(r["ward_id"], r["month"])


register(EntitySchema("incident", IncidentRecord, kind="immutable",
                      references=(Ref("ward_id", "ward"), Ref("shift_id", "shift"), Ref("red_flag_id", "red_flag"))))
register(EntitySchema("incident_amendment", IncidentAmendmentRecord, kind="immutable",
                      references=(Ref("incident_id", "incident"), Ref("ward_id", "ward"))))
register(EntitySchema("incident_reporter", IncidentReporterRecord, kind="immutable", key="incident_id",
                      references=(Ref("incident_id", "incident"), Ref("ward_id", "ward"))))
register(EntitySchema("safety_thermometer", SafetyThermometerRecord, unique=(("ward_id", "month"),),
                      references=(Ref("ward_id", "ward"),), identity=_thermometer_identity, identity_key=("ward_id", "month")))
#: Sent to the trust server but never pulled back by any station (the patient safety team's only).
RESTRICTED_ENTITIES = frozenset({"incident_reporter"})


# Register new entities ABOVE this line: these sets are computed once, from the registry.
#: Synced entities: mutable ones merge per field; reference data is owned by the ward's setup.
MUTABLE_ENTITIES = frozenset(n for n, s in SCHEMAS.items() if s.kind == "mutable")
REFERENCE_ENTITIES = frozenset(n for n, s in SCHEMAS.items() if s.kind == "reference")
IMMUTABLE_ENTITIES = frozenset(n for n, s in SCHEMAS.items() if s.kind == "immutable")
TRUST_WIDE_ENTITIES = frozenset(n for n, s in SCHEMAS.items() if s.trust_wide)
ENTITIES = frozenset(SCHEMAS)
