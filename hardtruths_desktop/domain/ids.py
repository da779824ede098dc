"""Identity rules from SYNC.md 3.2: UUIDv5 for natural keys, UUIDv7 for events and mutations."""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from datetime import date
from functools import lru_cache

# Fixed namespaces: changing them would split the identity of every shift ever recorded.
NS_SHIFT = uuid.UUID("6f1d3c1e-2d0b-5a8e-9b3f-8a7f3f0c1a01")
NS_WARD_DAY = uuid.UUID("6f1d3c1e-2d0b-5a8e-9b3f-8a7f3f0c1a02")
NS_WARD = uuid.UUID("6f1d3c1e-2d0b-5a8e-9b3f-8a7f3f0c1a03")
NS_PATTERN = uuid.UUID("6f1d3c1e-2d0b-5a8e-9b3f-8a7f3f0c1a04")
NS_ESTABLISHMENT = uuid.UUID("6f1d3c1e-2d0b-5a8e-9b3f-8a7f3f0c1a05")
NS_BED = uuid.UUID("6f1d3c1e-2d0b-5a8e-9b3f-8a7f3f0c1a06")
NS_BED_NURSE = uuid.UUID("6f1d3c1e-2d0b-5a8e-9b3f-8a7f3f0c1a07")


def uuid5(namespace: uuid.UUID, name: str) -> str:
    """``str(uuid.uuid5(namespace, name))``, several times faster (no UUID object): a station checks
    the id of every shift it pulls against its ward, date and shift code."""
    b = bytearray(hashlib.sha1(namespace.bytes + name.encode("utf-8"), usedforsecurity=False).digest()[:16])
    b[6] = (b[6] & 0x0F) | 0x50  # version 5
    b[8] = (b[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def ward_id(ward_code: str) -> str:
    """A ward's id from its code, so two stations that set up the same ward agree on it."""
    return uuid5(NS_WARD, ward_code.strip().upper())


@lru_cache(maxsize=4096)  # pure; a ward saves and pulls the same few hundred shifts again and again (issue 13)
def shift_id(ward_id_: str, shift_date: date, shift_code: str) -> str:
    """``uuid5(NS_SHIFT, ward_id + "/" + date + "/" + shift_code)`` (SYNC.md 3.2)."""
    return uuid5(NS_SHIFT, f"{ward_id_}/{shift_date.isoformat()}/{shift_code}")


def ward_day_id(ward_id_: str, day: date) -> str:
    return uuid5(NS_WARD_DAY, f"{ward_id_}/{day.isoformat()}")


def pattern_id(ward_id_: str, shift_code: str) -> str:
    return uuid5(NS_PATTERN, f"{ward_id_}/{shift_code}")


def establishment_id(ward_id_: str, shift_code: str, group: str, effective_from: date) -> str:
    return uuid5(NS_ESTABLISHMENT, f"{ward_id_}/{shift_code}/{group}/{effective_from.isoformat()}")


def bed_id(ward_id_: str, label: str) -> str:
    return uuid5(NS_BED, f"{ward_id_}/{label.strip().casefold()}")


def bed_nurse_id(bed_id_: str, shift_date: date, shift_code: str) -> str:
    return uuid5(NS_BED_NURSE, f"{bed_id_}/{shift_date.isoformat()}/{shift_code}")


_last_v7 = [0, 0]


def uuid7() -> str:
    """RFC 9562 UUIDv7: 48-bit ms timestamp, then random bits; monotonic within this process.

    Never interpret the timestamp (it is the client's clock); it only gives index locality.
    """
    ms = time.time_ns() // 1_000_000
    if ms <= _last_v7[0]:
        ms = _last_v7[0]
        _last_v7[1] += 1
        if _last_v7[1] > 0xFFF:  # 12-bit counter overflow: borrow the next millisecond (RFC 9562 6.2)
            ms += 1
            _last_v7[0] = ms
            _last_v7[1] = 0
    else:
        _last_v7[0] = ms
        _last_v7[1] = int.from_bytes(os.urandom(2), "big") & 0x3FF
    rand_a = _last_v7[1] & 0xFFF
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return str(uuid.UUID(int=value))
