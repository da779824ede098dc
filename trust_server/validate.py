"""Server-side checks of mutation payloads, using the station's own rules (``domain.validation``).

A failed check raises ``ValidationError`` and the push answers that item ``rejected`` with the
plain-English message, never a 500. Known fields are checked (and normalised) as the station
checks them; unknown fields of a known entity are accepted when they are small JSON values, so a
newer station's extra fields sync (expand/contract, SYNC.md 3.10).
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from hardtruths_desktop.domain import ids
from hardtruths_desktop.domain.validation import (
    MAX_BEDS,
    MAX_NAME,
    MAX_NOTE,
    MAX_PATIENTS,
    MAX_SHORT_TEXT,
    ValidationError,
    check_beds,
    check_red_flag_type,
    check_shift_code,
    check_shift_date,
    check_staff_role,
    check_ward_code,
    clean_name,
    clean_text,
    parse_count,
    parse_hours,
    parse_time,
)
from hardtruths_desktop.domain.valuesets import staff_group_codes
from hardtruths_desktop.sync.protocol import ENTITIES, MAX_FIELD_TEXT

Check = Callable[[Any, str], Any]

GROUP_FIELD = re.compile(r"^groups\.([a-z0-9_]{1,20})\.(planned|actual|planned_hours|actual_hours|bank_agency)$")
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_.]{0,79}$")
MAX_FIELDS = 200
#: Entities whose id is the ward id; entities that belong to the whole trust (no ward).
WARD_KEYED = frozenset({"ward", "ward_board"})
TRUST_WIDE = frozenset({"trust", "trust_contacts"})


def _fail(field_name: str, message: str) -> ValidationError:
    return ValidationError.single(field_name, message)


def _str(value: Any, f: str) -> str:
    if not isinstance(value, str):
        raise _fail(f, f"'{f}' must be text")
    return value


def text(maximum: int, required: bool = False) -> Check:
    def check(value: Any, f: str) -> Any:
        return clean_text(_str(value, f), f.replace("_", " ").capitalize(), f, maximum, required)

    return check


def opt_text(maximum: int) -> Check:
    inner = text(maximum)
    return lambda value, f: None if value is None else inner(value, f)


def name(value: Any, f: str) -> Any:
    return clean_name(_str(value, f), f)


def count(maximum: int) -> Check:
    def check(value: Any, f: str) -> Any:
        if isinstance(value, str):
            raise _fail(f, f"'{f}' must be a number")
        return parse_count(value, f.replace("_", " ").capitalize(), f, maximum)

    return check


def opt_count(maximum: int) -> Check:
    inner = count(maximum)
    return lambda value, f: None if value is None else inner(value, f)


def hours(value: Any, f: str) -> Any:
    if isinstance(value, str):
        raise _fail(f, f"'{f}' must be a number of hours")
    return parse_hours(value, f.replace("_", " ").capitalize(), f)


def boolean(value: Any, f: str) -> Any:
    if not isinstance(value, bool):
        raise _fail(f, f"'{f}' must be true or false")
    return value


def integer(lo: int, hi: int) -> Check:
    def check(value: Any, f: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise _fail(f, f"'{f}' must be a whole number from {lo} to {hi}")
        return value

    return check


def iso_date(value: Any, f: str) -> Any:
    s = _str(value, f)
    try:
        date.fromisoformat(s)
    except ValueError:
        raise _fail(f, f"'{f}' must be a date (YYYY-MM-DD)") from None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
        raise _fail(f, f"'{f}' must be a date (YYYY-MM-DD)")
    return s


def opt_date(value: Any, f: str) -> Any:
    return None if value is None else iso_date(value, f)


def shift_date(value: Any, f: str) -> Any:
    s = iso_date(value, f)
    check_shift_date(date.fromisoformat(s), date.today(), f)
    return s


def an_id(value: Any, f: str) -> Any:
    s = _str(value, f)
    try:
        uuid.UUID(s)
    except ValueError:
        raise _fail(f, f"'{f}' must be a record id") from None
    if len(s) != 36:
        raise _fail(f, f"'{f}' must be a record id")
    return s.lower()


def opt_id(value: Any, f: str) -> Any:
    return None if value is None else an_id(value, f)


def id_list(value: Any, f: str) -> Any:
    if not isinstance(value, list) or len(value) > MAX_BEDS:
        raise _fail(f, f"'{f}' must be a list of at most {MAX_BEDS} record ids")
    return [an_id(v, f) for v in value]


def hh_mm(value: Any, f: str) -> Any:
    return parse_time(_str(value, f), f).strftime("%H:%M")


def timestamp(value: Any, f: str) -> Any:
    if value is None:
        return None
    s = _str(value, f)
    if len(s) > 40 or not re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?", s):
        raise _fail(f, f"'{f}' must be a UTC time such as 2026-03-10T14:05:11Z")
    return s


def ward_code(value: Any, f: str) -> Any:
    return check_ward_code(_str(value, f), f)


def shift_code(value: Any, f: str) -> Any:
    return check_shift_code(_str(value, f), f)


def staff_role(value: Any, f: str) -> Any:
    return check_staff_role(_str(value, f), f)


def red_flag_kind(value: Any, f: str) -> Any:
    return check_red_flag_type(_str(value, f), f)


def period(value: Any, f: str) -> Any:
    if value not in ("day", "night"):
        raise _fail(f, "A shift is either a day or a night shift")
    return value


def beds(value: Any, f: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(f, "The number of beds must be a whole number")
    return check_beds(value, f)


DELETED: dict[str, Check] = {"deleted": boolean}
SHORT = text(MAX_SHORT_TEXT)

SPECS: dict[str, dict[str, Check]] = {
    "trust": {"code": ward_code, "name": text(MAX_SHORT_TEXT, required=True)},
    "ward": {"trust_id": an_id, "code": ward_code, "name": text(MAX_SHORT_TEXT, required=True), "site": SHORT,
             "specialty": SHORT, "beds": beds},
    "shift_pattern": {"ward_id": an_id, "code": shift_code, "name": name, "start_time": hh_mm, "end_time": hh_mm,
                      "period": period, "sort_order": integer(0, 1000), "active": boolean},
    "staff": {"ward_id": an_id, "name": name, "role": staff_role, "title": SHORT, "is_manager": boolean, "active": boolean},
    "establishment": {"ward_id": an_id, "shift_code": shift_code, "staff_group": staff_role, "effective_from": iso_date,
                      "planned_heads": count(60), "planned_hours": hours},
    "shift": {"ward_id": an_id, "shift_date": shift_date, "shift_code": shift_code, "nurse_in_charge_id": opt_id,
              "notes": text(MAX_NOTE), "on_duty": id_list, "staffing_recorded": boolean},
    "ward_day": {"ward_id": an_id, "day": iso_date, "patients_at_midnight": opt_count(MAX_PATIENTS)},
    "red_flag": {"ward_id": an_id, "shift_id": an_id, "flag_type": red_flag_kind, "raised_at": timestamp,
                 "raised_by": text(MAX_SHORT_TEXT), "detail": text(MAX_NOTE), "escalated_to": SHORT,
                 "escalated_at": timestamp, "response": text(MAX_NOTE), "resolved_at": timestamp,
                 "resolved_by": SHORT},
    "bed": {"ward_id": an_id, "label": text(40, required=True), "sort_order": integer(0, 10_000), "occupied": boolean,
            "preferred_name": opt_text(MAX_NAME), "consultant": opt_text(MAX_SHORT_TEXT),
            "expected_discharge": opt_date, "instructions": opt_text(MAX_NOTE)},
    "bed_nurse": {"ward_id": an_id, "bed_id": an_id, "shift_date": iso_date, "shift_code": shift_code, "staff_id": opt_id},
    "ward_board": {"ward_manager": SHORT, "matron": SHORT},
    "trust_contacts": {"details_checked_on": opt_date},
}

#: Fields a create must carry (the record's identity and ward).
REQUIRED_ON_CREATE: dict[str, tuple[str, ...]] = {
    "shift": ("ward_id", "shift_date", "shift_code"),
    "ward_day": ("ward_id", "day"),
    "shift_pattern": ("ward_id", "code"),
    "staff": ("ward_id", "name", "role"),
    "establishment": ("ward_id", "shift_code", "staff_group", "effective_from"),
    "red_flag": ("ward_id", "shift_id", "flag_type"),
    "bed": ("ward_id", "label"),
    "bed_nurse": ("ward_id", "bed_id"),
    "trust": ("code", "name"),
    "ward": ("code", "name"),
}


def _generic(value: Any, f: str, depth: int = 0) -> Any:
    """A value of a field this server has no rule for: small, finite, printable JSON."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if abs(value) > 2**53:
            raise _fail(f, f"'{f}' is too large a number")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _fail(f, f"'{f}' must be a finite number")
        return value
    if isinstance(value, str):
        return clean_text(value, f, f, MAX_FIELD_TEXT)
    if depth >= 3:
        raise _fail(f, f"'{f}' is nested too deeply")
    out: list[Any] | dict[str, Any]
    if isinstance(value, list):
        out = [_generic(v, f, depth + 1) for v in value]
    elif isinstance(value, dict):
        items: dict[str, Any] = {}
        for k, v in value.items():
            if not isinstance(k, str) or len(k) > 80 or "\x00" in k:
                raise _fail(f, f"'{f}' has an unusable key")
            items[k] = _generic(v, f, depth + 1)
        out = items
    else:  # pragma: no cover - JSON has no other types
        raise _fail(f, f"'{f}' has an unusable value")
    if depth == 0 and len(json.dumps(out, ensure_ascii=False)) > MAX_FIELD_TEXT:
        raise _fail(f, f"'{f}' is too long (at most {MAX_FIELD_TEXT} characters)")
    return out


