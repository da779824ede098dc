"""Issue 13: per-field versions stored packed (each version once with its fields), read back exactly."""

from __future__ import annotations

import json

import pytest

from hardtruths_desktop.domain import field_meta


def test_pack_is_lossless_and_stores_each_version_once() -> None:
    create = {"tok": "0195-a", "hlc": "1741600000123-00007-3f6c9a3e", "device_id": "dev-1", "seq": 41}
    edit = {"tok": "0195-b", "hlc": "1741600000999-00000-3f6c9a3e", "device_id": "dev-1", "seq": 42}
    meta = {**{f"groups.{g}.{c}": dict(create) for g in ("rn", "care") for c in ("planned", "actual")},
            "notes": dict(create), "groups.rn.actual": dict(edit)}
    packed = field_meta.pack(meta)
    assert len(packed) == 2 and json.dumps(packed).count("0195-a") == 1
    assert field_meta.unpack(packed) == meta
    assert field_meta.unpack(json.loads(json.dumps(packed))) == meta  # through JSONB / TEXT
    assert field_meta.loads(field_meta.dumps(meta)) == meta
    assert len(field_meta.dumps(meta)) < len(json.dumps(meta)) / 2


def test_reads_the_older_form_and_nothing() -> None:
    old = {"notes": {"tok": "t", "hlc": "h"}}
    assert field_meta.unpack(old) == old and field_meta.loads(json.dumps(old)) == old
    assert field_meta.unpack(None) == {} and field_meta.loads("") == {} and field_meta.loads("{}") == {}
    assert field_meta.unpack([]) == {} and field_meta.pack({}) == []


def test_unpacked_versions_are_separate_dicts() -> None:
    meta = field_meta.unpack(field_meta.pack({"a": {"tok": "t"}, "b": {"tok": "t"}}))
    meta["a"]["seq"] = 7  # the server stamps a field's seq in place: its neighbours must not change
    assert meta["b"] == {"tok": "t"}


def test_versions_shared_by_fields_pack_as_separate_ones_do() -> None:
    """A pulled change's fields share one version object (``protocol.Change.metas``): packed, it is the
    same as with a copy per field, including a field that holds an equal version of another change."""
    one, two = {"tok": "t1", "hlc": "h1"}, {"tok": "t2", "hlc": "h2"}
    shared = {"a": one, "b": two, "c": one, "d": {"tok": "t1", "hlc": "h1"}, "e": two}
    copied = {f: dict(v) for f, v in shared.items()}
    assert field_meta.pack(shared) == field_meta.pack(copied) == [[one, ["a", "c", "d"]], [two, ["b", "e"]]]
    assert field_meta.dumps(shared) == field_meta.dumps(copied)
    assert field_meta.unpack(field_meta.pack(shared)) == copied


def test_a_field_number_this_release_does_not_know_is_refused_in_words() -> None:
    """A number past ``FIELD_NAMES`` (a newer release's field) or below 0 (damage; ``FIELD_NAMES[-1]`` would
    read it as the last field's version) is never read as another field's version."""
    known = field_meta.pack({"notes": {"tok": "t", "hlc": "h"}})
    assert field_meta.unpack(known) == {"notes": {"tok": "t", "hlc": "h"}}
    for number in (len(field_meta.FIELD_NAMES), 999, -1):
        stored = [[{"tok": "t", "hlc": "h"}, [0, number]]]
        for given in (stored, json.dumps(stored)):
            with pytest.raises(field_meta.UnknownFieldNumber, match=f"field number {number}, .*newer version") as e:
                field_meta.unpack(given) if isinstance(given, list) else field_meta.loads(given)
            assert e.value.number == number and isinstance(e.value, ValueError)
