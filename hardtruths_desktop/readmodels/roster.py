"""Sign in: the station's wards and each ward's active staff list."""

from __future__ import annotations

from dataclasses import dataclass

from hardtruths_desktop.store.queries import StaffInfo, WardInfo, list_staff, list_wards
from hardtruths_desktop.store.session import Store


@dataclass(frozen=True)
class Roster:
    wards: tuple[WardInfo, ...]
    staff: dict[str, tuple[StaffInfo, ...]]  # ward id -> active staff, by name
    home_ward: str | None = None  # this station's ward (code), once chosen (store.station)


def load_roster(store: Store) -> Roster:
    from hardtruths_desktop.store.station import station_ward_code

    with store.read() as s:
        wards = tuple(list_wards(s))
        return Roster(wards, {w.id: tuple(list_staff(s, w.id)) for w in wards}, station_ward_code(s))


__all__ = ["Roster", "StaffInfo", "WardInfo", "load_roster"]