def clean_payload(entity: str, entity_id: str, op: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """The payload with every value checked and normalised; raises ValidationError."""
    if entity not in ENTITIES:
        raise _fail("entity", f"'{entity[:40]}' is not something this server stores")
    if op == "amend":
        raise _fail("op", f"A {entity} record cannot be amended; send a patch")
    if op == "delete":
        return {"deleted": True}
    if not payload:
        raise _fail("payload", "The change is empty")
    if len(payload) > MAX_FIELDS:
        raise _fail("payload", f"Too many fields in one change ({len(payload)}; at most {MAX_FIELDS})")
    spec = SPECS.get(entity, {})
    out: dict[str, Any] = {}
    for f, value in payload.items():
        if not FIELD_NAME.fullmatch(f):
            raise _fail("payload", f"'{f[:40]}' is not a field name")
        check = spec.get(f) or DELETED.get(f)
        if check is None and entity == "shift" and f.startswith("groups."):
            m = GROUP_FIELD.fullmatch(f)
            if m is None:
                raise _fail(f, f"'{f}' is not a staffing figure")
            if m.group(1) not in staff_group_codes():
                raise _fail(f, f"'{m.group(1)}' is not a staff group")
            check = hours if m.group(2).endswith("hours") else count(60)
        out[f] = check(value, f) if check is not None else _generic(value, f)
    if op == "create":
        missing = [f for f in REQUIRED_ON_CREATE.get(entity, ()) if f not in out]
        if missing:
            raise _fail(missing[0], f"A new {entity} record must include '{missing[0]}'")
        _check_identity(entity, entity_id, out)
    return out


def _check_identity(entity: str, entity_id: str, data: Mapping[str, Any]) -> None:
    """Natural-key ids must match their key, so two stations' records of one thing merge."""
    expected: str | None = None
    if entity == "shift":
        expected = ids.shift_id(data["ward_id"], date.fromisoformat(data["shift_date"]), data["shift_code"])
    elif entity == "ward":
        expected = ids.ward_id(data["code"])
    elif entity == "ward_day":
        expected = ids.ward_day_id(data["ward_id"], date.fromisoformat(data["day"]))
    if expected is not None and expected != entity_id.lower():
        raise _fail("entity_id", f"The id of this {entity} does not match its ward, date and code")
