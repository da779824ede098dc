"""``EntitySchema.check_record`` by its plan (issue 13, i13-cpu9): the server checks the WHOLE merged record of every
edit (a one-field edit of a shift checks its ~14 fields). Since i13-cpu9 it follows a plan worked out once per record
shape (``protocol._check_plan``) and reads each field's accepted values from a dict per field and value type
(``protocol._field_cache``), without a call per field. Here every verdict, refusal text and normalised record
(values and key order) is the one the check before it gave (``_before``, its code as it was), for records of
several entities: the shift (dynamic ``groups.*`` fields, an id derived from its key), ``ward_board`` (the id IS a
field), ``red_flag`` (a model-level rule: validated whole), each with bad values, missing and unknown fields, values
of another type equal to an accepted one (``True``/``1``/``1.0``), long text, and ``checked=`` objects."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import pytest

from hardtruths_desktop.domain import ids
from hardtruths_desktop.domain.validation import ValidationError
from hardtruths_desktop.sync import protocol
from hardtruths_desktop.sync.protocol import SCHEMAS, EntitySchema

WARD = str(uuid.UUID(int=0xA11CE))
STAFF = str(uuid.UUID(int=0xB0B))
SHIFT = ids.shift_id(WARD, __import__("datetime").date(2026, 11, 30), "early")
FLAG = str(uuid.UUID(int=0xF1A6))


def _before(schema: EntitySchema, entity_id: str, record: Mapping[str, Any], checked: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``check_record`` as it was before its plan (i13-cpu9), for comparison."""
    fixed: dict[str, Any] = {}
    dynamic: dict[str, Any] = {}
    plan, refusal = protocol._record_shape(schema.name, tuple(record))
    done = checked if checked is not None else {}
    for f, own in plan:
        if own:
            fixed[f] = record[f]
        else:
            value = record[f]
            dynamic[f] = value if done.get(f, protocol._UNSET) is value else protocol._validate_field(schema.name, f, value)
    if refusal is not None:
        raise ValidationError(refusal.errors)
    if schema.key != "id":
        fixed[schema.key] = entity_id.lower()
    out = {**schema._check_fixed(fixed, done), **dynamic}
    if schema.identity is not None and not out.get("deleted"):
        try:
            expected = schema.identity(out)
        except (KeyError, ValueError, TypeError):
            expected = ""
        if expected != entity_id.lower():
            key = ", ".join(f.replace("_id", "") for f in schema.identity_key) or "key"
            raise ValidationError.single("entity_id", f"The id of this {schema.name.replace('_', ' ')} does not match its {key}")
    return out


def _verdict(check: Any, *args: Any) -> tuple[str, Any]:
    try:
        out = check(*args)
    except ValidationError as e:
        return "refused", (str(e), e.errors)
    return "accepted", list(out.items())  # the values and their order


SHIFT_RECORD: dict[str, Any] = {
    "deleted": False, "ward_id": WARD, "shift_date": "2026-11-30", "shift_code": "early", "nurse_in_charge_id": STAFF,
    "notes": "Two bank nurses", "staffing_recorded": True, "on_duty": [STAFF], "groups.rn.planned": 4, "groups.rn.actual": 3,
    "groups.rn.planned_hours": 30.0, "groups.rn.actual_hours": 22.5, "groups.care.planned": 2}
BOARD_RECORD: dict[str, Any] = {"ward_id": WARD, "ward_manager": "Sister A. Jones", "matron": ""}
FLAG_RECORD: dict[str, Any] = {"ward_id": WARD, "shift_id": SHIFT, "flag_type": "rn_shortfall", "raised_at": "2026-11-30T09:00:00Z",
                               "raised_by": "Nurse B", "escalated_to": "Matron J. Okafor"}

#: values put in one field at a time: good, bad, of another type equal to a good one, long, odd
ODD_VALUES: tuple[Any, ...] = (0, 1, 3, True, False, 1.0, 3.0, 22.5, -1, 61, "3", "", " padded ", "x" * 81, "y" * 5000, None,
                               [], [STAFF], [STAFF, STAFF], "2026-02-30", "early", "night", WARD, WARD.upper(), "a\x00b", {"a": 1})


