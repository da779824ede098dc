"""A record's field versions as the trust server stores them (``entity_record.field_meta``, server migration 0021).

In memory a record's versions are ``{field: version}`` (``version``: ``{"tok", "hlc", "device_id", "seq"}``, one
object shared by the fields one mutation wrote). Stored, each version is written once with the fields it holds:

    [[tok, hlc, device_id, seq, field, field, ...], ...]

a field by its number in the station's append-only ``FIELD_NAMES`` where it has one, else by its name (a number
and a name cannot be confused with the four leading parts: they sit at fixed places). The token and the device
id, UUIDs in their usual form, are written as their 16 bytes in base64 (22 characters, not 36:
``short_id``; any other text is kept as it is, behind a ``~`` when it could be read as one). A version that is
not exactly those four parts (an odd row from an older release) is kept as it is: ``[version_object, field, ...]``.

Groups are read in order and a LATER group wins for a field it names, so an edit appends a group (one text
append in PostgreSQL, no parse of what is stored: ``append_text``) and the Python side, which holds the whole
record's versions after its load, rewrites the deduplicated form once the stored text passes ``TEXT_MAX``.
Readers still accept the older ``{field: version}`` object (before 0021)."""

from __future__ import annotations

import binascii
import functools
import json
import logging
import re
from collections.abc import Mapping
from typing import Any

import orjson

from hardtruths_desktop.domain.field_meta import FIELD_NAMES

Meta = dict[str, dict[str, Any]]
log = logging.getLogger("trust_server.field_versions")

#: the stored text (characters) up to which an edit appends its versions; past it the record's versions are
#: written whole again, each distinct version once (a record edited 200 times stays near its deduplicated size)
TEXT_MAX = 1000
_N = len(FIELD_NAMES)
#: each name's number in ``FIELD_NAMES`` (``stored_name``'s)
_NUMBER = {name: i for i, name in enumerate(FIELD_NAMES)}
_ABSENT = object()
_CANONICAL = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def short_id(value: str) -> str:
    """A UUID in its usual form (lower case, dashes) as its 16 bytes in base64 without padding (22
    characters); other text as it is, behind a ``~`` when it is 22 characters long or starts with one."""
    if len(value) == 36 and _CANONICAL.fullmatch(value):
        return binascii.b2a_base64(bytes.fromhex(value.replace("-", "")), newline=False)[:22].decode()
    if len(value) == 22 or value[:1] == "~":
        return "~" + value
    return value


def long_id(stored: str) -> str:
    """``short_id`` read back (text of another shape, a damaged value, as it is)."""
    if stored[:1] == "~":  # escaped by ``short_id`` (before base64 is tried: "~" + 21 characters is 22 long)
        return stored[1:]
    if len(stored) == 22:
        try:
            h = binascii.a2b_base64(stored + "==").hex()
        except (binascii.Error, ValueError):
            return stored
        if len(h) == 32:
            return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
        return stored
    return stored


#: device ids both ways (a record's versions come from a few devices): bounded, as ids come from the database
_short_device = functools.lru_cache(maxsize=4096)(short_id)
_long_device = functools.lru_cache(maxsize=4096)(long_id)


def _group_head(version: Mapping[str, Any]) -> list[Any]:
    """The leading parts of a version's group: ``[tok, hlc, device_id, seq]``, or ``[version]`` when odd."""
    if type(version) is dict and len(version) == 4:
        tok, hlc, dev, seq = version.get("tok"), version.get("hlc"), version.get("device_id"), version.get("seq", _ABSENT)
        if type(tok) is str and type(hlc) is str and type(dev) is str and (seq is None or type(seq) is int):
            return [short_id(tok), hlc, _short_device(dev), seq]
    return [dict(version)]


def pack(meta: Mapping[str, Mapping[str, Any]]) -> list[list[Any]]:
    """``{field: version}`` -> ``[[tok, hlc, device_id, seq, field...], ...]``: each distinct version once (the
    fields sharing one version object found by identity, equal versions by value), in first-seen order."""
    by_id: dict[int, list[Any]] = {}
    by_value: dict[Any, list[Any]] = {}
    out: list[list[Any]] = []
    number = _NUMBER.get  # ``stored_name`` without a call per field
    last: Any = _ABSENT  # the version of the field before: a version's fields mostly come one after another
    group: list[Any] = []
    for f, version in meta.items():
        if version is last:
            group.append(number(f, f))
            continue
        last = version
        group = by_id.get(id(version))  # type: ignore[assignment]
        if group is None:
            head = _group_head(version)
            try:
                key: Any = tuple(head) if len(head) == 4 else json.dumps(head[0], sort_keys=True, default=str)
                group = by_value.get(key)
            except TypeError:
                key, group = None, None
            if group is None:
                group = head
                out.append(group)
                if key is not None:
                    by_value[key] = group
            by_id[id(version)] = group
        group.append(number(f, f))
    return out


