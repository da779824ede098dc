"""``Batch._as_patch`` (issue 13): an updated record's row carries only the keys whose value is not the very object
stored, unless a stored key went (then the record is written whole). Since i13-cpu9 whether every stored key is
still there is worked out from the two diffs (no second pass over every key): here it answers as the subset test
before it did, for the changes a merge or a void makes and for the ones that could fool a count (a key gone and
another come, the record as long as before). No database: the rows are what ``finish`` would write."""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session

from trust_server import field_versions
from trust_server.apply import _ABSENT, Author, Batch, Record, _changed
from trust_server.bulk import json_text

V1 = {"tok": "01a23781-7d7c-72ab-aaee-65cf0f8256f0", "hlc": "1796227562875-00000-8f2514e8",
      "device_id": "8f2514e8-36a5-44e3-b18a-7264b6be2c8c", "seq": 5}
V2 = {**V1, "tok": "01a23781-80c2-7128-b60a-b5e389ecb92d", "seq": 9}
DATA: dict[str, Any] = {"deleted": False, "shift_code": "early", "notes": "", "groups.rn.actual": 3, "groups.rn.actual_hours": 24.0}
META: dict[str, Any] = dict.fromkeys(["shift_code", "notes", "groups.rn.actual", "groups.rn.actual_hours"], V1)


def _before(old: tuple[dict[str, Any], dict[str, Any]], data: dict[str, Any], meta: dict[str, Any]) -> Any:
    """What ``_as_patch`` decided before i13-cpu9: False (written whole) or the data patch and changed versions."""
    old_data, old_meta = old
    if not (old_data.keys() <= data.keys() and old_meta.keys() <= meta.keys()):
        return False
    return ({k: v for k, v in data.items() if old_data.get(k, _ABSENT) is not v},
            {k: v for k, v in meta.items() if old_meta.get(k, _ABSENT) is not v})


def _cases() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    d, m = DATA, META
    swap = {k: v for k, v in d.items() if k != "notes"} | {"groups.hca.actual": 1}
    return [
        ("unchanged", dict(d), dict(m)),
        ("one field edited", {**d, "groups.rn.actual": 4}, {**m, "groups.rn.actual": V2}),
        ("an equal value, another object", {**d, "groups.rn.actual_hours": float(24)}, dict(m)),
        ("a field added", {**d, "groups.hca.actual": 2}, {**m, "groups.hca.actual": V2}),
        ("a derived value, no version", {**d, "staffing_recorded": True}, dict(m)),
        ("voided: keys gone", {"deleted": True, "shift_code": "early"}, {"deleted": V2}),
        ("a key gone and another come (as long as before)", swap, dict(m)),
        ("a version gone and another come", dict(d), {k: v for k, v in m.items() if k != "notes"} | {"deleted": V2}),
        ("a version gone only", dict(d), {k: v for k, v in m.items() if k != "notes"}),
        ("a value gone only", {k: v for k, v in d.items() if k != "notes"}, dict(m)),
        ("every key there, in another order", dict(reversed(list({**d, "notes": "x"}.items()))), dict(reversed(list(m.items())))),
    ]


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c[0])
def test_a_patch_row_is_made_only_when_every_stored_key_is_still_there(case: tuple[str, dict[str, Any], dict[str, Any]]) -> None:
    _name, data, meta = case
    with Session(create_engine("sqlite://")) as session:
        batch = Batch(session, Author(V1["device_id"], None), datetime(2026, 12, 2, tzinfo=UTC))
    stored_data, stored_meta = dict(DATA), dict(META)  # the same value objects as the cases' (they copy DATA, META)
    batch.stored[("shift", "s1")] = (stored_data, stored_meta, 200)  # a stored text an edit appends to
    rec = Record("shift", "s1", None, data, meta, False, True, 5, True)
    row: dict[str, Any] = {"entity": "shift", "id": "s1", "data": data, "field_meta": None}
    patched = batch._as_patch(row, rec)
    expected = _before((stored_data, stored_meta), data, meta)
    if expected is False:
        assert patched is False and "patch" not in row and row["data"] is data
    else:
        data_patch, changed = expected
        assert patched is True and row["patch"] is True
        assert list(row["data"].items()) == list(data_patch.items())
        assert row["field_meta"] == ("," + json_text(field_versions.pack(changed))[1:] if changed else None)
    assert batch.stored[("shift", "s1")][:2] == (data, meta)


def test_the_changed_keys_are_the_ones_the_comparison_key_by_key_finds() -> None:
    """``apply._changed`` against the key-by-key comparison, over dicts made from a stored one the ways a record can
    change and the ways that defeat its shortcut: keys reordered, keys that are equal text but other objects, keys
    gone, keys added, values replaced by equal objects or set to the very stored ones."""
    rng = random.Random(13)
    for _ in range(3000):
        old = {f"k{i}": [i] if rng.random() < 0.5 else i for i in range(rng.randint(0, 8))}
        new = dict(old)
        for _op in range(rng.randint(0, 4)):
            keys = list(new)
            kind = rng.choice(["set", "same", "equal", "add", "drop", "reorder", "rekey"])
            if kind == "set" and keys:
                new[rng.choice(keys)] = object()
            elif kind == "same" and old:  # the very stored object back
                k = rng.choice(list(old))
                new[k] = old[k]
            elif kind == "equal" and keys:  # an equal value, another object
                k = rng.choice(keys)
                new[k] = copy.copy(new[k]) if isinstance(new[k], list) else new[k]
            elif kind == "add":
                new[f"n{rng.randint(0, 9)}"] = rng.randint(0, 3)
            elif kind == "drop" and keys:
                del new[rng.choice(keys)]
            elif kind == "reorder":
                items = list(new.items())
                rng.shuffle(items)
                new = dict(items)
            elif kind == "rekey" and keys:  # the same text as another key object
                k = rng.choice(keys)
                new = {("".join(list(k)) if key == k else key): v for key, v in new.items()}
        expected = None if not old.keys() <= new.keys() else {k: v for k, v in new.items() if old.get(k, _ABSENT) is not v}
        got = _changed(old, new)
        assert (got is None) == (expected is None), (old, new)
        if expected is not None and got is not None:
            assert list(got) == list(expected) and all(got[k] is expected[k] for k in got), (old, new)
