"""The bed board: each bed with this shift's named nurse, and the nurses who can be named."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from hardtruths_desktop.domain.staffing import ShiftTimes, current_shift
from hardtruths_desktop.domain.valuesets import staff_group
from hardtruths_desktop.readmodels.common import ward_by_id, ward_time
from hardtruths_desktop.store import board
from hardtruths_desktop.store.beds import BedInfo, list_beds
from hardtruths_desktop.store.queries import list_staff, ward_info
from hardtruths_desktop.store.session import Store


@dataclass(frozen=True)
class NurseChoice:
    id: str
    name: str
    on_duty: bool


@dataclass(frozen=True)
class Beds:
    beds: tuple[BedInfo, ...]
    shift_date: date | None  # the shift in progress (None: the ward has no shift pattern)
    shift: ShiftTimes | None
    nurses: tuple[NurseChoice, ...]  # registered nurses and nursing associates, those on duty first
    today: date

    @property
    def shift_code(self) -> str | None:
        return self.shift.code if self.shift else None


def load_beds(store: Store, ward_id: str, *, now: datetime) -> Beds:
    local = ward_time(now)
    with store.read() as s:
        ward = ward_by_id(s, ward_id)
        cur = current_shift(ward_info(s, ward).patterns, local)
        d, pattern = cur if cur else (None, None)
        beds = tuple(list_beds(s, ward, d or local.date(), pattern.code if pattern else ""))
        on = {p.id for p in board.on_duty(s, ward, d, pattern.code)} if d and pattern else set()
        staff = [p for p in list_staff(s, ward_id) if staff_group(p.role).registered or p.role == "rna"]
    staff.sort(key=lambda p: (p.id not in on, p.name))
    return Beds(beds, d, pattern, tuple(NurseChoice(p.id, p.name, p.id in on) for p in staff), local.date())


__all__ = ["BedInfo", "Beds", "NurseChoice", "load_beds"]