def _cases() -> list[tuple[str, str, dict[str, Any]]]:
    cases: list[tuple[str, str, dict[str, Any]]] = []
    for entity, entity_id, record in (("shift", SHIFT, SHIFT_RECORD), ("ward_board", WARD, BOARD_RECORD), ("red_flag", FLAG, FLAG_RECORD)):
        cases.append((entity, entity_id, dict(record)))
        for f in record:
            cases.append((entity, entity_id, {k: v for k, v in record.items() if k != f}))  # a field left out
            for value in ODD_VALUES:
                cases.append((entity, entity_id, {**record, f: value}))
        for extra in ({"groups.hca.actual": 2}, {"groups.nope.actual": 2}, {"not_a_field": 1}, {"Bad Name": 1}, {"deleted": True},
                      {"escalated_to": ""}, {"ward_id": str(uuid.UUID(int=5))}):
            cases.append((entity, entity_id, {**record, **extra}))
        cases.append((entity, entity_id, dict(reversed(list(record.items())))))  # another key order: another plan
    cases.append(("shift", str(uuid.UUID(int=9)), dict(SHIFT_RECORD)))  # an id that does not match the shift's key
    return cases


def test_a_record_checked_by_its_plan_gets_the_verdict_and_the_record_the_check_before_it_gave() -> None:
    cases = _cases()
    for _round in range(2):  # the second time every value answered from the caches
        for entity, entity_id, record in cases:
            schema = SCHEMAS[entity]
            before = _verdict(_before, schema, entity_id, record)
            assert _verdict(schema.check_record, entity_id, record) == before, (entity, record)
            # the merge hands over the record's names it has made already (``names``): the same
            assert _verdict(schema.check_record, entity_id, record, None, tuple(record)) == before, (entity, record)


def test_values_already_checked_are_taken_as_they_are_by_both() -> None:
    """``checked=``: the very objects ``clean_values`` returned are not checked again (an equal object is)."""
    schema = SCHEMAS["shift"]
    values = schema.clean_values({"notes": " padded ", "groups.rn.actual": 4, "shift_code": "early"})
    for record in ({**SHIFT_RECORD, **values}, {**SHIFT_RECORD, **values, "notes": " padded "}, {**SHIFT_RECORD, "groups.rn.actual": -1}):
        for checked in (values, {"groups.rn.actual": -1}, None):
            assert _verdict(schema.check_record, SHIFT, record, checked) == _verdict(_before, schema, SHIFT, record, checked)


def test_an_accepted_value_is_not_taken_for_an_equal_value_of_another_type() -> None:
    """``1``, ``1.0`` and ``True`` are equal keys to a dict: each type has its own dict of answers."""
    schema = SCHEMAS["shift"]
    for first, then in ((1, True), (True, 1), (3, 3.0), (3.0, 3), (0, False)):
        for f in ("groups.rn.actual", "groups.rn.actual_hours", "staffing_recorded", "deleted"):
            for value in (first, then):
                record = {**SHIFT_RECORD, f: value}
                assert _verdict(schema.check_record, SHIFT, record) == _verdict(_before, schema, SHIFT, record), (f, value)


def test_a_merged_shift_seen_again_makes_no_call_per_field(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the plan saves: once its values were accepted, a shift's whole-record check calls no field check (a list,
    ``on_duty``, still goes through ``_validate_field``: a new list each time)."""
    schema = SCHEMAS["shift"]
    record = {**SHIFT_RECORD, "on_duty": 7}  # refused whatever caches say
    with pytest.raises(ValidationError):
        schema.check_record(SHIFT, record)
    record = {k: v for k, v in SHIFT_RECORD.items() if k != "on_duty"}
    first = schema.check_record(SHIFT, record)
    calls: list[str] = []
    real = protocol._validate_field

    def counted(entity: str, f: str, value: Any) -> Any:
        calls.append(f)
        return real(entity, f, value)

    monkeypatch.setattr(protocol, "_validate_field", counted)
    assert schema.check_record(SHIFT, dict(record)) == first
    assert calls == []


def test_the_kept_answers_go_when_the_field_checks_cache_is_emptied() -> None:
    """Bounded as ``_ACCEPTED`` is: emptied together (and by ``register``), never holding an answer it does not."""
    schema = SCHEMAS["shift"]
    schema.check_record(SHIFT, SHIFT_RECORD)
    kept = protocol._field_cache("shift", "groups.rn.actual")[int]
    assert kept and all(protocol._ACCEPTED[("shift", "groups.rn.actual", int, v)] is r for v, r in kept.items())
    for n in range(65_537 - len(protocol._ACCEPTED)):  # distinct accepted texts until the cache is emptied
        protocol._validate_field("shift", "notes", f"note {n}")
    assert not kept and len(protocol._ACCEPTED) <= 2
    assert _verdict(schema.check_record, SHIFT, SHIFT_RECORD) == _verdict(_before, schema, SHIFT, SHIFT_RECORD)
