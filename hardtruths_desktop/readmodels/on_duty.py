"""Who is on duty this shift: the ward's staff with a tick for those on the team sheet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hardtruths_desktop.domain.staffing import duty_mismatch
from hardtruths_desktop.domain.valuesets import staff_group
from hardtruths_desktop.readmodels.common import ward_by_id
from hardtruths_desktop.store import board
from hardtruths_desktop.store.queries import list_staff, shift_view
from hardtruths_desktop.store.session import Store


@dataclass(frozen=True)
class OnDutyPerson:
    id: str
    name: str
    role: str  # job title, or the staff group's name for one person
    on_duty: bool


@dataclass(frozen=True)
class OnDuty:
    shift_date: date
    shift_code: str
    staff: tuple[OnDutyPerson, ...]
    #: the names ticked against the shift's counts, where they differ (``staffing.duty_mismatch``)
    mismatch: tuple[str, ...] = ()


def load_on_duty(store: Store, ward_id: str, day: date, shift_code: str) -> OnDuty:
    with store.read() as s:
        ward = ward_by_id(s, ward_id)
        ticked = board.on_duty(s, ward, day, shift_code)
        on = {p.id for p in ticked}
        staff = tuple(OnDutyPerson(p.id, p.name, p.title or staff_group(p.role).singular, p.id in on)
                      for p in list_staff(s, ward_id))
        view = shift_view(s, ward, day, shift_code)
        mismatch = duty_mismatch(view.groups, [p.role for p in ticked]) if view.recorded else ()
    return OnDuty(day, shift_code, staff, mismatch)


__all__ = ["OnDuty", "OnDutyPerson", "load_on_duty"]
