"""Ward setup: the staff list, the shift pattern and the planned establishment in force on a date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hardtruths_desktop.domain.staffing import GroupFigures
from hardtruths_desktop.store.queries import StaffInfo, establishment_plan, list_staff, patterns
from hardtruths_desktop.store.session import Store


@dataclass(frozen=True)
class PatternInfo:
    code: str
    name: str
    start_time: str  # HH:MM
    end_time: str
    period: str  # day | night
    sort_order: int
    active: bool


@dataclass(frozen=True)
class PlanLine:
    shift_code: str
    shift_name: str
    staff_group: str
    figures: GroupFigures  # planned people and hours


@dataclass(frozen=True)
class Setup:
    staff: tuple[StaffInfo, ...]  # everyone, including those who left
    patterns: tuple[PatternInfo, ...]  # every shift, including retired ones
    plan: tuple[PlanLine, ...]
    plan_date: date

    @property
    def active_shifts(self) -> list[tuple[str, str]]:
        return [(p.code, p.name) for p in self.patterns if p.active]


def load_setup(store: Store, ward_id: str, plan_date: date) -> Setup:
    with store.read() as s:
        staff = tuple(list_staff(s, ward_id, include_inactive=True))
        pats = tuple(PatternInfo(p.code, p.name, p.start_time, p.end_time, p.period, p.sort_order, p.active)
                     for p in patterns(s, ward_id, include_inactive=True))
        plan = establishment_plan(s, ward_id, plan_date)
    names = {p.code: p.name for p in pats}
    lines = tuple(PlanLine(code, names.get(code, code), g, f)
                  for code in [p.code for p in pats if p.code in plan] for g, f in plan[code].items())
    return Setup(staff, pats, lines, plan_date)


__all__ = ["PatternInfo", "PlanLine", "Setup", "load_setup"]
