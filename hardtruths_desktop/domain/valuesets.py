"""National value sets (staff groups, red flag types), kept as data in ``resources/valuesets/staffing.json``.

DOMAIN.md asks that value sets are data a trust can update, never constants scattered in widgets:
every screen and report asks this module for labels and codes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Literal

from hardtruths_desktop import resources

ReturnGroup = Literal["rn", "care"]


@dataclass(frozen=True)
class StaffGroup:
    code: str
    label: str
    singular: str
    registered: bool
    return_group: ReturnGroup | None
    counts_for_care_hours: bool


@dataclass(frozen=True)
class RedFlagType:
    code: str
    label: str
    computed: bool


@cache
def _data() -> dict[str, list[dict[str, object]]]:
    text = resources.valueset("staffing").read_text(encoding="utf-8")
    loaded: dict[str, list[dict[str, object]]] = json.loads(text)
    return loaded


@cache
def staff_groups() -> tuple[StaffGroup, ...]:
    out = []
    for row in _data()["staff_groups"]:
        rg: ReturnGroup | None = "rn" if row["return_group"] == "rn" else "care" if row["return_group"] == "care" else None
        out.append(
            StaffGroup(
                code=str(row["code"]),
                label=str(row["label"]),
                singular=str(row["singular"]),
                registered=bool(row["registered"]),
                return_group=rg,
                counts_for_care_hours=bool(row["counts_for_care_hours"]),
            )
        )
    return tuple(out)


@cache
def red_flag_types() -> tuple[RedFlagType, ...]:
    return tuple(
        RedFlagType(code=str(r["code"]), label=str(r["label"]), computed=bool(r["computed"]))
        for r in _data()["red_flag_types"]
    )


def staff_group(code: str) -> StaffGroup:
    for g in staff_groups():
        if g.code == code:
            return g
    raise KeyError(code)


def staff_group_codes() -> tuple[str, ...]:
    return tuple(g.code for g in staff_groups())


def red_flag_type(code: str) -> RedFlagType:
    for t in red_flag_types():
        if t.code == code:
            return t
    raise KeyError(code)


def recordable_red_flag_codes() -> tuple[str, ...]:
    """Red flags a nurse raises by hand (the other two are computed from the staffing numbers)."""
    return tuple(t.code for t in red_flag_types() if not t.computed)