def unpack(stored: Any) -> Meta:
    """The stored value (the packed list, the older ``{field: version}`` object, None) as ``{field: version}``;
    a later group wins for a field; the fields of one group share one version object. Parts it cannot read
    (a group of another shape, a field number this release does not know) are left out, never raised."""
    if not stored:
        return {}
    if type(stored) is dict:
        return {f: v for f, v in stored.items() if type(v) is dict}
    if type(stored) is not list:
        return {}
    meta: Meta = {}
    for group in stored:
        if type(group) is not list or not group:
            continue
        head = group[0]
        if type(head) is str and len(group) >= 4:
            dev = group[2]
            version: dict[str, Any] = {"tok": long_id(head), "hlc": group[1],
                                       "device_id": _long_device(dev) if type(dev) is str else dev, "seq": group[3]}
            fields = group[4:]
        elif type(head) is dict:
            version, fields = head, group[1:]
        else:
            continue
        for f in fields:
            if type(f) is int:
                if 0 <= f < _N:
                    meta[FIELD_NAMES[f]] = version
            elif type(f) is str:
                meta[f] = version
    return meta


def wire_versions(stored: Any) -> list[tuple[str, str, list[str]]]:
    """Protocol 2's ``versions`` of a stored value (either form): ``(tok, hlc, [field names])``, each token and
    clock once, a field under the version that holds it now (its last group)."""
    if type(stored) is not list:
        stored = unpack(stored)
        by_tok: dict[tuple[str, str], list[str]] = {}
        for f, m in stored.items():
            if isinstance(m.get("tok"), str):
                hlc = m.get("hlc")
                by_tok.setdefault((m["tok"], hlc if isinstance(hlc, str) else ""), []).append(f)
        return [(tok, hlc, fields) for (tok, hlc), fields in by_tok.items()]
    named: list[tuple[str | None, str, list[str]]] = []
    for group in stored:
        if type(group) is not list or not group:
            continue
        head = group[0]
        if type(head) is str and len(group) >= 4:
            tok, hlc, fields = long_id(head), group[1], group[4:]
        elif type(head) is dict and isinstance(head.get("tok"), str):
            tok, hlc, fields = head["tok"], head.get("hlc"), group[1:]
        elif type(head) is dict:  # an odd version with no token: not sent, but its fields' earlier versions are
            tok, hlc, fields = None, None, group[1:]  # superseded all the same (as ``unpack`` reads it; reviewer)
        else:
            continue
        names = [FIELD_NAMES[f] if type(f) is int else str(f) for f in fields
                 if (type(f) is int and 0 <= f < _N) or type(f) is str]
        named.append((tok, hlc if isinstance(hlc, str) else "", names))
    if len(named) > 1:  # a field under its last group only
        seen: set[str] = set()
        for i in range(len(named) - 1, -1, -1):
            tok, hlc, names = named[i]
            kept = [f for f in names if f not in seen]
            seen.update(names)
            named[i] = (tok, hlc, kept)
    out: dict[tuple[str, str], list[str]] = {}
    for tok, hlc, names in named:
        if names and tok is not None:
            out.setdefault((tok, hlc), []).extend(names)
    return [(tok, hlc, names) for (tok, hlc), names in out.items()]


def loads(text: str | bytes | None, where: str = "") -> Any:
    """Stored versions' JSON text read back: ``orjson``, Python's ``json`` for what orjson refuses (a lone
    surrogate), None (logged, with ``where``) for text neither reads: one bad value never stops a pull or a push."""
    if text is None:
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(text)
    except ValueError:
        log.warning("field versions of %s could not be read; sent and merged without them", where or "a record")
        return None


def append_text(stored_text: str, part_text: str) -> str:
    """What PostgreSQL holds after ``bulk.patch_records`` appends ``part_text`` (packed groups, ``[[...]]``) to
    ``stored_text`` (a non-empty packed list): one list, the new groups last."""
    return stored_text[:-1] + "," + part_text[1:]


__all__ = ["TEXT_MAX", "Meta", "append_text", "loads", "long_id", "pack", "short_id", "unpack", "wire_versions"]
