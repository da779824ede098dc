"""Per-field versions (SYNC.md 3.6) as they are stored: each version once, with the fields it holds.

In memory a record's ``field_meta`` is ``{field: version}``, a version being a small dict (on a station
``{"tok", "hlc"}``, on the trust server ``{"tok", "hlc", "device_id", "seq"}``). One mutation usually
writes many fields with the same version (a new shift: a dozen), so storing it field by field repeated
the same token and clock a dozen times (issue 13: 2.3 KB of a shift's 2.7 KB). Stored, it is
``[[version, [field, ...]], ...]`` (like protocol 2's ``versions`` on the wire), a field by its number in
``FIELD_NAMES`` where it has one (station migration 0013), lossless: ``unpack`` gives back exactly the dict
``pack`` was given, and still reads the older forms (``{field: version}``; fields by name).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

Meta = dict[str, dict[str, Any]]

#: Field names stored by number (issue 13, station migration 0013): a new shift's versions named its
#: ~14 fields in ~240 characters (``"groups.care.planned_hours"`` ...), two fifths of the shift row.
#: APPEND ONLY: a number, once stored, means its name for ever (stored rows are never renumbered).
#: A name not listed is stored as itself, so nothing depends on this list being complete.
_GROUPS = ("rn", "rna", "care", "nrna", "ahp", "student")  # valuesets.staff_group_codes() when written
_GROUP_FIELDS = ("planned", "actual", "planned_hours", "actual_hours", "bank_agency")
FIELD_NAMES: tuple[str, ...] = (
    "ward_id", "shift_date", "shift_code", "nurse_in_charge_id", "notes", "on_duty", "staffing_recorded", "deleted",
    *(f"groups.{g}.{f}" for g in _GROUPS for f in _GROUP_FIELDS),
    "day", "patients_at_midnight",
)
_NUMBER = {name: i for i, name in enumerate(FIELD_NAMES)}


def pack(meta: Mapping[str, Mapping[str, Any]]) -> list[list[Any]]:
    """``{field: version}`` -> ``[[version, [field, ...]], ...]``, each distinct version once (first-seen order),
    a field listed in ``FIELD_NAMES`` by its number."""
    groups: dict[Any, list[Any]] = {}
    seen: dict[int, Any] = {}  # a version object shared by several fields (a pulled change's): its key once
    for f, version in meta.items():
        key: Any = seen.get(id(version))
        if key is None:
            try:  # versions hold strings and numbers: hashable as they are (the save path packs on every save)
                key = tuple(sorted(version.items()))
                hash(key)
            except TypeError:
                key = json.dumps(version, sort_keys=True, separators=(",", ":"), default=str)
            seen[id(version)] = key
        entry = groups.get(key)
        name: Any = _NUMBER.get(f, f)
        if entry is None:
            groups[key] = [dict(version), [name]]
        else:
            entry[1].append(name)
    return list(groups.values())


def stored_name(field: str) -> int | str:
    """How ``pack`` lists a field: its number in ``FIELD_NAMES``, else its name."""
    return _NUMBER.get(field, field)


class UnknownFieldNumber(ValueError):
    """Stored field versions name a field by a number this version does not know: written by a newer
    release (which appended to ``FIELD_NAMES``) or damaged. Never read as another field's version."""

    def __init__(self, number: object) -> None:
        self.number = number
        super().__init__(f"A stored field version names field number {number!r}, which this version of Hard Truths "
                         f"does not know (it knows 0 to {len(FIELD_NAMES) - 1}): the record was written by a newer "
                         "version, or the data file is damaged. Update this PC, or ask IT.")


def unpack(stored: Any) -> Meta:
    """The stored value (packed list, or the older ``{field: version}`` dict, or None) as ``{field: version}``.

    Raises ``UnknownFieldNumber`` for a number outside ``FIELD_NAMES`` (a negative one too: Python's
    ``FIELD_NAMES[-1]`` would have read it silently as the last field's version)."""
    if not stored:
        return {}
    if isinstance(stored, dict):
        return {str(f): dict(v) for f, v in stored.items() if isinstance(v, Mapping)}
    meta: Meta = {}
    for version, fields in stored:
        for f in fields:
            if type(f) is int:
                if not 0 <= f < len(FIELD_NAMES):
                    raise UnknownFieldNumber(f)
                meta[FIELD_NAMES[f]] = dict(version)
            else:
                meta[str(f)] = dict(version)
    return meta


#: ``json.dumps(..., separators=(",", ":"), ensure_ascii=False, default=str)`` without building an
#: encoder on every call (a pull writes a field_meta per record)
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=str)


def dumps(meta: Mapping[str, Mapping[str, Any]]) -> str:
    """The station's TEXT column: packed, compact JSON."""
    return _ENCODER.encode(pack(meta))


def loads(text: str | None) -> Meta:
    """The station's TEXT column (either form) as ``{field: version}``."""
    return unpack(json.loads(text)) if text else {}


__all__ = ["FIELD_NAMES", "Meta", "UnknownFieldNumber", "dumps", "loads", "pack", "stored_name", "unpack"]
