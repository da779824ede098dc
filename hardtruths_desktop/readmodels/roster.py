"""Sign in: the station's wards and each ward's active staff list."""

from __future__ import annotations

from dataclasses import dataclass

from hardtruths_desktop.store.queries import StaffInfo, WardInfo, list_staff, list_wards
from hardtruths_desktop.store.session import Store


@dataclass(frozen=True)
class Roster:
    wards: tuple[WardInfo, ...]
    staff: dict[str, tuple[StaffInfo, ...]]  # ward id -> active staff, by name


def load_roster(store: Store) -> Roster:
    with store.read() as s:
        wards = tuple(list_wards(s))
        return Roster(wards, {w.id: tuple(list_staff(s, w.id)) for w in wards})


__all__ = ["Roster", "StaffInfo", "WardInfo", "load_roster"]
